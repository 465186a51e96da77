#!/usr/bin/env bash
# Runs one of berth's fuzzers for SECONDS (default 600), seeded with the repo's own files.
# cargo-fuzz needs nightly features; RUSTC_BOOTSTRAP=1 lets the stable toolchain provide them.
# Usage: fuzz/run.sh [TARGET] [SECONDS]      (TARGET default manifest_loader; `list` lists them)
#        fuzz/run.sh SECONDS                  (manifest_loader, as before)
# Targets: manifest_loader, spec_markdown, dockerfile, berth_toml, approval_record, berth_lock.
# A crash is saved under fuzz/artifacts/TARGET/ and the run exits non-zero.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
target=manifest_loader
if [[ ${1:-} =~ ^[0-9]+$ ]]; then seconds=$1; else target=${1:-manifest_loader}; seconds=${2:-600}; fi
if [[ $target == list ]]; then
  sed -n 's/^name = "\(.*\)"$/\1/p' "$here/Cargo.toml" | grep -v berth-fuzz; exit 0
fi
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR_FUZZ:-$HOME/.cache/berth/target-fuzz}
command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
corpus=${BERTH_FUZZ_CORPUS:-$HOME/.cache/berth/fuzz-corpus}/$target
mkdir -p "$corpus"
seed() { cp "$1" "$corpus/seed-$(echo "$1" | md5sum | cut -c1-12)"; }
case $target in
  manifest_loader)
    find "$root/tests/fixtures" "$root/manifests" \( -name '*.yaml' -o -name 'Dockerfile' \) -print |
      while read -r f; do seed "$f"; done ;;
  dockerfile)
    find "$root/tests/fixtures" "$root/services" -name 'Dockerfile*' -not -path '*/node_modules/*' -print |
      while read -r f; do seed "$f"; done ;;
  spec_markdown)
    # spec.md, plan.md and tasks.md of each spec folder, joined by the target's separator.
    find "$root/specs" "$root/tests/fixtures" -name spec.md -print | while read -r f; do
      d=$(dirname "$f")
      { cat "$f"; printf '\x1e'; cat "$d/plan.md" 2>/dev/null || true; printf '\x1e'
        cat "$d/tasks.md" 2>/dev/null || true; } > "$corpus/seed-$(echo "$d" | md5sum | cut -c1-12)"
    done ;;
  berth_toml)
    find "$root/tests/fixtures" "$root" -maxdepth 3 -name berth.toml -print | while read -r f; do seed "$f"; done ;;
  berth_lock)
    seed "$root/berth.lock" ;;
  approval_record)
    cat > "$corpus/seed-record" <<'EOF'
{
  "files": {
    "manifests/k8s/app.yaml": {
      "sha256": "5f1b0b0e9d3c8a7e6f5d4c3b2a1908f7e6d5c4b3a29180f7e6d5c4b3a2918070",
      "approved_at": "2026-12-01T00:00:00Z",
      "artifact": "app/k8s",
      "generator": "offline",
      "sources": ["FR-001", "plan.md:12"],
      "validation": {"rules": "0.1.0", "errors": 0, "warnings": 1}
    }
  },
  "applied": {"kind-berth/app.json": "00ff"},
  "pending": {"services/app/Dockerfile": null}
}
EOF
    ;;
  *) echo "fuzz/run.sh: no target $target (fuzz/run.sh list)" >&2; exit 2 ;;
esac
cd "$here"
cargo fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048
