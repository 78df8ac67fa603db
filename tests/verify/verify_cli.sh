#!/bin/sh
# sgx-quote verify: verdict lines, JSON fields and exit codes against the
# stated results of the test data (testdata/README.md).
# Arguments: build directory, source directory, test data directory.
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
data=$3
cli=$bin/sgx-quote

# run WANT_CODE ARGS...: runs verify, keeps stdout and stderr in $out.
run() {
	want=$1
	shift
	set +e
	"$cli" verify "$@" >"$tmp/out" 2>&1
	code=$?
	set -e
	out=$(cat "$tmp/out")
	[ "$code" = "$want" ] || fail "verify $*: exit $code, want $want: $out"
}

has() {
	case $out in
	*"$1"*) ;;
	*) fail "missing '$1' in: $out" ;;
	esac
}

sgx01=$data/sgx/01_dcapqvl
at01=2025-07-19T10:01:17Z

# sgx/01: ConfigurationAndSWHardeningNeeded is not accepted by default.
run 3 "$sgx01/quote.bin" --collateral "$sgx01/collateral.json" --at $at01
has "NOT ACCEPTED: ConfigurationAndSWHardeningNeeded [INTEL-SA-00289, INTEL-SA-00615]; QE UpToDate"
run 0 "$sgx01/quote.bin" --collateral "$sgx01/collateral.json" --at $at01 \
	--accept UpToDate,ConfigurationAndSWHardeningNeeded
has "OK: ConfigurationAndSWHardeningNeeded"

run 3 "$sgx01/quote.bin" --collateral "$sgx01/collateral.json" --at $at01 --json
has '"verified":true'
has '"accepted":false'
has '"status":"ConfigurationAndSWHardeningNeeded"'
has '"advisory_ids":["INTEL-SA-00289","INTEL-SA-00615"]'
has '"qe_status":"UpToDate"'
has '"collateral_expired":false'
has '"checks_skipped":[]'
has '"mrenclave":"33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"'
has '"isvprodid":0'
has '"debug":false'
has '"report_data":"48656c6c6f2c20776f726c6421'
has '"fmspc":"00a067110000"'

# --repeat keeps the verdict and reports the rate on stderr.
run 3 "$sgx01/quote.bin" --collateral "$sgx01/collateral.json" --at $at01 \
	--repeat 5
has "NOT ACCEPTED: ConfigurationAndSWHardeningNeeded"
has "verify: quotes=1 repeat=5 seconds="
has "per_second="
run 2 "$sgx01/quote.bin" --collateral "$sgx01/collateral.json" --repeat 0

# sgx/03: a collateral directory without CRLs.
col=$tmp/oasis
mkdir "$col"
cp "$data/sgx/03_oasis/tcb_info_v3_fmspc_00606A000000.json" "$col/tcb_info.json"
cp "$data/sgx/03_oasis/qe_identity_v2.json" "$col/qe_identity.json"
cp "$data/sgx/03_oasis/tcb_info_issuer_chain.pem" "$col/"
oasis=$data/sgx/03_oasis/quote.bin
run 0 "$oasis" --collateral "$col" --at 2022-12-20T00:50:04Z
has "OK: SWHardeningNeeded [INTEL-SA-00615, INTEL-SA-00657]; QE UpToDate; not checked: root_ca_crl, pck_crl"
run 1 "$oasis" --collateral "$col" --at 2022-12-20T00:50:04Z --strict
has "strict: checks not made for lack of collateral: root_ca_crl pck_crl"

# The four stated failing times.
run 1 "$oasis" --collateral "$col" --at 2029-12-05T11:12:02Z
has 'expired: collateral expired at 2029-12-05T11:12:02Z: PCK chain certificate "Intel SGX PCK Certificate" notAfter'
run 1 "$oasis" --collateral "$col" --at 2022-12-05T11:12:00Z
has 'validity: not yet valid at 2022-12-05T11:12:00Z: PCK chain certificate "Intel SGX PCK Certificate" notBefore'
run 1 "$oasis" --collateral "$col" --at 2022-12-16T12:45:35Z
has "qe_identity issueDate 2022-12-16T12:45:36Z"
run 1 "$oasis" --collateral "$col" --at 2023-01-15T12:45:37Z
has "expired: collateral expired at 2023-01-15T12:45:37Z: qe_identity nextUpdate 2023-01-15T12:45:36Z"
# Expired collateral reported but allowed, as Intel's QvE does.
run 0 "$oasis" --collateral "$col" --at 2023-01-15T12:45:37Z --allow-expired --json
has '"collateral_expired":true'
has '"expired":[{"object":"qe_identity","field":"nextUpdate","time":"2023-01-15T12:45:36Z"}]'

# With --json, expired collateral that fails is the failed check.
run 1 "$oasis" --collateral "$col" --at 2023-01-15T12:45:37Z --json
has '"verified":false'
has '"error":{"check":"expired","message":"collateral expired at 2023-01-15T12:45:37Z: qe_identity nextUpdate 2023-01-15T12:45:36Z"}'

# Files that cannot be read say why.
run 1 "$tmp/none.bin" --collateral "$col"
has "$tmp/none.bin: cannot read (No such file or directory)"
# With --json, an object for it too, in the order the quotes were named.
run 1 "$tmp/none.bin" "$sgx01/quote.bin" --collateral "$sgx01/collateral.json" \
	--at $at01 --json
[ "$(grep -c '^{"quote":' "$tmp/out")" = 2 ] || fail "two objects: $out"
first=$(grep '^{"quote":' "$tmp/out" | head -n 1)
case $first in
*'"quote":"'"$tmp"'/none.bin"'*'"verified":false'*'"exit_code":1'*) ;;
*) fail "unreadable quote's object: $first" ;;
esac
has '"error":{"check":"quote_file","message":"'"$tmp"'/none.bin: cannot read (No such file or directory)"}'
has '"status":"ConfigurationAndSWHardeningNeeded"'
run 1 "$oasis" --collateral "$col" --root "$tmp/none.pem"
has "--root $tmp/none.pem: No such file or directory"
run 1 "$oasis" --collateral "$col" --root "$oasis"
has "--root $oasis: not a PEM certificate"

# Several quotes share one call; the worst verdict is the exit code.
run 0 "$oasis" "$oasis" --collateral "$col" --at 2022-12-20T00:50:04Z
[ "$(grep -c ': OK: ' "$tmp/out")" = 2 ] || fail "two verdicts expected: $out"
run 1 "$oasis" "$data/sgx/07_oasis_certtype3_eppid/quote.bin" \
	--collateral "$col" --at 2022-12-20T00:50:04Z
has "no PCK certificate chain"
# A PCK chain in the collateral one certificate short is refused by its
# count (it used to crash the verifier).
cp "$data/sgx/03_oasis/tcb_info_issuer_chain.pem" "$col/pck_cert_chain.pem"
run 1 "$data/sgx/07_oasis_certtype3_eppid/quote.bin" \
	--collateral "$col" --at 2022-12-20T00:50:04Z
has "pck_chain: pck_cert_chain: 2 certificates, expected 3"
rm "$col/pck_cert_chain.pem"

# TDX is refused clearly.
run 1 "$data/tdx/01_dcapqvl_v4/quote.bin" \
	--collateral "$data/tdx/01_dcapqvl_v4/collateral.json"
has "TDX quotes are not supported yet"

# Another trust anchor rejects Intel's chain.
run 1 "$oasis" --collateral "$col" --at 2022-12-20T00:50:04Z \
	--root "$data/synthetic/intel_qvl_sampledata/trustedRootCaCert.pem"
has "pck_chain: root certificate \"Intel SGX Root CA\" is not the trust anchor"

# Broken collateral: a truncated JSON file, an unknown status string.
head -c 2000 "$sgx01/collateral.json" >"$tmp/truncated.json"
run 1 "$sgx01/quote.bin" --collateral "$tmp/truncated.json" --at $at01
has "collateral: "
sed 's/"SWHardeningNeeded"/"SWHardeningNeded"/' \
	"$data/sgx/03_oasis/tcb_info_v3_fmspc_00606A000000.json" >"$col/tcb_info.json"
run 1 "$oasis" --collateral "$col" --at 2022-12-20T00:50:04Z
has 'unknown status "SWHardeningNeded"'

# Usage errors.
run 2 "$oasis"
run 2 "$oasis" --collateral "$col" --at yesterday
run 2 "$oasis" --collateral "$col" --accept Fine
run 0 --help
has "--allow-expired"
# -h as every command of sgx-quote takes it (sgx-quote(1)).
run 0 -h
has "-h, --help"
echo "verify_cli: ok"
