#!/usr/bin/env bash
# Benchmark: `berth validate` against `kubeconform -strict` on the same generated corpus of
# Kubernetes objects (default 10,000, mixed kinds, 1 in 100 broken), in one run: objects per
# second (hyperfine, 5 runs each), peak memory (/usr/bin/time), and whether both report the
# same invalid objects as the corpus generator planted.
# Usage: bench/validate.sh [N_OBJECTS] [one-folder]
#   one-folder: every object in one folder, 100 documents a file (the shape where berth was once
#   quadratic), instead of folders of 100 objects in files of 10
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-10000}
layout=()
[[ ${2:-} == one-folder ]] && layout=("$n" 100)
for tool in hyperfine time; do
  command -v "$tool" >/dev/null || [[ -x /usr/bin/$tool ]] || { apt-get update -qq && apt-get install -y -qq "$tool"; }
done
env_tools=$(bash "$root/tests/testenv/tools.sh" kubeconform schemas); eval "$env_tools"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/berth/target}
cargo build --release -p berth --manifest-path "$root/Cargo.toml" >&2
berth=$CARGO_TARGET_DIR/release/berth

work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 "$root/bench/gen_corpus.py" "$work/corpus" "$n" "${layout[@]}"
cd "$work/corpus"
kc=(kubeconform -strict -summary -schema-location "$BERTH_KUBECONFORM_SCHEMA_LOCATION")

echo "== time ($n objects)"
hyperfine --warmup 1 --runs 5 -N -i --export-json "$work/times.json" \
  -n kubeconform "${kc[*]} ." -n berth "$berth validate ." | grep -E "Time|faster|±" || true

echo "== peak memory"
for name in kubeconform berth; do
  if [[ $name == berth ]]; then cmd=("$berth" validate .); else cmd=("${kc[@]}" .); fi
  /usr/bin/time -f "$name: %M KiB peak RSS, %e s" "${cmd[@]}" >/dev/null 2>"$work/$name.time" || true
  tail -1 "$work/$name.time"
done

echo "== same invalid objects?"
"${kc[@]}" -output json . >"$work/kc.json" 2>/dev/null || true
"$berth" validate . -o json >"$work/berth.json" || true
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
want = set(open(f"{work}/corpus/expected-invalid.txt").read().split("\n")) - {""}
kc = json.load(open(f"{work}/kc.json"))
kc_bad = {f"{r['filename'].removeprefix('./')} {r['kind']}/{r['name'] or '(no name)'}" for r in kc["resources"] if r["status"] != "statusValid"}
b = json.load(open(f"{work}/berth.json"))
berth_bad = {f"{f['file']} {f['object']}" for f in b["findings"] if f["rule"].startswith(("schema/", "yaml/"))}
times = {r["command"]: r["mean"] for r in json.load(open(f"{work}/times.json"))["results"]}
n = b["objects"]
print(f"planted invalid: {len(want)}; kubeconform found {len(kc_bad)}; berth found {len(berth_bad)}")
print(f"kubeconform == planted: {kc_bad == want}; berth == planted: {berth_bad == want}; berth == kubeconform: {berth_bad == kc_bad}")
for name in ("kubeconform", "berth"):
    print(f"{name}: {n / times[name]:,.0f} objects/s")
print(f"berth / kubeconform throughput: {times['kubeconform'] / times['berth']:.1f}x")
if kc_bad != berth_bad:
    print("only kubeconform:", sorted(kc_bad - berth_bad)[:5]); print("only berth:", sorted(berth_bad - kc_bad)[:5])
PY
