//! What the cluster runs now for an app: the context and app in; the objects carrying the app's
//! inventory label, with each workload's ready and desired replicas, out. Read-only.

use super::cluster::{self, Failure};
use super::objects::ObjectRef;
use super::{ApplyError, Options, context, run::runtime, ssa, state};
use kube::api::{Api, DynamicObject};
use serde::Serialize;
use serde_json::Value;
use std::path::Path;

#[derive(Debug, Clone, Serialize)]
pub struct Running {
    pub context: String,
    /// When berth last applied a set that rolled out, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_applied: Option<String>,
    pub objects: Vec<LiveObject>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LiveObject {
    pub object: ObjectRef,
    /// For workloads: ready replicas over desired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<(i64, i64)>,
}

/// The app's objects in the cluster of `opts.context` (guarded like apply).
pub fn running(root: &Path, opts: &Options, app: &str) -> Result<Running, ApplyError> {
    let target = context::guard(opts.context.as_deref(), &opts.allow_contexts)?;
    let st = state::load(root, &target.context, app)?;
    runtime()?.block_on(async {
        let cluster = cluster::connect(&target).await?;
        let found = ssa::inventory(&cluster, &st.kinds, app).await?;
        let mut objects = Vec::new();
        for r in found.into_keys() {
            let ready = match r.kind.as_str() {
                "Deployment" | "StatefulSet" => replicas(&cluster, &r).await,
                _ => None,
            };
            objects.push(LiveObject { object: r, ready });
        }
        Ok(Running {
            context: target.context.clone(),
            last_applied: st.last_good.map(|s| s.applied_at),
            objects,
        })
    })
}

async fn replicas(cluster: &cluster::Cluster, r: &ObjectRef) -> Option<(i64, i64)> {
    let (ar, _) = cluster.resolve(&r.api_version, &r.kind)?;
    let api: Api<DynamicObject> = match &r.namespace {
        Some(ns) => Api::namespaced_with(cluster.client.clone(), ns, &ar),
        None => Api::all_with(cluster.client.clone(), &ar),
    };
    let o = api.get(&r.name).await.map_err(Failure::from_kube).ok()?;
    let v = serde_json::to_value(o).ok()?;
    let n = |p: &str| v.pointer(p).and_then(Value::as_i64);
    Some((
        n("/status/readyReplicas").unwrap_or(0),
        n("/spec/replicas").unwrap_or(1),
    ))
}
