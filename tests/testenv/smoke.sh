#!/usr/bin/env bash
# smoke.sh - end-to-end check of the test environment (and an example of its use).
#
#   1. tools.sh      installs kubectl, helm, hadolint, strict schemas, kubeconform
#   2. k8s-build.sh  builds etcd, kube-apiserver, -controller-manager, -scheduler, kwok
#   3. k8s-up.sh     starts them; the EXIT trap runs k8s-down.sh whatever happens
#   4. checks with the real tools: a 2-replica Deployment rolls out (kwok makes the
#      pods Ready), server-side apply, server dry-run rejects an unknown field,
#      kubeconform accepts/rejects with the strict schemas, hadolint lints, helm
#      installs a chart with --wait.
# Prints each step's wall time on stderr and ends with "N passed, N failed".
# Usage: tests/testenv/smoke.sh   (honours BERTH_TESTENV and BERTH_K8S_STATE)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d)"
passed=0 failed=0

step() { printf '[smoke] %s\n' "$*" >&2; }
check() { # check NAME CMD...: run CMD, count the result
  local name="$1"; shift
  if "$@" >"$WORK/out" 2>&1; then
    passed=$((passed + 1)); step "PASS $name"
  else
    failed=$((failed + 1)); step "FAIL $name"; sed 's/^/    /' "$WORK/out" >&2
  fi
}
fails() { ! "$@"; }   # expect a command to fail
cleanup() { "$HERE/k8s-down.sh" 2>/dev/null || true; rm -rf "$WORK"; }

# (assign first, then eval: `eval "$(cmd)"` alone would hide cmd's failure)
t=$SECONDS; env_tools="$("$HERE/tools.sh")"; eval "$env_tools"; step "tools.sh: $((SECONDS - t))s"
t=$SECONDS; "$HERE/k8s-build.sh" >/dev/null; step "k8s-build.sh: $((SECONDS - t))s"
trap cleanup EXIT
t=$SECONDS; env_k8s="$("$HERE/k8s-up.sh")"; eval "$env_k8s"; step "k8s-up.sh: $((SECONDS - t))s"

cat >"$WORK/deploy.yaml" <<'EOF'
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, ports: [{containerPort: 80}]}]
EOF
sed 's/replicas: 2/replicas: 2\n  replicaz: 3/' "$WORK/deploy.yaml" >"$WORK/bad.yaml"
sed 's/name: web}/name: ssa}/' "$WORK/deploy.yaml" >"$WORK/ssa.yaml"
printf 'FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 && rm -rf /var/lib/apt/lists/*\nUSER 1000\n' >"$WORK/Dockerfile"

check "context is minikube"         bash -c '[[ "$(kubectl config current-context)" == minikube ]]'
check "server version is v1.36"     bash -c 'kubectl version -o json | grep -q "\"gitVersion\": \"v1.36"'
check "kubectl apply"               kubectl apply -f "$WORK/deploy.yaml"
check "rollout status (2 replicas)" kubectl rollout status deployment/web --timeout=120s
check "apply --server-side"         kubectl apply --server-side --field-manager=berth -f "$WORK/ssa.yaml"
check "rollout status (ssa)"        kubectl rollout status deployment/ssa --timeout=120s
check "server dry-run rejects typo" fails kubectl apply --dry-run=server -f "$WORK/bad.yaml"
check "kubeconform accepts"         kubeconform -strict -schema-location "$BERTH_KUBECONFORM_SCHEMA_LOCATION" "$WORK/deploy.yaml"
check "kubeconform rejects typo"    fails kubeconform -strict -schema-location "$BERTH_KUBECONFORM_SCHEMA_LOCATION" "$WORK/bad.yaml"
check "hadolint"                    hadolint "$WORK/Dockerfile"
check "helm install --wait"         bash -c "helm create '$WORK/chart' && helm install demo '$WORK/chart' --wait --timeout 120s"

echo "testenv smoke: $passed passed, $failed failed"
[[ $failed == 0 ]]
