#!/bin/sh
# Hostile clients against the real daemon while legitimate clients quote
# without pause: a 4 GiB length, a 64 MiB length and a trickle, random
# bytes, an empty body, a body with no known field, a GetQuoteEx with
# buf_size 0xFFFFFFFF and 1,000 connections that send one byte and stall.
# The legitimate clients must see no error and no slow call, the daemon's
# memory must stay bounded and the daemon must be alive afterwards.
set -eu
# shellcheck source=common.sh
. "$2/tests/harden/common.sh"

skip_unless_built "$daemon" "$load"

# 1,000 stalled connections and the clients need more than the usual
# 1,024 descriptors in the daemon.
hard=$(ulimit -Hn)
if [ "$hard" = unlimited ] || [ "$hard" -ge 4096 ]; then
	ulimit -n 4096
else
	ulimit -n "$hard"
fi

# The slowest legitimate call: 100 ms; a sanitizer build does each quote
# several times slower and is scheduled against other sanitized tests.
max_ms=100
sanitized && max_ms=500
# The daemon's whole resident memory with 1,000 connections open stays
# under 16 MiB; the sanitizer's shadow memory and allocator make that
# figure meaningless there, where only the growth is bounded.
rss_max=16
sanitized && rss_max=0

# AddressSanitizer keeps up to 256 MiB of freed memory in quarantine,
# which would be measured as the daemon's own; a small quarantine keeps
# the RSS bound meaningful there.
if sanitized; then
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
	export ASAN_OPTIONS
fi
# The stalled connections and the legitimate clients share one uid here,
# so the cap per uid is off: this is about one hostile peer among
# clients of the same tenant, not about tenants.
start_named one --max-connections 1100 --max-connections-per-uid 0 \
	--request-timeout-ms 5000
wait_serving one

"$load" --socket "$sock" --key "$key" --clients 2 --seconds 4 \
	--hostile --pid "$pid" --max-ms "$max_ms" --rss-slack-mb 48 \
	--rss-max-mb "$rss_max" \
	>"$tmp/load.out" 2>&1 || fail "load: $(cat "$tmp/load.out")"
cat "$tmp/load.out"

kill -0 "$pid" 2>/dev/null || fail "daemon died"
probe || fail "daemon does not answer afterwards"
grep -q "outcome=bad_length" "$tmp/daemon-one.log" ||
	fail "no bad_length outcome logged"
grep -q "outcome=not_a_request" "$tmp/daemon-one.log" ||
	fail "no not_a_request outcome logged"

stop_daemon "$pid"
echo "ok"
