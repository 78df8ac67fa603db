#!/bin/sh
# Rolling replacement under load: sgx-quote bench runs while a second
# daemon takes the socket over (same socket, same state directory) and the
# first is stopped. With SIGTERM nothing may fail, the first exits 0 and
# leaves the new socket in place; with SIGKILL a few requests in flight
# may fail, and the path must still answer.
set -eu
# shellcheck source=common.sh
. "$2/tests/harden/common.sh"

skip_unless_built "$daemon"

# bench_start NAME: 4 clients for 4 s in the background, JSON to NAME.json
bench_start() {
	"$bin/sgx-quote" bench --socket "$sock" --clients 4 --seconds 4 \
		--json >"$tmp/$1.json" 2>"$tmp/$1.err" &
	bench=$!
}

# bench_wait NAME: waits for the bench and sets $errors to its count.
bench_wait() {
	wait "$bench" || true
	cat "$tmp/$1.json"
	echo
	grep -q '"quotes":[1-9]' "$tmp/$1.json" ||
		fail "bench $1 made no quote: $(cat "$tmp/$1.err")"
	errors=$(sed -n 's/.*"errors":\([0-9]*\).*/\1/p' "$tmp/$1.json")
	[ -n "$errors" ] || fail "bench $1: no error count"
}

socket_inode() {
	stat -c %i "$sock"
}

# att_key NAME: a quote from whichever daemon holds the path, and its
# attestation key.
att_key() {
	"$bin/sgx-quote" quote --socket "$sock" --report-data 00 \
		-o "$tmp/$1.bin" >/dev/null 2>&1 || fail "quote $1"
	"$bin/sgx-quote" dump "$tmp/$1.bin" | sed -n 's/^ *attestation_key: //p'
}

start_named one
one=$pid
wait_serving one
key_one=$(att_key one)
[ -n "$key_one" ] || fail "no attestation key in the first daemon's quote"

# SIGTERM: the old daemon finishes what it has; clients see nothing.
bench_start term
sleep 1
start_named two --replace
two=$pid
wait_serving two
inode=$(socket_inode)
sleep 0.5
stop_daemon "$one"
bench_wait term
[ "$errors" = 0 ] || fail "$errors requests failed during the hand-over"
[ -S "$sock" ] || fail "socket path gone after the first daemon stopped"
[ "$(socket_inode)" = "$inode" ] || fail "socket is not the second's"
grep -q "event=socket_kept" "$tmp/daemon-one.log" ||
	fail "first daemon did not report keeping the new socket"
probe || fail "path does not answer after SIGTERM hand-over"
# The same state directory: the second daemon quotes with the same key.
[ "$(att_key two)" = "$key_one" ] || fail "the second daemon's key differs"

# SIGKILL: what the killed daemon held is lost, the path still answers.
bench_start kill
sleep 1
start_named three --replace
three=$pid
wait_serving three
sleep 0.5
kill_daemon "$two"
bench_wait kill
# At most what was in flight or queued at the killed daemon: a few per
# client.
[ "$errors" -le 40 ] || fail "$errors requests failed after SIGKILL"
probe || fail "path does not answer after SIGKILL"

stop_daemon "$three"
echo "ok"
