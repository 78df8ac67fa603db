# Helpers shared by the sim script tests, sourced as
# `. "$2/tests/sim/sim_lib.sh"`: tests/lib.sh, then bytes out of a quote
# and the ASN.1 that the openssl tool needs to check raw r||s and X||Y
# values.
# shellcheck shell=dash
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"

# hex_at FILE OFFSET LENGTH: the bytes as lowercase hex, no spaces.
hex_at() {
	od -An -v -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n'
}

# bytes_at FILE OFFSET LENGTH OUT
bytes_at() {
	dd if="$1" of="$4" bs=1 skip="$2" count="$3" status=none
}

# sig_der HEX_R_S OUT: DER ECDSA-Sig-Value from 64 bytes of r||s.
sig_der() {
	r=$(printf %s "$1" | cut -c1-64)
	s=$(printf %s "$1" | cut -c65-128)
	printf 'asn1=SEQUENCE:sig\n[sig]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' \
		"$r" "$s" >"$2.conf"
	openssl asn1parse -genconf "$2.conf" -out "$2" >/dev/null
}

# pub_pem HEX_X_Y OUT: a P-256 public key PEM from 64 bytes of X||Y.
pub_pem() {
	cat >"$2.conf" <<CONF
asn1=SEQUENCE:spki
[spki]
alg=SEQUENCE:alg
key=FORMAT:HEX,BITSTRING:04$1
[alg]
oid=OID:id-ecPublicKey
curve=OID:prime256v1
CONF
	openssl asn1parse -genconf "$2.conf" -out "$2.der" >/dev/null
	openssl pkey -pubin -inform DER -in "$2.der" -out "$2"
}

# split_chain PEM_FILE PREFIX: PREFIX0.pem, PREFIX1.pem, ... one per cert.
split_chain() {
	awk -v p="$2" '
		/-----BEGIN CERTIFICATE-----/ { f = p n++ ".pem" }
		f { print > f }
		/-----END CERTIFICATE-----/ { f = "" }
	' "$1"
}

# tmp_files_left DIR: true when DIR holds a temporary file of an atomic
# write (NAME.tmp.XXXXXX).
tmp_files_left() {
	for _f in "$1"/*.tmp.*; do
		[ -e "$_f" ] && return 0
	done
	return 1
}

# check_quote QUOTE ROOT_PEM WORKDIR: the three signatures of a v3 quote
# with 32 bytes of auth data (ISV, QE report, chain to ROOT_PEM).
check_quote() {
	q=$1
	w=$3
	mkdir -p "$w"
	bytes_at "$q" 0 432 "$w/signed.bin"
	pub_pem "$(hex_at "$q" 500 64)" "$w/att.pem"
	sig_der "$(hex_at "$q" 436 64)" "$w/isv.sig"
	openssl dgst -sha256 -verify "$w/att.pem" -signature "$w/isv.sig" \
		"$w/signed.bin" >/dev/null || return 1
	len=$(($(stat -c %s "$q") - 1052 - 1))
	bytes_at "$q" 1052 "$len" "$w/chain.pem"
	rm -f "$w"/c?.pem
	split_chain "$w/chain.pem" "$w/c"
	openssl x509 -in "$w/c0.pem" -pubkey -noout >"$w/pck.pem"
	bytes_at "$q" 564 384 "$w/qe_report.bin"
	sig_der "$(hex_at "$q" 948 64)" "$w/qe.sig"
	openssl dgst -sha256 -verify "$w/pck.pem" -signature "$w/qe.sig" \
		"$w/qe_report.bin" >/dev/null || return 1
	openssl verify -CAfile "$2" -untrusted "$w/c1.pem" "$w/c0.pem" \
		>/dev/null
}
