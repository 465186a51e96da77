#!/usr/bin/env bash
# Benchmark: `berth ci --frozen` on the sample app as committed, and `berth up --yes` with
# nothing changed, against the test cluster (tests/testenv/k8s-up.sh, started here if
# KUBECONFIG is not set) and with no cluster at all. hyperfine, release build, on a copy of the
# repo's specs, services, manifests and berth.lock, so the repo's own .berth/ is left alone.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/berth/target}
cargo build --release -p berth --manifest-path "$root/Cargo.toml" >&2
bin=$CARGO_TARGET_DIR/release/berth

work=$(mktemp -d)
started=""
cleanup() { rm -rf "$work"; [[ -z $started ]] || bash "$root/tests/testenv/k8s-down.sh"; }
trap cleanup EXIT
tar -C "$root" --exclude=node_modules --exclude=dist --exclude=target -cf - specs services manifests berth.lock \
  | tar -C "$work" -xf -

eval "$(bash "$root/tests/testenv/tools.sh" kubectl)"
if [[ -z ${KUBECONFIG:-} ]]; then
  bash "$root/tests/testenv/k8s-build.sh" >/dev/null
  env=$(bash "$root/tests/testenv/k8s-up.sh"); eval "$env"; started=1
fi
kubectl delete namespace todo --ignore-not-found --wait=true >/dev/null
# The first up applies and rolls out; the ones measured find nothing changed.
"$bin" -C "$work" up --yes --no-build >/dev/null 2>&1

hyperfine --warmup 3 --runs 30 --shell=none \
  -n "berth ci --frozen (sample app, 21 files)" "$bin -C $work ci --frozen" \
  -n "berth up --yes, nothing changed (test cluster)" "$bin -C $work up --yes --no-build" \
  -n "berth up --yes, no cluster" "env KUBECONFIG=$work/none $bin -C $work up --yes"
