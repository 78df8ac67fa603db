#!/bin/sh
# The state directory is never left half-written: SIGKILL the platform
# at varying moments of its first start-up, then start it again and check
# that it comes up, that every file matches the manifest, and that its
# quotes verify. Also: two processes creating the same state at once end
# up with one identity.
set -eu
# shellcheck source=sim_lib.sh
. "$2/tests/sim/sim_lib.sh"
tool=$build/tests/sim_quote_tool

i=0
while [ $i -lt 30 ]; do
	state=$tmp/state$i
	"$tool" "$state" "$tmp/q.bin" --report-key "$tmp/key" \
		2>/dev/null &
	child=$!
	# 0 to 174 ms: first creation takes about 150 ms here (fsyncs).
	sleep "0.$(printf %03d $((i * 6)))"
	kill -KILL "$child" 2>/dev/null || true
	wait "$child" 2>/dev/null || true

	"$tool" "$state" "$tmp/q.bin" --report-key "$tmp/key" 2>/dev/null ||
		fail "iteration $i: restart after SIGKILL failed"
	(cd "$state" && grep -v '^#' manifest | sha256sum -c --quiet -) ||
		fail "iteration $i: files differ from the manifest"
	if tmp_files_left "$state"; then
		fail "iteration $i: temporary files left behind"
	fi
	check_quote "$tmp/q.bin" "$state/root_ca.pem" "$tmp/w" ||
		fail "iteration $i: quote does not verify"
	rm -rf "$state"
	i=$((i + 1))
done

# Two processes racing to create one state share the result.
state=$tmp/shared
"$tool" "$state" "$tmp/a.bin" --report-key "$tmp/key" 2>/dev/null &
pa=$!
"$tool" "$state" "$tmp/b.bin" --report-key "$tmp/key" 2>/dev/null &
pb=$!
wait "$pa" || fail "first racer"
wait "$pb" || fail "second racer"
[ "$(hex_at "$tmp/a.bin" 500 64)" = "$(hex_at "$tmp/b.bin" 500 64)" ] ||
	fail "racers got different attestation keys"
check_quote "$tmp/a.bin" "$state/root_ca.pem" "$tmp/w" || fail "racer a"
check_quote "$tmp/b.bin" "$state/root_ca.pem" "$tmp/w" || fail "racer b"
echo "ok"
