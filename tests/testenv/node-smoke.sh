#!/usr/bin/env bash
# node-smoke.sh - check that the real node of node-up.sh runs real workloads.
#
# Brings the node up (node-up.sh: reused when it already answers), then:
#   1. builds a tiny image with no registry and no Docker: busybox-static + an index.html
#      holding a fresh token, written as a docker-archive by mkimage.py;
#   2. loads it exactly as berth will: `sh -c "$BERTH_IMAGE_LOAD" < image.tar`
#      (and, only when a Docker daemon already answers, also an image made by
#      `docker build` FROM scratch and piped through `docker save`);
#   3. runs a Deployment (busybox httpd on :8080 as uid 10001, readiness probe) and a
#      Service, in the namespace berth-node-smoke;
#   4. runs a second pod (also non-root) that resolves the Service's DNS name and fetches
#      the page through it; checks the token; checks that names outside the cluster do
#      not resolve; checks `kubectl exec` and `kubectl logs`.
# Prints one PASS/FAIL (or SKIP) line per check on stdout; exit 0 only when all passed.
# Deletes its namespace at the end (BERTH_NODE_SMOKE_KEEP=1 keeps it); the node stays up.
# Progress goes to stderr.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${BERTH_TESTENV:-$HOME/.cache/berth-testenv}"
NS=berth-node-smoke
IMG=berth.local/node-smoke:v1
TIMEOUT="${BERTH_NODE_TIMEOUT:-120}"

log() { printf '[node-smoke] %s\n' "$*" >&2; }
failures=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
check() { # NAME CMD...
  local name="$1"; shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}

env="$("$HERE/node-up.sh")"
eval "$env"
export KUBECACHEDIR="${BERTH_NODE_STATE:-$HOME/.cache/berth-testenv/node-run}.kube-cache"
KUBECTL_BIN="$("$HERE/tools.sh" --print-path kubectl)/kubectl"
kc() { "$KUBECTL_BIN" "$@"; }
[[ "$(kc config current-context)" == berth-node ]] && pass "kubeconfig context is berth-node" || fail "kubeconfig context is berth-node"

WORK="$(mktemp -d "$ROOT/.node-smoke.XXXXXX")"
cleanup() {
  rm -rf "$WORK"
  if [[ -z "${BERTH_NODE_SMOKE_KEEP:-}" ]]; then
    kc delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT
kc delete namespace "$NS" --ignore-not-found --wait=true --timeout=60s >/dev/null

# --- 1. image (docker-archive, no registry) -------------------------------------------------
TOKEN="smoke-$(date +%s)-$RANDOM"
R="$WORK/rootfs"
mkdir -p "$R/bin" "$R/etc" "$R/tmp" "$R/www"
chmod 1777 "$R/tmp"
cp "$(command -v busybox)" "$R/bin/busybox"
for a in $("$R/bin/busybox" --list); do [[ $a == busybox ]] || ln -s busybox "$R/bin/$a"; done
printf 'root:x:0:0:root:/:/bin/sh\napp:x:10001:10001:app:/tmp:/bin/sh\n' >"$R/etc/passwd"
printf 'root:x:0:\napp:x:10001:\n' >"$R/etc/group"
printf '%s\n' "$TOKEN" >"$R/www/index.html"
python3 "$HERE/mkimage.py" "$IMG" "$R" "$WORK/image.tar" --cmd '["sh"]'
log "image $IMG: $(du -h "$WORK/image.tar" | cut -f1), token $TOKEN"

# --- 2. load it the way berth does ---------------------------------------------------------------
if sh -c "$BERTH_IMAGE_LOAD" <"$WORK/image.tar" >&2 \
   && grep -qx "$IMG" <<<"$(ctr --address "$BERTH_NODE_CONTAINERD" -n k8s.io images ls -q)"; then
  pass "image loaded through BERTH_IMAGE_LOAD (stdin)"
else
  fail "image loaded through BERTH_IMAGE_LOAD (stdin)"
fi
DOCKER_IMG=""
if command -v docker >/dev/null && timeout 5 docker info >/dev/null 2>&1; then
  mkdir -p "$WORK/ctx"
  cp -a "$R" "$WORK/ctx/rootfs"
  printf 'FROM scratch\nCOPY rootfs/ /\nUSER 10001:10001\nCMD ["httpd","-f","-p","8080","-h","/www"]\n' >"$WORK/ctx/Dockerfile"
  if docker build -q -t berth.local/node-smoke-docker:v1 "$WORK/ctx" >&2 \
     && docker save berth.local/node-smoke-docker:v1 | sh -c "$BERTH_IMAGE_LOAD" >&2; then
    pass "docker build FROM scratch | docker save | BERTH_IMAGE_LOAD"
    DOCKER_IMG=berth.local/node-smoke-docker:v1
  else
    fail "docker build FROM scratch | docker save | BERTH_IMAGE_LOAD"
  fi
  docker rmi berth.local/node-smoke-docker:v1 >/dev/null 2>&1 || true
else
  echo "SKIP: docker save | BERTH_IMAGE_LOAD (no Docker daemon answers; not starting one)"
fi

# --- 3. Deployment + Service -----------------------------------------------------------------------
kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Namespace
metadata: {name: $NS}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: $NS}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      securityContext: {runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true}
      containers:
      - name: httpd
        image: $IMG
        imagePullPolicy: Never
        command: ["httpd", "-f", "-v", "-p", "8080", "-h", "/www"]
        ports: [{containerPort: 8080, name: http}]
        readinessProbe: {httpGet: {path: /index.html, port: 8080}, periodSeconds: 1}
        securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: $NS}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
EOF
if kc -n "$NS" rollout status deploy/web --timeout="${TIMEOUT}s" >&2; then
  pass "Deployment web rolled out (real pod Ready)"
else
  fail "Deployment web rolled out (real pod Ready)"
  kc -n "$NS" get pods -o wide >&2 || true
  kc -n "$NS" describe pods >&2 || true
fi
POD="$(kc -n "$NS" get pods -l app=web -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)"
PODIP="$(kc -n "$NS" get pods -l app=web -o jsonpath='{.items[0].status.podIP}' 2>/dev/null || true)"
[[ $PODIP == 10.244.0.* ]] && pass "pod IP $PODIP from the node's pod CIDR" || fail "pod IP '$PODIP' from the node's pod CIDR"
uid="$(kc -n "$NS" exec "$POD" -- id -u 2>/dev/null || true)"
[[ $uid == 10001 ]] && pass "kubectl exec: httpd runs as uid 10001" || fail "kubectl exec: httpd runs as uid '$uid' (want 10001)"

# --- 4. a second pod fetches it by the Service's DNS name ------------------------------------------------
kc apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: $NS}
spec:
  restartPolicy: Never
  securityContext: {runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true}
  containers:
  - name: client
    image: $IMG
    imagePullPolicy: Never
    command:
    - sh
    - -c
    - |
      # busybox-static 1.35 wget segfaults: speak HTTP with nc
      for i in \$(seq 1 20); do
        body=\$(printf 'GET /index.html HTTP/1.0\r\nHost: web\r\n\r\n' | nc -w 3 web.$NS.svc.cluster.local 80 | tail -n 1)
        [ -n "\$body" ] && break
        sleep 1
      done
      echo "resolv: \$(grep nameserver /etc/resolv.conf)"
      nslookup web.$NS.svc.cluster.local | grep -A2 '^Name:' | tr '\n' ' '; echo
      echo "body: \$body"
      if nslookup example.com >/dev/null 2>&1; then echo "outside: resolved"; else echo "outside: not resolved"; fi
      [ -n "\$body" ]
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
EOF
phase=""
for _ in $(seq 1 "$TIMEOUT"); do
  phase="$(kc -n "$NS" get pod client -o jsonpath='{.status.phase}' 2>/dev/null || true)"
  [[ $phase == Succeeded || $phase == Failed ]] && break
  sleep 1
done
out="$(kc -n "$NS" logs client 2>/dev/null || true)"
printf '%s\n' "$out" | sed 's/^/[node-smoke] client: /' >&2
[[ $phase == Succeeded ]] && pass "client pod Succeeded" || fail "client pod phase '$phase'"
SVCIP="$(kc -n "$NS" get svc web -o jsonpath='{.spec.clusterIP}')"
grep -q "nameserver 10.96.0.10" <<<"$out" && pass "client uses cluster DNS 10.96.0.10" || fail "client uses cluster DNS 10.96.0.10"
grep -q "Address.*$SVCIP" <<<"$out" && pass "web.$NS.svc.cluster.local resolves to the ClusterIP $SVCIP" \
  || fail "web.$NS.svc.cluster.local resolves to the ClusterIP $SVCIP"
grep -qx "body: $TOKEN" <<<"$out" && pass "client fetched the page by Service DNS name (token matches)" \
  || fail "client fetched the page by Service DNS name (token matches)"
grep -qx "outside: not resolved" <<<"$out" && pass "names outside the cluster do not resolve (nothing leaves)" \
  || fail "names outside the cluster do not resolve (nothing leaves)"
CLIENTIP="$(kc -n "$NS" get pod client -o jsonpath='{.status.podIP}' 2>/dev/null || true)"
weblog="$(kc -n "$NS" logs deploy/web 2>/dev/null || true)"   # (no `| grep -q` under pipefail: SIGPIPE)
grep -q "$CLIENTIP\]:[0-9]*: response:200" <<<"$weblog" \
  && pass "kubectl logs: httpd served the client pod ($CLIENTIP, source IP kept)" \
  || fail "kubectl logs: httpd served the client pod ($CLIENTIP)"

# --- the docker-built image (when there was a Docker daemon) runs too ------------------------------------
if [[ -n $DOCKER_IMG ]]; then
  kc -n "$NS" run docker-img --image="$DOCKER_IMG" --image-pull-policy=Never --restart=Never \
    --command -- sh -c 'id -u; cat /www/index.html' >/dev/null
  for _ in $(seq 1 60); do
    p="$(kc -n "$NS" get pod docker-img -o jsonpath='{.status.phase}' 2>/dev/null || true)"
    [[ $p == Succeeded || $p == Failed ]] && break; sleep 1
  done
  d="$(kc -n "$NS" logs docker-img 2>/dev/null | tr '\n' ' ')"
  [[ $d == "10001 $TOKEN " ]] && pass "docker-saved image runs as a pod (USER 10001)" || fail "docker-saved image runs as a pod: '$d'"
fi

# --- the host namespace saw none of it ------------------------------------------------------------------
if ip -o link show | grep -q 'berth'; then fail "no node interfaces in the host namespace"; else pass "no node interfaces in the host namespace"; fi
if ip route show | grep -qE '10\.(96|244|200)\.'; then fail "no cluster routes in the host namespace"; else pass "no cluster routes in the host namespace"; fi

if [[ $failures == 0 ]]; then
  echo "PASS: node-smoke (all checks)"
  exit 0
fi
echo "FAIL: node-smoke ($failures failed)"
exit 1
