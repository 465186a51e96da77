//! All the objects and Dockerfiles of one run in, cross-file findings out: ports that disagree
//! (Dockerfile EXPOSE, containerPort, Service targetPort, probe ports), named ports that do not
//! exist, Services that select no pods, and backend URLs that name no Service.

use super::yaml::Document;
use super::{Finding, Severity};
use serde_json::Value;
use std::collections::HashMap;

pub struct Object<'a> {
    pub file: &'a str,
    pub doc: &'a Document,
}

/// A Dockerfile's EXPOSEd ports, by the service folder it is in.
pub struct Exposed {
    pub file: String,
    pub service: String,
    pub ports: Vec<(u16, usize)>,
}

pub fn exposed(file: &str, text: &str) -> Exposed {
    let service = file.rsplit('/').nth(1).unwrap_or("").to_string();
    let mut ports = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        // `get`, not slicing: the first seven bytes may end inside a multi-byte character.
        if line
            .get(..7)
            .is_some_and(|w| w.eq_ignore_ascii_case("EXPOSE "))
        {
            ports.extend(
                line[7..]
                    .split_whitespace()
                    .filter_map(|p| p.split('/').next()?.parse().ok())
                    .map(|p| (p, i + 1)),
            );
        }
    }
    Exposed {
        file: file.to_string(),
        service,
        ports,
    }
}

/// What the cross-file checks read of an object, and nothing else: kept per object once its own
/// checks are done, so a folder of 50,000 objects does not keep 50,000 whole trees. Positions
/// still come from the file's text, so findings keep their lines.
pub fn keep(v: &Value) -> Value {
    let mut out = serde_json::Map::new();
    for key in ["apiVersion", "kind"] {
        if let Some(x) = v.get(key) {
            out.insert(key.into(), x.clone());
        }
    }
    let mut meta = serde_json::Map::new();
    for key in ["name", "namespace"] {
        if let Some(x) = v["metadata"].get(key) {
            meta.insert(key.into(), x.clone());
        }
    }
    out.insert("metadata".into(), Value::Object(meta));
    match v["kind"].as_str() {
        Some("Service") => {
            let mut spec = serde_json::Map::new();
            for key in ["selector", "ports"] {
                if let Some(x) = v["spec"].get(key) {
                    spec.insert(key.into(), x.clone());
                }
            }
            out.insert("spec".into(), Value::Object(spec));
        }
        Some("ConfigMap") => {
            let urls: serde_json::Map<String, Value> = v["data"]
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(_, x)| x.as_str().is_some_and(|x| x.starts_with("http")))
                .map(|(k, x)| (k.clone(), x.clone()))
                .collect();
            out.insert("data".into(), Value::Object(urls));
        }
        _ => {}
    }
    if let Some((ptr, tpl)) = pod_template(v) {
        // The Services' checks read the ports; the URL check reads env values that are URLs
        // (the others stay as nulls, so a URL keeps its index in the list).
        let containers: Vec<Value> = tpl["spec"]["containers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                let ports: Vec<Value> = c["ports"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| serde_json::json!({"name": p["name"], "containerPort": p["containerPort"]}))
                    .collect();
                let env: Vec<Value> = c["env"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| match e["value"].as_str() {
                        Some(v) if v.starts_with("http") => serde_json::json!({"value": v}),
                        _ => Value::Null,
                    })
                    .collect();
                serde_json::json!({"ports": ports, "env": env})
            })
            .collect();
        let kept = serde_json::json!({
            "metadata": {"labels": tpl["metadata"]["labels"].clone()},
            "spec": {"containers": containers},
        });
        if ptr.is_empty() {
            // A Pod is its own template.
            out["metadata"]["labels"] = kept["metadata"]["labels"].clone();
            out.insert("spec".into(), kept["spec"].clone());
        } else if let Some(slot) = pointer_slot(&mut out, ptr) {
            *slot = kept;
        }
    }
    Value::Object(out)
}

/// The (created) place at `pointer` in `root`.
fn pointer_slot<'a>(
    root: &'a mut serde_json::Map<String, Value>,
    pointer: &str,
) -> Option<&'a mut Value> {
    let mut parts = pointer.trim_start_matches('/').split('/');
    let first = parts.next()?;
    let mut at = root
        .entry(first.to_string())
        .or_insert_with(|| Value::Object(Default::default()));
    for p in parts {
        at = at
            .as_object_mut()?
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Default::default()));
    }
    Some(at)
}

fn pod_template(v: &Value) -> Option<(&'static str, &Value)> {
    match v["kind"].as_str()? {
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            Some(("/spec/template", v.pointer("/spec/template")?))
        }
        "CronJob" => Some((
            "/spec/jobTemplate/spec/template",
            v.pointer("/spec/jobTemplate/spec/template")?,
        )),
        "Pod" => Some(("", v)),
        _ => None,
    }
}

fn namespace(v: &Value) -> &str {
    v["metadata"]["namespace"].as_str().unwrap_or("default")
}

fn port_number(v: &Value) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn finding(
    o: &Object,
    pointer: &str,
    rule: &str,
    severity: Severity,
    message: String,
    hint: String,
) -> Finding {
    let mut f = Finding::at(rule, o.file, o.doc, pointer, message, Some(hint));
    f.severity = severity;
    f
}

/// One object's own ports: probes that name or number a port the container does not have,
/// and a containerPort that is not what the service's Dockerfile EXPOSEs. Run on the whole
/// object, before `keep`.
pub fn check_object(o: &Object, dockerfiles: &[Exposed], out: &mut Vec<Finding>) {
    let mut add = |o: &Object,
                   pointer: &str,
                   rule: &str,
                   severity: Severity,
                   message: String,
                   hint: String| {
        out.push(finding(o, pointer, rule, severity, message, hint));
    };
    let Some((tpl_ptr, tpl)) = pod_template(&o.doc.value) else {
        return;
    };
    for (ci, c) in tpl["spec"]["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        let at = format!("{tpl_ptr}/spec/containers/{ci}");
        let ports: Vec<(Option<&str>, Option<i64>)> = c["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| (p["name"].as_str(), p["containerPort"].as_i64()))
            .collect();
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            for action in ["httpGet", "tcpSocket", "grpc"] {
                let port = &c[probe][action]["port"];
                let ptr = format!("{at}/{probe}/{action}/port");
                if let Some(name) = port.as_str().filter(|s| s.parse::<i64>().is_err()) {
                    if !ports.iter().any(|(n, _)| *n == Some(name)) {
                        add(
                            o,
                            &ptr,
                            "consistency/ports",
                            Severity::Error,
                            format!(
                                "{probe} uses port {name:?}, which the container does not name"
                            ),
                            "name the port under ports, or probe a port that exists".into(),
                        );
                    }
                } else if let Some(n) = port_number(port) {
                    if !ports.is_empty() && !ports.iter().any(|(_, p)| *p == Some(n)) {
                        add(
                            o,
                            &ptr,
                            "consistency/ports",
                            Severity::Warning,
                            format!("{probe} checks port {n}, which is not a containerPort"),
                            "probe the port the app listens on".into(),
                        );
                    }
                }
            }
        }
        // Dockerfile EXPOSE vs containerPort, matched by service folder and object or container name.
        let name = o.doc.value["metadata"]["name"].as_str().unwrap_or("");
        for d in dockerfiles
            .iter()
            .filter(|d| d.service == name || Some(d.service.as_str()) == c["name"].as_str())
        {
            if d.ports.is_empty() {
                continue;
            }
            for (pi, (_, p)) in ports.iter().enumerate() {
                if let Some(p) = p {
                    if !d.ports.iter().any(|(e, _)| i64::from(*e) == *p) {
                        let exposed: Vec<String> =
                            d.ports.iter().map(|(e, _)| e.to_string()).collect();
                        add(
                            o,
                            &format!("{at}/ports/{pi}/containerPort"),
                            "consistency/ports",
                            Severity::Error,
                            format!(
                                "containerPort {p} is not what {} EXPOSEs ({})",
                                d.file,
                                exposed.join(", ")
                            ),
                            "make the Dockerfile, the Deployment and the Service agree on the port"
                                .into(),
                        );
                    }
                }
            }
        }
    }
}

/// Across the objects of one folder: Services that select no pods or target no port of
/// theirs, and URLs that name no Service. `partial`: the objects are a set someone named, so
/// what they point at may live elsewhere: not finding it is a warning that says so.
pub fn check(objects: &[Object], partial: bool, out: &mut Vec<Finding>) {
    let missing = if partial {
        Severity::Warning
    } else {
        Severity::Error
    };
    let mut add = |o: &Object,
                   pointer: &str,
                   rule: &str,
                   severity: Severity,
                   message: String,
                   hint: String| {
        out.push(finding(o, pointer, rule, severity, message, hint));
    };
    let workloads: Vec<(&Object, &str, &Value)> = objects
        .iter()
        .filter_map(|o| pod_template(&o.doc.value).map(|(p, t)| (o, p, t)))
        .collect();

    // Workloads by (namespace, pod label, value), for the Services' selectors.
    let mut by_label: HashMap<(&str, &str, &str), Vec<usize>> = HashMap::new();
    for (i, (w, _, tpl)) in workloads.iter().enumerate() {
        for (k, v) in tpl["metadata"]["labels"].as_object().into_iter().flatten() {
            if let Some(v) = v.as_str() {
                by_label
                    .entry((namespace(&w.doc.value), k.as_str(), v))
                    .or_default()
                    .push(i);
            }
        }
    }

    for o in objects.iter().filter(|o| o.doc.value["kind"] == "Service") {
        let svc = &o.doc.value;
        let Some(selector) = svc["spec"]["selector"]
            .as_object()
            .filter(|s| !s.is_empty())
        else {
            continue;
        };
        // Candidates from the index by one label of the selector, then every label checked:
        // linear in the objects, where comparing each Service with each workload was not.
        let (k0, v0) = selector
            .iter()
            .next()
            .map_or(("", ""), |(k, v)| (k.as_str(), v.as_str().unwrap_or("")));
        let selected: Vec<&(&Object, &str, &Value)> = by_label
            .get(&(namespace(svc), k0, v0))
            .into_iter()
            .flatten()
            .map(|&i| &workloads[i])
            .filter(|(_, _, tpl)| {
                selector
                    .iter()
                    .all(|(k, v)| &tpl["metadata"]["labels"][k] == v)
            })
            .collect();
        if selected.is_empty() {
            add(
                o,
                "/spec/selector",
                "consistency/selector",
                missing,
                "the selector matches no pod template: not found in these files".into(),
                "use the pod labels of the Deployment it fronts".into(),
            );
            continue;
        }
        let containers: Vec<&Value> = selected
            .iter()
            .flat_map(|(_, _, t)| t["spec"]["containers"].as_array().into_iter().flatten())
            .collect();
        for (i, port) in svc["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let target = if port["targetPort"].is_null() {
                &port["port"]
            } else {
                &port["targetPort"]
            };
            let ptr = format!("/spec/ports/{i}/targetPort");
            let found = containers
                .iter()
                .flat_map(|c| c["ports"].as_array().into_iter().flatten())
                .any(|p| match target {
                    Value::String(name) if name.parse::<i64>().is_err() => {
                        p["name"].as_str() == Some(name)
                    }
                    other => {
                        port_number(other).is_some_and(|n| p["containerPort"].as_i64() == Some(n))
                    }
                });
            if !found {
                add(
                    o,
                    &ptr,
                    "consistency/ports",
                    Severity::Error,
                    format!("targetPort {} is not a port of the pods it selects", target),
                    "point targetPort at a containerPort (or its name)".into(),
                );
            }
        }
    }

    // URLs that name a Service by its cluster DNS name must name one that exists.
    let services: HashMap<(&str, &str), Vec<i64>> = objects
        .iter()
        .filter(|o| o.doc.value["kind"] == "Service")
        .map(|o| {
            let v = &o.doc.value;
            let ports = v["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p["port"].as_i64())
                .collect();
            (
                (v["metadata"]["name"].as_str().unwrap_or(""), namespace(v)),
                ports,
            )
        })
        .collect();
    if services.is_empty() {
        return;
    }
    for o in objects {
        let v = &o.doc.value;
        let mut urls: Vec<(String, &str)> = Vec::new();
        if v["kind"] == "ConfigMap" {
            urls.extend(
                v["data"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(k, val)| {
                        let val = val.as_str().filter(|v| v.starts_with("http"))?;
                        Some((
                            format!("/data/{}", k.replace('~', "~0").replace('/', "~1")),
                            val,
                        ))
                    }),
            );
        }
        if let Some((tpl_ptr, tpl)) = pod_template(v) {
            for (ci, c) in tpl["spec"]["containers"]
                .as_array()
                .into_iter()
                .flatten()
                .enumerate()
            {
                for (ei, e) in c["env"].as_array().into_iter().flatten().enumerate() {
                    if let Some(val) = e["value"].as_str().filter(|v| v.starts_with("http")) {
                        urls.push((
                            format!("{tpl_ptr}/spec/containers/{ci}/env/{ei}/value"),
                            val,
                        ));
                    }
                }
            }
        }
        for (ptr, url) in urls {
            let Some((host, port)) = cluster_host(url) else {
                continue;
            };
            let mut parts = host.split('.');
            let name = parts.next().unwrap_or("");
            let ns = parts.next().unwrap_or(namespace(v));
            match services.get(&(name, ns)) {
                None => add(o, &ptr, "consistency/service-discovery", missing, format!("{url} names Service {name:?} in namespace {ns:?}: not found in these files"), "point it at the backend's Service: http://<service>.<namespace>.svc.cluster.local:<port>".into()),
                Some(ports) => {
                    if let Some(p) = port.filter(|p| !ports.contains(p)) {
                        add(o, &ptr, "consistency/service-discovery", Severity::Error, format!("{url} uses port {p}, but Service {name:?} serves {ports:?}"), "use the Service's port, not the container's".into());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// Found by the fuzzer: `' X' X` and a two-byte character made the EXPOSE check slice
    /// through the middle of the character and panic.
    #[test]
    fn expose_check_survives_multibyte_text() {
        let text = String::from_utf8(vec![0x27, 0x20, 0x58, 0x27, 0x20, 0x58, 0xd8, 0xae]).unwrap();
        assert!(
            super::exposed("services/a/Dockerfile", &text)
                .ports
                .is_empty()
        );
        assert_eq!(
            super::exposed(
                "services/a/Dockerfile",
                "EXPOSE 8080/tcp 9090
"
            )
            .ports,
            vec![(8080, 1), (9090, 1)]
        );
    }
}

/// The host and port of an http(s) URL that names a Service by cluster DNS
/// (`name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local`).
fn cluster_host(url: &str) -> Option<(String, Option<i64>)> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, Some(p.parse().ok()?)),
        None => (authority, None),
    };
    let port = port.or(if url.starts_with("https") {
        Some(443)
    } else {
        Some(80)
    });
    let dots = host.matches('.').count();
    let cluster = host.ends_with(".svc")
        || host.ends_with(".svc.cluster.local")
        || (dots == 0 && host != "localhost" && !host.is_empty());
    let looks_ip = host.chars().all(|c| c.is_ascii_digit() || c == '.');
    (cluster && !looks_ip).then(|| (host.to_string(), port))
}
