#!/usr/bin/env python3
"""Writes a corpus of Kubernetes objects for bench/validate.sh: N objects of mixed kinds, in
apps (folders) of files of several documents (Deployments, Services, ConfigMaps, Jobs, Ingresses,
HorizontalPodAutoscalers and StatefulSets), one object in 50 broken in a way a strict schema
catches (an unknown field, a wrong type, a missing required field). The broken objects are listed
in <out>/expected-invalid.txt as `file kind/name`, so both validators can be checked against it.

Usage: gen_corpus.py OUT_DIR [N] [PER_APP] [PER_FILE]
(PER_APP: objects per folder, default 100; PER_FILE: documents per file, default 10. One folder
of everything, as issue 13 measured it: PER_APP=N PER_FILE=100.)
"""
import os
import sys

out = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
per_file = int(sys.argv[4]) if len(sys.argv) > 4 else 10
per_app = int(sys.argv[3]) if len(sys.argv) > 3 else 100


def deployment(name, ns, broken):
    replicas = '"three"' if broken == "type" else "2"
    pull = "imagePulPolicy" if broken == "field" else "imagePullPolicy"
    cname = "" if broken == "required" else f"        - name: {name}\n"
    first = "        - " if broken == "required" else "          "
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  namespace: {ns}
  labels:
    app.kubernetes.io/name: {name}
spec:
  replicas: {replicas}
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
      securityContext:
        runAsNonRoot: true
        runAsUser: 10001
        seccompProfile:
          type: RuntimeDefault
      containers:
{cname}{first}image: registry.local/{ns}/{name}:1.0.{len(name)}
          {pull}: IfNotPresent
          ports:
            - name: http
              containerPort: 8080
          env:
            - name: LOG_LEVEL
              value: info
          resources:
            requests: {{cpu: 50m, memory: 64Mi}}
            limits: {{cpu: 500m, memory: 256Mi}}
          livenessProbe:
            httpGet: {{path: /healthz, port: http}}
          readinessProbe:
            httpGet: {{path: /readyz, port: http}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
"""


def service(name, ns, broken):
    port = '"eighty"' if broken == "type" else "80"
    extra = "  clusterIp: None\n" if broken == "field" else ""
    ports = "" if broken == "required" else f"""  ports:
    - name: http
      port: {port}
      targetPort: http
"""
    if broken == "required":
        # A Service port without `port` is the required field that goes missing.
        ports = "  ports:\n    - name: http\n      targetPort: http\n"
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {ns}
spec:
{extra}  selector:
    app.kubernetes.io/name: {name}
{ports}"""


def configmap(name, ns, broken):
    value = "3" if broken == "type" else '"3"'
    extra = "binaryDatas: {}\n" if broken == "field" else ""
    meta = f"metadata:\n  name: {name}-config\n  namespace: {ns}\n"
    # A ConfigMap has no required field a schema checks: its third fault is another wrong type.
    extra += 'immutable: "yes"\n' if broken == "required" else ""
    kind_line = "kind: ConfigMap\n"
    return f"""apiVersion: v1
{kind_line}{meta}{extra}data:
  WORKERS: {value}
  MODE: production
"""


def job(name, ns, broken):
    backoff = '"four"' if broken == "type" else "4"
    extra = "  backoffLimits: 2\n" if broken == "field" else ""
    containers = "      containers:\n        - image: busybox:1.37\n" if broken == "required" else f"      containers:\n        - name: {name}\n          image: busybox:1.37\n"
    hardening = """          resources:
            requests: {cpu: 10m, memory: 16Mi}
            limits: {cpu: 100m, memory: 64Mi}
          securityContext:
            allowPrivilegeEscalation: false
            runAsNonRoot: true
            runAsUser: 65534
"""
    return f"""apiVersion: batch/v1
kind: Job
metadata:
  name: {name}-migrate
  namespace: {ns}
spec:
  backoffLimit: {backoff}
{extra}  template:
    spec:
      restartPolicy: Never
{containers}          command: ["sh", "-c", "echo migrate"]
{hardening}"""


def ingress(name, ns, broken):
    number = '"eighty"' if broken == "type" else "80"
    extra = "  ingressClassNames: nginx\n" if broken == "field" else ""
    backend = f"""              service:
                name: {name}
                port:
                  number: {number}
"""
    path_type = "" if broken == "required" else "            pathType: Prefix\n"
    return f"""apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {name}
  namespace: {ns}
spec:
{extra}  rules:
    - host: {name}.{ns}.local
      http:
        paths:
          - path: /
{path_type}            backend:
{backend}"""


def hpa(name, ns, broken):
    top = '"ten"' if broken == "type" else "10"
    extra = "  minReplica: 1\n" if broken == "field" else "  minReplicas: 2\n"
    target = "" if broken == "required" else f"    name: {name}-db\n"
    return f"""apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {name}
  namespace: {ns}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: StatefulSet
{target}{extra}  maxReplicas: {top}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target: {{type: Utilization, averageUtilization: 70}}
"""


def statefulset(name, ns, broken):
    replicas = '"one"' if broken == "type" else "1"
    extra = "  serviceNames: x\n" if broken == "field" else ""
    selector = "" if broken == "required" else f"""  selector:
    matchLabels:
      app.kubernetes.io/name: {name}-db
"""
    return f"""apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {name}-db
  namespace: {ns}
spec:
  replicas: {replicas}
{extra}{selector}  serviceName: {name}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: {name}-db
    spec:
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 999
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: db
          image: registry.local/{ns}/postgres:16.4
          ports:
            - name: pg
              containerPort: 5432
          resources:
            requests: {{cpu: 50m, memory: 128Mi}}
            limits: {{cpu: 500m, memory: 512Mi}}
          livenessProbe:
            tcpSocket: {{port: pg}}
          readinessProbe:
            tcpSocket: {{port: pg}}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
          volumeMounts:
            - name: data
              mountPath: /var/lib/postgresql/data
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests:
            storage: 1Gi
"""


def name_of(kind, name):
    return {"Deployment": name, "Service": name, "ConfigMap": f"{name}-config", "Job": f"{name}-migrate",
            "Ingress": name, "HorizontalPodAutoscaler": name, "StatefulSet": f"{name}-db"}[kind]


kinds = [("Deployment", deployment), ("Service", service), ("ConfigMap", configmap), ("Job", job),
         ("Ingress", ingress), ("HorizontalPodAutoscaler", hpa), ("StatefulSet", statefulset)]
faults = ["field", "type", "required"]
expected = []
written = 0
file_no = 0
while written < total:
    app = written // per_app
    ns = f"app-{app:03d}"
    folder = os.path.join(out, ns)
    os.makedirs(folder, exist_ok=True)
    docs = []
    path = os.path.join(folder, f"objects-{file_no:05d}.yaml")
    for _ in range(per_file):
        if written >= total:
            break
        kind, make = kinds[written % len(kinds)]
        name = f"svc-{written // len(kinds):05d}"
        broken = faults[(written // 50) % 3] if written % 50 == 37 else None
        docs.append(make(name, ns, broken))
        if broken:
            expected.append(f"{os.path.relpath(path, out)} {kind}/{name_of(kind, name)}")
        written += 1
    with open(path, "w") as f:
        f.write("---\n".join(docs))
    file_no += 1
with open(os.path.join(out, "expected-invalid.txt"), "w") as f:
    f.write("\n".join(sorted(expected)) + "\n")
print(f"{written} objects in {file_no} files, {len(expected)} invalid", file=sys.stderr)
