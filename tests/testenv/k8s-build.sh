#!/usr/bin/env bash
# k8s-build.sh - build a REAL Kubernetes control plane from the Go module proxy.
#
# No prebuilt kube-apiserver is reachable from these machines (only package
# registries are), so this compiles the upstream sources:
#   etcd                      go.etcd.io/etcd/server/v3      (v$ETCD_VERSION)
#   kube-apiserver            k8s.io/kubernetes/cmd/...      (v$K8S_VERSION)
#   kube-controller-manager   k8s.io/kubernetes/cmd/...
#   kube-scheduler            k8s.io/kubernetes/cmd/...
#   kwok                      sigs.k8s.io/kwok/cmd/kwok      (v$KWOK_VERSION)
# plus kwok's Stage definitions (the module's kustomize/stage/ folder).
#
# Each component is built in a throwaway Go module under the cache, because the
# upstream modules cannot be `go install`ed directly (k8s.io/kubernetes replaces
# every staging module with ./staging/..., etcd replaces its sibling modules).
#
# Output:  ${BERTH_TESTENV:-$HOME/.cache/berth-testenv}/k8s-v$K8S_VERSION/bin/
#          .../k8s-v$K8S_VERSION/kwok-stage/   (Stage YAML for kwok --config)
# Go caches (kept between runs): $BERTH_TESTENV/go/{mod,build}
#
# Idempotent: a component is skipped when its stamp file (bin/.built-<name>-<version>)
# exists. Builds run under `nice -n 19` with `-p 2` (2-core machines, shared).
# Cold: roughly 20-35 minutes on 2 cores; warm: a second.
#
# Usage: tests/testenv/k8s-build.sh            # build whatever is missing
#        tests/testenv/k8s-build.sh --print-bin # only print the bin dir (no build)
# Env:   BERTH_K8S_VERSION (1.36.3), BERTH_ETCD_VERSION (3.6.8), BERTH_KWOK_VERSION (0.8.0)
# Progress goes to stderr; stdout gets a single `export PATH=<bin>:$PATH` line.
set -euo pipefail

ROOT="${BERTH_TESTENV:-$HOME/.cache/berth-testenv}"
K8S_VERSION="${BERTH_K8S_VERSION:-1.36.3}"
ETCD_VERSION="${BERTH_ETCD_VERSION:-3.6.8}"   # the etcd client version k8s v1.36.3 pins
KWOK_VERSION="${BERTH_KWOK_VERSION:-0.8.0}"

OUT="$ROOT/k8s-v$K8S_VERSION"
BIN="$OUT/bin"
SRC="$OUT/src"

log() { printf '[k8s-build] %s\n' "$*" >&2; }

if [[ "${1:-}" == "--print-bin" ]]; then
  echo "$BIN"
  exit 0
fi

command -v go >/dev/null || { log "go is not on PATH"; exit 1; }

export GOMODCACHE="$ROOT/go/mod"
export GOCACHE="$ROOT/go/build"
export GOFLAGS="-buildvcs=false -modcacherw"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
mkdir -p "$BIN" "$SRC" "$GOMODCACHE" "$GOCACHE"
# One install at a time per cache (parallel test jobs may call this together).
exec 9>"$ROOT/.k8s-build.lock"
flock 9

BUILD=(nice -n 19 go build -p 2 -trimpath)

# new_module DIR NAME: an empty throwaway module (go directive = local Go).
new_module() {
  local dir="$1" name="$2"
  rm -rf "$dir"
  mkdir -p "$dir"
  local gov
  gov="$(go env GOVERSION)"; gov="${gov#go}"
  printf 'module berth-testenv/%s\n\ngo %s\n' "$name" "$gov" >"$dir/go.mod"
}

stamp() { echo "$BIN/.built-$1-$2"; }

# --- etcd ---------------------------------------------------------------------
build_etcd() {
  local s; s="$(stamp etcd "$ETCD_VERSION")"
  if [[ -f "$s" && -x "$BIN/etcd" ]]; then log "etcd v$ETCD_VERSION: already built"; return; fi
  log "etcd v$ETCD_VERSION: resolving modules"
  local d="$SRC/etcd"
  new_module "$d" etcd
  (
    cd "$d"
    go get -tool "go.etcd.io/etcd/server/v3@v$ETCD_VERSION" >&2
    log "etcd v$ETCD_VERSION: compiling"
    "${BUILD[@]}" -ldflags "-s -w" -o "$BIN/etcd" go.etcd.io/etcd/server/v3 >&2
  )
  "$BIN/etcd" --version >&2
  touch "$s"
}

# --- kube-apiserver, kube-controller-manager, kube-scheduler -------------------
build_kube() {
  local s; s="$(stamp kube "$K8S_VERSION")"
  if [[ -f "$s" && -x "$BIN/kube-apiserver" && -x "$BIN/kube-controller-manager" && -x "$BIN/kube-scheduler" ]]; then
    log "kubernetes v$K8S_VERSION: already built"; return
  fi
  log "kubernetes v$K8S_VERSION: resolving modules"
  local d="$SRC/kube" gomod staging
  new_module "$d" kube
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')"
  [[ -f "$gomod" ]] || { log "cannot read go.mod of k8s.io/kubernetes@v$K8S_VERSION"; exit 1; }
  # Staging modules: those that k8s.io/kubernetes both requires (at v0.0.0) and
  # replaces with ./staging/src/...; pin each to its published v0.X.Y twin.
  # (Replaced-but-not-required ones, e.g. k8s.io/sample-cli-plugin, are skipped:
  # they are not in the build graph and some are not on the proxy.)
  staging="$(awk '/^replace \(/{r=1;next} r&&/^\)/{r=0} r&&$3 ~ /^\.\/staging\//{print $1}' "$gomod")"
  local minor="${K8S_VERSION#*.}" m
  minor="${minor%%.*}"
  local patch="${K8S_VERSION##*.}"
  (
    cd "$d"
    for m in $staging; do
      if grep -qE "^\s+$m v0\.0\.0(\s|$)" "$gomod"; then
        go mod edit -replace="$m=$m@v0.$minor.$patch"
      fi
    done
    go get -tool \
      "k8s.io/kubernetes/cmd/kube-apiserver@v$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-controller-manager@v$K8S_VERSION" \
      "k8s.io/kubernetes/cmd/kube-scheduler@v$K8S_VERSION" >&2
    local ld="-s -w" pkg
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
      ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    done
    for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
      # one command per `go build`: keeps peak memory and the link step bounded,
      # and a failure names the command.
      log "kubernetes v$K8S_VERSION: compiling $cmd"
      "${BUILD[@]}" -tags selinux,notest,grpcnotrace -ldflags "$ld" \
        -o "$BIN/$cmd" "k8s.io/kubernetes/cmd/$cmd" >&2
    done
  )
  "$BIN/kube-apiserver" --version >&2
  touch "$s"
}

# --- kwok (+ Stage definitions) -------------------------------------------------
build_kwok() {
  local s; s="$(stamp kwok "$KWOK_VERSION")"
  if [[ -f "$s" && -x "$BIN/kwok" && -d "$OUT/kwok-stage" ]]; then log "kwok v$KWOK_VERSION: already built"; return; fi
  log "kwok v$KWOK_VERSION: resolving modules"
  local d="$SRC/kwok" dir
  new_module "$d" kwok
  (
    cd "$d"
    go get -tool "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION" >&2
    log "kwok v$KWOK_VERSION: compiling"
    "${BUILD[@]}" -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
      -o "$BIN/kwok" sigs.k8s.io/kwok/cmd/kwok >&2
  )
  dir="$(go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p')"
  rm -rf "$OUT/kwok-stage"
  cp -r "$dir/kustomize/stage" "$OUT/kwok-stage"
  chmod -R u+w "$OUT/kwok-stage"
  "$BIN/kwok" --version >&2 || true
  touch "$s"
}

start=$SECONDS
build_etcd
build_kube
build_kwok
log "done in $((SECONDS - start))s: $BIN"
echo "export PATH=\"$BIN:\$PATH\""
