# Shared by the hardening scripts: sourced after build=, with tmp= set.
# Starts daemons on a socket under $tmp and cleans up what it started.
bin=$build/bin
daemon=$bin/sgx-quote-helper
load=$build/tests/harden_load
sock=$tmp/run/aesm.socket
state=$tmp/state
key=$tmp/run/sim-report.key
pids=

fail() {
	echo "FAIL: $*" >&2
	for f in "$tmp"/daemon*.log; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
	done
	exit 1
}

cleanup() {
	for p in $pids; do
		kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# A sanitizer build is several times slower per request: latency limits
# are relaxed there only.
sanitized() {
	grep -q '^SQH_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null
}

# start_daemon NAME [flags...]: starts a daemon logging to daemon-NAME.log,
# sets $started to its pid.
start_daemon() {
	name=$1
	shift
	"$daemon" --backend sim --socket "$sock" --state-dir "$state" \
		--workers 2 "$@" >"$tmp/daemon-$name.log" 2>&1 &
	started=$!
	pids="$pids $started"
}

# wait_log NAME PATTERN: until the daemon's log has the line (10 s).
wait_log() {
	i=0
	until grep -q "$2" "$tmp/daemon-$1.log" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || fail "daemon $1: no '$2' in its log"
		sleep 0.05
	done
}

probe() {
	"$bin/sgx-quote" probe --socket "$sock" --timeout-ms 2000 \
		>/dev/null 2>&1
}
