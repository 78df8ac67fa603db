#!/bin/sh
# Checks deploy/systemd/sgx-quote-helper.service: systemd parses every
# line of it without a warning, rates its sandbox as well hardened, and it
# keeps the settings the quote service relies on. A broken copy must fail
# the same checks.
# usage: systemd.sh BUILD_DIR SOURCE_DIR TESTDATA_DIR
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
unit=$src/deploy/systemd/sgx-quote-helper.service

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze not installed"
	exit 77
fi

# verify wants an executable ExecStart; point it at the one just built.
[ -x "$daemon" ] || daemon=/bin/true
name=sgx-quote-helper.service
sed "s#/usr/local/bin/sgx-quote-helper#$daemon#" "$unit" >"$tmp/$name"
# The socket unit the service requires, beside it.
socket_unit=$src/deploy/systemd/sgx-quote-helper.socket
cp "$socket_unit" "$tmp/sgx-quote-helper.socket"

# Any message is a finding: verify warns about unknown keys and bad values
# but still exits 0.
verify_quiet() {
	out=$(systemd-analyze verify "$1" 2>&1) || true
	[ -z "$out" ] && return 0
	echo "$out"
	return 1
}

verify_quiet "$tmp/$name" || fail "systemd-analyze verify"
# Exposure as systemd rates it, 0 (locked down) to 100.
systemd-analyze security --offline=yes --threshold=20 "$tmp/$name" \
	>"$tmp/security.txt" 2>&1 ||
	fail "exposure above 2.0: $(tail -1 "$tmp/security.txt")"
tail -1 "$tmp/security.txt"

for line in RuntimeDirectory=aesmd RuntimeDirectoryPreserve=yes \
	StateDirectory=sgx-quote-helper ProtectSystem=strict \
	DevicePolicy=closed Restart=on-failure NoNewPrivileges=yes \
	CapabilityBoundingSet= Type=notify; do
	grep -qx "$line" "$unit" || fail "missing $line"
done
grep -q -- '--socket /run/aesmd/aesm.socket' "$unit" ||
	fail "socket is not /run/aesmd/aesm.socket"
# shellcheck disable=SC2016 # $MAINPID is systemd's, in the unit's text.
grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" ||
	fail "no ExecReload sending SIGHUP"
# Socket activation: the socket unit listens on the service's path.
verify_quiet "$tmp/sgx-quote-helper.socket" || fail "verify of the socket"
grep -qx 'ListenStream=/run/aesmd/aesm.socket' "$socket_unit" ||
	fail "socket unit does not listen on /run/aesmd/aesm.socket"
grep -qx 'Service=sgx-quote-helper.service' "$socket_unit" ||
	fail "socket unit does not name the service"
devices=$(sed -n 's/^DeviceAllow=\([^ ]*\) .*/\1/p' "$unit")
[ -n "$devices" ] || fail "no DeviceAllow"
for d in $devices; do
	case $d in
	/dev/sgx_enclave | /dev/sgx_provision | /dev/sgx/enclave | \
		/dev/sgx/provision) ;;
	*) fail "device $d is not an SGX device" ;;
	esac
done

# Negative: a misspelt key and a bad value are reported.
sed 's/^ProtectSystem=strict/ProtectSystem=strcit/' "$tmp/$name" \
	>"$tmp/bad1.service"
sed 's/^NoNewPrivileges=/NoNewPrivilege=/' "$tmp/$name" >"$tmp/bad2.service"
for bad in bad1 bad2; do
	if verify_quiet "$tmp/$bad.service" >/dev/null; then
		fail "verify accepted $bad.service"
	fi
done
echo "systemd unit: verified, sandbox and settings checked"
