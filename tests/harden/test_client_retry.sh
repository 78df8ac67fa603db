#!/bin/sh
# The client library retries a missing or refused socket for a bounded
# time: a daemon that appears meanwhile is reached; with none the call
# fails after about SGX_QUOTE_EX_RETRY_MS (default 1 s), and at once with
# 0.
set -eu
# shellcheck source=common.sh
. "$2/tests/harden/common.sh"

skip_unless_built "$daemon"

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# probe_timed [ENV...]: runs probe with the environment, sets $rc and
# $elapsed (ms).
probe_timed() {
	t0=$(now_ms)
	rc=0
	env "$@" "$bin/sgx-quote" probe --socket "$sock" --timeout-ms 2000 \
		>/dev/null 2>&1 || rc=$?
	elapsed=$(($(now_ms) - t0))
}

mkdir -p "$tmp/run"

# No daemon: the default retries for about a second, then gives up.
probe_timed
[ "$rc" -ne 0 ] || fail "probe succeeded without a daemon"
[ "$elapsed" -ge 950 ] || fail "gave up after $elapsed ms, before 1 s"
[ "$elapsed" -lt 4000 ] || fail "gave up after $elapsed ms"
probe_timed SGX_QUOTE_EX_RETRY_MS=300
{ [ "$rc" -ne 0 ] && [ "$elapsed" -ge 280 ] && [ "$elapsed" -lt 3000 ]; } ||
	fail "SGX_QUOTE_EX_RETRY_MS=300: rc=$rc after $elapsed ms"
probe_timed SGX_QUOTE_EX_RETRY_MS=0
{ [ "$rc" -ne 0 ] && [ "$elapsed" -lt 900 ]; } ||
	fail "SGX_QUOTE_EX_RETRY_MS=0: rc=$rc after $elapsed ms"

# A socket that refuses (left by a daemon that was killed) is retried too.
start_named first
wait_serving first
kill_daemon "$pid"
[ -S "$sock" ] || fail "killed daemon left no socket"
probe_timed SGX_QUOTE_EX_RETRY_MS=300
{ [ "$rc" -ne 0 ] && [ "$elapsed" -ge 280 ]; } ||
	fail "refused socket: rc=$rc after $elapsed ms"

# A daemon that comes up while the client waits is reached. The state is
# already made, so starting is quick; the retry window is wide so that a
# loaded machine does not fail the test.
SGX_QUOTE_EX_RETRY_MS=10000 "$bin/sgx-quote" probe --socket "$sock" \
	>"$tmp/probe.out" 2>&1 &
client=$!
sleep 0.3
start_named second
wait "$client" || fail "probe during start-up: $(cat "$tmp/probe.out")"
stop_daemon "$pid"
echo "ok"
