#!/usr/bin/env bash
# Benchmark: applying an app of N Deployments (default 30), each with a Service and a
# ConfigMap, to the real test cluster (tests/testenv: kube-apiserver 1.36 + kwok), waiting until
# every Deployment is rolled out, with three tools, each into its own fresh namespace, one run:
#   berth apply --wait                      (approved manifests, server-side apply)
#   kubectl apply -f DIR, then kubectl rollout status for each Deployment, one after the other
#   helm upgrade --install --wait           (an equivalent chart rendering the same objects)
# Then the live diff of the same objects after a change to one ConfigMap and one Deployment,
# median of 5 runs each (hyperfine):
#   berth diff --live   vs   kubectl diff --server-side --field-manager=berth -f DIR
# Prints the times and the ratios berth/helm (target <= 0.5) and berth diff/kubectl diff
# (target <= 0.25).
# Usage: bench/apply.sh [N]    (BERTH_BIN=path skips building berth in release mode.) Starts the cluster (k8s-up.sh reuses a running one) and stops it
# at the end unless BERTH_BENCH_KEEP_CLUSTER=1.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
n=${1:-30}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/berth/target}
if [[ -n "${BERTH_BIN:-}" ]]; then
  bin=$BERTH_BIN   # a berth binary built already
else
  cargo build --release -p berth --manifest-path "$root/Cargo.toml" >&2
  bin=$CARGO_TARGET_DIR/release/berth
fi

tools=$(bash "$root/tests/testenv/tools.sh" kubectl helm); eval "$tools"
bash "$root/tests/testenv/k8s-build.sh" >/dev/null
work=$(mktemp -d)
cleanup() {
  rm -rf "$work"
  [[ -n "${BERTH_BENCH_KEEP_CLUSTER:-}" ]] || bash "$root/tests/testenv/k8s-down.sh" 2>/dev/null || true
}
trap cleanup EXIT
k8s=$(bash "$root/tests/testenv/k8s-up.sh"); eval "$k8s"
export MINIKUBE_HOME="$work/.minikube"

# The same objects three times: a berth project (files + approval record), a folder for
# kubectl, a chart for helm. Labels include berth's inventory labels, so that the objects are
# identical whoever applies them.
python3 - "$work" "$n" <<'PY'
import hashlib, json, os, sys
work, n = sys.argv[1], int(sys.argv[2])
def objects(ns, part_of):
    labels = lambda app: (
        "    app.kubernetes.io/name: %s\n    app.kubernetes.io/part-of: %s\n"
        "    app.kubernetes.io/managed-by: berth\n    berth.dev/inventory: %s\n" % (app, part_of, part_of))
    out = {"namespace.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n  labels:\n"
           "    app.kubernetes.io/part-of: %s\n    app.kubernetes.io/managed-by: berth\n"
           "    berth.dev/inventory: %s\n" % (ns, part_of, part_of)}
    for i in range(n):
        app = "svc-%02d" % i
        meta = "metadata:\n  name: %s\n  namespace: %s\n  labels:\n%s" % (app, ns, labels(app))
        out[app + ".yaml"] = (
            "apiVersion: v1\nkind: ConfigMap\n" + meta + "data:\n  GREETING: hello from %s\n" % app +
            "---\napiVersion: v1\nkind: Service\n" + meta +
            "spec:\n  selector:\n    app.kubernetes.io/name: %s\n  ports:\n  - port: 80\n    targetPort: 8080\n" % app +
            "---\napiVersion: apps/v1\nkind: Deployment\n" + meta +
            "spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: %s\n"
            "  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: %s\n"
            "    spec:\n      containers:\n      - name: app\n        image: bench-%s:1.0.0\n"
            "        envFrom:\n        - configMapRef:\n            name: %s\n"
            "        resources:\n          requests: {cpu: 10m, memory: 16Mi}\n"
            "          limits: {cpu: 100m, memory: 32Mi}\n" % (app, app, app, app))
    return out
def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, "w").write(text)
# berth: files and the approval record berth approve would have written.
record = {"files": {}}
for name, text in objects("bench-berth", "bench-berth").items():
    write(f"{work}/berth/manifests/k8s/{name}", text)
    record["files"][f"manifests/k8s/{name}"] = {
        "sha256": hashlib.sha256(text.encode()).hexdigest(), "approved_at": "2026-11-27T00:00:00Z",
        "artifact": "bench", "generator": "offline", "sources": []}
write(f"{work}/berth/.berth/approved.json", json.dumps(record, indent=2))
# kubectl: the same objects in their own namespace; and berth's, for kubectl diff.
for name, text in objects("bench-kubectl", "bench-kubectl").items():
    write(f"{work}/kubectl/{name}", text)
for name, text in objects("bench-berth", "bench-berth").items():
    write(f"{work}/kubectl-diff/{name}", text)
# helm: a chart rendering the same objects from a list of apps (helm creates the namespace).
chart = f"{work}/chart"
write(f"{chart}/Chart.yaml", "apiVersion: v2\nname: bench\nversion: 0.1.0\n")
write(f"{chart}/values.yaml", "apps:\n" + "".join("- svc-%02d\n" % i for i in range(n)))
tmpl = "".join(t for k, t in sorted(objects("{{ $.Release.Namespace }}", "bench-helm").items()) if k == "svc-00.yaml")
tmpl = tmpl.replace("svc-00", "{{ $app }}")
write(f"{chart}/templates/apps.yaml", "{{- range $app := .Values.apps }}\n---\n" + tmpl + "{{- end }}\n")
PY

now() { date +%s.%N; }
secs() { python3 -c "import sys; print('%.2f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

helm uninstall bench -n bench-helm >/dev/null 2>&1 || true
for ns in bench-berth bench-kubectl bench-helm; do
  kubectl delete namespace "$ns" --ignore-not-found --wait=true --timeout=120s >/dev/null
done
echo "== apply and wait: $n Deployments (2 replicas each), $n Services, $n ConfigMaps" >&2

# The fake node takes 110 pods: each app is removed before the next one is applied (untimed).
drop() { kubectl delete namespace "$1" --wait=true --timeout=180s >/dev/null; }

t0=$(now)
"$bin" -C "$work/berth" apply --wait --timeout 5m >"$work/berth.out"
t_berth=$(secs "$t0" "$(now)")
drop bench-berth

t0=$(now)
kubectl create namespace bench-kubectl >/dev/null
kubectl apply -f "$work/kubectl/" >/dev/null
for i in $(seq -f '%02g' 0 $((n - 1))); do
  kubectl -n bench-kubectl rollout status "deployment/svc-$i" --timeout=5m >/dev/null
done
t_kubectl=$(secs "$t0" "$(now)")
drop bench-kubectl

t0=$(now)
helm upgrade --install bench "$work/chart" -n bench-helm --create-namespace --wait --timeout 5m >/dev/null
t_helm=$(secs "$t0" "$(now)")
helm uninstall bench -n bench-helm --wait >/dev/null
drop bench-helm
# berth's app back in the cluster (untimed) for the diffs.
"$bin" -C "$work/berth" apply --wait --timeout 5m >/dev/null

# A change for the diffs: one ConfigMap value and one Deployment's replicas, in both copies.
for f in "$work/berth/manifests/k8s/svc-07.yaml" "$work/kubectl-diff/svc-07.yaml"; do
  sed -i 's/hello from svc-07/hi from svc-07/; s/replicas: 2/replicas: 3/' "$f"
done
python3 - "$work/berth" <<'PY'
import hashlib, json, sys
root = sys.argv[1]; p = f"{root}/.berth/approved.json"; rec = json.load(open(p))
f = "manifests/k8s/svc-07.yaml"
rec["files"][f]["sha256"] = hashlib.sha256(open(f"{root}/{f}", "rb").read()).hexdigest()
json.dump(rec, open(p, "w"), indent=2)
PY
echo "== live diff of the same $((3 * n + 1)) objects (one ConfigMap and one Deployment changed)" >&2
# kubectl diff exits 1 when it finds a difference: -i lets hyperfine accept that.
hyperfine --warmup 1 --runs 5 -i --export-json "$work/diff.json" \
  -n "berth diff --live" "$bin -C $work/berth diff --live" \
  -n "kubectl diff --server-side" "kubectl diff --server-side --field-manager=berth -f $work/kubectl-diff/" >&2
read -r t_bdiff t_kdiff < <(python3 -c "import json,sys; r=json.load(open(sys.argv[1]))['results']; print(' '.join('%.3f' % x['median'] for x in r))" "$work/diff.json")
# Both must see the same two changes.
"$bin" -C "$work/berth" diff --live | tail -1 >&2

ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
cat <<EOF
apply + wait, $n Deployments with Services and ConfigMaps (one run):
  berth apply --wait                       ${t_berth}s
  kubectl apply + rollout status each      ${t_kubectl}s
  helm upgrade --install --wait            ${t_helm}s
  berth / helm                             $(ratio "$t_berth" "$t_helm")  (target <= 0.50)
  berth / kubectl                          $(ratio "$t_berth" "$t_kubectl")
live diff, $((3 * n + 1)) objects (median of 5):
  berth diff --live                        ${t_bdiff}s
  kubectl diff --server-side               ${t_kdiff}s
  berth / kubectl                          $(ratio "$t_bdiff" "$t_kdiff")  (target <= 0.25)
EOF
