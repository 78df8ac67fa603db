#!/bin/sh
# Renders every kustomization under deploy/kubernetes offline, lints the
# sources and the output, validates every object against the Kubernetes
# schemas and checks the properties the quote service relies on
# (check-manifests.mjs).
# usage: manifests.sh BUILD_DIR SOURCE_DIR TESTDATA_DIR
set -eu

build=$1
src=$2
here=$src/tests/deploy
work=$build/tests/deploy
kube=$src/deploy/kubernetes

for tool in kubectl node npm; do
	if ! command -v $tool >/dev/null 2>&1; then
		echo "SKIP: $tool not installed"
		exit 77
	fi
done
if ! command -v yamllint >/dev/null 2>&1; then
	echo "FAIL: yamllint missing (scripts/install-deps test)" >&2
	exit 1
fi

rendered=$work/rendered
rm -rf "$rendered"
mkdir -p "$rendered"
render() {
	kubectl kustomize "$kube/$1" >"$rendered/$2.yaml"
}
for overlay in sim intel azure azure-legacy; do
	render "overlays/$overlay" "$overlay"
done
for sample in sim azure; do
	render "samples/$sample" "samples-$sample"
done

yamllint --strict -c "$here/yamllint.yaml" "$src/deploy/kubernetes"
yamllint --strict \
	-d "{extends: $here/yamllint.yaml, rules: {line-length: disable}}" \
	"$rendered"

# The schema packages, pinned by the committed lock file, installed once
# per build directory (npm's own cache serves repeated installs).
node_dir=$work/node
if ! cmp -s "$here/package-lock.json" "$node_dir/installed.lock"; then
	rm -rf "$node_dir"
	mkdir -p "$node_dir"
	cp "$here/package.json" "$here/package-lock.json" "$node_dir/"
	(cd "$node_dir" &&
		npm ci --no-audit --no-fund --prefer-offline --loglevel=error)
	cp "$here/package-lock.json" "$node_dir/installed.lock"
fi
# Node resolves packages beside the script.
cp "$here/check-manifests.mjs" "$node_dir/"
node "$node_dir/check-manifests.mjs" "$rendered"
