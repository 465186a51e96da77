#!/usr/bin/env bash
# Benchmark: `berth draft --provider openai` on a copy of the sample app, every artifact asked
# (no cache, no berth.lock), with llm.concurrency 1 (one artifact after another) and N, timed
# over R runs each (median), and how each artifact ended (drafted / repaired / fallback, and
# the edits kept) in the last run of each.
#   server  BERTH_BENCH_SERVER=real (default): llama.cpp's server from tests/testenv/llm.sh, with
#           the model BERTH_LLM_MODEL names (smollm2-135m, the default, or gemma3-270m), started
#           and stopped here; =scripted: bench/scripted_llm.py answering the starting point after
#           BERTH_BENCH_LATENCY_MS (default 2000), as a hosted model would
#   berth   BERTH_BIN=path uses a berth built already; else a release build
#   answer  BERTH_BENCH_ANSWER=edits (default) or files: llm.answer
#   levels  BERTH_BENCH_LEVELS="1 4" (default "1 N"): the concurrency settings to run
# The real runs use the settings of the llm::real test (max_tokens 768, one repair).
# Usage: bench/llm_concurrency.sh [N=4] [R=3]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-4}
runs=${2:-3}
server=${BERTH_BENCH_SERVER:-real}
answer=${BERTH_BENCH_ANSWER:-edits}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/berth/target}
if [[ -n "${BERTH_BIN:-}" ]]; then
  bin=$BERTH_BIN
else
  cargo build --release -p berth --manifest-path "$root/Cargo.toml" >&2
  bin=$CARGO_TARGET_DIR/release/berth
fi

# Validation as in the tests: helm renders the chart, hadolint reads the Dockerfiles.
eval "$(bash "$root/tests/testenv/tools.sh" helm hadolint)"
work=$(mktemp -d)
pid=
cleanup() {
  if [[ $server == real ]]; then bash "$root/tests/testenv/llm.sh" --stop; fi
  [[ -n $pid ]] && kill "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
extra=
if [[ $server == real ]]; then
  eval "$(bash "$root/tests/testenv/llm.sh")"
  url=$BERTH_LLM_URL model=$BERTH_LLM_MODEL
  extra=$'max_tokens = 768\nmax_repairs = 1\ntimeout = "600s"\nretries = 2\n'
else
  BERTH_BENCH_LATENCY_MS=${BERTH_BENCH_LATENCY_MS:-2000} python3 "$root/bench/scripted_llm.py" >"$work/port" &
  pid=$!
  for _ in $(seq 1 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
  url="http://127.0.0.1:$(cat "$work/port")/v1" model=scripted
  extra=$'stream = false\n'   # it answers with plain JSON
fi
echo "server: $server ($model at $url), answer: $answer, runs: $runs; load: $(cut -d' ' -f1-3 /proc/loadavg)"

app=$work/app
mkdir -p "$app"
tar -C "$root" --exclude=node_modules --exclude=dist --exclude=target -cf - specs services | tar -C "$app" -xf -
levels=${BERTH_BENCH_LEVELS:-1 $n}
for c in $levels; do
  times=()
  for r in $(seq 1 "$runs"); do
    rm -rf "$app/.berth" "$app/berth.lock"
    printf '[llm]\nbase_url = "%s"\nmodel = "%s"\nanswer = "%s"\nconcurrency = %s\n%s' \
      "$url" "$model" "$answer" "$c" "$extra" >"$app/berth.toml"
    start=$(date +%s%N)
    "$bin" -C "$app" draft --provider openai -o json >"$work/out-$c.json"
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
    echo "  concurrency $c, run $r: ${times[-1]} ms" >&2
  done
  median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$median" >"$work/median-$c"
  echo "concurrency $c: median $median ms of ${times[*]}"
  python3 - "$work/out-$c.json" <<'PY'
import json, sys
llm = json.load(open(sys.argv[1]))["llm"]
for a in llm["artifacts"]:
    how = a["outcome"]
    if a.get("edits") is not None:
        how += f" ({a['edits']} edit{'s' if a['edits'] != 1 else ''} kept)" if a["edits"] else " (no change)"
    reason = (a.get("reason") or "").replace("\n", " ")
    print(f"  {a['artifact']:<22} {how:<28} {a['requests']} req  {reason[:110]}")
    for e in a.get("events") or []:
        print(f"      event: {e[:150]}")
count = lambda o: sum(1 for a in llm["artifacts"] if a["outcome"] == o)
print(f"  drafted {count('drafted')}, repaired {count('repaired')}, fallback {count('fallback')}; "
      f"{llm['requests']} requests, tokens {'reported' if llm['tokens_reported'] else 'not reported'}")
PY
done
if [[ -s "$work/median-1" && -s "$work/median-$n" && $n != 1 ]]; then
  python3 -c "import sys; s, c = int(sys.argv[1]), int(sys.argv[2]); print(f'concurrent/sequential wall time: {c / s:.2f} (speed-up {s / c:.2f}x)')" \
    "$(cat "$work/median-1")" "$(cat "$work/median-$n")"
fi
