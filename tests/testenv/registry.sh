#!/usr/bin/env bash
# registry.sh - a REAL container registry (Debian's docker-registry, i.e. Docker's
# distribution 2.8) on 127.0.0.1, for the stand-in base images that base-images.sh
# publishes: with BERTH_REGISTRY_MIRROR pointed at it, berth's drafted FROM lines pull
# from it (`FROM rust:1.95-slim-bookworm` -> `FROM 127.0.0.1:5000/library/rust:...`).
#
# Uses `docker-registry` from PATH when the package is installed. Otherwise it fetches
# Debian's docker-registry package with `apt-get download` and unpacks it (dpkg-deb -x)
# into the cache, without installing it: the package's postinst would start a registry
# from /etc/init.d listening on every interface (addr :5000) as a system service.
# Then it serves `docker-registry serve <config>` on 127.0.0.1:$BERTH_REGISTRY_PORT only,
# unless a registry already answers /v2/ there (reused as it is). A registry started here
# is remembered in its pid file and stopped by `--stop`; the stored images are kept.
#
# Usage:  eval "$(tests/testenv/registry.sh)"     # make sure it answers; prints
#             export BERTH_REGISTRY_MIRROR=127.0.0.1:<port>
#         tests/testenv/registry.sh --stop        # stop the registry this script started
# State:  ${BERTH_TESTENV:-$HOME/.cache/berth-testenv}/registry/ (config.yml, data/,
#         registry.pid, registry.log); the unpacked package in
#         $BERTH_TESTENV/docker-registry-<Debian version>/.
# Env:    BERTH_REGISTRY_PORT (default 5000), BERTH_TESTENV.
# Progress goes to stderr; stdout carries only the export line.
set -euo pipefail

ROOT="${BERTH_TESTENV:-$HOME/.cache/berth-testenv}"
STATE="$ROOT/registry"
PORT="${BERTH_REGISTRY_PORT:-5000}"
ADDR="127.0.0.1:$PORT"

log() { printf '[registry] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
mkdir -p "$STATE"

# answers: a Docker distribution registry serves /v2/ on $ADDR.
answers() {
  curl -fsS --max-time 2 -o /dev/null -D - "http://$ADDR/v2/" 2>/dev/null \
    | grep -qi '^docker-distribution-api-version: *registry/2'
}

ours_running() {
  [[ -f "$STATE/registry.pid" ]] || return 1
  local pid; pid="$(cat "$STATE/registry.pid")"
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'docker-registry serve'
}

if [[ "${1:-}" == "--stop" ]]; then
  if ours_running; then
    pid="$(cat "$STATE/registry.pid")"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do [[ -d "/proc/$pid" ]] || break; sleep 0.1; done
    log "stopped docker-registry (pid $pid)"
  fi
  rm -f "$STATE/registry.pid"
  exit 0
fi
[[ $# -eq 0 ]] || { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

exec 9>"$ROOT/.registry.lock"
flock 9

if answers; then
  log "a registry already answers on $ADDR"
  echo "export BERTH_REGISTRY_MIRROR=$ADDR"
  exit 0
fi

# --- the binary -----------------------------------------------------------------------
bin="$(command -v docker-registry || true)"
if [[ -z "$bin" ]]; then
  bin="$(ls -d "$ROOT"/docker-registry-*/usr/bin/docker-registry 2>/dev/null | sort -V | tail -n1 || true)"
fi
if [[ -z "$bin" ]]; then
  tmp="$(mktemp -d "$ROOT/.registry-dl.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  if ! apt-cache show docker-registry >/dev/null 2>&1; then
    log "apt-get update"
    apt-get update -qq >&2
  fi
  log "apt-get download docker-registry (Debian)"
  (cd "$tmp" && apt-get download -qq -o APT::Sandbox::User=root docker-registry >&2) \
    || die "apt-get download docker-registry failed"
  deb="$(ls "$tmp"/docker-registry_*.deb)"
  ver="$(dpkg-deb -f "$deb" Version)"
  dest="$ROOT/docker-registry-$ver"
  rm -rf "$dest.new"
  dpkg-deb -x "$deb" "$dest.new"
  rm -rf "$dest" && mv "$dest.new" "$dest"
  bin="$dest/usr/bin/docker-registry"
  log "unpacked docker-registry $ver into $dest"
fi
"$bin" --version >&2 || die "$bin does not run"

# --- config and start -------------------------------------------------------------------
mkdir -p "$STATE/data"
cat >"$STATE/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: $STATE/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $ADDR
  headers:
    X-Content-Type-Options: [nosniff]
EOF

if ours_running; then
  log "the registry started earlier (pid $(cat "$STATE/registry.pid")) does not answer; restarting it"
  kill -TERM "$(cat "$STATE/registry.pid")" 2>/dev/null || true
  sleep 1
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  die "something else listens on $ADDR and is not a registry; set BERTH_REGISTRY_PORT"
fi
setsid "$bin" serve "$STATE/config.yml" </dev/null >>"$STATE/registry.log" 2>&1 9>&- &
echo $! >"$STATE/registry.pid"
for _ in $(seq 1 100); do
  if answers; then
    log "docker-registry up on $ADDR (pid $(cat "$STATE/registry.pid"), data in $STATE/data)"
    echo "export BERTH_REGISTRY_MIRROR=$ADDR"
    exit 0
  fi
  ours_running || break
  sleep 0.1
done
log "the registry did not answer on $ADDR; its log follows"
tail -n 30 "$STATE/registry.log" >&2
exit 1
