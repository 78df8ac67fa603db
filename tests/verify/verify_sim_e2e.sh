#!/bin/sh
# End to end: a quote from the daemon's simulated platform verifies with
# the collateral `sgx-quote collateral` exports and the simulated root as
# the trust anchor, and never under Intel's root.
# Arguments: build directory, source directory, test data directory.
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
skip_unless_built "$daemon"

mkdir -p "$tmp/run"
start_sim_daemon

"$bin/sgx-quote" quote --socket "$sock" --report-data 00112233 \
	-o "$tmp/q.bin" >/dev/null || fail "quote"
"$bin/sgx-quote" collateral --state-dir "$tmp/state" -o "$tmp/col" \
	>/dev/null || fail "collateral export"
stop_daemon "$pid"

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
