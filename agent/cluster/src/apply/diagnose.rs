//! A workload that did not roll out in; what a person needs to see why out: its pods that are
//! not ready (phase, unready conditions, each container's state, how its last run ended and
//! the last lines it wrote, and a hint when the state has a usual cause) and the recent events
//! about the workload, its ReplicaSets and those pods. Best effort: a failed lookup says so.

use super::cluster::Cluster;
use super::logs;
use super::objects::ObjectRef;
use k8s_openapi::api::core::v1::{
    Container, ContainerStateTerminated, ContainerStatus, Event as KubeEvent, Node, Pod, Probe,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
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
    /// What each node can give pods, when a pod could not be scheduled.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeRoom>,
}

/// A node's allocatable CPU and memory, as the API server reports them (`1900m`, `8012Mi`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NodeRoom {
    pub name: String,
    pub cpu: String,
    pub memory: String,
}

/// Why a container waits, as the kubelet says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PodState {
    pub name: String,
    pub phase: String,
    /// Conditions that do not hold, with their reason and message.
    pub conditions: Vec<String>,
    pub containers: Vec<ContainerLine>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ContainerLine {
    pub name: String,
    pub ready: bool,
    pub restarts: i32,
    /// `running`, `waiting: ImagePullBackOff (...)`, `terminated: Error (exit 1)`.
    pub state: String,
    /// The same wait, reason and message apart.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting: Option<Waiting>,
    /// How the run before this one ended, when the container restarted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_terminated: Option<Termination>,
    /// The last lines its last run that ended wrote (see `logs`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logs: Vec<String>,
    /// The usual cause of this state, and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Termination {
    /// `Error`, `OOMKilled`, `Completed`.
    pub reason: String,
    pub exit_code: i32,
    /// What the container wrote to its termination message file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
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

/// The command `berth build` loads images with, when set (berth_pipeline::build::LOAD_ENV).
const LOAD_ENV: &str = "BERTH_IMAGE_LOAD";

fn termination(t: &ContainerStateTerminated) -> Termination {
    Termination {
        reason: t.reason.clone().unwrap_or_else(|| "terminated".into()),
        exit_code: t.exit_code,
        message: t
            .message
            .as_deref()
            .map(logs::scrub)
            .filter(|m| !m.is_empty()),
    }
}

fn container_line(c: &ContainerStatus, pod: &Pod, loader: Option<&str>) -> ContainerLine {
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
        waiting: c
            .state
            .as_ref()
            .and_then(|s| s.waiting.as_ref())
            .map(|w| Waiting {
                reason: w.reason.clone().unwrap_or_else(|| "waiting".into()),
                message: w.message.clone(),
            }),
        last_terminated: c
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .map(termination),
        logs: vec![],
        hint: hint(c, pod, loader),
    }
}

/// The run that ended last: the current one, or the one before a restart.
fn last_end(c: &ContainerStatus) -> Option<&ContainerStateTerminated> {
    let current = c.state.as_ref().and_then(|s| s.terminated.as_ref());
    current.or(c.last_state.as_ref().and_then(|s| s.terminated.as_ref()))
}

/// The pod's spec of this container.
fn spec<'a>(pod: &'a Pod, name: &str) -> Option<&'a Container> {
    pod.spec
        .as_ref()
        .and_then(|s| s.containers.iter().find(|c| c.name == name))
}

/// What a container's state usually means, and what to do about it.
fn hint(c: &ContainerStatus, pod: &Pod, loader: Option<&str>) -> Option<String> {
    let spec = spec(pod, &c.name);
    let waiting = c
        .state
        .as_ref()
        .and_then(|s| s.waiting.as_ref())
        .and_then(|w| w.reason.as_deref());
    let load = match loader {
        Some(cmd) => format!(
            " (it runs `docker save {} | {cmd}`, from {LOAD_ENV})",
            c.image
        ),
        None => String::new(),
    };
    match waiting {
        Some("ErrImageNeverPull") => {
            return Some(format!(
                "the image {} is not in the cluster's container runtime, and imagePullPolicy Never means it is never pulled: build and load it with `berth build`{load}",
                c.image
            ));
        }
        Some("ErrImagePull" | "ImagePullBackOff") => {
            return Some(format!(
                "the image {} could not be pulled: berth's images are built locally and never pushed, so build and load it with `berth build`{load}",
                c.image
            ));
        }
        _ => {}
    }
    if let Some(end) = last_end(c) {
        if end.reason.as_deref() == Some("OOMKilled") {
            let limit = spec
                .and_then(|s| s.resources.as_ref())
                .and_then(|r| r.limits.as_ref())
                .and_then(|l| l.get("memory"));
            return Some(match limit {
                Some(l) => format!(
                    "it needed more memory than its limit of {} and was killed: raise resources.limits.memory, or make it use less",
                    l.0
                ),
                None => "it was killed for want of memory: the node ran out (the container has no memory limit)".into(),
            });
        }
        if end.exit_code != 0 {
            let previous = if logs::ended(c) == Some(true) {
                " --previous"
            } else {
                ""
            };
            // Between two runs the state may read `terminated` rather than `waiting:
            // CrashLoopBackOff`; the restarts say which it is either way.
            let how = if c.restart_count > 0 {
                format!(
                    "it keeps exiting with code {}, and the kubelet restarts it after a growing back-off (CrashLoopBackOff)",
                    end.exit_code
                )
            } else {
                format!("it exited with code {}", end.exit_code)
            };
            return Some(format!(
                "{how}: its log says why (all of it: `kubectl logs -n {} {} -c {}{previous}`)",
                pod.metadata.namespace.as_deref().unwrap_or("default"),
                pod.metadata.name.as_deref().unwrap_or_default(),
                c.name
            ));
        }
    }
    let running = c.state.as_ref().is_some_and(|s| s.running.is_some());
    let probe = spec.and_then(|s| s.readiness_probe.as_ref());
    match (running && !c.ready, probe) {
        (true, Some(p)) => Some(format!(
            "it runs, but its readiness probe ({}) fails: the Unhealthy events say what came back; check the probe's port and path against what the app serves",
            describe(p)
        )),
        _ => None,
    }
}

fn port(p: &IntOrString) -> String {
    match p {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::String(s) => s.clone(),
    }
}

/// `GET :8080/healthz`, `TCP :5432`, `exec cat /tmp/ready`.
fn describe(p: &Probe) -> String {
    if let Some(h) = &p.http_get {
        let scheme = match h.scheme.as_deref() {
            Some("HTTPS") => "HTTPS ",
            _ => "",
        };
        return format!(
            "{scheme}GET :{}{}",
            port(&h.port),
            h.path.as_deref().unwrap_or("/")
        );
    }
    if let Some(t) = &p.tcp_socket {
        return format!("TCP :{}", port(&t.port));
    }
    if let Some(g) = &p.grpc {
        return format!("gRPC :{}", g.port);
    }
    let command = p.exec.as_ref().and_then(|e| e.command.clone());
    format!("exec {}", command.unwrap_or_default().join(" "))
}

pub fn pod_state(p: &Pod, loader: Option<&str>) -> PodState {
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
            .map(|c| container_line(c, p, loader))
            .collect(),
    }
}

fn pod_ready(p: &Pod) -> bool {
    p.status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|cs| cs.iter().any(|c| c.type_ == "Ready" && c.status == "True"))
}

/// Reads the last lines of each container of the pod whose run ended.
async fn add_logs(pods: &Api<Pod>, p: &Pod, state: &mut PodState, notes: &mut Vec<String>) {
    let statuses = p
        .status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten());
    for c in statuses {
        let Some(previous) = logs::ended(c) else {
            continue;
        };
        match logs::last_lines(pods, &state.name, &c.name, previous).await {
            Ok(lines) => {
                if let Some(line) = state.containers.iter_mut().find(|l| l.name == c.name) {
                    line.logs = lines;
                }
            }
            Err(e) => notes.push(format!(
                "could not read the log of pod {} container {}: {e}",
                state.name, c.name
            )),
        }
    }
}

fn unscheduled(p: &PodState) -> bool {
    p.conditions
        .iter()
        .any(|c| c.starts_with("PodScheduled is False"))
}

/// What each node can give, for a pod the scheduler found no room for.
async fn add_nodes(cluster: &Cluster, d: &mut Diagnosis) {
    let nodes: Api<Node> = Api::all(cluster.client.clone());
    match nodes.list(&ListParams::default()).await {
        Ok(list) => {
            for n in list.items {
                let room = n.status.and_then(|s| s.allocatable).unwrap_or_default();
                let get = |k: &str| room.get(k).map(|q| q.0.clone()).unwrap_or_default();
                d.nodes.push(NodeRoom {
                    name: n.metadata.name.unwrap_or_default(),
                    cpu: get("cpu"),
                    memory: get("memory"),
                });
            }
        }
        Err(e) => d.notes.push(format!("could not list the nodes: {e}")),
    }
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
                let loader = std::env::var(LOAD_ENV)
                    .ok()
                    .filter(|c| !c.trim().is_empty());
                for p in list.items.iter().filter(|p| !pod_ready(p)).take(MAX_PODS) {
                    let mut state = pod_state(p, loader.as_deref());
                    add_logs(&pods, p, &mut state, &mut d.notes).await;
                    d.pods.push(state);
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
    if d.pods.iter().any(unscheduled) {
        add_nodes(cluster, &mut d).await;
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
        let s = pod_state(&p, None);
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

    /// A pod of one container `web`, with this container spec and status (JSON fragments).
    fn pod(spec: serde_json::Value, status: serde_json::Value) -> Pod {
        let mut container = json!({"name": "web", "image": "shop-web:1"});
        let mut st = json!({"name": "web", "ready": false, "restartCount": 2, "image": "shop-web:1", "imageID": ""});
        container
            .as_object_mut()
            .unwrap()
            .extend(spec.as_object().unwrap().clone());
        st.as_object_mut()
            .unwrap()
            .extend(status.as_object().unwrap().clone());
        serde_json::from_value(json!({"metadata": {"name": "web-1", "namespace": "shop"},
            "spec": {"containers": [container]},
            "status": {"phase": "Running", "containerStatuses": [st]}}))
        .unwrap()
    }

    #[test]
    fn a_crashing_container_shows_how_its_last_run_ended() {
        let p = pod(
            json!({}),
            json!({"state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s restarting failed container=web"}},
                "lastState": {"terminated": {"exitCode": 3, "reason": "Error", "message": "bad \u{1b}[1mconfig"}}}),
        );
        let c = &pod_state(&p, None).containers[0];
        assert_eq!(
            c.last_terminated,
            Some(Termination {
                reason: "Error".into(),
                exit_code: 3,
                message: Some("bad config".into()),
            })
        );
        assert_eq!(
            c.hint.as_deref(),
            Some(
                "it keeps exiting with code 3, and the kubelet restarts it after a growing back-off (CrashLoopBackOff): its log says why (all of it: `kubectl logs -n shop web-1 -c web --previous`)"
            )
        );
        let v = serde_json::to_value(c).unwrap();
        assert_eq!(v["last_terminated"]["exit_code"], 3);
        assert!(v.get("logs").is_none(), "no lines, no field: {v}");
        // Its first run just ended: the log is of the current run.
        let first = pod(
            json!({}),
            json!({"restartCount": 0, "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}),
        );
        assert_eq!(
            pod_state(&first, None).containers[0].hint.as_deref(),
            Some(
                "it exited with code 1: its log says why (all of it: `kubectl logs -n shop web-1 -c web`)"
            )
        );
    }

    #[test]
    fn an_oom_kill_names_the_memory_limit() {
        let p = pod(
            json!({"resources": {"limits": {"memory": "16Mi"}}}),
            json!({"state": {"waiting": {"reason": "CrashLoopBackOff"}},
                "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}),
        );
        let c = &pod_state(&p, None).containers[0];
        assert_eq!(c.last_terminated.as_ref().unwrap().reason, "OOMKilled");
        assert!(
            c.hint
                .as_deref()
                .unwrap()
                .starts_with("it needed more memory than its limit of 16Mi and was killed"),
            "{c:?}"
        );
    }

    #[test]
    fn an_image_never_loaded_says_how_to_load_it() {
        let p = pod(
            json!({"imagePullPolicy": "Never"}),
            json!({"restartCount": 0, "state": {"waiting": {"reason": "ErrImageNeverPull",
                "message": "Container image \"shop-web:1\" is not present with pull policy of Never"}}}),
        );
        let loader = "ctr -n k8s.io images import -";
        let c = &pod_state(&p, Some(loader)).containers[0];
        assert_eq!(
            c.hint.as_deref(),
            Some(
                "the image shop-web:1 is not in the cluster's container runtime, and imagePullPolicy Never means it is never pulled: build and load it with `berth build` (it runs `docker save shop-web:1 | ctr -n k8s.io images import -`, from BERTH_IMAGE_LOAD)"
            )
        );
        let c = &pod_state(&p, None).containers[0];
        assert!(c.hint.as_deref().unwrap().ends_with("with `berth build`"));
    }

    #[test]
    fn a_running_container_that_is_not_ready_points_at_its_readiness_probe() {
        let p = pod(
            json!({"readinessProbe": {"httpGet": {"path": "/healthz", "port": 9999}}}),
            json!({"restartCount": 0, "state": {"running": {}}}),
        );
        let c = &pod_state(&p, None).containers[0];
        assert!(
            c.hint
                .as_deref()
                .unwrap()
                .starts_with("it runs, but its readiness probe (GET :9999/healthz) fails"),
            "{c:?}"
        );
        let ready = pod(
            json!({"readinessProbe": {"tcpSocket": {"port": "http"}}}),
            json!({"ready": true, "state": {"running": {}}}),
        );
        assert_eq!(pod_state(&ready, None).containers[0].hint, None);
        let probe: Probe = serde_json::from_value(json!({"tcpSocket": {"port": "http"}})).unwrap();
        assert_eq!(describe(&probe), "TCP :http");
    }
}
