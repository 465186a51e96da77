#!/usr/bin/env bash
# Load test of the backend with wrk, on loopback only and bounded in time.
#
#   bench/bench.sh                      # release build, then list and add runs of 10 s each
#   DURATION=30s CONNECTIONS=64 bench/bench.sh
#   RUST_LOG=info,backend::middleware=warn bench/bench.sh   # without the per-request log line
#
# Needs wrk and curl. Starts its own servers on 127.0.0.1 with a free port
# (PORT=0), stops them with SIGTERM and checks they exit 0.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/berth/target-backend}
DURATION=${DURATION:-10s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-32}
SEED=${SEED:-50}
# The "listening" line (info, target backend) must stay enabled: it gives the port.
LOG_LEVEL=${LOG_LEVEL:-info}
RUST_LOG=${RUST_LOG:-}

for tool in wrk curl cargo; do
  command -v "$tool" >/dev/null || { echo "bench.sh: $tool is not installed" >&2; exit 2; }
done

(cd "$root" && cargo build --release --locked --quiet)
bin=$CARGO_TARGET_DIR/release/backend
work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid"; wait "$pid" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# start MAX_ITEMS: runs the server in the background, sets $pid and $base.
start() {
  local log=$work/server.log
  : >"$log"
  HOST=127.0.0.1 PORT=0 LOG_LEVEL=$LOG_LEVEL RUST_LOG=$RUST_LOG MAX_ITEMS=$1 "$bin" >"$log" 2>&1 &
  pid=$!
  local addr=
  for _ in $(seq 100); do
    addr=$(sed -n 's/.*"message":"listening","addr":"\([^"]*\)".*/\1/p' "$log" | head -n1)
    [ -n "$addr" ] && break
    sleep 0.1
  done
  [ -n "$addr" ] || { echo "server did not start:" >&2; cat "$log" >&2; exit 1; }
  base=http://$addr
  curl -fsS "$base/readyz" >/dev/null
}

# stop: SIGTERM, wait, report the exit code and how many request lines were logged.
stop() {
  kill -TERM "$pid"
  local code=0
  wait "$pid" || code=$?
  pid=
  echo "server: exit code $code after SIGTERM; $(grep -c '"message":"request"' "$work/server.log" || true) request log lines"
  [ "$code" -eq 0 ]
}

run_wrk() {
  timeout 120 wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$@"
}

echo "== GET /api/items with $SEED items (wrk -t$THREADS -c$CONNECTIONS -d$DURATION)"
start 10000
for i in $(seq "$SEED"); do
  curl -fsS -o /dev/null -H 'Content-Type: application/json' -d "{\"title\":\"seed item $i\"}" "$base/api/items"
done
run_wrk "$base/api/items"
stop

echo
echo "== POST /api/items (fresh server, MAX_ITEMS=10000000)"
start 10000000
run_wrk -s "$here/post.lua" "$base/api/items"
curl -fsS -o /dev/null -w 'after the run: GET /healthz -> %{http_code}\n' "$base/healthz"
stop
