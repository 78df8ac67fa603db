#!/bin/sh
# sgx-quote bench against the real daemon on a temporary socket: the JSON
# keys and their consistency, quotes that carry the bench's own report,
# failures counted by cause while the run goes on, and bad usage.
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
json_get=$build/tests/json_get
skip_unless_built "$daemon" "$json_get"

get() {
	"$json_get" "$1" "$2" || fail "no $2 in $(cat "$1")"
}

# Bad usage is exit 2, before anything is reached.
for args in "--clients 0" "--clients 5000" "--seconds 0" "--seconds x" \
	"--timeout-ms -1" "extra"; do
	rc=0
	# shellcheck disable=SC2086
	"$bin/sgx-quote" bench --socket "$sock" $args >/dev/null 2>&1 || rc=$?
	[ $rc -eq 2 ] || fail "bench $args: exit $rc, want 2"
done

# No service: setup fails, exit 1 with the library's status.
rc=0
"$bin/sgx-quote" bench --socket "$sock" --seconds 0.2 >"$tmp/out" 2>&1 ||
	rc=$?
[ $rc -eq 1 ] || fail "bench without a daemon: exit $rc, want 1"
grep -q SGX_ERROR_SERVICE_UNAVAILABLE "$tmp/out" ||
	fail "bench without a daemon: $(cat "$tmp/out")"

mkdir -p "$tmp/run"
start_sim_daemon

# A clean run: every key, quotes counted, percentiles in order, no errors.
"$bin/sgx-quote" bench --socket "$sock" --clients 4 --seconds 1 --json \
	>"$tmp/ok.json" || fail "clean run: exit $?: $(cat "$tmp/ok.json")"
quotes=$(get "$tmp/ok.json" quotes)
rate=$(get "$tmp/ok.json" quotes_per_s)
p50=$(get "$tmp/ok.json" p50_us)
p90=$(get "$tmp/ok.json" p90_us)
p99=$(get "$tmp/ok.json" p99_us)
max=$(get "$tmp/ok.json" max_us)
errors=$(get "$tmp/ok.json" errors)
[ "$(get "$tmp/ok.json" clients)" = 4 ] || fail "clients: $(cat "$tmp/ok.json")"
[ "$errors" = 0 ] || fail "clean run had errors: $(cat "$tmp/ok.json")"
[ "$quotes" -ge 10 ] || fail "only $quotes quotes in a second"
{ [ "$p50" -gt 0 ] && [ "$p50" -le "$p90" ] && [ "$p90" -le "$p99" ] &&
	[ "$p99" -le "$max" ]; } ||
	fail "percentiles out of order: $(cat "$tmp/ok.json")"
# quotes_per_s is quotes over the elapsed time, which is about a second.
awk -v q="$quotes" -v r="$rate" 'BEGIN { exit !(r > q * 0.8 && r < q * 1.2) }' ||
	fail "quotes_per_s $rate does not match $quotes quotes in 1 s"
for cause in connect timeout io short_reply bad_reply error_code; do
	[ "$(get "$tmp/ok.json" "errors_by_cause.$cause")" = 0 ] ||
		fail "cause $cause: $(cat "$tmp/ok.json")"
done

# The text output carries the same fields.
"$bin/sgx-quote" bench --socket "$sock" --seconds 0.2 >"$tmp/ok.txt" ||
	fail "text run: exit $?"
for field in quotes quotes/s "latency us" errors; do
	grep -q "^$field " "$tmp/ok.txt" || fail "no $field in $(cat "$tmp/ok.txt")"
done

# A report the simulated QE refuses (another CPU key): every request is
# answered with an error code, and counted as one; no quote, exit 1.
printf '00112233445566778899aabbccddeeff\n' >"$tmp/wrong.key"
rc=0
"$bin/sgx-quote" bench --socket "$sock" --clients 2 --seconds 0.3 --json \
	--report-key "$tmp/wrong.key" >"$tmp/bad.json" || rc=$?
[ $rc -eq 1 ] || fail "wrong key: exit $rc, want 1"
[ "$(get "$tmp/bad.json" quotes)" = 0 ] || fail "wrong key made quotes"
code_errors=$(get "$tmp/bad.json" errors_by_cause.error_code)
{ [ "$code_errors" -gt 0 ] &&
	[ "$(get "$tmp/bad.json" errors)" = "$code_errors" ]; } ||
	fail "wrong key: $(cat "$tmp/bad.json")"

# The service goes away mid-run: the bench counts refused connections
# and keeps going until the end, then a new daemon serves it again.
"$bin/sgx-quote" bench --socket "$sock" --clients 2 --seconds 2 --json \
	>"$tmp/gone.json" &
bench=$!
sleep 0.5
stop_daemon "$pid"
sleep 0.5
start_sim_daemon
rc=0
wait $bench || rc=$?
[ $rc -eq 3 ] || fail "bench across a restart: exit $rc, want 3: $(cat "$tmp/gone.json")"
[ "$(get "$tmp/gone.json" errors_by_cause.connect)" -gt 0 ] ||
	fail "no refused connection counted: $(cat "$tmp/gone.json")"
awk -v s="$(get "$tmp/gone.json" seconds)" 'BEGIN { exit !(s >= 2 && s < 4) }' ||
	fail "bench did not run its time: $(cat "$tmp/gone.json")"
[ "$(get "$tmp/gone.json" quotes)" -gt 0 ] || fail "no quotes across a restart"
stop_daemon "$pid"
echo "ok"
