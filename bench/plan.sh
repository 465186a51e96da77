#!/usr/bin/env bash
# Benchmark: how long `berth plan` takes on a spec (default: the example plan a user wrote,
# ../shared/reference/example-plan.md, beside the sample app's services), with hyperfine.
# Usage: bench/plan.sh [SPEC.md]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
spec=${1:-$root/../shared/reference/example-plan.md}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/berth/target}
cargo build --release -p berth --manifest-path "$root/Cargo.toml" >&2
bin=$CARGO_TARGET_DIR/release/berth

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/specs/example"
cp "$spec" "$work/specs/example/plan.md"
# The sample app's services, without their dependencies and build output.
tar -C "$root" --exclude=node_modules --exclude=dist --exclude=target -cf - services | tar -C "$work" -xf -

hyperfine --warmup 5 --runs 100 --shell=none \
  -n "berth plan (example plan, 2 services, no write)" "$bin -C $work plan --no-write" \
  -n "berth plan --output json" "$bin -C $work plan --no-write --output json" \
  -n "berth plan (writes tasks.md)" "$bin -C $work plan"
