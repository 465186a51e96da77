//! A service in, its Kubernetes objects out: Namespace, Deployment, Service and the frontend's
//! ConfigMap, as YAML with a provenance header. Objects are built as data and serialized, so
//! quoting is always right; `objects` is also what the Helm chart must render to.

use super::header;
use super::runtime::{Probe, Runtime, backend_url};
use crate::DraftRequest;
use berth_core::plan::{Plan, Service};
use serde_json::{Value, json};

pub const MANAGED_BY: &str = "berth";

pub(super) fn yaml(req: &DraftRequest, v: &Value) -> String {
    let body = serde_saphyr::to_string(v)
        .unwrap_or_else(|e| format!("# berth could not serialize this object: {e}\n"));
    format!("{}---\n{body}", header(req, "#"))
}

/// The recommended labels; `selector` is the subset a selector uses.
pub fn labels(plan: &Plan, rt: &Runtime, selector: bool) -> Value {
    let mut l = json!({
        "app.kubernetes.io/name": rt.name,
        "app.kubernetes.io/instance": plan.app,
    });
    if !selector {
        l["app.kubernetes.io/version"] = json!(rt.image_tag);
        l["app.kubernetes.io/component"] = json!(rt.component);
        l["app.kubernetes.io/part-of"] = json!(plan.app);
        l["app.kubernetes.io/managed-by"] = json!(MANAGED_BY);
    }
    l
}

pub fn namespace(req: &DraftRequest) -> String {
    let v = json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": req.plan.app,
            "labels": {
                "app.kubernetes.io/part-of": req.plan.app,
                "app.kubernetes.io/managed-by": MANAGED_BY,
                // Pods here must meet the restricted Pod Security Standard.
                "pod-security.kubernetes.io/enforce": "restricted",
            },
        },
    });
    yaml(req, &v)
}

fn probe(p: &Probe, initial_delay: u32, period: u32) -> Value {
    let mut v = match &p.path {
        Some(path) => json!({ "httpGet": { "path": path, "port": "http" } }),
        None => json!({ "tcpSocket": { "port": "http" } }),
    };
    v["initialDelaySeconds"] = json!(initial_delay);
    v["periodSeconds"] = json!(period);
    v["timeoutSeconds"] = json!(2);
    v["failureThreshold"] = json!(3);
    v
}

pub fn deployment_object(plan: &Plan, s: &Service) -> Value {
    let rt = Runtime::of(plan, s);
    let mut container = json!({
        "name": rt.name,
        "image": rt.image(),
        "imagePullPolicy": "IfNotPresent",
        "ports": [{ "name": "http", "containerPort": rt.port, "protocol": "TCP" }],
    });
    if !rt.env.is_empty() || !rt.secret_env.is_empty() {
        let from_secrets = rt.secret_env.iter().map(|r| {
            let mut key_ref = json!({ "name": r.secret, "key": r.key });
            if r.optional {
                key_ref["optional"] = json!(true);
            }
            json!({ "name": r.name, "valueFrom": { "secretKeyRef": key_ref } })
        });
        let plain = rt.env.iter().map(|(k, v)| json!({ "name": k, "value": v }));
        container["env"] = Value::Array(from_secrets.chain(plain).collect());
    }
    if let Some(cm) = &rt.config_map {
        container["envFrom"] = json!([{ "configMapRef": { "name": cm } }]);
    }
    container["resources"] = json!({
        "requests": { "cpu": rt.resources.cpu_request, "memory": rt.resources.memory_request },
        "limits": { "cpu": rt.resources.cpu_limit, "memory": rt.resources.memory_limit },
    });
    container["livenessProbe"] = probe(&rt.liveness, 5, 10);
    container["readinessProbe"] = probe(&rt.readiness, 2, 5);
    container["securityContext"] = json!({
        "allowPrivilegeEscalation": false,
        "readOnlyRootFilesystem": true,
        "capabilities": { "drop": ["ALL"] },
    });
    container["volumeMounts"] = Value::Array(
        rt.writable
            .iter()
            .map(|p| json!({ "name": volume_name(p), "mountPath": p }))
            .collect(),
    );
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": rt.name, "namespace": rt.namespace, "labels": labels(plan, &rt, false) },
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "selector": { "matchLabels": labels(plan, &rt, true) },
            "template": {
                "metadata": { "labels": labels(plan, &rt, false) },
                "spec": {
                    "automountServiceAccountToken": false,
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": rt.uid,
                        "runAsGroup": rt.uid,
                        "seccompProfile": { "type": "RuntimeDefault" },
                    },
                    "containers": [container],
                    "volumes": Value::Array(rt.writable.iter().map(|p| json!({ "name": volume_name(p), "emptyDir": {} })).collect()),
                },
            },
        },
    })
}

/// `/etc/nginx/conf.d` -> `nginx-conf-d`, `/tmp` -> `tmp`.
pub fn volume_name(path: &str) -> String {
    path.trim_matches('/')
        .replace(['/', '.'], "-")
        .trim_start_matches("etc-")
        .to_string()
}

pub fn service_object(plan: &Plan, s: &Service) -> Value {
    let rt = Runtime::of(plan, s);
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": { "name": rt.name, "namespace": rt.namespace, "labels": labels(plan, &rt, false) },
        "spec": {
            "type": rt.service_type,
            "selector": labels(plan, &rt, true),
            "ports": [{ "name": "http", "port": rt.service_port, "targetPort": "http", "protocol": "TCP" }],
        },
    })
}

pub fn config_map_object(plan: &Plan, s: &Service) -> Value {
    let rt = Runtime::of(plan, s);
    let mut data = serde_json::Map::new();
    if let Some(url) = backend_url(plan) {
        data.insert(s.backend_url_var(), json!(url));
    }
    json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": { "name": rt.config_map.clone().unwrap_or_else(|| format!("{}-config", rt.name)), "namespace": rt.namespace, "labels": labels(plan, &rt, false) },
        "data": data,
    })
}

/// The Secret a service's credentials are read from: no data; the annotations tell `berth
/// apply` which keys to generate when the cluster has none and which a person provides.
pub fn secret_object(plan: &Plan, s: &Service) -> Value {
    let rt = Runtime::of(plan, s);
    let keys = |generate: bool| {
        s.secrets
            .iter()
            .filter(|x| x.generate == generate)
            .map(|x| x.name.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    let mut annotations = serde_json::Map::new();
    for (annotation, generate) in [
        (super::depend::GENERATE_ANNOTATION, true),
        (super::depend::PROVIDED_ANNOTATION, false),
    ] {
        let list = keys(generate);
        if !list.is_empty() {
            annotations.insert(annotation.into(), json!(list));
        }
    }
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": berth_core::plan::secret_name(&s.name),
            "namespace": rt.namespace,
            "labels": labels(plan, &rt, false),
            "annotations": annotations,
        },
        "type": "Opaque",
    })
}

pub fn secret(req: &DraftRequest, s: &Service) -> String {
    yaml(req, &secret_object(req.plan, s))
}

pub fn deployment(req: &DraftRequest, s: &Service) -> String {
    yaml(req, &deployment_object(req.plan, s))
}

pub fn service(req: &DraftRequest, s: &Service) -> String {
    yaml(req, &service_object(req.plan, s))
}

pub fn config_map(req: &DraftRequest, s: &Service) -> String {
    yaml(req, &config_map_object(req.plan, s))
}
