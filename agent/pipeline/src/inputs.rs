//! The inputs behind one artifact, by name, as `berth ci` records them in berth.lock and
//! compares them later: each spec item it answers (`spec:FR-002`, by the hash of its text) and
//! each fact of the service it is for (`backend.port`, as read, with where it was read).

use berth_core::plan::{Artifact, ArtifactKind, Plan, Service};
use berth_core::record::sha256_hex;
use serde_json::Value;
use std::collections::BTreeMap;

/// One input's value, and where it was read when berth knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    pub value: String,
    pub evidence: Option<String>,
}

pub type Inputs = BTreeMap<String, Fact>;

/// The inputs of `artifact` in `plan`; `mirror`, the registry mirror Dockerfiles pull through.
pub fn of(plan: &Plan, artifact: &Artifact, mirror: Option<&str>) -> Inputs {
    let mut out = Inputs::new();
    out.insert("app".into(), fact(plan.app.clone(), None));
    if let (ArtifactKind::Dockerfile, Some(m)) = (artifact.kind, mirror) {
        out.insert("registry_mirror".into(), fact(m.to_string(), None));
    }
    for id in &artifact.sources {
        if let Some((text, at)) = spec_item(plan, id) {
            let hash = sha256_hex(text.as_bytes())[..12].to_string();
            out.insert(format!("spec:{id}"), fact(hash, at));
        }
    }
    let own = artifact.service.as_deref();
    for s in &plan.services {
        if own == Some(s.name.as_str())
            || (own.is_none() && artifact.kind != ArtifactKind::Namespace)
        {
            service_facts(s, &mut out);
        } else if own.is_some() && reaches_others(artifact.kind) {
            // A frontend's config holds the URLs of the Services it calls.
            if let Some(p) = &s.port {
                let key = format!("{}.port", s.name);
                out.insert(
                    key,
                    fact(p.number.to_string(), Some(p.evidence.source.clone())),
                );
            }
        }
    }
    out
}

/// Artifacts of one service that name the others' Services and ports.
fn reaches_others(kind: ArtifactKind) -> bool {
    matches!(
        kind,
        ArtifactKind::ConfigMap | ArtifactKind::WebServerConfig
    )
}

fn fact(value: String, evidence: Option<String>) -> Fact {
    Fact { value, evidence }
}

/// A task's, requirement's or gate's text and location.
fn spec_item(plan: &Plan, id: &str) -> Option<(String, Option<String>)> {
    let at = |l: &berth_core::source::Location| Some(l.to_string());
    if let Some(t) = plan.tasks.iter().find(|t| t.id == id) {
        return Some((t.title.clone(), t.location.as_ref().and_then(at)));
    }
    if let Some(r) = plan.requirements.iter().find(|r| r.id == id) {
        return Some((r.text.clone(), at(&r.location)));
    }
    plan.gates
        .iter()
        .find(|g| g.id == id)
        .map(|g| (g.text.clone(), at(&g.location)))
}

/// Every fact of a service, flattened to `<service>.<field>` (lists joined by commas); the
/// port carries the line it was read from.
fn service_facts(s: &Service, out: &mut Inputs) {
    let mut v = serde_json::to_value(s).unwrap_or_default();
    if let Value::Object(o) = &mut v {
        o.remove("evidence");
        o.remove("name");
        if let Some(p) = &s.port {
            o.insert("port".into(), Value::from(p.number));
            out.insert(
                format!("{}.port", s.name),
                fact(p.number.to_string(), Some(p.evidence.source.clone())),
            );
        }
    }
    flatten(&s.name, &v, out);
}

fn flatten(prefix: &str, v: &Value, out: &mut Inputs) {
    match v {
        Value::Null => {}
        Value::Object(o) => {
            for (k, v) in o {
                flatten(&format!("{prefix}.{k}"), v, out);
            }
        }
        Value::Array(a) => {
            let items: Vec<String> = a.iter().map(scalar).collect();
            out.entry(prefix.to_string())
                .or_insert_with(|| fact(items.join(","), None));
        }
        other => {
            out.entry(prefix.to_string())
                .or_insert_with(|| fact(scalar(other), None));
        }
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The values alone, as berth.lock stores them.
pub fn values(inputs: &Inputs) -> BTreeMap<String, String> {
    inputs
        .iter()
        .map(|(k, f)| (k.clone(), f.value.clone()))
        .collect()
}

/// One input that differs between the lock and now.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Changed {
    pub input: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<String>,
    /// Where the new value was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// The inputs that changed since `locked`, in name order.
pub fn changed(locked: &BTreeMap<String, String>, now: &Inputs) -> Vec<Changed> {
    let mut keys: Vec<&String> = locked.keys().chain(now.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let was = locked.get(k);
            let cur = now.get(k);
            (was != cur.map(|f| &f.value)).then(|| Changed {
                input: k.clone(),
                was: was.cloned(),
                now: cur.map(|f| f.value.clone()),
                at: cur.and_then(|f| f.evidence.clone()),
            })
        })
        .collect()
}
