#!/bin/sh
# The daemon's backend choice and start-up diagnosis, on stand-in device
# files and the stand-in DCAP libraries: auto without devices picks sim and
# says why, dcap without them exits with the cause, a quote made through
# libsgx_quote_ex on the dcap backend verifies, and --check names each
# problem with its fix.
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
standin=$build/tests/dcap

mkdir "$tmp/nodev" "$tmp/dev"
touch "$tmp/dev/sgx_enclave" "$tmp/dev/sgx_provision"

# Exported names: exactly those of Intel's libsgx_dcap_ql.so.1.
names=$(nm -D --defined-only "$standin/full/libsgx_dcap_ql.so.1" |
	awk '{print $3}' | sort | tr '\n' ' ')
[ "$names" = "sgx_qe_cleanup_by_policy sgx_qe_get_quote \
sgx_qe_get_quote_size sgx_qe_get_target_info sgx_qe_set_enclave_load_policy \
sgx_ql_set_path sgx_ql_set_trace_callback sgx_trace_logger_callback \
sgx_trace_loglevel " ] || fail "stand-in exports: $names"

# auto without devices: sim, and the reason in one line.
start_daemon "$tmp/auto.log" --backend auto --sgx-dev-dir "$tmp/nodev" \
	--socket "$tmp/a/aesm.socket" --state-dir "$tmp/a/state"
wait_ready "$tmp/a/aesm.socket" "$tmp/auto.log"
stop_daemon "$pid"
grep -q "level=warn event=backend_auto backend=sim reason=\"no SGX device \
$tmp/nodev/sgx_enclave (No such file or directory)\" warning=" \
	"$tmp/auto.log" || fail "auto log: $(cat "$tmp/auto.log")"

# dcap without devices: a non-zero exit naming the device, no socket.
if "$daemon" --backend dcap --sgx-dev-dir "$tmp/nodev" \
	--socket "$tmp/b/aesm.socket" --state-dir "$tmp/b/state" \
	2>"$tmp/dcap.log"; then
	fail "--backend dcap started without devices"
fi
grep -q "level=error event=backend_unavailable backend=dcap reason=\"no SGX \
device $tmp/nodev/sgx_enclave" "$tmp/dcap.log" ||
	fail "dcap log: $(cat "$tmp/dcap.log")"
[ ! -e "$tmp/b/aesm.socket" ] || fail "a socket was made without a backend"

# Devices, but no library, or a library that is not Intel's.
if "$daemon" --backend dcap --sgx-dev-dir "$tmp/dev" \
	--dcap-library "$tmp/none/libsgx_dcap_ql.so.1" \
	--socket "$tmp/b/aesm.socket" --state-dir "$tmp/b/state" \
	2>"$tmp/nolib.log"; then
	fail "--backend dcap started without the library"
fi
grep -q "backend=dcap reason=\"cannot load $tmp/none/libsgx_dcap_ql.so.1: " \
	"$tmp/nolib.log" || fail "no library log: $(cat "$tmp/nolib.log")"
if "$daemon" --backend dcap --sgx-dev-dir "$tmp/dev" \
	--dcap-library "$standin/qpl/libdcap_quoteprov.so.1" \
	--socket "$tmp/b/aesm.socket" --state-dir "$tmp/b/state" \
	2>"$tmp/wronglib.log"; then
	fail "--backend dcap started on a library that is not Intel's"
fi
grep -q "lacks sgx_qe_set_enclave_load_policy" "$tmp/wronglib.log" ||
	fail "wrong library log: $(cat "$tmp/wronglib.log")"

# auto with devices but no library: sim, saying so.
start_daemon "$tmp/auto2.log" --backend auto --sgx-dev-dir "$tmp/dev" \
	--dcap-library "$tmp/none/libsgx_dcap_ql.so.1" \
	--socket "$tmp/c/aesm.socket" --state-dir "$tmp/c/state"
wait_ready "$tmp/c/aesm.socket" "$tmp/auto2.log"
stop_daemon "$pid"
grep -q "event=backend_auto backend=sim reason=\"cannot load " \
	"$tmp/auto2.log" || fail "auto log: $(cat "$tmp/auto2.log")"

# auto with devices and the library: dcap. A quote through the project's
# libsgx_quote_ex, dumped, and verified against the stand-in platform's
# collateral.
export SQH_STANDIN_STATE="$tmp/standin" SQH_STANDIN_REPORT_KEY="$tmp/d/k"
SGX_AESM_ADDR=1 start_daemon "$tmp/e2e.log" --backend auto \
	--sgx-dev-dir "$tmp/dev" \
	--dcap-library "$standin/full/libsgx_dcap_ql.so.1" \
	--socket "$tmp/d/aesm.socket" --state-dir "$tmp/d/state"
wait_ready "$tmp/d/aesm.socket" "$tmp/e2e.log"
grep -q "event=backend_auto backend=dcap " "$tmp/e2e.log" ||
	fail "auto did not pick dcap: $(cat "$tmp/e2e.log")"
data=0123456789abcdef0123456789abcdef
"$bin/sgx-quote" quote --socket "$tmp/d/aesm.socket" --report-key \
	"$tmp/d/k" --report-data $data -o "$tmp/q.bin" >"$tmp/out" 2>&1 ||
	fail "quote: $(cat "$tmp/out")"
stop_daemon "$pid"
"$bin/sgx-quote" dump "$tmp/q.bin" >"$tmp/dump" || fail "dump"
grep -q "report_data: $data" "$tmp/dump" || fail "dump: report data"
"$bin/sgx-quote" collateral --state-dir "$tmp/standin" -o "$tmp/coll" \
	>/dev/null || fail "collateral"
"$bin/sgx-quote" verify "$tmp/q.bin" --collateral "$tmp/coll" \
	--root "$tmp/coll/root_ca.pem" >"$tmp/verify" 2>&1 ||
	fail "verify: $(cat "$tmp/verify")"

# --check on a complete platform: the high-level library with Intel's
# enclave files beside it, a quote provider, a QCNL configuration.
mkdir "$tmp/lib"
cp "$standin/alone/libsgx_dcap_ql.so.1" "$tmp/lib/"
for f in libsgx_qe3.signed.so.1 libsgx_pce.signed.so.1 \
	libsgx_id_enclave.signed.so.1; do
	touch "$tmp/lib/$f"
done
touch "$tmp/qcnl.conf"
check() {
	LD_LIBRARY_PATH=$standin/qpl QCNL_CONF_PATH=$tmp/qcnl.conf \
		"$daemon" --check --dcap-library "$tmp/lib/libsgx_dcap_ql.so.1" \
		"$@" 2>"$tmp/check.log"
}
check --sgx-dev-dir "$tmp/dev" || fail "check: $(cat "$tmp/check.log")"
for c in sgx_device dcap_library quoting_enclave_files quote_provider \
	qcnl_config epc quoting_enclave; do
	grep -q "event=check check=$c result=ok" "$tmp/check.log" ||
		fail "check $c not ok: $(cat "$tmp/check.log")"
done
grep -q "event=check check=qe3_logic result=warn .*fix=\"install \
libsgx-qe3-logic\"" "$tmp/check.log" ||
	fail "qe3 logic: $(cat "$tmp/check.log")"
grep -q "event=check_done problems=0" "$tmp/check.log" || fail "check_done"

# Each problem: a non-zero exit and one line with the cause and the fix.
if check --sgx-dev-dir "$tmp/nodev"; then fail "check without devices"; fi
grep -q "level=error event=check check=sgx_device result=fail \
path=$tmp/nodev/sgx_enclave cause=\"no SGX device: SGX is off in the BIOS \
or the kernel has no SGX driver\" fix=" "$tmp/check.log" ||
	fail "device line: $(cat "$tmp/check.log")"

rm "$tmp/lib/libsgx_pce.signed.so.1"
if check --sgx-dev-dir "$tmp/dev"; then fail "check without the PCE"; fi
grep -q "check=quoting_enclave_files result=fail \
path=$tmp/lib/libsgx_pce.signed.so.1 .*fix=\"install libsgx-ae-pce\"" \
	"$tmp/check.log" || fail "enclave files line: $(cat "$tmp/check.log")"
touch "$tmp/lib/libsgx_pce.signed.so.1"

echo "sgx_qe_get_target_info 0xE012" >"$tmp/control"
if SQH_STANDIN_CONTROL=$tmp/control check --sgx-dev-dir "$tmp/dev"; then
	fail "check with EPC exhausted"
fi
grep -q "check=quoting_enclave result=fail code=0xe012 \
name=SGX_QL_OUT_OF_EPC cause=\"out of EPC" "$tmp/check.log" ||
	fail "EPC line: $(cat "$tmp/check.log")"

# No PCCS configuration for the quote provider: a warning with the file
# to write, not a failure (Azure's provider needs none).
rm "$tmp/qcnl.conf"
check --sgx-dev-dir "$tmp/dev" || fail "check without QCNL: $(cat "$tmp/check.log")"
grep -q "level=warn event=check check=qcnl_config result=warn \
path=$tmp/qcnl.conf cause=\"no PCCS configuration.*fix=\"write pccs_url into \
$tmp/qcnl.conf" "$tmp/check.log" || fail "QCNL line: $(cat "$tmp/check.log")"
touch "$tmp/qcnl.conf"

if ! ldconfig -p 2>/dev/null | grep -q libdcap_quoteprov; then
	if "$daemon" --check --sgx-dev-dir "$tmp/dev" --dcap-library \
		"$tmp/lib/libsgx_dcap_ql.so.1" 2>"$tmp/check.log"; then
		fail "check without a quote provider"
	fi
	grep -q "check=quote_provider result=fail .*certification data \
type 3" "$tmp/check.log" || fail "QPL line: $(cat "$tmp/check.log")"
fi

# Permission on the devices, as a user outside sgx_prv.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	chmod 0755 "$tmp" "$tmp/lib"
	chmod 0600 "$tmp/dev/sgx_provision"
	if setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$daemon" --check --sgx-dev-dir "$tmp/dev" --dcap-library \
		"$tmp/lib/libsgx_dcap_ql.so.1" 2>"$tmp/check.log"; then
		fail "check without permission"
	fi
	grep -q "check=permission result=fail path=$tmp/dev/sgx_provision \
.*fix=\"add the daemon's user to the sgx_prv group" "$tmp/check.log" ||
		fail "permission line: $(cat "$tmp/check.log")"
fi
echo ok
