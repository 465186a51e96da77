#!/usr/bin/env bash
# node-up.sh - start a REAL one-node Kubernetes cluster (real kubelet, real containers),
# every cluster address inside ONE network namespace of its own.
#
# Network namespace $NETNS (default berth-node, /run/netns/$NETNS) holds everything:
#   node IP 10.200.0.1/32 on berth0 (a port-less bridge: this kernel has no dummy driver),
#   pod CIDR 10.244.0.0/16 (this node: 10.244.0.0/24 on the CNI bridge berth-cni0),
#   service CIDR 10.96.0.0/16 (kubernetes = 10.96.0.1, kube-dns = 10.96.0.10).
#   It has no route to anything outside itself: pods reach only the cluster.
# Started inside it (nsenter --net=/run/netns/$NETNS, so cgroups and /sys stay the host's):
#   etcd (127.0.0.1:2379 of the namespace), kube-apiserver (10.200.0.1:6443),
#   kube-controller-manager, kube-scheduler, containerd (private socket under $STATE),
#   kubelet (in a mount namespace of its own, see below), kube-proxy (iptables mode,
#   rules in the namespace only), and CoreDNS as a Deployment in kube-system (Service
#   kube-dns 10.96.0.10).
# The host reaches the API server through netns-forward.py: 127.0.0.1:$PORT in the host
# namespace -> 10.200.0.1:6443 in $NETNS (no interface, route or rule in the host).
# Nothing changes the host's routes, iptables/nftables rules or sysctls: the namespace's
# own sysctls (ip_forward, bridge-nf-call-iptables) are set inside it, and the kubelet,
# which otherwise rewrites vm.overcommit_memory, kernel.panic and kernel.panic_on_oops
# (setupKernelTunables), runs in a private mount namespace where those /proc/sys files
# are read-only copies that already hold its wanted values; /var/log (where it would make
# /var/log/containers) and /var/lib/kubelet (its hard-coded device-plugins socket dir) are
# folders under $STATE there too. containerd keeps the pods' network namespaces under $STATE
# (netns_mounts_under_state_dir), so `ip netns` in the host lists only $NETNS.
#
# Prints on stdout (nothing else):
#   export KUBECONFIG=$STATE/kubeconfig          (context, cluster, user: berth-node)
#   export BERTH_NODE_NETNS=$NETNS
#   export BERTH_NODE_CONTAINERD=$STATE/containerd/containerd.sock
#   export BERTH_IMAGE_LOAD='ctr --address <socket> -n k8s.io images import -'
#       (e.g. `docker save IMG | sh -c "$BERTH_IMAGE_LOAD"`; pods then need
#        imagePullPolicy Never/IfNotPresent: there is no registry)
#
# Usage:  env="$(tests/testenv/node-up.sh)"; eval "$env"   ...   tests/testenv/node-down.sh
# State:  ${BERTH_NODE_STATE:-$HOME/.cache/berth-testenv/node-run}
# Env:    BERTH_NODE_NETNS (berth-node), BERTH_NODE_NAME (berth-node),
#         BERTH_NODE_API_PORT (host port of the forwarder; default: any free one),
#         BERTH_NODE_TIMEOUT (180 s per wait), BERTH_NODE_KEEP_FAILED=1 (keep a failed start-up)
# Idempotent: when the node in $STATE answers (API ready, node Ready, every process
# alive) it is reused; stale state is torn down (node-down.sh) first.
# Runs beside k8s-up.sh's kwok cluster: nothing is shared but the binaries.
# Needs root. Progress and errors go to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${BERTH_TESTENV:-$HOME/.cache/berth-testenv}"
STATE="${BERTH_NODE_STATE:-$HOME/.cache/berth-testenv/node-run}"
NETNS="${BERTH_NODE_NETNS:-berth-node}"
NODE_NAME="${BERTH_NODE_NAME:-berth-node}"
TIMEOUT="${BERTH_NODE_TIMEOUT:-180}"
HOST_PORT_WANTED="${BERTH_NODE_API_PORT:-0}"
export BERTH_NODE_STATE="$STATE" BERTH_NODE_NETNS="$NETNS"

NODE_IP=10.200.0.1
API_PORT=6443
POD_CIDR=10.244.0.0/16
NODE_POD_CIDR=10.244.0.0/24
NODE_POD_GW=10.244.0.1
SVC_CIDR=10.96.0.0/16
API_SVC_IP=10.96.0.1
DNS_IP=10.96.0.10
PAUSE_VERSION="${BERTH_PAUSE_VERSION:-3.10.2}"
COREDNS_VERSION="${BERTH_COREDNS_VERSION:-1.14.2}"
NS_PATH="/run/netns/$NETNS"
SOCK="$STATE/containerd/containerd.sock"

log() { printf '[node-up] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[[ $(id -u) == 0 ]] || die "needs root"
mkdir -p "$(dirname "$STATE")"
# one node-up/node-down at a time for this state dir
exec 8>"$STATE.lock"
flock 8
export BERTH_NODE_LOCKED=1
export KUBECACHEDIR="$STATE.kube-cache"   # kubectl's discovery cache: not ~/.kube/cache

KUBECTL_BIN="$("$HERE/tools.sh" --print-path kubectl)/kubectl"
kc() { "$KUBECTL_BIN" --kubeconfig "$STATE/kubeconfig" "$@"; }
inns() { nsenter --net="$NS_PATH" -- "$@"; }
alive() { [[ -r "/proc/$1/cmdline" ]] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"; }

emit_env() {
  cat <<EOF
export KUBECONFIG="$STATE/kubeconfig"
export BERTH_NODE_NETNS="$NETNS"
export BERTH_NODE_CONTAINERD="$SOCK"
export BERTH_IMAGE_LOAD='ctr --address $SOCK -n k8s.io images import -'
EOF
}

# --- reuse a running node, or clear stale state --------------------------------------------
all_alive() {
  local f n
  for f in "$STATE"/pids/*.pid; do
    [[ -f "$f" ]] || return 1
    n="$(basename "$f" .pid)"; [[ $n == forwarder ]] && n=netns-forward
    alive "$(cat "$f")" "$n" || return 1
  done
}
if [[ -f "$STATE/env" && -f "$STATE/kubeconfig" ]]; then
  if all_alive && kc get --raw /readyz >/dev/null 2>&1 \
     && [[ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" == True ]]; then
    log "node $NODE_NAME in $STATE is already up"
    cat "$STATE/env"
    exit 0
  fi
fi
if [[ -e "$STATE" || -e "$NS_PATH" ]]; then
  log "stale state in $STATE (or netns $NETNS): tearing it down"
  "$HERE/node-down.sh" >&2
fi

# --- binaries -------------------------------------------------------------------------------
"$HERE/k8s-build.sh" >/dev/null
"$HERE/node-build.sh" >/dev/null
KBIN="$("$HERE/k8s-build.sh" --print-bin)"
NODE_OUT="$("$HERE/node-build.sh" --print-dir)"
NBIN="$NODE_OUT/bin"
PY=/usr/bin/python3; [[ -x $PY ]] || PY="$(command -v python3)"

t0=$SECONDS
mkdir -p "$STATE"/{pids,logs,pki,etcd,containerd,cni/net.d,cni/ipam,kubelet,pod-logs,kubelet-ns/varlog,kubelet-ns/varlibkubelet,kubelet-ns/sysctl}
chmod 700 "$STATE"

# What of the host's did not exist before (node-down.sh removes only what we created).
{
  [[ -d /run/netns ]] && echo "run_netns_dir=1" || echo "run_netns_dir=0"
  findmnt -n /run/netns >/dev/null 2>&1 && echo "run_netns_mount=1" || echo "run_netns_mount=0"
  [[ -d /var/lib/cni ]] && echo "var_lib_cni=1" || echo "var_lib_cni=0"
  [[ -d /var/lib/kubelet ]] && echo "var_lib_kubelet=1" || echo "var_lib_kubelet=0"
  [[ -d /run/containerd ]] && echo "run_containerd=1" || echo "run_containerd=0"
  [[ -d /run/containerd/s ]] && echo "run_containerd_s=1" || echo "run_containerd_s=0"
  [[ -d /run/mount ]] && echo "run_mount=1" || echo "run_mount=0"
  ls -d /sys/fs/cgroup/*/kubepods >/dev/null 2>&1 && echo "kubepods=1" || echo "kubepods=0"
} >"$STATE/host-before"

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
  if [[ -z "${BERTH_NODE_KEEP_FAILED:-}" ]]; then
    "$HERE/node-down.sh" >&2 || true
  fi
}
trap on_exit EXIT
fail() { log "ERROR: $*"; exit 1; }
step() { log "$* ($((SECONDS - t0))s)"; }

# start NAME CMD...: run inside the namespace in its own session, detached from our stdio,
# pid (nsenter execs, setsid does not fork here: pid = the daemon's) in pids/NAME.pid.
start() {
  local name="$1"; shift
  # 8>&-: a daemon must not inherit (and so hold forever) the lock on $STATE.lock
  setsid nsenter --net="$NS_PATH" -- "$@" </dev/null >>"$STATE/logs/$name.log" 2>&1 8>&- &
  echo $! >"$STATE/pids/$name.pid"
  log "started $name (pid $!)"
}

# wait_for WHAT CMD...: retry every 0.5 s until CMD succeeds or TIMEOUT passes; fail early
# when a started process has died.
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
  step "$what: ok"
}

# --- network namespace ------------------------------------------------------------------------
ip netns add "$NETNS"
ip -n "$NETNS" link set lo up
ip -n "$NETNS" link add berth0 type bridge        # no CONFIG_DUMMY here: a port-less bridge
ip -n "$NETNS" addr add "$NODE_IP/32" dev berth0
ip -n "$NETNS" link set berth0 up
ip -n "$NETNS" route add "$SVC_CIDR" dev berth0   # so the namespace's own processes can dial ClusterIPs
# per-namespace sysctls (kernel >= 5.3 keeps br_netfilter's per namespace); the host's are untouched
inns sysctl -qw net.ipv4.ip_forward=1
if inns test -e /proc/sys/net/bridge/bridge-nf-call-iptables; then
  inns sysctl -qw net.bridge.bridge-nf-call-iptables=1
fi
step "network namespace $NETNS"

# --- API forwarder: host 127.0.0.1:PORT -> 10.200.0.1:6443 in the namespace -------------------
setsid "$PY" "$HERE/netns-forward.py" 127.0.0.1 "$HOST_PORT_WANTED" "$NS_PATH" "$NODE_IP" "$API_PORT" \
  "$STATE/api-port" </dev/null >>"$STATE/logs/forwarder.log" 2>&1 8>&- &
echo $! >"$STATE/pids/forwarder.pid"
for _ in $(seq 1 50); do [[ -s "$STATE/api-port" ]] && break; sleep 0.1; done
[[ -s "$STATE/api-port" ]] || fail "the API forwarder did not start"
HOST_PORT="$(cat "$STATE/api-port")"
step "forwarder 127.0.0.1:$HOST_PORT -> $NETNS $NODE_IP:$API_PORT"

# --- certificates (EC P-256) --------------------------------------------------------------------
PKI="$STATE/pki"
(
  cd "$PKI"
  umask 077
  newkey() { openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null; }
  newkey ca.key
  openssl req -x509 -new -key ca.key -subj "/CN=berth-node-ca" -days 365 -out ca.crt \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
  sign() { # NAME SUBJECT EXTENSIONS
    newkey "$1.key"
    openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 365 \
      -out "$1.crt" -extfile <(printf '%s\n' "$3") 2>/dev/null
    rm -f "$1.csr"
  }
  server='keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth'
  client='keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth'
  sign apiserver "/CN=kube-apiserver" "$server
subjectAltName=IP:127.0.0.1,IP:$NODE_IP,IP:$API_SVC_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  sign kubelet-serving "/CN=$NODE_NAME" "$server
subjectAltName=IP:$NODE_IP,DNS:$NODE_NAME"
  sign admin "/O=system:masters/CN=berth-node-admin" "$client"
  sign controller-manager "/CN=system:kube-controller-manager" "$client"
  sign scheduler "/CN=system:kube-scheduler" "$client"
  sign kubelet "/O=system:nodes/CN=system:node:$NODE_NAME" "$client"
  sign kube-proxy "/CN=system:kube-proxy" "$client"
  sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
  newkey sa.key
  openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
)

# kubeconfig FILE CERT SERVER: cluster, user and context all named berth-node
kubeconfig() {
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: berth-node
  cluster:
    server: $3
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: berth-node
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$2.crt")
    client-key-data: $(base64 -w0 "$PKI/$2.key")
contexts:
- name: berth-node
  context:
    cluster: berth-node
    user: berth-node
    namespace: default
current-context: berth-node
EOF
  chmod 600 "$1"
}
INTERNAL="https://$NODE_IP:$API_PORT"
kubeconfig "$STATE/kubeconfig" admin "https://127.0.0.1:$HOST_PORT"   # the host's, via the forwarder
kubeconfig "$STATE/admin-internal.kubeconfig" admin "$INTERNAL"        # for use inside the namespace
for n in controller-manager scheduler kubelet kube-proxy; do kubeconfig "$STATE/$n.kubeconfig" "$n" "$INTERNAL"; done
step "pki"

# --- containerd (private socket; dockerd would adopt one on /run/containerd) ---------------------
C="$STATE/containerd"
cat >"$C/config.toml" <<EOF
version = 2
root = "$C/root"
state = "$C/state"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.internal.v1.tracing", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$C/debug.sock"
  level = "info"
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$C/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "registry.k8s.io/pause:$PAUSE_VERSION"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  disable_apparmor = true
  # root here lacks CAP_SYS_RESOURCE: oom_score_adj cannot go below 0, and runc would fail the
  # sandbox (-998) with "can't get final child's PID from pipe: EOF". Clamp to containerd's own.
  restrict_oom_score_adj = true
  # pods' network namespaces under the state dir, not /var/run/netns (so not in `ip netns`)
  netns_mounts_under_state_dir = true
  # like containerd 2.x: non-root containers may bind ports < 1024 (sysctl inside each pod)
  enable_unprivileged_ports = true
  enable_unprivileged_icmp = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$C/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$STATE/cni/net.d"
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$C/certs.d"
EOF
cat >"$STATE/cni/net.d/10-berth-node.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "berth-node",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "berth-cni0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$STATE/cni/ipam",
        "ranges": [[{"subnet": "$NODE_POD_CIDR", "gateway": "$NODE_POD_GW"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
start containerd containerd --config "$C/config.toml"
wait_for containerd ctr --address "$SOCK" version
for img in "pause-$PAUSE_VERSION" "coredns-$COREDNS_VERSION"; do
  ctr --address "$SOCK" -n k8s.io images import "$NODE_OUT/images/$img.tar" >/dev/null \
    || fail "ctr images import $img.tar"
done
step "images imported"

# --- etcd, kube-apiserver, controller-manager, scheduler --------------------------------------------
start etcd "$KBIN/etcd" \
  --name=berth-node --data-dir="$STATE/etcd" \
  --listen-client-urls=http://127.0.0.1:2379 --advertise-client-urls=http://127.0.0.1:2379 \
  --listen-peer-urls=http://127.0.0.1:2380 --initial-advertise-peer-urls=http://127.0.0.1:2380 \
  --initial-cluster=berth-node=http://127.0.0.1:2380 \
  --listen-metrics-urls="" --unsafe-no-fsync=true --log-level=warn
wait_for etcd inns curl -sf http://127.0.0.1:2379/health

# lease endpoint reconciler (the default): pods reach the API through the kubernetes Service
start kube-apiserver "$KBIN/kube-apiserver" \
  --etcd-servers=http://127.0.0.1:2379 \
  --bind-address="$NODE_IP" --advertise-address="$NODE_IP" --secure-port="$API_PORT" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --kubelet-client-certificate="$PKI/apiserver-kubelet-client.crt" --kubelet-client-key="$PKI/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP \
  --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range="$SVC_CIDR" --service-node-port-range=30000-32767 \
  --allow-privileged=true --profiling=false --cert-dir="$PKI"
wait_for "kube-apiserver /readyz (through the forwarder)" kc get --raw /readyz

start kube-controller-manager "$KBIN/kube-controller-manager" \
  --kubeconfig="$STATE/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$STATE/controller-manager.kubeconfig" \
  --authorization-kubeconfig="$STATE/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --service-cluster-ip-range="$SVC_CIDR" --cluster-cidr="$POD_CIDR" \
  --allocate-node-cidrs=true --node-cidr-mask-size=24 \
  --cluster-name=berth-node --profiling=false
start kube-scheduler "$KBIN/kube-scheduler" \
  --kubeconfig="$STATE/scheduler.kubeconfig" \
  --authentication-kubeconfig="$STATE/scheduler.kubeconfig" \
  --authorization-kubeconfig="$STATE/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --secure-port=0 --leader-elect=false --profiling=false

# --- kubelet ----------------------------------------------------------------------------------------
printf 'nameserver 127.0.0.1\n' >"$STATE/resolv.conf"   # dnsPolicy=Default pods: nothing upstream
cat >"$STATE/kubelet-config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false              # 1.35+ refuses cgroup v1 otherwise (config file only, no flag)
cgroupDriver: cgroupfs           # containerd 1.6 has no RuntimeConfig RPC: kubelet falls back to this
containerRuntimeEndpoint: unix://$SOCK
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: $PKI/kubelet-serving.crt
tlsPrivateKeyFile: $PKI/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: Webhook}
clusterDomain: cluster.local
clusterDNS: [$DNS_IP]
resolvConf: $STATE/resolv.conf
podLogsDir: $STATE/pod-logs
volumePluginDir: $STATE/kubelet/volume-plugins
failSwapOn: false
maxPods: 50
imageGCHighThresholdPercent: 100   # never GC the imported images (there is no registry to pull back from)
imageGCLowThresholdPercent: 99
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
serializeImagePulls: false
rotateCertificates: false
serverTLSBootstrap: false
EOF

# The kubelet's private mount namespace. Its root dir is a shared bind mount, so the volumes it
# mounts there (projected tokens, tmpfs) propagate to the host's namespace, where containerd/runc
# bind them into containers.
mount --bind "$STATE/kubelet" "$STATE/kubelet"
mount --make-shared "$STATE/kubelet"
mkdir -p /var/lib/kubelet   # mount point only (empty in the host; node-down.sh removes it if it made it)
declare -A TUNABLES=(  # what pkg/kubelet/cm setupKernelTunables would write
  [vm/overcommit_memory]=1 [vm/panic_on_oom]=0 [kernel/panic]=10 [kernel/panic_on_oops]=1
  [kernel/keys/root_maxkeys]=1000000 [kernel/keys/root_maxbytes]=25000000)
{
  echo 'set -euo pipefail'
  echo 'mount --make-private /proc'
  for k in "${!TUNABLES[@]}"; do
    [[ "$(cat "/proc/sys/$k")" == "${TUNABLES[$k]}" ]] && continue
    f="$STATE/kubelet-ns/sysctl/${k//\//.}"
    echo "${TUNABLES[$k]}" >"$f"
    echo "mount --bind '$f' '/proc/sys/$k'; mount -o remount,bind,ro '/proc/sys/$k'"
  done
  echo "mount --make-private \"\$(findmnt -n -o TARGET --target /var/log)\""
  echo "mount --bind '$STATE/kubelet-ns/varlog' /var/log"
  # the device-plugin socket dir is hard-coded (/var/lib/kubelet/device-plugins), whatever --root-dir says
  echo "mount --make-private \"\$(findmnt -n -o TARGET --target /var/lib/kubelet)\""
  echo "mount --bind '$STATE/kubelet-ns/varlibkubelet' /var/lib/kubelet"
  echo 'exec "$@"'
} >"$STATE/kubelet-ns/enter.sh"
start kubelet unshare --mount --propagation unchanged -- bash "$STATE/kubelet-ns/enter.sh" \
  "$NBIN/kubelet" --config="$STATE/kubelet-config.yaml" --kubeconfig="$STATE/kubelet.kubeconfig" \
  --root-dir="$STATE/kubelet" --cert-dir="$STATE/kubelet/pki" \
  --node-ip="$NODE_IP" --hostname-override="$NODE_NAME" --v=2

# --- kube-proxy (iptables mode, in the namespace) ------------------------------------------------------
cat >"$STATE/kube-proxy-config.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection: {kubeconfig: $STATE/kube-proxy.kubeconfig}
hostnameOverride: $NODE_NAME
bindAddress: $NODE_IP
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
clusterCIDR: $POD_CIDR
nodePortAddresses: ["$NODE_IP/32"]
conntrack: {maxPerCore: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s}   # 0 = leave conntrack sysctls alone
EOF
start kube-proxy "$NBIN/kube-proxy" --config="$STATE/kube-proxy-config.yaml" --v=2

wait_for "node $NODE_NAME registered" kc get node "$NODE_NAME"
wait_for "node $NODE_NAME Ready" kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=5s
wait_for "service account default/default" kc get serviceaccount default -n default

# --- CoreDNS (Deployment + Service kube-dns; no `forward`: nothing leaves the namespace) ------------
kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns"}
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:53 {
        errors
        health {
            lameduck 2s
        }
        ready
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
            fallthrough in-addr.arpa ip6.arpa
            ttl 30
        }
        cache 30
        reload
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      priorityClassName: system-cluster-critical
      tolerations: [{key: CriticalAddonsOnly, operator: Exists}]
      securityContext: {runAsUser: 65532, runAsGroup: 65532, runAsNonRoot: true}
      containers:
      - name: coredns
        image: berth.local/coredns:$COREDNS_VERSION
        imagePullPolicy: Never
        args: ["-conf", "/etc/coredns/Corefile"]
        volumeMounts: [{name: config, mountPath: /etc/coredns, readOnly: true}]
        ports:
        - {containerPort: 53, name: dns, protocol: UDP}
        - {containerPort: 53, name: dns-tcp, protocol: TCP}
        resources: {requests: {cpu: 50m, memory: 50Mi}, limits: {memory: 170Mi}}
        securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}
        readinessProbe: {httpGet: {path: /ready, port: 8181}, periodSeconds: 2}
        livenessProbe: {httpGet: {path: /health, port: 8080}, initialDelaySeconds: 10}
      volumes:
      - name: config
        configMap: {name: coredns, items: [{key: Corefile, path: Corefile}]}
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: $DNS_IP
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
EOF
wait_for "coredns rollout" kc -n kube-system rollout status deploy/coredns --timeout=5s
dns_ok() {
  inns busybox nslookup kubernetes.default.svc.cluster.local "$DNS_IP" 2>/dev/null | grep -q "Address:.*$API_SVC_IP\$"
}
wait_for "DNS kubernetes.default.svc.cluster.local -> $API_SVC_IP (via $DNS_IP)" dns_ok

# --- storage: a default StorageClass named `standard`, as Minikube has, with pre-made hostPath
# volumes (mode 0777, like those Minikube's storage-provisioner makes: a database running as
# its own uid can write there). Nothing provisions on demand: a test that frees a volume
# gives it back (clears the folder, drops the claimRef), see agent/cli/tests/suite/node.rs.
PV_COUNT=8
{
  cat <<EOF
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: standard, annotations: {storageclass.kubernetes.io/is-default-class: "true"}}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: Immediate
reclaimPolicy: Retain
EOF
  for i in $(seq 1 "$PV_COUNT"); do
    mkdir -p "$STATE/pv/$i" && chmod 0777 "$STATE/pv/$i"
    cat <<EOF
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: berth-node-pv-$i, labels: {berth.dev/node-volume: "true"}}
spec:
  capacity: {storage: 10Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  storageClassName: standard
  hostPath: {path: $STATE/pv/$i, type: Directory}
EOF
  done
} | kc apply -f - >/dev/null
step "storage: StorageClass standard (default), $PV_COUNT hostPath volumes in $STATE/pv"

emit_env >"$STATE/env"
up_ok=1
log "node $NODE_NAME up in $((SECONDS - t0))s: API https://127.0.0.1:$HOST_PORT (context berth-node), netns $NETNS"
cat "$STATE/env"
