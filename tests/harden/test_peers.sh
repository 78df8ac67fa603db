#!/bin/sh
# Peers and the socket: the default mode is 0666, the limits and the peer
# policy are logged at start, --allow-uid/--allow-gid refuse other peers
# (connection closed, the log line says why) and admit listed ones.
set -eu
# shellcheck source=common.sh
. "$2/tests/harden/common.sh"

skip_unless_built "$daemon"
uid=$(id -u)
gid=$(id -g)

start_named open
wait_serving open
[ "$(stat -c %a "$sock")" = 666 ] || fail "socket mode $(stat -c %a "$sock")"
for k in max_connections=1024 max_connections_per_uid=256 \
	request_timeout_ms= max_request_bytes=65536 \
	'allow_uid=any allow_gid=any'; do
	grep "event=start" "$tmp/daemon-open.log" | grep -q "$k" ||
		fail "start line lacks $k"
done
probe || fail "probe refused without a policy"
stop_daemon "$pid"

# Not listed: closed without a reply, and the request line says why.
start_named refuse --allow-uid 4000000,4000001 --allow-gid 4000002 \
	--max-request-bytes 4096
wait_serving refuse
grep "event=start" "$tmp/daemon-refuse.log" |
	grep -q "max_request_bytes=4096 .*allow_uid=4000000,4000001 allow_gid=4000002" ||
	fail "start line does not show the policy"
if probe; then
	fail "probe answered for a peer not in the lists"
fi
wait_log "$tmp/daemon-refuse.log" outcome=peer_not_allowed
grep "outcome=peer_not_allowed" "$tmp/daemon-refuse.log" |
	grep -q "uid=$uid " || fail "refusal line lacks the peer's uid"
stop_daemon "$pid"

# Listed by uid, then by group.
start_named by_uid --allow-uid "4000000,$uid"
wait_serving by_uid
probe || fail "listed uid refused"
stop_daemon "$pid"
start_named by_gid --allow-uid 4000000 --allow-gid "$gid"
wait_serving by_gid
probe || fail "listed gid refused"
stop_daemon "$pid"

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
