#!/usr/bin/env bash
# k8s-up.sh - start a REAL local Kubernetes control plane (built by k8s-build.sh).
#
# Starts, all on 127.0.0.1 with free ports and certificates made here with openssl:
#   etcd                     (plain http, data in the state dir, --unsafe-no-fsync)
#   kube-apiserver           (TLS, client-cert auth, RBAC, service-account signing key)
#   kube-controller-manager  (Deployments -> ReplicaSets -> Pods, service accounts, GC)
#   kube-scheduler           (binds pods to the fake node)
#   kwok                     (one fake node named "minikube"; its pods become Running
#                             and Ready, so `kubectl rollout status` really completes)
# Writes $STATE/kubeconfig with cluster/user/context "minikube" (berth treats
# Minikube-like contexts as local), waits for /readyz, the node to be Ready and the
# "default" service account, then prints `export KUBECONFIG=...` on stdout.
#
# Usage:  env="$(tests/testenv/k8s-up.sh)"; eval "$env"   ...   tests/testenv/k8s-down.sh
#         (assign first: a bare `eval "$(...)"` would ignore a failed start-up)
# State:  ${BERTH_K8S_STATE:-$HOME/.cache/berth-testenv/run}  (pids/, logs/, pki/, etcd/)
# Idempotent: when the cluster in $STATE answers /readyz it is reused; stale state
# (from a crash or a killed run) is torn down first.
# Needs: k8s-build.sh's binaries (built on demand: ~20-35 min cold) and kubectl from
# tools.sh (installed on demand). Progress and errors go to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${BERTH_TESTENV:-$HOME/.cache/berth-testenv}"
STATE="${BERTH_K8S_STATE:-$HOME/.cache/berth-testenv/run}"
NODE_NAME="${BERTH_K8S_NODE:-minikube}"
TIMEOUT="${BERTH_K8S_TIMEOUT:-180}"   # seconds for each wait

log() { printf '[k8s-up] %s\n' "$*" >&2; }

KUBECTL_BIN="$("$HERE/tools.sh" --print-path kubectl)/kubectl"
kc() { "$KUBECTL_BIN" --kubeconfig "$STATE/kubeconfig" "$@"; }

# --- reuse a running cluster, or clear stale state ----------------------------------
if [[ -f "$STATE/kubeconfig" ]]; then
  if kc get --raw /readyz >/dev/null 2>&1; then
    log "cluster in $STATE is already up"
    echo "export KUBECONFIG=\"$STATE/kubeconfig\""
    exit 0
  fi
  log "stale state in $STATE: tearing it down"
  "$HERE/k8s-down.sh" >&2
fi

"$HERE/k8s-build.sh" >/dev/null
BIN="$("$HERE/k8s-build.sh" --print-bin)"
STAGES="$(dirname "$BIN")/kwok-stage"

t0=$SECONDS
mkdir -p "$STATE"/{pids,logs,pki/cm,pki/scheduler,etcd}
chmod 700 "$STATE"

# On any failure: show the end of every log and stop what was started
# (set BERTH_K8S_KEEP_FAILED=1 to keep the processes and state for a look).
up_ok=0
on_exit() {
  [[ $up_ok == 1 ]] && return
  log "FAILED after $((SECONDS - t0))s; logs follow"
  local f
  for f in "$STATE"/logs/*.log; do
    [[ -f "$f" ]] || continue
    printf '\n===== %s (last 25 lines) =====\n' "$f" >&2
    tail -n 25 "$f" >&2
  done
  if [[ -z "${BERTH_K8S_KEEP_FAILED:-}" ]]; then
    "$HERE/k8s-down.sh" >&2 || true
  fi
}
trap on_exit EXIT
fail() { log "ERROR: $*"; exit 1; }

# --- free ports ----------------------------------------------------------------------
read -r P_ETCD P_PEER P_API P_CM P_SCHED P_KWOK < <(python3 - <<'EOF'
import socket
socks = []
for _ in range(6):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)

# --- certificates (EC P-256: fast to generate) ----------------------------------------
PKI="$STATE/pki"
(
  cd "$PKI"
  umask 077
  newkey() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }
  newkey ca.key
  openssl req -x509 -new -key ca.key -subj "/CN=berth-testenv-ca" -days 365 -out ca.crt \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  # sign NAME SUBJECT EXTENSIONS
  sign() {
    newkey "$1.key"
    openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
      -out "$1.crt" -extfile <(printf '%s\n' "$3") 2>/dev/null
    rm -f "$1.csr"
  }
  sign apiserver "/CN=kube-apiserver" \
    "$(printf 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local')"
  client='keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'
  sign admin "/O=system:masters/CN=minikube-user" "$client"
  sign controller-manager "/CN=system:kube-controller-manager" "$client"
  sign scheduler "/CN=system:kube-scheduler" "$client"
  sign kwok "/O=system:masters/CN=kwok" "$client"
  # service-account token signing key pair
  newkey sa.key
  openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
)

# kubeconfig FILE USER: cluster/context/user all named "minikube" for the admin one.
kubeconfig() {
  local file="$1" user="$2" name="${3:-minikube}"
  cat >"$file" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $name
  cluster:
    server: https://127.0.0.1:$P_API
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$user.crt")
    client-key-data: $(base64 -w0 "$PKI/$user.key")
contexts:
- name: $name
  context:
    cluster: $name
    user: $name
    namespace: default
current-context: $name
EOF
  chmod 600 "$file"
}
kubeconfig "$STATE/kubeconfig" admin
kubeconfig "$STATE/controller-manager.kubeconfig" controller-manager
kubeconfig "$STATE/scheduler.kubeconfig" scheduler
kubeconfig "$STATE/kwok.kubeconfig" kwok

# start NAME BINARY ARGS...: run in its own session, detached from our stdio (so that
# `eval "$(k8s-up.sh)"` does not wait for it), pid in pids/NAME.pid.
start() {
  local name="$1"; shift
  setsid "$@" </dev/null >"$STATE/logs/$name.log" 2>&1 &
  echo $! >"$STATE/pids/$name.pid"
  log "started $name (pid $!)"
}

# wait_for WHAT CMD...: retry CMD every 0.5 s until it succeeds or TIMEOUT passes;
# also fail early when a started component has died.
wait_for() {
  local what="$1"; shift
  local deadline=$((SECONDS + TIMEOUT)) f
  until "$@" >/dev/null 2>&1; do
    for f in "$STATE"/pids/*.pid; do
      kill -0 "$(cat "$f")" 2>/dev/null || fail "$(basename "$f" .pid) exited while waiting for $what"
    done
    (( SECONDS < deadline )) || fail "timed out after ${TIMEOUT}s waiting for $what"
    sleep 0.5
  done
  log "$what: ok ($((SECONDS - t0))s)"
}

# --- etcd ----------------------------------------------------------------------------
start etcd "$BIN/etcd" \
  --name=berth --data-dir="$STATE/etcd" \
  --listen-client-urls="http://127.0.0.1:$P_ETCD" --advertise-client-urls="http://127.0.0.1:$P_ETCD" \
  --listen-peer-urls="http://127.0.0.1:$P_PEER" --initial-advertise-peer-urls="http://127.0.0.1:$P_PEER" \
  --initial-cluster="berth=http://127.0.0.1:$P_PEER" \
  --unsafe-no-fsync=true --log-level=warn
wait_for etcd curl -sf "http://127.0.0.1:$P_ETCD/health"

# --- kube-apiserver (envtest-like flags; no endpoint reconciler: a 127.0.0.1
# advertise address is not a valid Endpoints IP, and nothing here needs it) ----------
start kube-apiserver "$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$P_ETCD" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$P_API" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --authorization-mode=RBAC \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --allow-privileged=true \
  --endpoint-reconciler-type=none \
  --profiling=false \
  --cert-dir="$PKI"
wait_for "kube-apiserver /readyz" kc get --raw /readyz

# --- controller-manager, scheduler ------------------------------------------------------
start kube-controller-manager "$BIN/kube-controller-manager" \
  --kubeconfig="$STATE/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$P_CM" --cert-dir="$STATE/pki/cm" \
  --leader-elect=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --service-cluster-ip-range=10.0.0.0/24 --cluster-name=minikube \
  --profiling=false
start kube-scheduler "$BIN/kube-scheduler" \
  --kubeconfig="$STATE/scheduler.kubeconfig" \
  --authentication-kubeconfig="$STATE/scheduler.kubeconfig" \
  --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port="$P_SCHED" --cert-dir="$STATE/pki/scheduler" \
  --leader-elect=false --profiling=false

# --- kwok with the "fast" stages (node initialise + lease heartbeat, pod ready/complete/delete)
for f in node/fast/node-initialize.yaml node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
         pod/fast/pod-ready.yaml pod/fast/pod-complete.yaml pod/fast/pod-delete.yaml; do
  cat "$STAGES/$f"; echo "---"
done >"$STATE/kwok-stages.yaml"
start kwok "$BIN/kwok" \
  --kubeconfig="$STATE/kwok.kubeconfig" \
  --config="$STATE/kwok-stages.yaml" \
  --manage-all-nodes=false \
  --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
  --node-lease-duration-seconds=40 \
  --cidr=10.244.0.1/24 --node-ip=10.244.0.1 \
  --server-address="127.0.0.1:$P_KWOK"

# --- the fake node (no taint: ordinary workloads schedule onto it) ------------------------
wait_for "namespace kube-node-lease" kc get namespace kube-node-lease
kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Node
metadata:
  name: $NODE_NAME
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: "0"
  labels:
    kubernetes.io/arch: amd64
    kubernetes.io/os: linux
    kubernetes.io/hostname: $NODE_NAME
    node-role.kubernetes.io/control-plane: ""
    type: kwok
status:
  allocatable: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 100Gi}
  capacity: {cpu: "32", memory: 256Gi, pods: "110", ephemeral-storage: 100Gi}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: fake
    kubeProxyVersion: fake
EOF
wait_for "node $NODE_NAME Ready" kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
wait_for "service account default/default" kc get serviceaccount default -n default

cat >"$STATE/env" <<EOF
export KUBECONFIG="$STATE/kubeconfig"
BERTH_K8S_API=https://127.0.0.1:$P_API
BERTH_K8S_ETCD=http://127.0.0.1:$P_ETCD
EOF
up_ok=1
log "cluster up in $((SECONDS - t0))s: https://127.0.0.1:$P_API (context minikube, node $NODE_NAME)"
echo "export KUBECONFIG=\"$STATE/kubeconfig\""
