#!/bin/sh
# End to end: a quote from the daemon's simulated platform verifies with
# the collateral `sgx-quote collateral` exports and the simulated root as
# the trust anchor, and never under Intel's root.
# Arguments: build directory, source directory, test data directory.
set -eu
build=$1
bin=$build/bin
daemon=$bin/sgx-quote-helper

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

if [ ! -x "$daemon" ]; then
	echo "SKIP: $daemon is not built" >&2
	exit 77
fi

tmp=$(mktemp -d)
sock=$tmp/run/aesm.socket
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/run"
"$daemon" --backend sim --socket "$sock" --state-dir "$tmp/state" \
	--log-level warn 2>"$tmp/daemon.log" &
pid=$!
i=0
until "$bin/sgx-quote" probe --socket "$sock" --timeout-ms 500 \
	>/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 100 ] || fail "daemon did not come up: $(cat "$tmp/daemon.log")"
	sleep 0.1
done

"$bin/sgx-quote" quote --socket "$sock" --report-data 00112233 \
	-o "$tmp/q.bin" >/dev/null || fail "quote"
"$bin/sgx-quote" collateral --state-dir "$tmp/state" -o "$tmp/col" \
	>/dev/null || fail "collateral export"
kill "$pid"
wait "$pid" || fail "daemon exit status"
pid=

# The simulated PCK certificate carries the TCB of the first level of the
# simulated TCB info, which that level calls UpToDate.
grep -q '"tcbStatus": *"UpToDate"' "$tmp/col/tcb_info.json" ||
	fail "simulated TCB info has no UpToDate level"
"$bin/sgx-quote" verify "$tmp/q.bin" --collateral "$tmp/col" \
	--root "$tmp/col/root_ca.pem" --strict --json >"$tmp/out" ||
	fail "verify: $(cat "$tmp/out")"
for want in '"verified":true' '"status":"UpToDate"' '"qe_status":"UpToDate"' \
	'"checks_skipped":[]' '"collateral_expired":false' \
	'"report_data":"00112233'; do
	grep -qF "$want" "$tmp/out" || fail "missing $want in $(cat "$tmp/out")"
done

# Simulated quotes can never chain to Intel's root.
if "$bin/sgx-quote" verify "$tmp/q.bin" --collateral "$tmp/col" \
	>"$tmp/out" 2>&1; then
	fail "a simulated quote verified under Intel's root"
fi
grep -q "pck_chain: root certificate .* is not the trust anchor" "$tmp/out" ||
	fail "message: $(cat "$tmp/out")"
echo "verify_sim_e2e: ok"
