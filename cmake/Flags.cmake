# Compiler and linker flags shared by every target of the project.

set(SQH_WARNINGS
  -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wformat=2
  -Wcast-qual -Wmissing-prototypes -Wstrict-prototypes -Wvla -Wundef
  -Wpointer-arith -Wwrite-strings -Wnull-dereference -Wimplicit-fallthrough)
if(SQH_WERROR)
  list(APPEND SQH_WARNINGS -Werror)
endif()

set(SQH_HARDENING -fstack-protector-strong -fno-strict-overflow)
set(SQH_LINK_HARDENING -Wl,-z,relro,-z,now -Wl,-z,noexecstack)

if(SQH_SANITIZE)
  # Fortification and sanitizers do not mix well; the sanitizers check more.
  set(SQH_SAN_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all
      -fno-omit-frame-pointer)
  add_compile_options(${SQH_SAN_FLAGS} -O1 -g)
  add_link_options(${SQH_SAN_FLAGS})
else()
  list(APPEND SQH_HARDENING -D_FORTIFY_SOURCE=3)
endif()

if(SQH_FUZZ AND CMAKE_C_COMPILER_ID MATCHES "Clang")
  # Coverage feedback from the code under test, not only from the fuzz
  # harnesses; libFuzzer itself is linked into the fuzz targets only.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

add_compile_definitions(_GNU_SOURCE)

# sqh_target_defaults(TARGET): picky warnings and hardening for our own code.
function(sqh_target_defaults target)
  target_compile_options(${target} PRIVATE ${SQH_WARNINGS} ${SQH_HARDENING})
  target_link_options(${target} PRIVATE ${SQH_LINK_HARDENING})
endfunction()

add_compile_definitions(SQH_VERSION="${PROJECT_VERSION}")
