#!/usr/bin/env bash
# The browser test of the sample app (e2e.mjs) against the app as it runs in a cluster:
# the frontend and backend Services reached through `kubectl port-forward` on loopback, so the
# page's /api calls go browser -> frontend pod -> backend Service by its cluster DNS name
# (the frontend's BACKEND_URL) -> backend pod. The backend's own port-forward is only for
# e2e.mjs to check what the backend really stored.
#
# Usage:   KUBECONFIG=... tests/browser/cluster.sh [NAMESPACE]     (default namespace: todo)
# Env:     BERTH_ARTIFACTS  where the screenshot (browser-todo-cluster.png) and the
#                           port-forward logs go (default $HOME/.cache/berth/artifacts)
#          CHROMIUM         browser binary (default /usr/bin/chromium)
#          KUBECTL          kubectl to use (default: kubectl on PATH)
# The last line is `browser (cluster): N passed, N failed`; the exit status is non-zero on failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ns="${1:-todo}"
cache="$HOME/.cache/berth"
artifacts="${BERTH_ARTIFACTS:-$cache/artifacts}"
kubectl="${KUBECTL:-kubectl}"
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
mkdir -p "$artifacts"

result=failed
pids=()
on_exit() {
  local status=$? pid
  [[ $BASHPID == "$$" ]] || exit "$status"   # a background subshell: nothing to report
  set +e
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  if [[ $status -eq 0 && $result == passed ]]; then
    echo "browser (cluster): 1 passed, 0 failed"
  else
    [[ $status -eq 0 ]] && status=1
    echo "browser (cluster): 0 passed, 1 failed"
  fi
  exit "$status"
}
trap on_exit EXIT

log() { printf '==> %s\n' "$*"; }

# forward SERVICE: starts `kubectl port-forward` on a free loopback port; sets $url to it.
# (Not in a $(...) subshell: the port-forward's pid must reach the exit trap.)
forward() {
  local svc=$1 logfile="$artifacts/port-forward-$1.log" port remote
  remote=$(svc_port "$svc")
  : >"$logfile"
  "$kubectl" -n "$ns" port-forward --address 127.0.0.1 "svc/$svc" ":$remote" >"$logfile" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    port=$(sed -n 's/^Forwarding from 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$logfile" | head -n 1)
    [[ -n $port ]] && { url="http://127.0.0.1:$port"; return 0; }
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "port-forward to svc/$svc did not start; its log:" >&2
  cat "$logfile" >&2
  return 1
}

svc_port() {
  "$kubectl" -n "$ns" get svc "$1" -o jsonpath='{.spec.ports[0].port}'
}

command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
[[ -x $CHROMIUM ]] || { echo "no browser at $CHROMIUM" >&2; exit 1; }
log "browser test dependencies: npm ci"
(cd "$here" && npm ci --cache "$cache/npm" --prefer-offline --no-audit --no-fund >/dev/null)

log "port-forward svc/frontend and svc/backend in namespace $ns"
forward frontend; frontend_url=$url
forward backend; backend_url=$url
log "frontend $frontend_url, backend $backend_url"

log "frontend's backend URL, as its pod is given it"
"$kubectl" -n "$ns" get configmap frontend-config -o jsonpath='{.data.BACKEND_URL}'
echo

log "browser test"
screenshot="$artifacts/browser-todo-cluster.png"
rm -f "$screenshot"
FRONTEND_URL="$frontend_url" BACKEND_URL="$backend_url" SCREENSHOT="$screenshot" \
  node "$here/e2e.mjs"
[[ -s $screenshot ]] || { echo "no screenshot was saved at $screenshot" >&2; exit 1; }
log "screenshot: $screenshot"
result=passed
