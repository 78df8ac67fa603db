# Shared by the script tests: sourced first, as `. "$2/tests/lib.sh"`,
# with the arguments CTest gives every script test ($1 the build directory,
# $2 the source directory). Defines build, src, bin, daemon and sock (the
# usual socket path), a temporary directory $tmp removed on exit together
# with every daemon still running, fail and skip_unless_built, and helpers
# to start daemons, wait for them and stop them. Area helpers
# (tests/sim/sim_lib.sh, tests/harden/common.sh) source this file.
# shellcheck shell=dash
build=$1
# shellcheck disable=SC2034 # for the scripts
src=$2
bin=$build/bin
daemon=$bin/sgx-quote-helper

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sqh-$(basename "$0" .sh).XXXXXX")
sock=$tmp/run/aesm.socket

# The daemons started by start_daemon and not yet stopped, their logs, and
# the last one started.
running=
daemon_logs=
pid=

# fail MESSAGE: the message, then the end of every daemon log, exit 1.
fail() {
	echo "FAIL: $*" >&2
	for _log in $daemon_logs; do
		[ -f "$_log" ] || continue
		echo "--- $_log" >&2
		tail -n 20 "$_log" >&2
	done
	exit 1
}

# skip_unless_built FILE...: exit 77 (CTest's skip) when one is missing.
skip_unless_built() {
	for _f in "$@"; do
		if [ ! -x "$_f" ]; then
			echo "SKIP: $_f is not built" >&2
			exit 77
		fi
	done
}

# On exit: SIGKILL to every daemon still running, then the directory goes.
# Their statuses are ignored: a daemon left running here means the test has
# already failed, and the script's own exit status must stand.
cleanup() {
	for _p in $running; do
		kill -KILL "$_p" 2>/dev/null || true
		wait "$_p" 2>/dev/null || true
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# start_daemon LOG ARG...: the daemon with ARGs in the background, its
# output appended to LOG; sets $pid. Environment assignments written
# before the call reach the daemon.
start_daemon() {
	_log=$1
	shift
	"$daemon" "$@" >>"$_log" 2>&1 &
	pid=$!
	running="$running $pid"
	case " $daemon_logs " in
	*" $_log "*) ;;
	*) daemon_logs="$daemon_logs $_log" ;;
	esac
}

# start_sim_daemon: the daemon on the simulated backend at $sock, its state
# in $tmp/state, its warnings in $tmp/daemon.log; returns once it answers,
# with the answering probe's output in $tmp/probe.out.
start_sim_daemon() {
	start_daemon "$tmp/daemon.log" --backend sim --socket "$sock" \
		--state-dir "$tmp/state" --log-level warn
	wait_ready "$sock" "$tmp/daemon.log" "$tmp/probe.out"
}

# forget_daemon PID: reaped, no longer running nor $pid.
forget_daemon() {
	_left=
	for _p in $running; do
		[ "$_p" = "$1" ] || _left="$_left $_p"
	done
	running=$_left
	[ "$pid" != "$1" ] || pid=
}

# stop_daemon PID: SIGTERM to PID, which must then exit with status 0.
stop_daemon() {
	_p=$1
	kill -TERM "$_p"
	_rc=0
	wait "$_p" || _rc=$?
	forget_daemon "$_p"
	[ "$_rc" -eq 0 ] || fail "daemon $_p exit status $_rc after SIGTERM"
}

# kill_daemon PID: SIGKILL to PID, reaped whatever its status.
kill_daemon() {
	_p=$1
	kill -KILL "$_p"
	wait "$_p" 2>/dev/null || true
	forget_daemon "$_p"
}

# wait_ready SOCKET LOG [OUT]: until a probe of SOCKET answers (10 s at
# most); OUT keeps the answering probe's output. A daemon that does not
# come up fails the test with its log.
wait_ready() {
	_i=0
	until "$bin/sgx-quote" probe --socket "$1" --timeout-ms 500 \
		>"${3:-/dev/null}" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 100 ] || fail "daemon did not come up: $(cat "$2")"
		sleep 0.1
	done
}

# wait_log LOG PATTERN: until LOG has a line matching PATTERN (10 s at
# most).
wait_log() {
	_i=0
	until grep -q "$2" "$1" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -lt 200 ] || fail "no '$2' in $1"
		sleep 0.05
	done
}
