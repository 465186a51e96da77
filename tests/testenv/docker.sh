#!/usr/bin/env bash
# docker.sh - a REAL Docker daemon for the tests of `berth build` (images built FROM scratch:
# no registry is reachable from these machines, so nothing can be pulled).
#
# Installs Debian's docker.io when dockerd is missing (apt-get), then starts dockerd on its unix
# socket only (no TCP), unless a daemon already answers `docker info`. A daemon started here is
# remembered in $STATE/dockerd.pid and stopped by `--stop`; one that was running is left alone.
#
# Usage:  tests/testenv/docker.sh          # make sure a daemon answers
#         tests/testenv/docker.sh --stop   # stop the daemon this script started, if any
# State:  ${BERTH_TESTENV:-$HOME/.cache/berth-testenv}/docker/ (pid, log)
# Progress goes to stderr.
set -euo pipefail

STATE="${BERTH_TESTENV:-$HOME/.cache/berth-testenv}/docker"
log() { printf '[docker] %s\n' "$*" >&2; }
mkdir -p "$STATE"

if [[ "${1:-}" == "--stop" ]]; then
  if [[ -f "$STATE/dockerd.pid" ]]; then
    pid="$(cat "$STATE/dockerd.pid")"
    if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q dockerd; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 150); do [[ -d "/proc/$pid" ]] || break; sleep 0.1; done
      log "stopped dockerd (pid $pid)"
    fi
    rm -f "$STATE/dockerd.pid"
  fi
  exit 0
fi

if docker info >/dev/null 2>&1; then
  log "a Docker daemon already answers"
  exit 0
fi
if ! command -v dockerd >/dev/null; then
  log "installing docker.io (Debian)"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >&2
fi
setsid dockerd --host unix:///var/run/docker.sock </dev/null >"$STATE/dockerd.log" 2>&1 &
echo $! >"$STATE/dockerd.pid"
for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    log "dockerd up (pid $(cat "$STATE/dockerd.pid"))"
    exit 0
  fi
  sleep 0.5
done
log "dockerd did not answer within 60s; its log follows"
tail -n 30 "$STATE/dockerd.log" >&2
exit 1
