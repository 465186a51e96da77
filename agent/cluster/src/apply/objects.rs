//! Approved manifest text in, Kubernetes objects out: each with its reference, the phase it is
//! applied in (namespaces, config, services, workloads, the rest), berth's inventory labels and
//! the images `berth build` made.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The label every object berth applies carries: the app it belongs to.
pub const INVENTORY_LABEL: &str = "berth.dev/inventory";
pub const MANAGED_BY_LABEL: &str = "app.kubernetes.io/managed-by";

/// Which object, as people write it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ObjectRef {
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn of(v: &Value) -> ObjectRef {
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
        ObjectRef {
            api_version: s("/apiVersion").unwrap_or_default(),
            kind: s("/kind").unwrap_or_default(),
            namespace: s("/metadata/namespace"),
            name: s("/metadata/name").unwrap_or_default(),
        }
    }

    pub fn group(&self) -> &str {
        match self.api_version.split_once('/') {
            Some((g, _)) => g,
            None => "",
        }
    }

    /// `kind[.group]` in lower case, as kubectl prints it.
    pub fn kind_group(&self) -> String {
        let kind = self.kind.to_lowercase();
        match self.group() {
            "" => kind,
            g => format!("{kind}.{g}"),
        }
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.kind_group(), self.name)?;
        if let Some(ns) = &self.namespace {
            write!(f, " -n {ns}")?;
        }
        Ok(())
    }
}

/// The order objects go to the cluster in: what others depend on first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Namespaces and definitions of kinds.
    Namespaces,
    /// ConfigMaps, Secrets, ServiceAccounts, RBAC, storage, policies.
    Config,
    Services,
    /// Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods.
    Workloads,
    /// Anything else (Ingresses, autoscalers, custom resources).
    Rest,
}

impl Phase {
    pub fn of(kind: &str) -> Phase {
        match kind {
            "Namespace" | "CustomResourceDefinition" | "PriorityClass" | "StorageClass" => {
                Phase::Namespaces
            }
            "ConfigMap"
            | "Secret"
            | "ServiceAccount"
            | "Role"
            | "RoleBinding"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "PersistentVolume"
            | "PersistentVolumeClaim"
            | "LimitRange"
            | "ResourceQuota"
            | "NetworkPolicy"
            | "PodDisruptionBudget" => Phase::Config,
            "Service" | "Endpoints" | "EndpointSlice" => Phase::Services,
            "Deployment"
            | "StatefulSet"
            | "DaemonSet"
            | "ReplicaSet"
            | "Job"
            | "CronJob"
            | "Pod"
            | "ReplicationController" => Phase::Workloads,
            _ => Phase::Rest,
        }
    }

    pub fn all() -> [Phase; 5] {
        [
            Phase::Namespaces,
            Phase::Config,
            Phase::Services,
            Phase::Workloads,
            Phase::Rest,
        ]
    }
}

/// One object to apply, and the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    pub path: String,
    pub value: Value,
}

impl Object {
    pub fn reference(&self) -> ObjectRef {
        ObjectRef::of(&self.value)
    }
}

/// Parses one approved file into objects (empty documents and `List`s handled).
pub fn parse(path: &str, text: &str) -> Result<Vec<Object>, String> {
    let (docs, err) = berth_core::validate::yaml::parse(text);
    if let Some(e) = err {
        return Err(format!("line {}: {}", e.pos.line, e.message));
    }
    let mut out = Vec::new();
    for doc in docs {
        if let Some((_, key, pos)) = doc.duplicates.first() {
            return Err(format!("line {}: key `{key}` is given twice", pos.line));
        }
        let items = match doc.value {
            Value::Null => continue,
            Value::Object(ref m) if m.get("kind").and_then(Value::as_str) == Some("List") => m
                .get("items")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default(),
            v => vec![v],
        };
        for value in items {
            let r = ObjectRef::of(&value);
            if r.api_version.is_empty() || r.kind.is_empty() || r.name.is_empty() {
                return Err(
                    "a document lacks apiVersion, kind or metadata.name: not a Kubernetes object"
                        .into(),
                );
            }
            out.push(Object {
                path: path.to_string(),
                value,
            });
        }
    }
    Ok(out)
}

/// Adds berth's inventory labels: `app.kubernetes.io/managed-by: berth` and
/// `berth.dev/inventory: <app>`, so `--prune` can find exactly what berth applied for this app.
pub fn label(value: &mut Value, app: &str) {
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    let Some(meta) = meta.as_object_mut() else {
        return;
    };
    let labels = meta
        .entry("labels")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(labels) = labels.as_object_mut() {
        labels.insert(MANAGED_BY_LABEL.into(), Value::String("berth".into()));
        labels.insert(INVENTORY_LABEL.into(), Value::String(app.into()));
    }
}

/// An image reference changed to what `berth build` made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageSet {
    pub object: ObjectRef,
    pub container: String,
    pub from: String,
    pub to: String,
}

/// The repository of an image reference (`todo-backend:0.1.0` -> `todo-backend`).
pub fn repository(image: &str) -> &str {
    let image = image.split('@').next().unwrap_or(image);
    match image.rfind(':') {
        Some(i) if !image[i..].contains('/') => &image[..i],
        _ => image,
    }
}

/// Points containers at the images `berth build` made (by repository), with
/// `imagePullPolicy: IfNotPresent`, so the cluster uses the local build.
pub fn set_images(value: &mut Value, built: &BTreeMap<String, String>) -> Vec<ImageSet> {
    let object = ObjectRef::of(value);
    let Some(ptr) = berth_core::validate::policy::pod_spec_pointer(&object.kind) else {
        return vec![];
    };
    let mut out = Vec::new();
    let Some(spec) = value.pointer_mut(ptr) else {
        return out;
    };
    for list in ["initContainers", "containers"] {
        let Some(containers) = spec.get_mut(list).and_then(Value::as_array_mut) else {
            continue;
        };
        for c in containers {
            let Some(image) = c.get("image").and_then(Value::as_str).map(str::to_string) else {
                continue;
            };
            let Some(to) = built.get(repository(&image)) else {
                continue;
            };
            if *to == image {
                continue;
            }
            let name = c.get("name").and_then(Value::as_str).unwrap_or("").into();
            c["image"] = Value::String(to.clone());
            c["imagePullPolicy"] = Value::String("IfNotPresent".into());
            out.push(ImageSet {
                object: object.clone(),
                container: name,
                from: image,
                to: to.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_documents_skipping_empty_ones_and_opening_lists() {
        let text = "# c\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secret, metadata: {name: b}}\n";
        let objs = parse("f.yaml", text).unwrap();
        let names: Vec<String> = objs.iter().map(|o| o.reference().to_string()).collect();
        assert_eq!(names, ["configmap/a", "secret/b"]);
    }

    #[test]
    fn refuses_documents_that_are_not_objects_and_duplicate_keys() {
        assert!(
            parse("f", "a: 1\n")
                .unwrap_err()
                .contains("not a Kubernetes object")
        );
        let dup = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {x: '1', x: '2'}\n";
        assert!(parse("f", dup).unwrap_err().contains("given twice"));
    }

    #[test]
    fn phases_put_namespaces_first_and_workloads_after_services() {
        let mut kinds = ["Deployment", "Service", "Namespace", "ConfigMap", "Ingress"];
        kinds.sort_by_key(|k| Phase::of(k));
        assert_eq!(
            kinds,
            ["Namespace", "ConfigMap", "Service", "Deployment", "Ingress"]
        );
    }

    #[test]
    fn labels_and_images_are_set() {
        let mut v = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "w"},
            "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "todo-backend:0.1.0"}, {"name": "d", "image": "nginx:1.27"}]}}}});
        label(&mut v, "todo");
        assert_eq!(v["metadata"]["labels"][INVENTORY_LABEL], "todo");
        let built = BTreeMap::from([("todo-backend".to_string(), "todo-backend:abc".to_string())]);
        let set = set_images(&mut v, &built);
        assert_eq!(set.len(), 1);
        assert_eq!(
            v["spec"]["template"]["spec"]["containers"][0]["image"],
            "todo-backend:abc"
        );
        assert_eq!(
            v["spec"]["template"]["spec"]["containers"][1]["image"],
            "nginx:1.27"
        );
        assert_eq!(repository("localhost:5000/a/b:1"), "localhost:5000/a/b");
        assert_eq!(repository("localhost:5000/a"), "localhost:5000/a");
    }
}
