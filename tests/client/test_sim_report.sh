#!/bin/sh
# sgx-quote sim-report: the MAC checked with the openssl tool from the
# derivation the simulated backend documents, and its input checks.
#   report_key = CMAC(cpu_key, "SQH-EREPORT-KEY\0" || MRENCLAVE ||
#                     ATTRIBUTES || MISCSELECT || KEYID)
#   mac        = CMAC(report_key, report body)
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
q=$bin/sgx-quote
key=000102030405060708090a0b0c0d0e0f
echo $key >"$tmp/key"
# Target: MRENCLAVE 0x11.., flags 0x7, xfrm 0x3, MISCSELECT 0, rest zero.
{
	printf '%064d' 0 | tr 0 1
	printf '0700000000000000'
	printf '0300000000000000'
	printf '%0*d' $((2 * (512 - 48))) 0
} | xxd -r -p >"$tmp/ti"
[ "$(wc -c <"$tmp/ti")" -eq 512 ] || fail "test target info size"

"$q" sim-report --target-info "$tmp/ti" --report-key "$tmp/key" \
	--report-data cafe -o "$tmp/r" >"$tmp/out" || fail "sim-report"
grep -q "^report written to $tmp/r (432 bytes)" "$tmp/out" || fail "output"
[ "$(wc -c <"$tmp/r")" -eq 432 ] || fail "report size"
[ "$(xxd -p -s 320 -l 3 "$tmp/r")" = cafe00 ] || fail "report data"

cmac() { # HEXKEY FILE
	openssl mac -cipher AES-128-CBC -macopt hexkey:"$1" -in "$2" CMAC |
		tr 'A-F' 'a-f'
}
{
	printf 'SQH-EREPORT-KEY' | xxd -p
	echo 00
	xxd -p -l 48 "$tmp/ti"
	xxd -p -s 52 -l 4 "$tmp/ti"
	xxd -p -s 384 -l 32 "$tmp/r"
} | xxd -r -p >"$tmp/derive"
rkey=$(cmac $key "$tmp/derive")
head -c 384 "$tmp/r" >"$tmp/body"
want=$(cmac "$rkey" "$tmp/body")
got=$(xxd -p -s 416 -l 16 "$tmp/r")
[ "$got" = "$want" ] || fail "MAC $got, openssl says $want"

# Input checks.
head -c 511 "$tmp/ti" >"$tmp/short"
if "$q" sim-report --target-info "$tmp/short" --report-key "$tmp/key" \
	-o "$tmp/r2" 2>"$tmp/err"; then
	fail "511-byte target info accepted"
fi
grep -q "511 bytes" "$tmp/err" || fail "short target message"
if "$q" sim-report --target-info "$tmp/ti" --report-key "$tmp/missing" \
	-o "$tmp/r2" 2>/dev/null; then
	fail "missing key accepted"
fi
set +e
"$q" sim-report --target-info "$tmp/ti" --report-key "$tmp/key" \
	--report-data "$(printf '%0130d' 0)" -o "$tmp/r2" 2>/dev/null
[ $? -eq 2 ] || fail "65 bytes of report data accepted"
"$q" sim-report --target-info "$tmp/ti" 2>/dev/null
[ $? -eq 2 ] || fail "missing -o accepted"
"$q" sim-report --help | grep -q "^usage: sgx-quote sim-report" ||
	fail "help"
set -e
[ ! -e "$tmp/r2" ] || fail "report written on failure"
echo "ok"
