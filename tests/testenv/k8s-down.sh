#!/usr/bin/env bash
# k8s-down.sh - stop the control plane started by k8s-up.sh and remove its state.
#
# Stops, in order, kwok, kube-scheduler, kube-controller-manager, kube-apiserver and
# etcd using the pid files in $STATE/pids (SIGTERM, then SIGKILL after 15 s). A pid
# is only signalled while it still runs the binary it was started with (no pid reuse
# accidents). Then removes ${BERTH_K8S_STATE:-$HOME/.cache/berth-testenv/run}
# (set BERTH_K8S_KEEP_STATE=1 to keep it, e.g. to read logs/).
# Safe to run when nothing is up. Progress goes to stderr.
set -euo pipefail

STATE="${BERTH_K8S_STATE:-$HOME/.cache/berth-testenv/run}"

log() { printf '[k8s-down] %s\n' "$*" >&2; }

# alive PID NAME: true while PID runs and its command line mentions NAME.
alive() {
  [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"
}

if [[ -d "$STATE/pids" ]]; then
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do
    f="$STATE/pids/$name.pid"
    [[ -f "$f" ]] || continue
    pid="$(cat "$f")"
    if alive "$pid" "$name"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 150); do
        alive "$pid" "$name" || break
        sleep 0.1
      done
      if alive "$pid" "$name"; then
        log "$name (pid $pid) ignored SIGTERM: killing"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      log "stopped $name (pid $pid)"
    fi
    rm -f "$f"
  done
fi

if [[ -n "${BERTH_K8S_KEEP_STATE:-}" ]]; then
  log "state kept in $STATE"
else
  rm -rf "$STATE"
  log "removed $STATE"
fi
