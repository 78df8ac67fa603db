#!/bin/sh
# bench/run end to end with short load points: the report it writes has
# the six targets with a verdict each, the six load points, ratios that
# follow from the measurements printed beside them, and the notes after
# the marker kept word for word. Timing is not judged: the exit status
# may be 0 (all met) or 1 (one not met), never 2 (the run failed).
set -eu
. "$2/tests/lib.sh"

skip_unless_built "$daemon"
skip_unless_built "$build/tests/idle_conns"

results=$tmp/RESULTS.md
marker='<!-- notes: kept by bench/run -->'
# shellcheck disable=SC2016 # the backquotes are text, not a command
notes='Notes a person wrote, with | pipes | and `code`, kept as they are.'
printf '# old report\n\n%s\n%s\n' "$marker" "$notes" >"$results"

status=0
SECONDS_PER_POINT=0.3 SIGN_SECONDS=1 VERIFY_REPEAT=200 RESULTS=$results \
	"$src/bench/run" "$build" >"$tmp/out" 2>&1 || status=$?
[ "$status" -le 1 ] || fail "bench/run exit status $status: $(cat "$tmp/out")"
grep -q '^# old report' "$results" && fail "the old report was not replaced"

# The notes: everything after the marker, unchanged.
kept=$(awk -v m="$marker" 'kept { print } $0 == m { kept = 1 }' "$results")
[ "$kept" = "$notes" ] || fail "notes not kept: '$kept'"

# Six targets, each met or not, and the exit status agrees.
for t in throughput latency fairness memory scaling verification; do
	grep -Eq "^\| $t \|.*\| (met|NOT met) \|\$" "$results" ||
		fail "no verdict for $t"
done
if grep -q '| NOT met |$' "$results"; then
	[ "$status" = 1 ] || fail "a target not met but exit status $status"
else
	[ "$status" = 0 ] || fail "every target met but exit status $status"
fi

# The throughput ratio is quotes/s at 16 clients over the sign rate.
sign=$(sed -n 's/^| openssl speed ecdsap256, sign\/s, 1 core | \(.*\) |$/\1/p' \
	"$results")
[ -n "$sign" ] || fail "no sign rate"
row16=$(grep '^| [0-9]* | warn | 16 |' "$results" | head -n 1)
[ -n "$row16" ] || fail "no row for 16 clients"
echo "$row16" | awk -F'|' -v s="$sign" '{
	q = $5; r = $6; want = sprintf("%.2f", q / s)
	if (r + 0 != want + 0) { print "ratio " r " for " q "/" s; exit 1 } }' ||
	fail "throughput ratio does not follow from the row"
thr=$(sed -n 's/^| throughput | [^|]* | \([0-9.]*\) |.*/\1/p' "$results")
[ "$thr" = "$(echo "$row16" | awk -F'|' '{ gsub(/ /, "", $6); print $6 }')" ] ||
	fail "throughput target $thr is not the 16-client row's ratio"

# Six load points of 16 columns, no failed request.
rows=$(grep -c '^| [0-9]* | \(warn\|info\) | [0-9]* |' "$results")
[ "$rows" = 6 ] || fail "$rows load points, want 6"
grep '^| [0-9]* | \(warn\|info\) | [0-9]* |' "$results" |
	awk -F'|' 'NF != 18 { exit 1 }' || fail "a load point row is not 16 columns"
grep -q '^| failed requests in all load points | 0 |$' "$results" ||
	fail "requests failed: $(cat "$tmp/out")"

# The machine facts this run measured.
grep -q '^| cores | [0-9]' "$results" || fail "no core count"
grep -Eq '^\| RSS with 1,000 idle connections \| [0-9]+ kB \|$' "$results" ||
	fail "no memory figure"
grep -Eq '^\| the same, threads on two CPUs \| [0-9.]+ us \|$' "$results" ||
	[ "$(nproc)" = 1 ] || fail "no wake-up round trip across CPUs"
echo "PASS"
