#!/usr/bin/env bash
# node-build.sh - build/install what a REAL Kubernetes node needs (see node-up.sh).
#
# Builds, cached and keyed by version (only what is missing):
#   kubelet, kube-proxy  k8s.io/kubernetes/cmd/... v$K8S_VERSION, in a throwaway Go module
#                        (same recipe and version ldflags as k8s-build.sh, same GOCACHE/GOMODCACHE,
#                        so the packages shared with kube-apiserver come from the build cache)
#   coredns              go install github.com/coredns/coredns@v$COREDNS_VERSION
#   pause                pause.c from the k8s.io/kubernetes module zip, gcc -static
#   images/pause-$PAUSE_VERSION.tar      registry.k8s.io/pause:$PAUSE_VERSION (docker-archive,
#                                        the sandbox image containerd is configured with)
#   images/coredns-$COREDNS_VERSION.tar  berth.local/coredns:$COREDNS_VERSION
# Images are written by mkimage.py (beside this script): no Docker, no registry.
# Installs with apt-get (Debian registry only) when missing: containerd, runc,
# containernetworking-plugins (CNI plugins in /usr/lib/cni), iptables, busybox-static
# (for test images).
#
# Output:  ${BERTH_TESTENV:-$HOME/.cache/berth-testenv}/node-v$K8S_VERSION/{bin,images}/
# Go caches (shared with k8s-build.sh): $BERTH_TESTENV/go/{mod,build}
# Idempotent: a component is skipped when its stamp file (.built-<name>-<version>) exists.
# Builds run under `nice -n 19` with `-p 2`. Cold: ~1 min kubelet+kube-proxy after
# k8s-build.sh, ~4-5 min CoreDNS; warm: a second.
#
# Usage: tests/testenv/node-build.sh              # build whatever is missing
#        tests/testenv/node-build.sh --print-dir  # only print the output dir (no build)
# Env:   BERTH_K8S_VERSION (1.36.3), BERTH_COREDNS_VERSION (1.14.2), BERTH_PAUSE_VERSION (3.10.2)
# Progress goes to stderr; stdout gets a single `export PATH=<bin>:$PATH` line.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${BERTH_TESTENV:-$HOME/.cache/berth-testenv}"
K8S_VERSION="${BERTH_K8S_VERSION:-1.36.3}"
COREDNS_VERSION="${BERTH_COREDNS_VERSION:-1.14.2}"   # kubeadm 1.36's CoreDNS version
PAUSE_VERSION="${BERTH_PAUSE_VERSION:-3.10.2}"       # kubeadm 1.36's pause version

OUT="$ROOT/node-v$K8S_VERSION"
BIN="$OUT/bin"
IMAGES="$OUT/images"
SRC="$OUT/src"

log() { printf '[node-build] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

if [[ "${1:-}" == "--print-dir" ]]; then
  echo "$OUT"
  exit 0
fi

mkdir -p "$BIN" "$IMAGES" "$SRC"
# One build at a time per cache (parallel test jobs may call this together).
exec 9>"$ROOT/.node-build.lock"
flock 9
start=$SECONDS

# --- Debian packages ------------------------------------------------------------------
install_packages() {
  local want=(containerd runc containernetworking-plugins iptables busybox-static) missing=() p
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "packages: all installed"
  else
    log "apt-get install ${missing[*]}"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
  local c
  for c in containerd containerd-shim-runc-v2 ctr runc busybox iptables nsenter unshare ip openssl curl gcc python3; do
    command -v "$c" >/dev/null || die "$c is not on PATH"
  done
  for c in bridge host-local portmap loopback; do
    [[ -x "/usr/lib/cni/$c" ]] || die "CNI plugin /usr/lib/cni/$c is missing"
  done
}

command -v go >/dev/null || die "go is not on PATH"
export GOMODCACHE="$ROOT/go/mod"
export GOCACHE="$ROOT/go/build"
export GOFLAGS="-buildvcs=false -modcacherw"
export GOTOOLCHAIN=local
export CGO_ENABLED=0
mkdir -p "$GOMODCACHE" "$GOCACHE"
BUILD=(nice -n 19 go build -p 2 -trimpath)

stamp() { echo "$BIN/.built-$1-$2"; }

k8s_module_dir() {
  go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^\s*"Dir": "\(.*\)",\?$/\1/p'
}

# --- kubelet + kube-proxy (throwaway module, as k8s-build.sh) ----------------------------
build_kube_node() {
  local s; s="$(stamp kube-node "$K8S_VERSION")"
  if [[ -f "$s" && -x "$BIN/kubelet" && -x "$BIN/kube-proxy" ]]; then
    log "kubelet+kube-proxy v$K8S_VERSION: already built"; return
  fi
  log "kubelet+kube-proxy v$K8S_VERSION: resolving modules"
  local d="$SRC/kube-node" gomod staging gov
  rm -rf "$d"; mkdir -p "$d"
  gov="$(go env GOVERSION)"; gov="${gov#go}"
  printf 'module berth-testenv/kube-node\n\ngo %s\n' "$gov" >"$d/go.mod"
  gomod="$(go mod download -json "k8s.io/kubernetes@v$K8S_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",\?$/\1/p')"
  [[ -f "$gomod" ]] || die "cannot read go.mod of k8s.io/kubernetes@v$K8S_VERSION"
  # staging modules required at v0.0.0 and replaced with ./staging/...: pin to v0.<minor>.<patch>
  staging="$(awk '/^replace \(/{r=1;next} r&&/^\)/{r=0} r&&$3 ~ /^\.\/staging\//{print $1}' "$gomod")"
  local minor="${K8S_VERSION#*.}" patch="${K8S_VERSION##*.}" m
  minor="${minor%%.*}"
  (
    cd "$d"
    for m in $staging; do
      if grep -qE "^\s+$m v0\.0\.0(\s|$)" "$gomod"; then
        go mod edit -replace="$m=$m@v0.$minor.$patch"
      fi
    done
    go get -tool "k8s.io/kubernetes/cmd/kubelet@v$K8S_VERSION" "k8s.io/kubernetes/cmd/kube-proxy@v$K8S_VERSION" >&2
    local ld="-s -w" pkg cmd
    for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld+=" -X $pkg.gitVersion=v$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor"
      ld+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    done
    for cmd in kubelet kube-proxy; do
      log "kubelet+kube-proxy v$K8S_VERSION: compiling $cmd"
      "${BUILD[@]}" -tags selinux,notest,grpcnotrace -ldflags "$ld" -o "$BIN/$cmd.new" "k8s.io/kubernetes/cmd/$cmd" >&2
      mv "$BIN/$cmd.new" "$BIN/$cmd"
    done
  )
  "$BIN/kubelet" --version >&2
  "$BIN/kube-proxy" --version >&2
  touch "$s"
}

# --- CoreDNS ------------------------------------------------------------------------------
build_coredns() {
  local s; s="$(stamp coredns "$COREDNS_VERSION")"
  if [[ -f "$s" && -x "$BIN/coredns" ]]; then log "coredns v$COREDNS_VERSION: already built"; return; fi
  log "coredns v$COREDNS_VERSION: go install (several minutes on a cold cache)"
  local tmp="$SRC/coredns-bin"
  rm -rf "$tmp"; mkdir -p "$tmp"
  GOBIN="$tmp" nice -n 19 go install -p 2 -trimpath -ldflags "-s -w" "github.com/coredns/coredns@v$COREDNS_VERSION" >&2
  mv "$tmp/coredns" "$BIN/coredns"
  rmdir "$tmp"
  "$BIN/coredns" -version >&2
  touch "$s"
}

# --- pause (static C binary from the k8s module) ----------------------------------------
build_pause() {
  local s; s="$(stamp pause "$PAUSE_VERSION")"
  if [[ -f "$s" && -x "$BIN/pause" ]]; then log "pause $PAUSE_VERSION: already built"; return; fi
  local dir src
  dir="$(k8s_module_dir)"
  src="$dir/build/pause/linux/pause.c"
  [[ -f "$src" ]] || die "no $src"
  log "pause $PAUSE_VERSION: gcc -static"
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION" -o "$BIN/pause.new" "$src"
  strip "$BIN/pause.new"
  mv "$BIN/pause.new" "$BIN/pause"
  touch "$s"
}

# --- images (docker-archive tars for `ctr images import`) --------------------------------
# image NAME VERSION REF ROOTFS-SETUP-FUNCTION MKIMAGE-ARGS...
image() {
  local name="$1" version="$2" ref="$3" setup="$4"; shift 4
  local tar="$IMAGES/$name-$version.tar" s="$IMAGES/.built-$name-$version"
  if [[ -f "$s" && -f "$tar" && "$tar" -nt "$BIN/$name" ]]; then log "image $ref: already built"; return; fi
  local rootfs="$SRC/rootfs-$name"
  rm -rf "$rootfs"; mkdir -p "$rootfs"
  "$setup" "$rootfs"
  python3 "$HERE/mkimage.py" "$ref" "$rootfs" "$tar" "$@"
  rm -rf "$rootfs"
  touch "$s"
  log "image $ref: $(du -h "$tar" | cut -f1) in $tar"
}
rootfs_pause() { cp "$BIN/pause" "$1/pause"; }
rootfs_coredns() {
  mkdir -p "$1/etc" "$1/tmp"; chmod 1777 "$1/tmp"
  cp "$BIN/coredns" "$1/coredns"
  printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$1/etc/passwd"
  printf 'root:x:0:\nnonroot:x:65532:\n' >"$1/etc/group"
}

install_packages
build_kube_node
build_pause
build_coredns
image pause "$PAUSE_VERSION" "registry.k8s.io/pause:$PAUSE_VERSION" rootfs_pause --entrypoint '["/pause"]'
image coredns "$COREDNS_VERSION" "berth.local/coredns:$COREDNS_VERSION" rootfs_coredns --entrypoint '["/coredns"]'

log "done in $((SECONDS - start))s: $BIN"
echo "export PATH=\"$BIN:\$PATH\""
