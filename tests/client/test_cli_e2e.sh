#!/bin/sh
# End to end: the real daemon on a temporary socket with the simulated
# backend; Open Enclave's and DCAP's call sequences through the library;
# sgx-quote quote, dump, sim-report and probe, and their failures.
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
skip_unless_built "$daemon"

# No daemon yet: probe and quote fail with a clear message (at once: the
# library's retry of a missing socket is tested on its own).
mkdir -p "$tmp/run"
if SGX_QUOTE_EX_RETRY_MS=0 "$bin/sgx-quote" probe --socket "$sock" \
	--timeout-ms 500 \
	>"$tmp/out" 2>&1; then
	fail "probe succeeded without a daemon"
fi
grep -q "no answer (SGX_ERROR_SERVICE_UNAVAILABLE)" "$tmp/out" ||
	fail "probe message: $(cat "$tmp/out")"
if SGX_QUOTE_EX_RETRY_MS=0 SGX_AESM_ADDR=$sock \
	"$bin/sgx-quote" quote -o "$tmp/none.bin" \
	>"$tmp/out" 2>&1; then
	fail "quote succeeded without a daemon"
fi
grep -q "SGX_ERROR_SERVICE_UNAVAILABLE" "$tmp/out" ||
	fail "quote message: $(cat "$tmp/out")"

start_sim_daemon
grep -q "^ok socket=$sock keys=1 " "$tmp/probe.out" ||
	fail "probe output: $(cat "$tmp/probe.out")"

# The library as its users load it, both call orders.
SGX_AESM_ADDR=$sock LD_LIBRARY_PATH=$build/lib \
	"$build/tests/quote_ex_sequences" "$tmp/run/sim-report.key" ||
	fail "call sequences against the daemon"

# sgx-quote quote with the address in the environment, then dump.
data=00112233445566778899aabbccddeeff
(cd "$tmp" && SGX_AESM_ADDR=$sock "$bin/sgx-quote" quote \
	--report-data $data -o q.bin) >"$tmp/out" ||
	fail "quote: $(cat "$tmp/out")"
grep -q "^quote written to q.bin (" "$tmp/out" ||
	fail "quote output: $(cat "$tmp/out")"
"$bin/sgx-quote" dump "$tmp/q.bin" >"$tmp/dump" || fail "dump"
want=$(printf '%s%0*d' $data 96 0)
grep -q "report_data: $want\$" "$tmp/dump" ||
	fail "dump does not show the report data given"
# The same bytes at the report data's offset (48 + 320) in the file.
got=$(xxd -p -s 368 -l 16 "$tmp/q.bin")
[ "$got" = "$data" ] || fail "report data in the quote file: $got"

# --socket instead of the environment; a wrong report key is refused.
"$bin/sgx-quote" quote --socket "$sock" -o "$tmp/q2.bin" >/dev/null ||
	fail "quote --socket"
printf '%032d\n' 0 >"$tmp/wrong.key"
if "$bin/sgx-quote" quote --socket "$sock" --report-key "$tmp/wrong.key" \
	-o "$tmp/q3.bin" >"$tmp/out" 2>&1; then
	fail "quote with a wrong report key succeeded"
fi
grep -q "sgx_get_quote_ex: SGX_ERROR_MAC_MISMATCH" "$tmp/out" ||
	fail "wrong key message: $(cat "$tmp/out")"
[ ! -e "$tmp/q3.bin" ] || fail "a quote file was written on failure"

stop_daemon "$pid"
if "$bin/sgx-quote" probe --socket "$sock" --timeout-ms 500 2>/dev/null; then
	fail "probe succeeded after the daemon stopped"
fi
echo "ok"
