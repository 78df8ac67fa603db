#!/bin/sh
# 'sgx-quote collateral' output checked with the openssl tool: the TCB
# info and QE identity signatures over the exact bytes of their objects
# with the TCB signing key, the issuer chains to the exported root, the
# CRLs (issuer, signature, CRL Number and AKI, validity); reference
# "quote format" sections 2.1 and 3.1-3.3.
set -eu
# shellcheck source=sim_lib.sh
. "$2/tests/sim/sim_lib.sh"
cli=$bin/sgx-quote
out=$tmp/col

# Usage errors exit 2.
rc=0
"$cli" collateral --state-dir "$tmp/s" >/dev/null 2>&1 || rc=$?
[ "$rc" -eq 2 ] || fail "missing -o gave $rc"

"$cli" collateral --state-dir "$tmp/s" -o "$out" >/dev/null ||
	fail "export"
for f in root_ca.pem tcb_info.json qe_identity.json \
	tcb_info_issuer_chain.pem qe_identity_issuer_chain.pem pck_crl.der \
	pck_crl_issuer_chain.pem root_ca_crl.der; do
	[ -s "$out/$f" ] || fail "missing $f"
done
cmp -s "$out/root_ca.pem" "$tmp/s/root_ca.pem" || fail "root differs"
if tmp_files_left "$out"; then fail "temporary files left"; fi

# check_signed FILE NAME: {"NAME":OBJ,"signature":"HEX"}, HEX an r||s
# signature over the bytes of OBJ by the first cert of the issuer chain.
check_signed() {
	body=$(cat "$1")
	obj=${body#"{\"$2\":"}
	obj=${obj%,\"signature\":*}
	sig=${body##*\"signature\":\"}
	sig=${sig%\"\}}
	[ "${#sig}" -eq 128 ] || fail "$1: signature length"
	[ "{\"$2\":$obj,\"signature\":\"$sig\"}" = "$body" ] ||
		fail "$1: not a PCS body"
	printf %s "$obj" >"$tmp/obj"
	sig_der "$sig" "$tmp/obj.sig"
	split_chain "$3" "$tmp/issuer"
	openssl x509 -in "$tmp/issuer0.pem" -pubkey -noout >"$tmp/signer.pem"
	openssl dgst -sha256 -verify "$tmp/signer.pem" \
		-signature "$tmp/obj.sig" "$tmp/obj" >/dev/null ||
		fail "$1: signature does not verify"
	# One changed byte of the object must break it.
	printf %s "$obj" | sed 's/"version":/"version" :/' >"$tmp/obj"
	if openssl dgst -sha256 -verify "$tmp/signer.pem" \
		-signature "$tmp/obj.sig" "$tmp/obj" >/dev/null 2>&1; then
		fail "$1: signature verifies over altered bytes"
	fi
	cmp -s "$tmp/issuer1.pem" "$out/root_ca.pem" ||
		fail "$3: second cert is not the root"
}
check_signed "$out/tcb_info.json" tcbInfo "$out/tcb_info_issuer_chain.pem"
check_signed "$out/qe_identity.json" enclaveIdentity \
	"$out/qe_identity_issuer_chain.pem"

# The TCB signing cert chains to the root and is named as verifiers want.
openssl crl -inform DER -in "$out/root_ca_crl.der" -out "$tmp/root_crl.pem"
openssl verify -x509_strict -crl_check -CAfile "$out/root_ca.pem" \
	-CRLfile "$tmp/root_crl.pem" "$tmp/issuer0.pem" >/dev/null ||
	fail "TCB signing cert does not chain to the root"
openssl x509 -in "$tmp/issuer0.pem" -noout -subject -nameopt multiline |
	grep -q "commonName *= .*SGX TCB Signing" || fail "TCB signer CN"

# Content of the TCB info and QE identity (v3 / v2, section 3.2-3.3).
tcb=$(cat "$out/tcb_info.json")
for want in '"id":"SGX"' '"version":3' '"fmspc":"535148000000"' \
	'"pceId":"0000"' '"tcbType":0' '"tcbStatus":"UpToDate"' \
	'"tcbStatus":"OutOfDate"' '"advisoryIDs":["' '"pcesvn":13'; do
	case $tcb in *"$want"*) ;; *) fail "tcb_info.json lacks $want" ;; esac
done
qe=$(cat "$out/qe_identity.json")
for want in '"id":"QE"' '"version":2' '"isvprodid":1' \
	'"mrsigner":"8C4F5775D796503E96137F77C68A829A0056AC8DED70140B081B094490C57BFF"' \
	'"miscselectMask":"FFFFFFFF"' '"tcb":{"isvsvn":8}' \
	'"tcbStatus":"OutOfDate","advisoryIDs":["'; do
	case $qe in *"$want"*) ;; *) fail "qe_identity.json lacks $want" ;; esac
done
issue=$(printf %s "$tcb" | sed 's/.*"issueDate":"\([^"]*\)".*/\1/')
next=$(printf %s "$tcb" | sed 's/.*"nextUpdate":"\([^"]*\)".*/\1/')
[ $(($(date -d "$next" +%s) - $(date -d "$issue" +%s))) -eq 2592000 ] ||
	fail "nextUpdate is not issueDate + 30 days"
now=$(date +%s)
[ $((now - $(date -d "$issue" +%s))) -lt 300 ] || fail "issueDate not now"

# CRLs: signed by their issuers, with CRL Number and AKI, valid now.
check_crl() {
	openssl crl -inform DER -in "$1" -noout -CAfile "$2" 2>&1 |
		grep -q "verify OK" || fail "$1: signature"
	text=$(openssl crl -inform DER -in "$1" -noout -text)
	case $text in *"CRL Number"*) ;; *) fail "$1: no CRL Number" ;; esac
	case $text in *"Authority Key Identifier"*) ;;
	*) fail "$1: no AKI" ;; esac
	case $text in *"No Revoked Certificates"*) ;;
	*) fail "$1: not empty" ;; esac
	issuer=$(openssl crl -inform DER -in "$1" -noout -issuer)
	[ "$issuer" = "issuer=$(openssl x509 -in "$3" -noout -subject |
		sed 's/^subject=//')" ] || fail "$1: issuer"
}
split_chain "$out/pck_crl_issuer_chain.pem" "$tmp/pckca"
check_crl "$out/pck_crl.der" "$out/pck_crl_issuer_chain.pem" \
	"$tmp/pckca0.pem"
check_crl "$out/root_ca_crl.der" "$out/root_ca.pem" "$out/root_ca.pem"
cmp -s "$tmp/pckca0.pem" "$tmp/s/pck_ca.pem" || fail "PCK CRL chain"
cmp -s "$tmp/pckca1.pem" "$out/root_ca.pem" || fail "PCK CRL chain root"
openssl verify -crl_check -CAfile "$out/root_ca.pem" \
	-CRLfile "$tmp/root_crl.pem" "$tmp/pckca0.pem" >/dev/null ||
	fail "PCK CA does not verify under the root CRL"

# A second export re-signs and keeps the same root.
"$cli" collateral --state-dir "$tmp/s" -o "$out" >/dev/null ||
	fail "second export"
cmp -s "$out/root_ca.pem" "$tmp/s/root_ca.pem" || fail "root changed"
echo "ok"
