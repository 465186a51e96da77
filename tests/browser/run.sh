#!/usr/bin/env bash
# End-to-end browser test of the sample app (services/backend + services/frontend).
#
# Builds the real backend (cargo, release) and the frontend (npm ci, vite build), starts
# both on free loopback ports, and drives Debian Chromium with playwright-core through
# e2e.mjs: add an item, see it listed, toggle it, remove it, checking the backend each time.
# Both servers are stopped on exit, whatever happens. The last line is
# `browser: N passed, N failed`; the exit status is non-zero on failure.
#
# Environment (all optional):
#   BERTH_ARTIFACTS            where the screenshot and server logs go
#                              (default $HOME/.cache/berth/artifacts)
#   CARGO_TARGET_DIR_BACKEND   cargo target dir of the backend
#                              (default $HOME/.cache/berth/target-backend)
#   CHROMIUM                   browser binary (default /usr/bin/chromium)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
cache="$HOME/.cache/berth"
artifacts="${BERTH_ARTIFACTS:-$cache/artifacts}"
npm_cache="$cache/npm"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR_BACKEND:-$cache/target-backend}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"

result=failed
pids=()
work=$(mktemp -d)

stop_servers() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    # Up to 5 s for a graceful exit, then SIGKILL.
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}

on_exit() {
  local status=$?
  set +e
  stop_servers
  rm -rf "$work"
  if [[ $status -eq 0 && $result == passed ]]; then
    echo "browser: 1 passed, 0 failed"
  else
    [[ $status -eq 0 ]] && status=1
    echo "browser: 0 passed, 1 failed"
  fi
  exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log() { printf '==> %s\n' "$*"; }

free_port() {
  node -e 'const s = require("node:net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# wait_healthy NAME URL PID LOGFILE: polls URL until it answers 200, failing early if PID dies.
wait_healthy() {
  local name=$1 url=$2 pid=$3 logfile=$4
  for _ in $(seq 300); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited before becoming healthy; its log:" >&2
      tail -n 40 "$logfile" >&2 || true
      return 1
    fi
    if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1))' "$url"; then
      return 0
    fi
    sleep 0.1
  done
  echo "$name did not answer $url with 200 within 30 s; its log:" >&2
  tail -n 40 "$logfile" >&2 || true
  return 1
}

mkdir -p "$artifacts" "$npm_cache"

log "chromium"
command -v chromium >/dev/null || (apt-get update && apt-get install -y chromium)
[[ -x $CHROMIUM ]] || { echo "no browser at $CHROMIUM" >&2; exit 1; }

log "backend: cargo build --release (target dir $CARGO_TARGET_DIR)"
cargo build --release --manifest-path "$root/services/backend/Cargo.toml"
backend_bin="$CARGO_TARGET_DIR/release/backend"
[[ -x $backend_bin ]] || { echo "backend binary not found at $backend_bin" >&2; exit 1; }

log "frontend: npm ci && npm run build"
(cd "$root/services/frontend" && npm ci --cache "$npm_cache" --prefer-offline --no-audit --no-fund && npm run build)

log "browser test dependencies: npm ci"
(cd "$here" && npm ci --cache "$npm_cache" --prefer-offline --no-audit --no-fund)

backend_port=$(free_port)
frontend_port=$(free_port)
while [[ $frontend_port == "$backend_port" ]]; do frontend_port=$(free_port); done
backend_url="http://127.0.0.1:$backend_port"
frontend_url="http://127.0.0.1:$frontend_port"
backend_log="$artifacts/browser-backend.log"
frontend_log="$artifacts/browser-frontend.log"

log "start backend on $backend_url"
HOST=127.0.0.1 PORT=$backend_port "$backend_bin" >"$backend_log" 2>&1 &
pids+=($!)
wait_healthy backend "$backend_url/healthz" "${pids[-1]}" "$backend_log"

log "start frontend server on $frontend_url"
(cd "$root/services/frontend" &&
  exec env HOST=127.0.0.1 PORT="$frontend_port" BACKEND_URL="$backend_url" node server.mjs) \
  >"$frontend_log" 2>&1 &
pids+=($!)
wait_healthy frontend "$frontend_url/healthz" "${pids[-1]}" "$frontend_log"

log "browser test"
screenshot="$artifacts/browser-todo.png"
rm -f "$screenshot" "$artifacts/browser-todo-failure.png"
FRONTEND_URL="$frontend_url" BACKEND_URL="$backend_url" SCREENSHOT="$screenshot" \
  node "$here/e2e.mjs"
[[ -s $screenshot ]] || { echo "no screenshot was saved at $screenshot" >&2; exit 1; }
log "screenshot: $screenshot"

result=passed
