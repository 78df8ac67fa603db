# The two commands of the README, and a few conveniences around CMake.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
SOCKET     ?= $(CURDIR)/run/aesm.socket
STATE_DIR  ?= $(CURDIR)/run/state

CMAKE_FLAGS ?=
ifeq ($(CI),true)
CMAKE_FLAGS += -DSQH_WERROR=ON
endif

.PHONY: all deps test-deps build programs asan run test lint clean \
	e2e bench fuzz

all: build

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps test

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

asan: test-deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_C_COMPILER=clang \
		-DSQH_SANITIZE=ON -DSQH_FUZZ=ON $(CMAKE_FLAGS)
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# The programs a user runs, without the test suite.
programs: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS) --target sgx-quote-helper sgx-quote \
		sgx_quote_ex

# Start the daemon on the simulated backend, in the foreground.
run: programs
	@mkdir -p $(dir $(SOCKET))
	@echo "starting: $(BUILD)/bin/sgx-quote-helper --backend sim" \
		"--socket $(SOCKET) --state-dir $(STATE_DIR)"
	$(BUILD)/bin/sgx-quote-helper --backend sim --socket $(SOCKET) \
		--state-dir $(STATE_DIR)

# Every test: the sanitizer build first, the normal build last so that the
# run ends with CTest's summary line.
test: test-deps asan build
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Every libFuzzer target for FUZZ_SECONDS each (CI runs them for a few
# seconds), in a build directory of its own so that `make test` keeps its
# short runs. A crash fails the run; its input is saved in the target's
# work directory under $(FUZZ_BUILD)/tests and belongs in its seed corpus
# once fixed.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 600
fuzz: test-deps
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_C_COMPILER=clang \
		-DSQH_SANITIZE=ON -DSQH_FUZZ=ON \
		-DSQH_FUZZ_SECONDS=$(FUZZ_SECONDS) $(CMAKE_FLAGS)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	cd $(FUZZ_BUILD) && ctest --output-on-failure -L fuzz -j $(JOBS)

lint:
	scripts/lint

# The deployment end to end, in real containers (podman, as root): builds
# the service and sample images, gets and verifies a quote, replaces the
# service under load. Slow: it compiles the project in a container.
e2e:
	@scripts/install-deps e2e
	tests/deploy/podman-e2e.sh $(CURDIR)

# Quote throughput, latency and memory against this machine's own ECDSA
# sign rate, and warm verification against its verify rate (bench/verify);
# writes bench/RESULTS.md. About two minutes; not part of test.
bench: build
	bench/run $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
