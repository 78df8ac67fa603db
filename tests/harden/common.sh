# Shared by the hardening scripts, sourced as
# `. "$2/tests/harden/common.sh"`: tests/lib.sh, then daemons on the
# simulated backend at $sock that share one state directory, each logging
# to $tmp/daemon-NAME.log.
# shellcheck shell=dash
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
# shellcheck disable=SC2034 # for the scripts
load=$build/tests/harden_load
state=$tmp/state
# shellcheck disable=SC2034 # for the scripts
key=$tmp/run/sim-report.key

# A sanitizer build is several times slower per request: latency limits
# are relaxed there only.
sanitized() {
	grep -q '^SQH_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null
}

# start_named NAME [ARG...]: a daemon with two workers and ARGs, logging to
# $tmp/daemon-NAME.log; sets $pid.
start_named() {
	_name=$1
	shift
	start_daemon "$tmp/daemon-$_name.log" --backend sim --socket "$sock" \
		--state-dir "$state" --workers 2 "$@"
}

# wait_serving NAME: until the daemon NAME logs that it serves (10 s).
wait_serving() {
	wait_log "$tmp/daemon-$1.log" event=serving
}

probe() {
	"$bin/sgx-quote" probe --socket "$sock" --timeout-ms 2000 \
		>/dev/null 2>&1
}
