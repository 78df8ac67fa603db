#!/bin/sh
# Checks deploy/container without building: the build stage of each
# Dockerfile copies every directory the top-level CMakeLists.txt adds (and
# so does the end-to-end test's build context), both images start from
# debian:bookworm-slim, run as a non-root user, and keep the entry points
# the deployment relies on. A broken copy must fail the same checks.
# usage: dockerfiles.sh BUILD_DIR SOURCE_DIR TESTDATA_DIR
set -eu
# shellcheck source=../lib.sh
. "$2/tests/lib.sh"
dir=$src/deploy/container
e2e=$src/tests/deploy/podman-e2e.sh

# The first path component of each add_subdirectory of the top level.
sed -n 's/^ *add_subdirectory(\([^)/ ]*\).*/\1/p' "$src/CMakeLists.txt" |
	grep -vx tests | sort -u >"$tmp/dirs"
[ -s "$tmp/dirs" ] || fail "no add_subdirectory in CMakeLists.txt"

# check_sources DOCKERFILE: every such directory is copied in.
check_sources() {
	while read -r d; do
		grep -Eq "^COPY +$d +$d/?\$" "$1" ||
			fail "$(basename "$1") does not COPY $d: the build fails"
	done <"$tmp/dirs"
}

# check_image DOCKERFILE ENTRYPOINT: the runtime stage's essentials.
check_image() {
	[ "$(grep -c '^FROM debian:bookworm-slim' "$1")" -eq 2 ] ||
		fail "$(basename "$1"): not two stages on debian:bookworm-slim"
	user=$(sed -n 's/^USER \([0-9]*\).*/\1/p' "$1")
	{ [ -n "$user" ] && [ "$user" -ne 0 ]; } ||
		fail "$(basename "$1"): no numeric non-root USER"
	grep -q "^ENTRYPOINT \[\"$2\"\]" "$1" ||
		fail "$(basename "$1"): entry point is not $2"
}

check_sources "$dir/Dockerfile"
check_sources "$dir/Dockerfile.sample"
check_image "$dir/Dockerfile" sgx-quote-helper
check_image "$dir/Dockerfile.sample" sgx-quote-sample
grep -q '^	CMD \["sgx-quote", "probe"\]' "$dir/Dockerfile" ||
	fail "Dockerfile: HEALTHCHECK does not run sgx-quote probe"
grep -qx 'ENV SGX_AESM_ADDR=1' "$dir/Dockerfile.sample" ||
	fail "Dockerfile.sample does not set SGX_AESM_ADDR"
while read -r d; do
	grep -q "cp -a CMakeLists.txt .*[ ]${d}[ ]" "$e2e" ||
		fail "podman-e2e.sh leaves $d out of the build context"
done <"$tmp/dirs"

# Negative: a Dockerfile that forgets a directory, and one that runs as
# root, are caught.
grep -v '^COPY src src' "$dir/Dockerfile" >"$tmp/Dockerfile.nosrc"
if (check_sources "$tmp/Dockerfile.nosrc") 2>/dev/null; then
	fail "a Dockerfile without src passed"
fi
sed 's/^USER .*/USER 0:0/' "$dir/Dockerfile" >"$tmp/Dockerfile.root"
if (check_image "$tmp/Dockerfile.root" sgx-quote-helper) 2>/dev/null; then
	fail "a Dockerfile running as root passed"
fi
echo "Dockerfiles: sources copied, images non-root with their entry points"
