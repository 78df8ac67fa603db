#!/bin/sh
# The drop-in library exports exactly Intel's six functions under the
# soname libsgx_quote_ex.so.1, and installs with its header and pkg-config
# file so that a program builds against it.
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
lib=$build/lib/libsgx_quote_ex.so.1

want='sgx_get_quote_ex
sgx_get_quote_size_ex
sgx_get_supported_att_key_id_num
sgx_get_supported_att_key_ids
sgx_init_quote_ex
sgx_select_att_key_id'
got=$(nm -D --defined-only "$lib" | awk '{print $3}' | sort)
[ "$got" = "$want" ] || fail "exported symbols differ:
$got"
nm -D --defined-only "$lib" | awk '$2 != "T" {exit 1}' ||
	fail "an export is not a function"

readelf -d "$lib" | grep -q 'SONAME.*\[libsgx_quote_ex\.so\.1\]$' ||
	fail "soname is not libsgx_quote_ex.so.1"
# Unversioned, as Intel's library is.
if readelf -V "$lib" | grep -q 'Version definition'; then
	fail "library defines symbol versions"
fi

cmake --install "$build" --prefix "$tmp/prefix" --component quote_ex \
	>/dev/null
pc=$(find "$tmp/prefix" -name sgx_quote_ex.pc)
[ -n "$pc" ] || fail "no sgx_quote_ex.pc installed"
libdir=$(dirname "$(dirname "$pc")")
[ -L "$libdir/libsgx_quote_ex.so.1" ] || fail "no libsgx_quote_ex.so.1 link"
[ -L "$libdir/libsgx_quote_ex.so" ] || fail "no libsgx_quote_ex.so link"
[ -f "$tmp/prefix/include/sgx_uae_quote_ex.h" ] || fail "no header"

# A sanitizer build needs its runtime in the program; the plain build
# covers building against the installed files.
if nm -D --undefined-only "$lib" | grep -q __asan_init; then
	echo "ok (sanitizer build: program not built against the install)"
	exit 0
fi
cat >"$tmp/use.c" <<'C'
#include <sgx_uae_quote_ex.h>
int main(void)
{
	uint32_t n = 0;
	return sgx_get_supported_att_key_id_num(&n) ==
	               SGX_ERROR_SERVICE_UNAVAILABLE ? 0 : 1;
}
C
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --cflags --libs sgx_quote_ex)
# shellcheck disable=SC2086
cc -o "$tmp/use" "$tmp/use.c" $flags
SGX_QUOTE_EX_RETRY_MS=0 SGX_AESM_ADDR=$tmp/none.socket \
	LD_LIBRARY_PATH=$libdir "$tmp/use" ||
	fail "program built from the installed files misbehaves"
echo "ok"
