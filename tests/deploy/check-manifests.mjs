// Checks the rendered Kubernetes manifests: every object against the
// Kubernetes schemas (kubernetes-models), then the properties the quote
// service and its workloads rely on, which no schema expresses. A self-test
// first breaks each property on purpose and expects the check to notice.
//
// usage: node check-manifests.mjs RENDERED_DIR
// RENDERED_DIR holds one file per kustomization: sim.yaml, intel.yaml,
// azure.yaml, azure-legacy.yaml, samples-sim.yaml, samples-azure.yaml.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

const SOCKET_DIR = "/var/run/aesmd";
const SOCKET = `${SOCKET_DIR}/aesm.socket`;
const INTEL_RESOURCES = [
	"sgx.intel.com/epc",
	"sgx.intel.com/enclave",
	"sgx.intel.com/provision",
];
const LEGACY_EPC = "kubernetes.azure.com/sgx_epc_mem_in_MiB";

const SERVICE_OVERLAYS = {
	sim: { backend: "sim", resources: [] },
	intel: { backend: "dcap", resources: INTEL_RESOURCES },
	azure: { backend: "dcap", resources: INTEL_RESOURCES },
	"azure-legacy": { backend: "dcap", resources: [LEGACY_EPC] },
};
const SAMPLES = {
	"samples-sim": { epc: false },
	"samples-azure": { epc: true },
};

function loadObjects(file) {
	const docs = parseAllDocuments(readFileSync(file, "utf8"));
	return docs.map((d) => {
		if (d.errors.length)
			throw new Error(`${file}: ${d.errors[0].message}`);
		return d.toJS();
	}).filter((o) => o !== null);
}

// kubernetes-models names its modules after the API group and version.
async function schemaErrors(obj) {
	const where = `${obj.kind}/${obj.metadata?.name}`;
	let mod;
	try {
		mod = await import(
			`kubernetes-models/${obj.apiVersion}/${obj.kind}`);
	} catch {
		return [`${where}: no schema for ${obj.apiVersion} ${obj.kind}`];
	}
	try {
		new mod[obj.kind](obj).validate();
		return [];
	} catch (e) {
		return [`${where}: schema: ${e.message}`];
	}
}

function podSpecOf(obj) {
	return obj.spec?.template?.spec;
}

function allContainers(spec) {
	return [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
}

function mountedVolume(spec, container, path) {
	const m = (container.volumeMounts ?? []).find(
		(v) => v.mountPath === path);
	if (!m)
		return undefined;
	return (spec.volumes ?? []).find((v) => v.name === m.name);
}

function argValue(args, flag) {
	const i = args.indexOf(flag);
	return i >= 0 ? args[i + 1] : undefined;
}

// Never the socket file: a bind mount of it keeps a dead inode once the
// daemon re-creates the socket.
function checkNoSocketFileMount(spec, errs) {
	for (const v of spec.volumes ?? []) {
		const p = v.hostPath?.path;
		if (p !== undefined && p.startsWith(SOCKET_DIR + "/"))
			errs.push(`volume ${v.name} mounts ${p}, not the directory`);
	}
}

function checkStringEnv(spec, errs) {
	for (const c of allContainers(spec))
		for (const e of c.env ?? [])
			if (e.value !== undefined && typeof e.value !== "string")
				errs.push(`${c.name}: env ${e.name} is not a string`);
}

function checkHardened(spec, c, errs) {
	const sc = c.securityContext ?? {};
	if (sc.readOnlyRootFilesystem !== true)
		errs.push(`${c.name}: root filesystem not read-only`);
	if (sc.allowPrivilegeEscalation !== false)
		errs.push(`${c.name}: privilege escalation allowed`);
	if (sc.privileged === true)
		errs.push(`${c.name}: privileged`);
	if (!(sc.capabilities?.drop ?? []).includes("ALL"))
		errs.push(`${c.name}: capabilities not all dropped`);
	const seccomp = sc.seccompProfile?.type ??
		spec.securityContext?.seccompProfile?.type;
	if (seccomp !== "RuntimeDefault")
		errs.push(`${c.name}: seccomp profile is not RuntimeDefault`);
	const r = c.resources ?? {};
	for (const kind of ["requests", "limits"])
		for (const res of ["cpu", "memory"])
			if (r[kind]?.[res] === undefined)
				errs.push(`${c.name}: no ${res} ${kind}`);
}

function checkProbes(c, errs) {
	for (const p of ["livenessProbe", "readinessProbe"]) {
		const cmd = c[p]?.exec?.command ?? [];
		if (cmd[0] !== "sgx-quote" || cmd[1] !== "probe")
			errs.push(`${c.name}: ${p} does not run sgx-quote probe`);
	}
}

function checkServiceVolumes(spec, c, errs) {
	const run = mountedVolume(spec, c, SOCKET_DIR);
	if (run?.hostPath?.path !== SOCKET_DIR ||
	    run.hostPath.type !== "DirectoryOrCreate")
		errs.push(`${SOCKET_DIR} is not a DirectoryOrCreate hostPath`);

	const stateDir = argValue(c.args ?? [], "--state-dir");
	const state = stateDir && mountedVolume(spec, c, stateDir);
	if (!state?.hostPath || state.hostPath.type !== "DirectoryOrCreate")
		errs.push("the state directory is not a hostPath directory");
}

function checkStrategy(ds, errs) {
	const s = ds.spec.updateStrategy ?? {};
	const ru = s.rollingUpdate ?? {};
	if (s.type !== "RollingUpdate" || ru.maxSurge !== 1 ||
	    ru.maxUnavailable !== 0)
		errs.push("update strategy is not RollingUpdate 1 surge/0 down");
}

// Prometheus finds the endpoint by the pod's annotations: they must name
// the port the daemon listens on, and the container must declare it.
function checkMetrics(ds, c, errs) {
	const a = ds.spec.template.metadata?.annotations ?? {};
	const listen = argValue(c.args ?? [], "--metrics-listen") ?? "";
	const port = listen.replace(/^.*:/, "");
	if (a["prometheus.io/scrape"] !== "true")
		errs.push("pod not annotated prometheus.io/scrape: \"true\"");
	if (!/^[0-9]+$/.test(port) || a["prometheus.io/port"] !== port)
		errs.push(`prometheus.io/port is not the port of ` +
			`--metrics-listen ${listen}`);
	if (!(c.ports ?? []).some((p) => String(p.containerPort) === port))
		errs.push(`${c.name}: metrics port ${port} not declared`);
}

function checkSgxResources(c, want, errs) {
	const limits = c.resources?.limits ?? {};
	const sgx = Object.keys(limits).filter((k) => k.includes("sgx"));
	for (const r of want)
		if (!sgx.includes(r))
			errs.push(`${c.name}: does not request ${r}`);
	for (const r of sgx)
		if (!want.includes(r))
			errs.push(`${c.name}: requests ${r}`);
}

function checkQcnlConfig(objs, spec, c, errs) {
	const path = (c.env ?? []).find((e) => e.name === "QCNL_CONF_PATH");
	if (typeof path?.value !== "string") {
		errs.push(`${c.name}: no QCNL_CONF_PATH`);
		return;
	}
	const dir = path.value.replace(/\/[^/]*$/, "");
	const file = path.value.slice(dir.length + 1);
	const name = mountedVolume(spec, c, dir)?.configMap?.name;
	const cm = objs.find((o) => o.kind === "ConfigMap" &&
		o.metadata.name === name);
	try {
		if (!JSON.parse(cm.data[file]).pccs_url)
			errs.push("quote provider configuration has no pccs_url");
	} catch {
		errs.push(`${path.value} is not a JSON file of a ConfigMap`);
	}
}

function checkService(overlay, objs) {
	const want = SERVICE_OVERLAYS[overlay];
	const errs = [];
	const sets = objs.filter((o) => o.kind === "DaemonSet");
	const ds = sets[0];
	if (sets.length !== 1 || ds.metadata.name !== "sgx-quote-helper" ||
	    ds.metadata.namespace !== "kube-system")
		return ["expected one DaemonSet kube-system/sgx-quote-helper"];
	const spec = podSpecOf(ds);
	const c = spec.containers.find((x) => x.name === "aesmd");
	if (spec.containers.length !== 1 || !c)
		return ["the one container must be named aesmd"];

	checkStrategy(ds, errs);
	if (spec.priorityClassName !== "system-node-critical")
		errs.push("priorityClassName is not system-node-critical");
	checkNoSocketFileMount(spec, errs);
	checkStringEnv(spec, errs);
	for (const x of allContainers(spec))
		checkHardened(spec, x, errs);
	checkProbes(c, errs);
	checkServiceVolumes(spec, c, errs);
	const args = c.args ?? [];
	if (argValue(args, "--socket") !== SOCKET)
		errs.push(`--socket is not ${SOCKET}`);
	if (!args.includes("--replace"))
		errs.push("no --replace: the surge pod could not take over");
	if (args.filter((a) => a === "--backend").length !== 1 ||
	    argValue(args, "--backend") !== want.backend)
		errs.push(`--backend is not pinned to ${want.backend}`);
	checkSgxResources(c, want.resources, errs);
	checkMetrics(ds, c, errs);

	const provider = ds.spec.template.metadata?.annotations?.[
		"sgx.intel.com/quote-provider"];
	if (want.backend === "dcap") {
		if (provider !== "aesmd")
			errs.push("no quote-provider annotation aesmd");
		checkQcnlConfig(objs, spec, c, errs);
	} else if (spec.securityContext?.runAsNonRoot !== true &&
	           c.securityContext?.runAsNonRoot !== true) {
		errs.push("the simulated backend runs as root");
	}
	return errs;
}

function checkSample(name, objs) {
	const errs = [];
	const pods = objs.filter((o) => podSpecOf(o));
	if (pods.length === 0)
		return ["no workload"];
	for (const o of pods) {
		const spec = podSpecOf(o);
		checkNoSocketFileMount(spec, errs);
		checkStringEnv(spec, errs);
		for (const c of spec.containers) {
			const env = (c.env ?? []).find(
				(e) => e.name === "SGX_AESM_ADDR");
			if (env?.value !== "1")
				errs.push(`${o.metadata.name}/${c.name}: ` +
					'SGX_AESM_ADDR is not the string "1"');
			const v = mountedVolume(spec, c, SOCKET_DIR);
			if (v?.name !== "var-run-aesmd" ||
			    v.hostPath?.path !== SOCKET_DIR)
				errs.push(`${o.metadata.name}/${c.name}: ` +
					`${SOCKET_DIR} not mounted from the host`);
			const epc = c.resources?.limits?.["sgx.intel.com/epc"];
			if (SAMPLES[name].epc && epc === undefined)
				errs.push(`${c.name}: requests no EPC`);
		}
	}
	return errs;
}

function checkProperties(name, objs) {
	return SERVICE_OVERLAYS[name] ? checkService(name, objs)
		: checkSample(name, objs);
}

async function checkAll(rendered) {
	const errs = [];
	for (const [name, objs] of Object.entries(rendered)) {
		for (const o of objs)
			for (const e of await schemaErrors(o))
				errs.push(`${name}: ${e}`);
		for (const e of checkProperties(name, objs))
			errs.push(`${name}: ${e}`);
	}
	return errs;
}

// Each mutation breaks one property; the check must report it.
const MUTATIONS = [
	["intel", "env value as a number", (o) => {
		podSpecOf(o[1]).containers[0].env[0].value = 1;
	}],
	["sim", "socket file mounted", (o) => {
		podSpecOf(o[0]).volumes.find((v) => v.name === "var-run-aesmd")
			.hostPath.path = SOCKET;
	}],
	["sim", "no surge", (o) => {
		o[0].spec.updateStrategy.rollingUpdate.maxSurge = 0;
	}],
	["azure", "no socket take-over", (o) => {
		const a = podSpecOf(o[1]).containers[0].args;
		a.splice(a.indexOf("--replace"), 1);
	}],
	["sim", "no liveness probe", (o) => {
		delete podSpecOf(o[0]).containers[0].livenessProbe;
	}],
	["sim", "container renamed", (o) => {
		podSpecOf(o[0]).containers[0].name = "helper";
	}],
	["sim", "writable root", (o) => {
		podSpecOf(o[0]).containers[0].securityContext
			.readOnlyRootFilesystem = false;
	}],
	["sim", "not node-critical", (o) => {
		delete podSpecOf(o[0]).priorityClassName;
	}],
	["sim", "runs as root", (o) => {
		delete podSpecOf(o[0]).securityContext.runAsNonRoot;
	}],
	["intel", "backend sim", (o) => {
		const a = podSpecOf(o[1]).containers[0].args;
		a[a.indexOf("--backend") + 1] = "sim";
	}],
	["intel", "no provision device", (o) => {
		delete podSpecOf(o[1]).containers[0].resources.limits[
			"sgx.intel.com/provision"];
	}],
	["azure", "no provider annotation", (o) => {
		delete o[1].spec.template.metadata.annotations[
			"sgx.intel.com/quote-provider"];
	}],
	["azure-legacy", "Intel resource", (o) => {
		podSpecOf(o[1]).containers[0].resources.limits[
			"sgx.intel.com/epc"] = "1Mi";
	}],
	["sim", "not scraped", (o) => {
		delete o[0].spec.template.metadata.annotations[
			"prometheus.io/scrape"];
	}],
	["intel", "metrics on another port", (o) => {
		const a = podSpecOf(o[1]).containers[0].args;
		a[a.indexOf("--metrics-listen") + 1] = "0.0.0.0:9100";
	}],
	["samples-sim", "env value as a number", (o) => {
		podSpecOf(o[1]).containers[0].env[0].value = 1;
	}],
	["samples-azure", "no socket directory", (o) => {
		podSpecOf(o[0]).volumes[0].hostPath.path = "/tmp";
	}],
	["samples-sim", "unknown hostPath type", (o) => {
		podSpecOf(o[0]).volumes[0].hostPath.type = "Folder";
	}],
];

async function selfTest(rendered) {
	let missed = 0;
	for (const [name, what, mutate] of MUTATIONS) {
		const objs = structuredClone(rendered[name]);
		mutate(objs);
		const errs = [];
		for (const o of objs)
			errs.push(...await schemaErrors(o));
		errs.push(...checkProperties(name, objs));
		if (errs.length === 0) {
			console.log(`FAIL self-test: ${name}: ${what}: missed`);
			missed++;
		} else {
			console.log(`self-test: ${name}: ${what}: ${errs[0]}`);
		}
	}
	return missed;
}

async function main() {
	const dir = process.argv[2];
	const rendered = {};
	for (const name of [...Object.keys(SERVICE_OVERLAYS),
		...Object.keys(SAMPLES)])
		rendered[name] = loadObjects(join(dir, `${name}.yaml`));

	const errs = await checkAll(rendered);
	for (const e of errs)
		console.log(`FAIL ${e}`);
	const missed = await selfTest(rendered);
	const count = Object.values(rendered).flat().length;
	console.log(`checked ${count} objects in ` +
		`${Object.keys(rendered).length} kustomizations, ` +
		`${MUTATIONS.length} broken variants`);
	process.exit(errs.length || missed ? 1 : 0);
}

await main();
