#!/usr/bin/env bash
# Runs the manifest-loader fuzzer for SECONDS (default 600), seeded with the repo's manifests.
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 lets the stable toolchain provide them.
# Usage: fuzz/run.sh [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
seconds=${1:-600}
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR_FUZZ:-$HOME/.cache/berth/target-fuzz}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
corpus=${BERTH_FUZZ_CORPUS:-$HOME/.cache/berth/fuzz-corpus/manifest_loader}
mkdir -p "$corpus"
find "$root/tests/fixtures" "$root/manifests" -name '*.yaml' -o -name 'Dockerfile' | while read -r f; do
  cp "$f" "$corpus/seed-$(echo "$f" | md5sum | cut -c1-12)"
done
cd "$here"
cargo fuzz run manifest_loader "$corpus" -- -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048
