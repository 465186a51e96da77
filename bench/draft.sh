#!/usr/bin/env bash
# Benchmark: how long `berth draft` (offline) takes for the sample app, with hyperfine.
# Runs on a copy of specs/ and services/ so the repo's own .berth/ is left alone.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/berth/target}
cargo build --release -p berth --manifest-path "$root/Cargo.toml" >&2
bin=$CARGO_TARGET_DIR/release/berth

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
tar -C "$root" --exclude=node_modules --exclude=dist --exclude=target -cf - specs services | tar -C "$work" -xf -

hyperfine --warmup 5 --runs 50 --shell=none \
  -n "berth draft (sample app, 21 files)" "$bin -C $work draft" \
  -n "berth diff --stat" "$bin -C $work diff --stat"
