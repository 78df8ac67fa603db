#!/bin/sh
# Checks a simulated quote with the openssl command-line tool only: the
# ISV signature over the first 432 bytes with the attestation key, the QE
# report signature with the PCK leaf key, the QE binding hash, the chain
# (and CRLs) up to the exported root; then the error paths and a restart.
# Offsets: reference "quote format" section 1.3 (auth data of 32 bytes).
set -eu
# shellcheck source=sim_lib.sh
. "$2/tests/sim/sim_lib.sh"
tool=$build/tests/sim_quote_tool

state=$tmp/state
key=$tmp/run/sim-report.key
"$tool" "$state" "$tmp/q.bin" --report-key "$key" \
	--qe-report-info "$tmp/info.bin" --pub-key-id-out "$tmp/pkid.bin" ||
	fail "quote: exit $?"
"$bin/sgx-quote" collateral --state-dir "$state" -o "$tmp/col" \
	>/dev/null || fail "collateral export"

# Header: version 3, key type 2, Intel's QE vendor id.
[ "$(hex_at "$tmp/q.bin" 0 4)" = 03000200 ] || fail "header"
[ "$(hex_at "$tmp/q.bin" 12 16)" = 939a7233f79c4ca9940a0db3957f0607 ] ||
	fail "vendor id"

# ISV signature over bytes [0, 432) with the attestation key.
bytes_at "$tmp/q.bin" 0 432 "$tmp/signed.bin"
pub_pem "$(hex_at "$tmp/q.bin" 500 64)" "$tmp/att.pem"
sig_der "$(hex_at "$tmp/q.bin" 436 64)" "$tmp/isv.sig"
openssl dgst -sha256 -verify "$tmp/att.pem" -signature "$tmp/isv.sig" \
	"$tmp/signed.bin" >/dev/null || fail "ISV signature"

# Flipping one signed byte must break it.
cp "$tmp/signed.bin" "$tmp/bad.bin"
printf '\377' | dd of="$tmp/bad.bin" bs=1 seek=400 conv=notrunc status=none
if openssl dgst -sha256 -verify "$tmp/att.pem" -signature "$tmp/isv.sig" \
	"$tmp/bad.bin" >/dev/null 2>&1; then
	fail "ISV signature verifies over altered bytes"
fi

# The PCK chain: type 5, PEM with a counted trailing NUL.
[ "$(hex_at "$tmp/q.bin" 1046 2)" = 0500 ] || fail "cert type"
size_hex=$(hex_at "$tmp/q.bin" 1048 4)
size=$((0x$(echo "$size_hex" | sed 's/\(..\)\(..\)\(..\)\(..\)/\4\3\2\1/')))
[ "$(hex_at "$tmp/q.bin" $((1052 + size - 1)) 1)" = 00 ] ||
	fail "no trailing NUL"
[ "$(stat -c %s "$tmp/q.bin")" -eq $((1052 + size)) ] || fail "quote size"
bytes_at "$tmp/q.bin" 1052 $((size - 1)) "$tmp/chain.pem"
split_chain "$tmp/chain.pem" "$tmp/cert"
{ [ -f "$tmp/cert2.pem" ] && [ ! -f "$tmp/cert3.pem" ]; } || fail "not 3 certs"

# QE report signature with the PCK leaf key.
openssl x509 -in "$tmp/cert0.pem" -pubkey -noout >"$tmp/pck.pem"
bytes_at "$tmp/q.bin" 564 384 "$tmp/qe_report.bin"
sig_der "$(hex_at "$tmp/q.bin" 948 64)" "$tmp/qe.sig"
openssl dgst -sha256 -verify "$tmp/pck.pem" -signature "$tmp/qe.sig" \
	"$tmp/qe_report.bin" >/dev/null || fail "QE report signature"

# QE binding: SHA-256(attestation key || auth data) || 0^32.
[ "$(hex_at "$tmp/q.bin" 1012 2)" = 2000 ] || fail "auth data size"
[ "$(hex_at "$tmp/q.bin" 1014 32)" = \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" ] ||
	fail "auth data"
bytes_at "$tmp/q.bin" 500 64 "$tmp/bind.bin"
bytes_at "$tmp/q.bin" 1014 32 "$tmp/auth.bin"
cat "$tmp/auth.bin" >>"$tmp/bind.bin"
bind=$(openssl dgst -sha256 -r "$tmp/bind.bin" | cut -c1-64)
[ "$(hex_at "$tmp/q.bin" 884 32)" = "$bind" ] || fail "QE binding hash"
[ "$(hex_at "$tmp/q.bin" 916 32)" = "$(printf '0%.0s' $(seq 64))" ] ||
	fail "QE report data upper half"
[ "$(od -An -v -tx1 "$tmp/pkid.bin" | tr -d ' \n')" = "$bind" ] ||
	fail "init_quote pub_key_id"

# Chain to the exported root, with both CRLs.
cmp -s "$tmp/cert2.pem" "$tmp/col/root_ca.pem" || fail "root differs"
openssl crl -inform DER -in "$tmp/col/pck_crl.der" -out "$tmp/pck_crl.pem"
openssl crl -inform DER -in "$tmp/col/root_ca_crl.der" \
	-out "$tmp/root_crl.pem"
openssl verify -x509_strict -crl_check_all -CAfile "$tmp/col/root_ca.pem" \
	-untrusted "$tmp/cert1.pem" -CRLfile "$tmp/pck_crl.pem" \
	-CRLfile "$tmp/root_crl.pem" "$tmp/cert0.pem" >/dev/null ||
	fail "chain does not verify"
subjects=$(for i in 0 1 2; do
	openssl x509 -in "$tmp/cert$i.pem" -noout -subject -nameopt multiline
done)
echo "$subjects" | grep -q "commonName *= .*SGX PCK Certificate" ||
	fail "leaf CN"
echo "$subjects" | grep -q "commonName *= .*Simulated SGX Root CA" ||
	fail "root CN"
openssl x509 -in "$tmp/cert0.pem" -noout -text |
	grep -q "1.2.840.113741.1.13.1" || fail "no SGX extension"

# qe_report_info: report data SHA-256(nonce || quote) || 0^32.
bytes_at "$tmp/info.bin" 0 16 "$tmp/nq.bin"
cat "$tmp/q.bin" >>"$tmp/nq.bin"
nq=$(openssl dgst -sha256 -r "$tmp/nq.bin" | cut -c1-64)
[ "$(hex_at "$tmp/info.bin" 848 32)" = "$nq" ] || fail "QE report for app"

# Error paths: tampered report (47), buffer one byte short (3).
rc=0
"$tool" "$state" "$tmp/t.bin" --report-key "$key" --tamper 2>/dev/null ||
	rc=$?
[ "$rc" -eq 47 ] || fail "tampered report gave $rc, want 47"
rc=0
"$tool" "$state" "$tmp/t.bin" --report-key "$key" \
	--cap $((1052 + size - 1)) 2>/dev/null || rc=$?
[ "$rc" -eq 3 ] || fail "small buffer gave $rc, want 3"

# Restart: same attestation key, same chain to the same root.
"$tool" "$state" "$tmp/q2.bin" --report-key "$key" 2>/dev/null ||
	fail "second start"
[ "$(hex_at "$tmp/q2.bin" 500 64)" = "$(hex_at "$tmp/q.bin" 500 64)" ] ||
	fail "attestation key changed across restart"
[ "$(hex_at "$tmp/q2.bin" 1052 "$size")" = \
	"$(hex_at "$tmp/q.bin" 1052 "$size")" ] || fail "chain changed"
echo "ok"
