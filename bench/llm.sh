#!/usr/bin/env bash
# Benchmark of the LLM drafter's cache, against a scripted OpenAI-compatible server
# (bench/scripted_llm.py, which counts the requests it gets), on a copy of the sample app:
#   1. a first `berth draft --provider openai` (every artifact asked for)
#   2. a second one with nothing changed: zero requests, timed with hyperfine (goal: < 100 ms)
#   3. `--frozen` with .berth/ removed after approval (CI: berth.lock and the tree only)
#   4. one spec item of the backend changed (task D1.2's title): which artifacts are asked again
#   5. a fact of the backend changed (the port it listens on): which artifacts are asked again
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/berth/target}
cargo build --release -p berth --manifest-path "$root/Cargo.toml" >&2
bin=$CARGO_TARGET_DIR/release/berth

work=$(mktemp -d)
python3 "$root/bench/scripted_llm.py" >"$work/port" &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")/v1"
count() { python3 -c "import json,urllib.request,sys; print(json.load(urllib.request.urlopen(sys.argv[1]))['count'])" "${url%/v1}/count"; }

app=$work/app
mkdir -p "$app"
tar -C "$root" --exclude=node_modules --exclude=dist --exclude=target -cf - specs services | tar -C "$app" -xf -
printf '[llm]\nbase_url = "%s"\nmodel = "bench"\nstream = false\n' "$url" >"$app/berth.toml"
draft() { "$bin" -C "$app" draft --provider openai "$@" >/dev/null; }
asked() { # requests made by one draft, and which artifacts were asked again
  local before; before=$(count)
  "$bin" -C "$app" draft --provider openai -o json >"$work/out.json"
  echo "$1: $(( $(count) - before )) requests; asked: $(python3 -c 'import json,sys; print(", ".join(a["artifact"] for a in json.load(open(sys.argv[1]))["llm"]["artifacts"] if a["requests"]) or "none")' "$work/out.json")"
}

start=$(date +%s%N); draft; end=$(date +%s%N)
echo "first draft: $(count) requests, $(( (end - start) / 1000000 )) ms"
before=$(count)
hyperfine --warmup 3 --runs 30 --shell=none -n "berth draft --provider openai (nothing changed)" \
  "$bin -C $app draft --provider openai"
echo "requests during the repeated drafts: $(( $(count) - before ))"

"$bin" -C "$app" approve --yes --force >/dev/null
rm -rf "$app/.berth"
before=$(count)
hyperfine --warmup 1 --runs 20 --shell=none -n "berth draft --provider openai --frozen (berth.lock, no .berth/)" \
  "$bin -C $app draft --provider openai --frozen"
echo "requests during the frozen drafts: $(( $(count) - before ))"

sed -i 's/^### D1.2: Container image for the backend/### D1.2: Small container image for the backend/' "$app/specs/todo/plan.md"
asked "one spec item of the backend changed (D1.2)"
sed -i 's/8080/8081/g' "$app/services/backend/src/main.rs"
asked "the backend's port changed (8080 -> 8081)"
