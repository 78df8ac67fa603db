#!/bin/sh
# End to end in real containers: builds the service and sample images with
# podman from deploy/container, runs the service with a host directory at
# /var/run/aesmd, checks that the sample's quote verifies, then replaces
# the service container while the sample keeps asking for quotes and
# counts the failed attempts. Needs root, podman, runc and debootstrap
# (scripts/install-deps e2e). The base image is made locally with
# debootstrap, under the name the Dockerfiles use.
# usage: podman-e2e.sh [SOURCE_DIR]
set -eu

src=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
base=debian:bookworm-slim
image=sgx-quote-helper:0.1.0
sample=sgx-quote-helper-sample:0.1.0
# What works on this kind of host: runc (crun fails on cgroup v1 here),
# explicit limits, no network at all.
run_flags="--runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
handover_attempts=${SQH_E2E_ATTEMPTS:-150}

start=$(date +%s)
say() {
	echo "e2e: [$(($(date +%s) - start))s] $*"
}
fail() {
	echo "e2e: FAIL: $*" >&2
	exit 1
}

for tool in podman runc debootstrap; do
	command -v $tool >/dev/null 2>&1 ||
		fail "$tool missing (scripts/install-deps e2e)"
done
[ "$(id -u)" -eq 0 ] || fail "needs root"

work=$(mktemp -d /tmp/sqh-e2e.XXXXXX)
tag=$(basename "$work" | tr -c 'a-zA-Z0-9\n' -)
names=""
cleanup() {
	for n in $names; do
		podman rm -f -t 0 "$n" >/dev/null 2>&1 || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# The mirror this host's apt uses.
mirror() {
	sed -n 's/^URIs: *\([^ ]*\).*/\1/p' \
		/etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1
}

make_base_image() {
	if podman image exists "$base"; then
		say "base image $base present"
		return
	fi
	url=$(mirror)
	say "debootstrap bookworm from ${url:=http://deb.debian.org/debian}"
	debootstrap --variant=minbase bookworm "$work/rootfs" "$url" \
		>"$work/debootstrap.log" 2>&1 ||
		fail "debootstrap: $(tail -3 "$work/debootstrap.log")"
	rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb \
		"$work"/rootfs/var/lib/apt/lists/*
	tar -C "$work/rootfs" -c . | podman import -q - "$base" >/dev/null
	rm -rf "$work/rootfs"
}

build_image() {
	say "building $2"
	# shellcheck disable=SC2086
	podman build $run_flags --network host --pull=never --format docker \
		-f "$work/context/deploy/container/$1" -t "$2" "$work/context" \
		>"$work/build.log" 2>&1 ||
		fail "build $2: $(tail -20 "$work/build.log")"
}

# Only what the Dockerfiles copy, not the build directories.
build_images() {
	mkdir "$work/context"
	(cd "$src" && cp -a CMakeLists.txt cmake include src man deploy \
		"$work/context/")
	build_image Dockerfile "$image"
	build_image Dockerfile.sample "$sample"
}

# start_service NAME [DAEMON OPTION...]: runs a service container and
# waits until it answers. podman's complaint that it cannot schedule the
# health check without systemd goes to the log; `podman healthcheck run`
# runs it by hand.
start_service() {
	name=sqh-e2e-$1-$tag
	names="$names $name"
	shift
	# shellcheck disable=SC2086
	podman run -d --name "$name" $run_flags --network none --read-only \
		--cap-drop ALL --security-opt no-new-privileges \
		-v "$work/run:/var/run/aesmd" \
		-v "$work/state:/var/lib/sgx-quote-helper" \
		"$image" --backend sim "$@" >/dev/null 2>>"$work/podman.log" ||
		fail "podman run: $(tail -3 "$work/podman.log")"
	deadline=$(($(date +%s) + 30))
	until podman exec "$name" sgx-quote probe >/dev/null 2>&1; do
		if [ "$(date +%s)" -gt $deadline ] ||
			[ "$(podman inspect -f '{{.State.Running}}' "$name")" \
				!= true ]; then
			podman logs "$name" >&2 || true
			fail "service $name did not answer sgx-quote probe"
		fi
		sleep 0.2
	done
}

run_sample() {
	# shellcheck disable=SC2086
	podman run $run_flags --network none --read-only --tmpfs /tmp \
		--cap-drop ALL --security-opt no-new-privileges \
		-v "$work/run:/var/run/aesmd:ro" "$@"
}

failures() {
	grep -c '^sample: attempt=.*failed' "$1" || true
}

make_base_image
build_images

# The host side of the directories, owned by the image's service user.
install -d -o 10001 -g 10001 -m 0755 "$work/run"
install -d -o 10001 -g 10001 -m 0700 "$work/state"

say "starting the service"
start_service old
podman healthcheck run "sqh-e2e-old-$tag" >/dev/null ||
	fail "HEALTHCHECK of $image failed"
# What the Kubernetes sim overlay does after start: publish the simulated
# root CA and collateral beside the socket.
podman exec "sqh-e2e-old-$tag" sgx-quote collateral \
	--state-dir /var/lib/sgx-quote-helper -o /var/run/aesmd/sim-collateral ||
	fail "collateral export"

say "one quote from the sample"
run_sample --rm "$sample" --count 1 >"$work/one.log" 2>&1 ||
	fail "sample: $(cat "$work/one.log")"
cat "$work/one.log"
grep -q 'quote=ok verify=ok' "$work/one.log" || fail "quote did not verify"

say "replacing the service under load ($handover_attempts quotes)"
names="$names sqh-e2e-loop-$tag"
run_sample -d --name "sqh-e2e-loop-$tag" "$sample" \
	--count "$handover_attempts" --interval 0.05 >/dev/null
sleep 1
# As the DaemonSet's surge pod does: take the socket over.
start_service new --replace
podman stop -t 30 "sqh-e2e-old-$tag" >/dev/null 2>>"$work/podman.log"
old_exit=$(podman inspect -f '{{.State.ExitCode}}' "sqh-e2e-old-$tag")
# The count means something only if quotes went on after the old service
# had gone.
[ "$(podman inspect -f '{{.State.Running}}' "sqh-e2e-loop-$tag")" = true ] ||
	fail "the sample finished before the old service stopped:" \
		"raise SQH_E2E_ATTEMPTS"
podman logs "sqh-e2e-old-$tag" 2>&1 | grep -q 'event=socket_kept' ||
	fail "the old service did not leave the new socket in place"
podman wait "sqh-e2e-loop-$tag" >/dev/null || true
podman logs "sqh-e2e-loop-$tag" >"$work/loop.log" 2>&1
tail -1 "$work/loop.log"
lost=$(failures "$work/loop.log")
grep 'failed' "$work/loop.log" | grep -v '^sample: attempts=' | head -5 || true

say "one quote from the new service alone"
run_sample --rm "$sample" --count 1 >"$work/after.log" 2>&1 ||
	fail "after replacement: $(cat "$work/after.log")"

say "old service exit status $old_exit, failed quotes during hand-over:" \
	"$lost of $handover_attempts"
[ "$old_exit" -eq 0 ] || fail "the old service did not exit 0 on SIGTERM"
[ "$lost" -eq 0 ] || fail "$lost quotes failed while the service was replaced"
say "passed"
