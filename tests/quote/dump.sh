#!/bin/sh
# sgx-quote dump against the stated values of the test data.
# Arguments: build directory, source directory, test data directory.
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
data=$3
cli=$bin/sgx-quote
get=$build/tests/json_get

# expect FILE PATH VALUE
expect() {
	got=$("$get" "$1" "$2") || fail "$2 missing"
	[ "$got" = "$3" ] || fail "$2: got '$got', want '$3'"
}

"$cli" dump --json "$data/sgx/01_dcapqvl/quote.bin" >"$tmp/01.json"
pck=signature_data.certification_data.certificates.0
expect "$tmp/01.json" kind "SGX quote v3"
expect "$tmp/01.json" header.qe_svn 10
expect "$tmp/01.json" header.pce_svn 15
expect "$tmp/01.json" signature_data.certification_data.type 5
expect "$tmp/01.json" $pck.sgx_extension.fmspc 00A067110000
expect "$tmp/01.json" $pck.sgx_extension.tcb.sgx_tcb_components \
	'[11,11,2,2,255,1,0,0,0,0,0,0,0,0,0,0]'
expect "$tmp/01.json" $pck.sgx_extension.tcb.pcesvn 13
expect "$tmp/01.json" $pck.sgx_extension.sgx_type_name Standard
expect "$tmp/01.json" $pck.subject \
	"C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX PCK Certificate"
expect "$tmp/01.json" signature_data.certification_data.certificates.2.sha256 \
	44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3
expect "$tmp/01.json" signature_data.certification_data.certificates.2.not_after \
	2049-12-31T23:59:59Z
expect "$tmp/01.json" signature_data.qe_report.attributes.flag_names \
	'["INIT","MODE64BIT","PROVISIONKEY"]'

"$cli" dump --json "$data/sgx/03_oasis/quote.bin" >"$tmp/03.json"
expect "$tmp/03.json" $pck.sgx_extension.fmspc 00606A000000
expect "$tmp/03.json" $pck.sgx_extension.tcb.sgx_tcb_components \
	'[7,9,3,3,255,255,1,0,0,0,0,0,0,0,0,0]'
expect "$tmp/03.json" $pck.sgx_extension.configuration.dynamic_platform true

"$cli" dump --json "$data/sgx/07_oasis_certtype3_eppid/quote.bin" \
	>"$tmp/07.json"
cd_=signature_data.certification_data
expect "$tmp/07.json" $cd_.type 3
expect "$tmp/07.json" $cd_.cpusvn 05050c0cffff01000000000000000000
expect "$tmp/07.json" $cd_.pcesvn 12
expect "$tmp/07.json" $cd_.pceid 0
ppid=$("$get" "$tmp/07.json" $cd_.encrypted_ppid)
[ ${#ppid} -eq 768 ] || fail "encrypted PPID is not 384 bytes"

"$cli" dump --json "$data/tdx/01_dcapqvl_v4/quote.bin" >"$tmp/tdx.json"
expect "$tmp/tdx.json" kind "TDX quote v4"
expect "$tmp/tdx.json" tee TDX
expect "$tmp/tdx.json" trailing_bytes 70
expect "$tmp/tdx.json" td_report.td_attributes.flag_names '["SEPT_VE_DISABLE"]'
expect "$tmp/tdx.json" signature_data.certification_data.outer_type 6

# The text form carries the same values.
"$cli" dump "$data/sgx/01_dcapqvl/quote.bin" >"$tmp/01.txt"
grep -q '^ *fmspc: 00A067110000$' "$tmp/01.txt" || fail "text: fmspc"
grep -q '^  qe_svn: 10$' "$tmp/01.txt" || fail "text: qe_svn"
grep -q '^ *sgx_tcb_components: \[11, 11, 2, 2, 255, 1, 0,' "$tmp/01.txt" ||
	fail "text: components"

# Bad input: exit 1 with a one-line message; bad usage: exit 2.
head -c 1000 /dev/urandom >"$tmp/garbage"
status=0
"$cli" dump "$tmp/garbage" >"$tmp/out" 2>"$tmp/err" || status=$?
[ $status -eq 1 ] || fail "garbage: exit $status"
[ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "garbage: not one line"
grep -q "garbage" "$tmp/err" || fail "garbage: message does not name the file"
[ ! -s "$tmp/out" ] || fail "garbage: printed a dump"

head -c 2000 "$data/sgx/01_dcapqvl/quote.bin" >"$tmp/short"
status=0
"$cli" dump "$tmp/short" 2>"$tmp/err" >/dev/null || status=$?
[ $status -eq 1 ] || fail "truncated: exit $status"
grep -q "truncated" "$tmp/err" || fail "truncated: $(cat "$tmp/err")"

status=0
"$cli" dump "$tmp/missing" 2>/dev/null || status=$?
[ $status -eq 1 ] || fail "missing file: exit $status"
status=0
"$cli" dump 2>/dev/null || status=$?
[ $status -eq 2 ] || fail "no argument: exit $status"
status=0
"$cli" dump --bogus "$tmp/short" 2>/dev/null || status=$?
[ $status -eq 2 ] || fail "unknown option: exit $status"
"$cli" dump --help | grep -q -- '--json' || fail "--help"
echo "dump: ok"
