//! What the cluster runs now for the approved workloads, for `berth diagnose`: the workloads
//! and a context in; each approved workload's rollout as the API server reports it, with
//! the diagnosis of any that is not ready, out. Read-only: nothing is applied or deleted.

use super::cluster::{self, Cluster, Failure};
use super::diagnose;
use super::objects::ObjectRef;
use super::wait::{RolloutResult, selector_text, waits_for};
use super::{ApplyError, Options, context, rollout, run::runtime};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use kube::Api;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Inspected {
    pub context: String,
    /// Every approved workload the cluster has, ready or not.
    pub rollouts: Vec<RolloutResult>,
    /// Approved workloads the cluster does not have (never applied, or rolled back).
    pub absent: Vec<ObjectRef>,
}

/// Looks at these workloads (the approved ones) in the cluster of `opts.context` (guarded
/// like apply).
pub fn inspect(objects: &[ObjectRef], opts: &Options) -> Result<Inspected, ApplyError> {
    let target = context::guard(opts.context.as_deref(), &opts.allow_contexts)?;
    let fallback_ns = opts
        .namespace
        .clone()
        .or(target.namespace.clone())
        .unwrap_or_else(|| "default".into());
    let workloads: Vec<ObjectRef> = objects
        .iter()
        .filter(|r| waits_for(&r.kind))
        .cloned()
        .map(|mut r| {
            r.namespace.get_or_insert_with(|| fallback_ns.clone());
            r
        })
        .collect();
    runtime()?.block_on(async {
        let cluster = cluster::connect(&target).await?;
        let mut out = Inspected {
            context: target.context.clone(),
            rollouts: vec![],
            absent: vec![],
        };
        for r in workloads {
            match status(&cluster, &r).await? {
                None => out.absent.push(r),
                Some((rollout, selector)) => {
                    let diagnosis = if rollout.is_ready() {
                        None
                    } else {
                        Some(diagnose::diagnose(&cluster, &r, selector.as_deref()).await)
                    };
                    out.rollouts.push(RolloutResult {
                        object: r,
                        rollout,
                        diagnosis,
                    });
                }
            }
        }
        Ok(out)
    })
}

type Status = Option<(rollout::Rollout, Option<String>)>;

/// The workload's rollout and pod selector; None when the cluster does not have it.
async fn status(cluster: &Cluster, r: &ObjectRef) -> Result<Status, ApplyError> {
    let ns = r.namespace.as_deref().unwrap_or("default");
    let client = cluster.client.clone();
    let found = match r.kind.as_str() {
        "Deployment" => get::<Deployment>(client, ns, &r.name).await.map(|o| {
            o.map(|d| {
                let sel = selector_text(d.spec.as_ref().map(|s| &s.selector));
                (rollout::deployment(&d), sel)
            })
        }),
        "StatefulSet" => get::<StatefulSet>(client, ns, &r.name).await.map(|o| {
            o.map(|s| {
                let sel = selector_text(s.spec.as_ref().map(|s| &s.selector));
                (rollout::statefulset(&s), sel)
            })
        }),
        "DaemonSet" => get::<DaemonSet>(client, ns, &r.name).await.map(|o| {
            o.map(|d| {
                let sel = selector_text(d.spec.as_ref().map(|s| &s.selector));
                (rollout::daemonset(&d), sel)
            })
        }),
        _ => get::<Job>(client, ns, &r.name).await.map(|o| {
            o.map(|j| {
                let sel = selector_text(j.spec.as_ref().and_then(|s| s.selector.as_ref()))
                    .or_else(|| Some(format!("job-name={}", r.name)));
                (rollout::job(&j), sel)
            })
        }),
    };
    found.map_err(|f| match f {
        Failure::Transport(message) => {
            cluster::unreachable(&cluster.server, "reading the workloads", message)
        }
        Failure::Api(status) => ApplyError::Rejected {
            object: r.clone(),
            message: format!("reading it failed: {}", status.message),
        },
    })
}

async fn get<K>(client: kube::Client, ns: &str, name: &str) -> Result<Option<K>, Failure>
where
    K: kube::Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + serde::de::DeserializeOwned
        + std::fmt::Debug,
{
    let api: Api<K> = Api::namespaced(client, ns);
    api.get_opt(name).await.map_err(Failure::from_kube)
}
