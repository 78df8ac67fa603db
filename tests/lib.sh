# Shared by the script tests that start the daemon: sourced as
# `. "$2/tests/lib.sh"` after build= is set. Defines bin and daemon, a
# temporary directory $tmp removed on exit together with the daemon whose
# pid is in $pid, and helpers to wait for the daemon and stop it.
bin=$build/bin
daemon=$bin/sgx-quote-helper

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# skip_unless_built FILE: exit 77 (CTest's skip) when FILE is missing.
skip_unless_built() {
	if [ ! -x "$1" ]; then
		echo "SKIP: $1 is not built" >&2
		exit 77
	fi
}

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# wait_ready SOCKET LOG [OUT]: until a probe of SOCKET answers (10 s at
# most); OUT keeps the answering probe's output. A daemon that does not
# come up fails the test with its log.
wait_ready() {
	i=0
	until "$bin/sgx-quote" probe --socket "$1" --timeout-ms 500 \
		>"${3:-/dev/null}" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || fail "daemon did not come up: $(cat "$2")"
		sleep 0.1
	done
}

# stop_daemon: SIGTERM to $pid, which must then exit with status 0.
stop_daemon() {
	kill "$pid"
	wait "$pid" || fail "daemon exit status"
	pid=
}
