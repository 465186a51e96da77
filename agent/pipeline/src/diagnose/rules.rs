//! The offline rules: a workload that did not roll out (its pods' states, last log lines and
//! events) and the approved objects in; the causes, each with its evidence and, where a file
//! change mends it, that change, out. Deterministic: the same facts give the same causes.

use super::cause::{Cause, Fix, Kind};
use super::quantity;
use berth_cluster::apply::diagnose::{ContainerLine, Diagnosis, PodState};
use berth_cluster::apply::objects::Object;
use berth_cluster::apply::{ObjectRef, RolloutResult};
use berth_core::plan::Plan;
use regex::Regex;
use serde_json::Value;
use std::sync::LazyLock;

/// What the rules read beside the cluster's answer.
pub struct Facts<'a> {
    /// Every approved object (the workload, its Secrets and ConfigMaps).
    pub approved: &'a [Object],
    /// The plans of the project's specs: the ports and health paths found in the code.
    pub plans: &'a [Plan],
    /// The command `berth build` loads images with (BERTH_IMAGE_LOAD), if set.
    pub loader: Option<&'a str>,
}

/// The causes of one workload's failed rollout.
pub fn causes(r: &RolloutResult, facts: &Facts) -> Vec<Cause> {
    let Some(d) = &r.diagnosis else {
        return vec![];
    };
    let workload = find(facts.approved, &r.object).map(|o| &o.value);
    let mut out: Vec<Cause> = Vec::new();
    for pod in &d.pods {
        let found = pod_causes(&r.object, pod, d, workload, facts);
        for c in found {
            if !out
                .iter()
                .any(|o| o.kind == c.kind && o.container == c.container)
            {
                out.push(c);
            }
        }
    }
    if out.is_empty() {
        out.push(not_ready(r, d));
    }
    out
}

/// The approved object `r` names (a namespace left out in the file matches any).
pub fn find<'a>(approved: &'a [Object], r: &ObjectRef) -> Option<&'a Object> {
    approved.iter().find(|o| same(&o.reference(), r))
}

/// The same object, a namespace left out on either side matching any.
pub fn same(a: &ObjectRef, b: &ObjectRef) -> bool {
    a.kind == b.kind
        && a.name == b.name
        && (a.namespace.is_none() || b.namespace.is_none() || a.namespace == b.namespace)
}

fn pod_causes(
    w: &ObjectRef,
    pod: &PodState,
    d: &Diagnosis,
    workload: Option<&Value>,
    facts: &Facts,
) -> Vec<Cause> {
    let mut out = Vec::new();
    if let Some(c) = unschedulable(w, pod, d, workload) {
        out.push(c);
    }
    for c in &pod.containers {
        let spec = workload.and_then(|v| container(v, &c.name));
        let found = image_missing(w, c, facts.loader)
            .or_else(|| config_missing(w, c, spec, facts.approved))
            .or_else(|| out_of_memory(w, c, spec))
            .or_else(|| read_only(w, c))
            .or_else(|| crash(w, pod, c))
            .or_else(|| probe_failing(w, c, spec, d, facts.plans));
        out.extend(found);
    }
    out
}

/// The container named `name` in a workload's pod template.
pub fn container<'a>(workload: &'a Value, name: &str) -> Option<&'a Value> {
    template_spec(workload)?
        .get("containers")?
        .as_array()?
        .iter()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(name))
}

/// A workload's pod spec (a Job's and a Deployment's alike).
pub fn template_spec(workload: &Value) -> Option<&Value> {
    workload.pointer("/spec/template/spec")
}

fn cause(w: &ObjectRef, kind: Kind, c: Option<&str>, summary: String) -> Cause {
    Cause {
        kind,
        workload: w.clone(),
        container: c.map(String::from),
        summary,
        evidence: vec![],
        fix: None,
        next: None,
    }
}

fn state_line(c: &ContainerLine) -> String {
    format!("container {}: {}", c.name, c.state)
}

fn image_missing(w: &ObjectRef, c: &ContainerLine, loader: Option<&str>) -> Option<Cause> {
    let waiting = c.waiting.as_ref()?;
    let never = waiting.reason == "ErrImageNeverPull";
    if !never && !matches!(waiting.reason.as_str(), "ErrImagePull" | "ImagePullBackOff") {
        return None;
    }
    let image = image_of(&c.state);
    let mut k = cause(
        w,
        Kind::ImageMissing,
        Some(&c.name),
        format!(
            "the node does not have the image {image}{}",
            if never {
                ", and imagePullPolicy Never means it is never pulled"
            } else {
                ", and it could not be pulled (berth's images are built locally, never pushed)"
            }
        ),
    );
    k.evidence.push(state_line(c));
    k.next = Some(match loader {
        Some(cmd) => format!(
            "berth build (it loads the image into the node: `docker save {image} | {cmd}`), then berth apply"
        ),
        None => "berth build (it builds the image and loads it into the cluster), then berth apply"
            .into(),
    });
    Some(k)
}

/// The image a waiting message names (`Container image "x" is not present ...`), else `its image`.
fn image_of(state: &str) -> String {
    static QUOTED: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"image "([^"]+)""#).expect("a valid pattern"));
    QUOTED
        .captures(state)
        .map(|m| m[1].to_string())
        .unwrap_or_else(|| "it runs".into())
}

static KEY_MISSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"couldn't find key (\S+) in (Secret|ConfigMap) ([^/\s]+)/(\S+)")
        .expect("a valid pattern")
});
static OBJECT_MISSING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(secret|configmap) "([^"]+)" not found"#).expect("a valid pattern")
});

fn config_missing(
    w: &ObjectRef,
    c: &ContainerLine,
    spec: Option<&Value>,
    approved: &[Object],
) -> Option<Cause> {
    let waiting = c.waiting.as_ref()?;
    if waiting.reason != "CreateContainerConfigError" {
        return None;
    }
    let message = waiting.message.clone().unwrap_or_default();
    let ns = w.namespace.clone().unwrap_or_else(|| "default".into());
    let mut k = cause(w, Kind::ConfigMissing, Some(&c.name), String::new());
    k.evidence.push(state_line(c));
    if let Some(m) = KEY_MISSING.captures(&message) {
        let (key, kind, name) = (&m[1], &m[2], &m[4]);
        k.summary = format!("the {kind} {name} has no key {key}, which the container reads");
        let object = ObjectRef {
            api_version: "v1".into(),
            kind: kind.into(),
            namespace: Some(ns.clone()),
            name: name.into(),
        };
        match find(approved, &object) {
            Some(o) if kind == "Secret" => {
                k.evidence.push(format!(
                    "{} (approved in {}) has: {}",
                    object,
                    o.path,
                    keys(&o.value).join(", ")
                ));
                k.fix = Some(Fix::GenerateSecretKey {
                    secret: object,
                    key: key.into(),
                });
                k.next = Some(format!(
                    "or, if {key} is a value only you have (an API key): kubectl -n {ns} create secret generic {name} --from-literal={key}=... --dry-run=client -o yaml | kubectl apply -f -"
                ));
            }
            Some(o) => {
                k.evidence.push(format!(
                    "{} (approved in {}) has: {}",
                    object,
                    o.path,
                    keys(&o.value).join(", ")
                ));
                k.next = Some(format!(
                    "add {key} to the ConfigMap {name} in {}, approve it and apply",
                    o.path
                ));
            }
            None => {
                k.next = Some(secret_command(kind, &ns, name, &[key.to_string()]));
            }
        }
        return Some(k);
    }
    if let Some(m) = OBJECT_MISSING.captures(&message) {
        let kind = if &m[1] == "secret" {
            "Secret"
        } else {
            "ConfigMap"
        };
        let name = &m[2];
        k.summary = format!("the {kind} {name}, which the container reads, does not exist");
        let wanted = referenced_keys(spec, kind, name);
        k.next = Some(secret_command(kind, &ns, name, &wanted));
        return Some(k);
    }
    k.summary = format!("the container's configuration could not be made: {message}");
    Some(k)
}

fn keys(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = ["data", "stringData"]
        .iter()
        .filter_map(|f| v.get(*f).and_then(Value::as_object))
        .flat_map(|m| m.keys().cloned())
        .collect();
    let annotated = v
        .pointer("/metadata/annotations/berth.dev~1generate")
        .and_then(Value::as_str)
        .unwrap_or_default();
    out.extend(
        annotated
            .split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| format!("{k} (generated)")),
    );
    if out.is_empty() {
        out.push("no keys".into());
    }
    out
}

/// The keys of `kind` `name` the container's env reads.
fn referenced_keys(spec: Option<&Value>, kind: &str, name: &str) -> Vec<String> {
    let field = if kind == "Secret" {
        "secretKeyRef"
    } else {
        "configMapKeyRef"
    };
    let env = spec.and_then(|s| s.get("env")).and_then(Value::as_array);
    env.into_iter()
        .flatten()
        .filter_map(|e| e.pointer(&format!("/valueFrom/{field}")))
        .filter(|r| r.get("name").and_then(Value::as_str) == Some(name))
        .filter_map(|r| r.get("key").and_then(Value::as_str).map(String::from))
        .collect()
}

fn secret_command(kind: &str, ns: &str, name: &str, keys: &[String]) -> String {
    let what = if kind == "Secret" {
        "secret generic"
    } else {
        "configmap"
    };
    let mut cmd = format!("kubectl -n {ns} create {what} {name}");
    for k in keys {
        cmd.push_str(&format!(" --from-literal={k}=..."));
    }
    cmd
}

fn out_of_memory(w: &ObjectRef, c: &ContainerLine, spec: Option<&Value>) -> Option<Cause> {
    let end = c.last_terminated.as_ref();
    let current = c.state.starts_with("terminated: OOMKilled");
    if !current && end.is_none_or(|t| t.reason != "OOMKilled") {
        return None;
    }
    let limit = spec
        .and_then(|s| s.pointer("/resources/limits/memory"))
        .and_then(Value::as_str);
    let mut k = cause(w, Kind::OutOfMemory, Some(&c.name), String::new());
    k.evidence.push(match end {
        Some(t) => format!(
            "container {}: last run ended: {} (exit code {}), {} restarts",
            c.name, t.reason, t.exit_code, c.restarts
        ),
        None => state_line(c),
    });
    k.evidence.push(
        "its peak use is not reported by the kubelet: it was above the limit when it was killed"
            .into(),
    );
    match limit.and_then(|l| quantity::parse(l, false).map(|b| (l, b))) {
        Some((l, bytes)) => {
            k.summary = format!("it needed more memory than its limit of {l} and was killed");
            k.evidence.push(format!("resources.limits.memory: {l}"));
            let to = quantity::mebibytes((bytes * 2.0).max(64.0 * 1024.0 * 1024.0));
            k.fix = Some(Fix::MemoryLimit { to });
        }
        None => {
            k.summary =
                "it was killed for want of memory: the node ran out (it has no memory limit)"
                    .into();
        }
    }
    Some(k)
}

static READ_ONLY: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)read-only file ?system|EROFS").expect("a valid pattern"));
static ABSOLUTE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(/[A-Za-z0-9._@+\-]+)+").expect("a valid pattern"));

fn read_only(w: &ObjectRef, c: &ContainerLine) -> Option<Cause> {
    let line = c.logs.iter().find(|l| READ_ONLY.is_match(l))?;
    let mut k = cause(
        w,
        Kind::ReadOnlyFilesystem,
        Some(&c.name),
        "it writes where the root filesystem is read-only".into(),
    );
    k.evidence.push(format!("its log: {line}"));
    k.evidence
        .push("securityContext.readOnlyRootFilesystem: true (berth's drafts keep it)".into());
    match ABSOLUTE.find(line).map(|m| writable_dir(m.as_str())) {
        Some(Some(dir)) => {
            k.summary = format!("it writes under {dir}, where the root filesystem is read-only");
            k.fix = Some(Fix::WritableDir { path: dir });
        }
        _ => {
            k.next =
                Some("find the folder it writes to and mount an emptyDir volume there".to_string());
        }
    }
    Some(k)
}

/// The folder to make writable for a path the app could not write: the path's folder when it
/// names a file (it has an extension), else the path itself. Never `/`.
fn writable_dir(path: &str) -> Option<String> {
    let p = std::path::Path::new(path);
    let file_like = p
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.contains('.') && !n.starts_with('.'));
    let dir = if file_like { p.parent()? } else { p };
    let dir = dir.to_str()?.trim_end_matches('/');
    (!dir.is_empty()).then(|| dir.to_string())
}

fn crash(w: &ObjectRef, pod: &PodState, c: &ContainerLine) -> Option<Cause> {
    let end = c.last_terminated.as_ref().filter(|t| t.exit_code != 0);
    let current = c.state.starts_with("terminated:") && !c.state.contains("(exit 0)");
    if end.is_none() && !current {
        return None;
    }
    let code = end.map(|t| t.exit_code.to_string()).unwrap_or_else(|| {
        c.state
            .rsplit("exit ")
            .next()
            .unwrap_or("?")
            .trim_end_matches(')')
            .to_string()
    });
    let mut k = cause(
        w,
        Kind::Crash,
        Some(&c.name),
        format!(
            "it exits with code {code}{}",
            if c.restarts > 0 {
                " again and again, and the kubelet restarts it after a growing back-off"
            } else {
                ""
            }
        ),
    );
    k.evidence.push(state_line(c));
    if let Some(t) = end {
        k.evidence.push(format!(
            "last run ended: {} (exit code {}), {} restarts",
            t.reason, t.exit_code, c.restarts
        ));
    }
    for l in c.logs.iter().rev().take(5).rev() {
        k.evidence.push(format!("its log: {l}"));
    }
    k.next = Some(format!(
        "its log says why: kubectl logs -n {} {} -c {} --previous",
        w.namespace.as_deref().unwrap_or("default"),
        pod.name,
        c.name
    ));
    Some(k)
}

fn probe_failing(
    w: &ObjectRef,
    c: &ContainerLine,
    spec: Option<&Value>,
    d: &Diagnosis,
    plans: &[Plan],
) -> Option<Cause> {
    if c.ready || c.state != "running" {
        return None;
    }
    let spec = spec?;
    let probe = spec.get("readinessProbe")?;
    let mut k = cause(
        w,
        Kind::ProbeFailing,
        Some(&c.name),
        "it runs, but its readiness probe fails".into(),
    );
    for e in d.events.iter().filter(|e| e.reason == "Unhealthy").take(2) {
        k.evidence
            .push(format!("event {}: {} ({}x)", e.reason, e.message, e.count));
    }
    let ports = container_ports(spec);
    let declared: Vec<String> = ports
        .iter()
        .map(|(n, p)| match n {
            Some(n) => format!("{p} ({n})"),
            None => p.to_string(),
        })
        .collect();
    k.evidence.push(format!(
        "the container declares port{} {}",
        if declared.len() == 1 { "" } else { "s" },
        if declared.is_empty() {
            "none".into()
        } else {
            declared.join(", ")
        }
    ));
    let service = plans
        .iter()
        .flat_map(|p| &p.services)
        .find(|s| s.name == w.name);
    if let Some(s) = service {
        if let Some(p) = &s.port {
            k.evidence.push(format!(
                "berth found it listens on {} ({})",
                p.number, p.evidence.source
            ));
        }
        if let Some(path) = &s.health.readiness {
            k.evidence
                .push(format!("berth found its readiness endpoint: {path}"));
        }
    }
    let handler = probe.get("httpGet").or(probe.get("tcpSocket"))?;
    let from = handler.get("port")?.clone();
    let listens = service.and_then(|s| s.port.as_ref()).map(|p| p.number);
    let known = |v: &Value| match v {
        Value::Number(n) => ports.iter().any(|(_, p)| Some(*p) == n.as_u64()),
        Value::String(s) => ports.iter().any(|(n, _)| n.as_deref() == Some(s)),
        _ => false,
    };
    let port = match (&from, listens) {
        (Value::Number(n), Some(l)) if n.as_u64() != Some(l as u64) => Some(Value::from(l)),
        (v, _) if !known(v) && ports.len() == 1 => Some(match (v, &ports[0]) {
            (Value::String(_), (Some(name), _)) => Value::from(name.clone()),
            (_, (_, p)) => Value::from(*p),
        }),
        _ => None,
    };
    let path = handler.get("path").and_then(Value::as_str);
    let wanted_path = service
        .and_then(|s| s.health.readiness.clone())
        .filter(|p| path.is_some_and(|now| now != p));
    k.summary = format!(
        "it runs, but its readiness probe ({}) fails",
        probe_text(probe)
    );
    if port.is_some() || wanted_path.is_some() {
        k.fix = Some(Fix::Probe {
            from: port_text(&from),
            port: port.unwrap_or(from),
            path: wanted_path,
        });
    } else {
        k.next = Some(
            "the probe's port is one the container declares: check the path, and that the app listens on 0.0.0.0"
                .into(),
        );
    }
    Some(k)
}

fn port_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn probe_text(p: &Value) -> String {
    if let Some(h) = p.get("httpGet") {
        let port = h.get("port").map(port_text).unwrap_or_default();
        let path = h.get("path").and_then(Value::as_str).unwrap_or("/");
        return format!("GET :{port}{path}");
    }
    if let Some(t) = p.get("tcpSocket") {
        return format!("TCP :{}", t.get("port").map(port_text).unwrap_or_default());
    }
    "exec".into()
}

/// (name, containerPort) of each port the container declares.
fn container_ports(spec: &Value) -> Vec<(Option<String>, u64)> {
    let ports = spec.get("ports").and_then(Value::as_array);
    ports
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let n = p.get("containerPort")?.as_u64()?;
            let name = p.get("name").and_then(Value::as_str).map(String::from);
            Some((name, n))
        })
        .collect()
}

static INSUFFICIENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"Insufficient (cpu|memory)").expect("a valid pattern"));

fn unschedulable(
    w: &ObjectRef,
    pod: &PodState,
    d: &Diagnosis,
    workload: Option<&Value>,
) -> Option<Cause> {
    let line = pod
        .conditions
        .iter()
        .find(|c| c.starts_with("PodScheduled is False"))?;
    let mut k = cause(
        w,
        Kind::Unschedulable,
        None,
        "no node has room for what it requests".into(),
    );
    k.evidence.push(format!("pod {}: {line}", pod.name));
    for n in &d.nodes {
        k.evidence.push(format!(
            "node {} can give pods: cpu {}, memory {}",
            n.name, n.cpu, n.memory
        ));
    }
    let short: Vec<&str> = INSUFFICIENT
        .captures_iter(line)
        .map(|m| m.get(1).map_or("", |g| g.as_str()))
        .collect();
    let spec = workload.and_then(template_spec);
    let containers = spec
        .and_then(|s| s.get("containers"))
        .and_then(Value::as_array);
    // One container's requests, lowered to a quarter of the largest node: room for the rest.
    let (Some(first), false) = (containers.and_then(|c| c.first()), short.is_empty()) else {
        k.next = Some("free room on the node, or lower the workload's requests".into());
        return Some(k);
    };
    let name = first.get("name").and_then(Value::as_str).map(String::from);
    let largest = |cpu: bool| {
        d.nodes
            .iter()
            .filter_map(|n| quantity::parse(if cpu { &n.cpu } else { &n.memory }, cpu))
            .fold(0.0, f64::max)
    };
    let mut fix = (None, None);
    for resource in &short {
        let cpu = *resource == "cpu";
        let request = first
            .pointer(&format!("/resources/requests/{resource}"))
            .or(first.pointer(&format!("/resources/limits/{resource}")))
            .and_then(Value::as_str);
        if let Some(r) = request {
            k.evidence
                .push(format!("container requests {resource}: {r}"));
        }
        let room = largest(cpu);
        if room <= 0.0 {
            continue;
        }
        if cpu {
            fix.0 = Some(quantity::millicores(room / 4.0));
        } else {
            fix.1 = Some(quantity::mebibytes(room / 4.0));
        }
    }
    k.container = name;
    if fix.0.is_some() || fix.1.is_some() {
        k.fix = Some(Fix::Requests {
            cpu: fix.0,
            memory: fix.1,
        });
    }
    Some(k)
}

fn not_ready(r: &RolloutResult, d: &Diagnosis) -> Cause {
    let mut k = cause(
        &r.object,
        Kind::NotReady,
        None,
        format!("it did not roll out: {}", r.rollout.message()),
    );
    for p in &d.pods {
        for c in &p.containers {
            k.evidence
                .push(format!("pod {}: {}", p.name, state_line(c)));
        }
    }
    for e in d.events.iter().filter(|e| e.r#type == "Warning").take(3) {
        k.evidence
            .push(format!("event {} on {}: {}", e.reason, e.object, e.message));
    }
    k.next = Some(format!(
        "kubectl -n {} describe {} {}",
        r.object.namespace.as_deref().unwrap_or("default"),
        r.object.kind.to_lowercase(),
        r.object.name
    ));
    k
}
