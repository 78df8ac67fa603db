#!/bin/sh
# Peers and the socket: the default mode is 0666, the limits and the peer
# policy are logged at start, --allow-uid/--allow-gid refuse other peers
# (connection closed, the log line says why) and admit listed ones.
set -eu
build=$1
tmp=$(mktemp -d)
. "$2/tests/harden/common.sh"

[ -x "$daemon" ] || { echo "SKIP: not built" >&2; exit 77; }
uid=$(id -u)
gid=$(id -g)

# stop NAME PID: SIGTERM and exit status 0.
stop() {
	kill -TERM "$2"
	wait "$2" || fail "daemon $1 exited $?"
}

start_daemon open
wait_log open event=serving
[ "$(stat -c %a "$sock")" = 666 ] || fail "socket mode $(stat -c %a "$sock")"
for k in max_connections=1024 max_connections_per_uid=256 \
	request_timeout_ms= max_request_bytes=65536 \
	'allow_uid=any allow_gid=any'; do
	grep "event=start" "$tmp/daemon-open.log" | grep -q "$k" ||
		fail "start line lacks $k"
done
probe || fail "probe refused without a policy"
stop open "$started"

# Not listed: closed without a reply, and the request line says why.
start_daemon refuse --allow-uid 4000000,4000001 --allow-gid 4000002 \
	--max-request-bytes 4096
wait_log refuse event=serving
grep "event=start" "$tmp/daemon-refuse.log" |
	grep -q "max_request_bytes=4096 .*allow_uid=4000000,4000001 allow_gid=4000002" ||
	fail "start line does not show the policy"
if probe; then
	fail "probe answered for a peer not in the lists"
fi
wait_log refuse "outcome=peer_not_allowed"
grep "outcome=peer_not_allowed" "$tmp/daemon-refuse.log" |
	grep -q "uid=$uid " || fail "refusal line lacks the peer's uid"
stop refuse "$started"

# Listed by uid, then by group.
start_daemon by_uid --allow-uid "4000000,$uid"
wait_log by_uid event=serving
probe || fail "listed uid refused"
stop by_uid "$started"
start_daemon by_gid --allow-uid 4000000 --allow-gid "$gid"
wait_log by_gid event=serving
probe || fail "listed gid refused"
stop by_gid "$started"

# Bad values are refused before anything starts.
for bad in "--allow-uid x" "--allow-uid 1," "--allow-gid -1" \
	"--max-request-bytes 100" "--max-request-bytes 70000" \
	"--max-connections-per-uid -1" "--max-connections-per-uid x" \
	"--max-connections-per-uid 1000001"; do
	# shellcheck disable=SC2086
	if "$daemon" --backend sim --socket "$sock" --state-dir "$state" \
		$bad >/dev/null 2>&1; then
		fail "accepted $bad"
	fi
done
echo "ok"
