//! A workload that did not roll out in; what a person needs to see why out: its pods that are
//! not ready (phase, unready conditions, each container's state) and the recent events about
//! the workload, its ReplicaSets and those pods. Best effort: a failed lookup says so.

use super::cluster::Cluster;
use super::objects::ObjectRef;
use k8s_openapi::api::core::v1::{ContainerStatus, Event as KubeEvent, Pod};
use kube::Api;
use kube::api::ListParams;
use serde::Serialize;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Diagnosis {
    pub pods: Vec<PodState>,
    pub events: Vec<EventLine>,
    /// What could not be looked up.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PodState {
    pub name: String,
    pub phase: String,
    /// Conditions that do not hold, with their reason and message.
    pub conditions: Vec<String>,
    pub containers: Vec<ContainerLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ContainerLine {
    pub name: String,
    pub ready: bool,
    pub restarts: i32,
    /// `running`, `waiting: ImagePullBackOff (...)`, `terminated: Error (exit 1)`.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventLine {
    /// Normal or Warning.
    pub r#type: String,
    pub reason: String,
    /// `pod/web-7d9c-x2x`.
    pub object: String,
    pub message: String,
    pub count: i32,
}

const MAX_PODS: usize = 5;
const MAX_EVENTS: usize = 10;

fn container_line(c: &ContainerStatus) -> ContainerLine {
    let state = match &c.state {
        Some(s) if s.running.is_some() => "running".to_string(),
        Some(s) if s.waiting.is_some() => {
            let w = s.waiting.as_ref().map(|w| {
                let reason = w.reason.clone().unwrap_or_else(|| "waiting".into());
                match &w.message {
                    Some(m) => format!("waiting: {reason} ({m})"),
                    None => format!("waiting: {reason}"),
                }
            });
            w.unwrap_or_default()
        }
        Some(s) if s.terminated.is_some() => {
            let t = s.terminated.as_ref().map(|t| {
                format!(
                    "terminated: {} (exit {})",
                    t.reason.clone().unwrap_or_else(|| "terminated".into()),
                    t.exit_code
                )
            });
            t.unwrap_or_default()
        }
        _ => "unknown".to_string(),
    };
    ContainerLine {
        name: c.name.clone(),
        ready: c.ready,
        restarts: c.restart_count,
        state,
    }
}

pub fn pod_state(p: &Pod) -> PodState {
    let status = p.status.clone().unwrap_or_default();
    let conditions = status
        .conditions
        .iter()
        .flatten()
        .filter(|c| c.status != "True")
        .map(|c| {
            let mut s = format!("{} is {}", c.type_, c.status);
            if let Some(r) = &c.reason {
                s.push_str(&format!(": {r}"));
            }
            if let Some(m) = &c.message {
                s.push_str(&format!(" ({m})"));
            }
            s
        })
        .collect();
    PodState {
        name: p.metadata.name.clone().unwrap_or_default(),
        phase: status.phase.clone().unwrap_or_else(|| "Unknown".into()),
        conditions,
        containers: status
            .container_statuses
            .iter()
            .flatten()
            .map(container_line)
            .collect(),
    }
}

fn pod_ready(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Looks up the pods and events of a workload that did not roll out.
pub async fn diagnose(cluster: &Cluster, object: &ObjectRef, selector: Option<&str>) -> Diagnosis {
    let mut d = Diagnosis::default();
    let ns = object.namespace.clone().unwrap_or_else(|| "default".into());
    let mut names: BTreeSet<String> = BTreeSet::from([object.name.clone()]);
    if let Some(sel) = selector {
        let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &ns);
        match pods.list(&ListParams::default().labels(sel)).await {
            Ok(list) => {
                for p in list.items.iter().filter(|p| !pod_ready(p)).take(MAX_PODS) {
                    d.pods.push(pod_state(p));
                }
                for p in &list.items {
                    names.insert(p.metadata.name.clone().unwrap_or_default());
                    for o in p.metadata.owner_references.iter().flatten() {
                        names.insert(o.name.clone());
                    }
                }
            }
            Err(e) => d.notes.push(format!("could not list its pods: {e}")),
        }
    }
    let events: Api<KubeEvent> = Api::namespaced(cluster.client.clone(), &ns);
    match events.list(&ListParams::default()).await {
        Ok(list) => {
            let mut items: Vec<&KubeEvent> = list
                .items
                .iter()
                .filter(|e| {
                    e.involved_object
                        .name
                        .as_ref()
                        .is_some_and(|n| names.contains(n))
                })
                .collect();
            items.sort_by_key(|e| {
                e.last_timestamp
                    .as_ref()
                    .map(|t| t.0)
                    .or(e.event_time.as_ref().map(|t| t.0))
                    .or(e.metadata.creation_timestamp.as_ref().map(|t| t.0))
            });
            let skip = items.len().saturating_sub(MAX_EVENTS);
            for e in items.into_iter().skip(skip) {
                d.events.push(EventLine {
                    r#type: e.type_.clone().unwrap_or_default(),
                    reason: e.reason.clone().unwrap_or_default(),
                    object: format!(
                        "{}/{}",
                        e.involved_object
                            .kind
                            .clone()
                            .unwrap_or_default()
                            .to_lowercase(),
                        e.involved_object.name.clone().unwrap_or_default()
                    ),
                    message: e.message.clone().unwrap_or_default().trim().to_string(),
                    count: e.count.unwrap_or(1),
                });
            }
        }
        Err(e) => d.notes.push(format!("could not list events: {e}")),
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_pending_pod_shows_its_unready_conditions_and_container_states() {
        let p: Pod = serde_json::from_value(json!({"metadata": {"name": "web-1"}, "status": {"phase": "Pending",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "0/1 nodes are available: 1 Insufficient cpu."}],
            "containerStatuses": [{"name": "web", "ready": false, "restartCount": 3, "image": "i", "imageID": "",
              "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 40s"}}}]}})).unwrap();
        let s = pod_state(&p);
        assert_eq!(
            s.conditions,
            ["PodScheduled is False: Unschedulable (0/1 nodes are available: 1 Insufficient cpu.)"]
        );
        assert_eq!(
            s.containers[0].state,
            "waiting: CrashLoopBackOff (back-off 40s)"
        );
        assert_eq!(s.containers[0].restarts, 3);
    }
}
