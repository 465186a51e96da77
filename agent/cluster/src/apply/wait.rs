//! The applied workloads and a deadline in; each one's rollout result out, learned by WATCHING
//! them (one watch per kind and namespace, on berth's inventory label), never by polling. A
//! failed or late rollout comes back with its diagnosis (see `diagnose`).

use super::cluster::{Cluster, Failure};
use super::diagnose::{self, Diagnosis};
use super::error::ApplyError;
use super::objects::{INVENTORY_LABEL, ObjectRef};
use super::rollout::{self, Rollout};
use super::{Event, Sink};
use futures_util::stream::{BoxStream, StreamExt};
use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use tokio::time::Instant;

/// Kinds berth waits for.
pub fn waits_for(kind: &str) -> bool {
    matches!(kind, "Deployment" | "StatefulSet" | "DaemonSet" | "Job")
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutResult {
    pub object: ObjectRef,
    pub rollout: Rollout,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
}

type Seen = (ObjectRef, Rollout, Option<String>);
type Item = Result<Option<Seen>, Failure>;

/// A workload's pod selector as `k=v,k2=v2` (its matchLabels).
pub(super) fn selector_text(s: Option<&LabelSelector>) -> Option<String> {
    let labels = s?.match_labels.as_ref()?;
    Some(
        labels
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(","),
    )
}

fn watch<K>(
    cluster: &Cluster,
    ns: &str,
    app: &str,
    status: fn(&K) -> Rollout,
    selector: fn(&K) -> Option<String>,
) -> BoxStream<'static, Item>
where
    K: Resource<DynamicType = (), Scope = k8s_openapi::NamespaceResourceScope>
        + Clone
        + DeserializeOwned
        + std::fmt::Debug
        + Send
        + 'static,
{
    let api: Api<K> = Api::namespaced(cluster.watch_client.clone(), ns);
    let config = watcher::Config::default().labels(&format!("{INVENTORY_LABEL}={app}"));
    watcher(api, config)
        .default_backoff()
        .map(move |ev| match ev {
            Ok(watcher::Event::Apply(k)) | Ok(watcher::Event::InitApply(k)) => {
                let r = ObjectRef {
                    api_version: K::api_version(&()).into_owned(),
                    kind: K::kind(&()).into_owned(),
                    namespace: k.namespace(),
                    name: k.name_any(),
                };
                Ok(Some((r, status(&k), selector(&k))))
            }
            Ok(_) => Ok(None),
            Err(watcher::Error::InitialListFailed(e))
            | Err(watcher::Error::WatchStartFailed(e))
            | Err(watcher::Error::WatchFailed(e)) => Err(Failure::from_kube(e)),
            Err(watcher::Error::WatchError(s)) => Err(Failure::Api(s)),
            Err(watcher::Error::NoResourceVersion) => Ok(None),
        })
        .boxed()
}

/// Watches every target until all are rolled out, one fails, or the deadline passes.
pub async fn wait(
    cluster: &Cluster,
    targets: &[ObjectRef],
    app: &str,
    deadline: Instant,
    sink: Sink<'_>,
) -> Result<Vec<RolloutResult>, ApplyError> {
    let wanted: BTreeSet<&ObjectRef> = targets.iter().collect();
    let groups: BTreeSet<(String, String)> = targets
        .iter()
        .map(|t| (t.kind.clone(), t.namespace.clone().unwrap_or_default()))
        .collect();
    let mut streams = Vec::new();
    for (kind, ns) in &groups {
        streams.push(match kind.as_str() {
            "Deployment" => watch::<Deployment>(cluster, ns, app, rollout::deployment, |d| {
                selector_text(d.spec.as_ref().map(|s| &s.selector))
            }),
            "StatefulSet" => watch::<StatefulSet>(cluster, ns, app, rollout::statefulset, |s| {
                selector_text(s.spec.as_ref().map(|s| &s.selector))
            }),
            "DaemonSet" => watch::<DaemonSet>(cluster, ns, app, rollout::daemonset, |d| {
                selector_text(d.spec.as_ref().map(|s| &s.selector))
            }),
            _ => watch::<Job>(cluster, ns, app, rollout::job, |j| {
                selector_text(j.spec.as_ref().and_then(|s| s.selector.as_ref()))
                    .or_else(|| Some(format!("job-name={}", j.name_any())))
            }),
        });
    }
    let mut merged = futures_util::stream::select_all(streams);
    let mut state: BTreeMap<ObjectRef, (Rollout, Option<String>)> = targets
        .iter()
        .map(|t| (t.clone(), (Rollout::Pending("not seen yet".into()), None)))
        .collect();
    // Transport failures in a row: the watcher retries with backoff (0.8 s, 1.6 s, 3.2 s, ...),
    // so four in a row means the server has been gone for several seconds.
    let mut failures = 0;
    let mut timed_out = false;
    loop {
        if state.values().all(|(r, _)| r.is_ready())
            || state.values().any(|(r, _)| matches!(r, Rollout::Failed(_)))
        {
            break;
        }
        match tokio::time::timeout_at(deadline, merged.next()).await {
            Err(_) => {
                timed_out = true;
                break;
            }
            Ok(None) => break,
            Ok(Some(Ok(None))) => failures = 0,
            Ok(Some(Ok(Some((r, rollout, selector))))) => {
                failures = 0;
                if !wanted.contains(&r) {
                    continue;
                }
                if let Some(entry) = state.get_mut(&r)
                    && entry.0 != rollout
                {
                    sink(&Event::Rollout {
                        object: r.clone(),
                        rollout: rollout.clone(),
                    });
                    *entry = (rollout, selector);
                }
            }
            Ok(Some(Err(Failure::Transport(message)))) => {
                failures += 1;
                if failures >= 4 {
                    return Err(super::cluster::unreachable(
                        &cluster.server,
                        "waiting for the rollout",
                        message,
                    ));
                }
            }
            Ok(Some(Err(Failure::Api(status)))) => {
                return Err(ApplyError::Rejected {
                    object: targets[0].clone(),
                    message: format!("watching the rollout failed: {}", status.message),
                });
            }
        }
    }
    let mut out = Vec::new();
    for (object, (mut rollout, selector)) in state {
        if timed_out && !rollout.is_ready() {
            rollout = Rollout::Failed(format!(
                "not rolled out before the deadline: {}",
                rollout.message()
            ));
        }
        let diagnosis = if rollout.is_ready() {
            None
        } else {
            Some(diagnose::diagnose(cluster, &object, selector.as_deref()).await)
        };
        out.push(RolloutResult {
            object,
            rollout,
            diagnosis,
        });
    }
    Ok(out)
}
