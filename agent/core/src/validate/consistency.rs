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
/// checks are done, so a folder of 50,000 objects keeps a few strings each, not 50,000 trees.
/// Positions still come from the file (the document keeps where it is written, not its value).
pub struct Kept {
    /// Shared by the objects of one file.
    pub file: std::sync::Arc<str>,
    pub doc: Document,
    /// `Deployment/web`, as findings name it.
    object: Option<String>,
    name: String,
    namespace: String,
    /// A workload's pod labels (string values) and its containers' ports (name, number).
    pod: Option<(Vec<(String, String)>, Vec<(Option<String>, Option<i64>)>)>,
    service: Option<Service>,
    /// http(s) URLs in env values and ConfigMap data, by JSON pointer.
    urls: Vec<(String, String)>,
}

struct Service {
    selector: Vec<(String, Value)>,
    /// Each port's targetPort (else port) and port.
    ports: Vec<(Value, Option<i64>)>,
}

/// Reduces a checked object to what `check` reads; None for an object `check` never reads
/// (neither a workload, nor a Service, nor a holder of URLs: a Secret, an Ingress, a plain
/// ConfigMap), so a folder of 50,000 objects keeps only those that can matter.
pub fn keep(file: &std::sync::Arc<str>, doc: &Document) -> Option<Kept> {
    let v = &doc.value;
    let urls = urls(v);
    if urls.is_empty() && v["kind"] != "Service" && pod_template(v).is_none() {
        return None;
    }
    let str_of = |x: &Value| x.as_str().map(str::to_string);
    let pod = pod_template(v).map(|(_, tpl)| {
        let labels = tpl["metadata"]["labels"]
            .as_object()
            .into_iter()
            .flatten()
            .filter_map(|(k, x)| Some((k.clone(), str_of(x)?)))
            .collect();
        let ports = containers(tpl)
            .flat_map(|c| c["ports"].as_array().into_iter().flatten())
            .map(|p| (str_of(&p["name"]), p["containerPort"].as_i64()))
            .collect();
        (labels, ports)
    });
    let service = (v["kind"] == "Service").then(|| Service {
        selector: v["spec"]["selector"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, x)| (k.clone(), x.clone()))
            .collect(),
        ports: v["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| {
                let target = if p["targetPort"].is_null() {
                    &p["port"]
                } else {
                    &p["targetPort"]
                };
                (target.clone(), p["port"].as_i64())
            })
            .collect(),
    });
    Some(Kept {
        file: file.clone(),
        doc: doc.place(),
        object: super::schema::object_name(v),
        name: v["metadata"]["name"].as_str().unwrap_or("").to_string(),
        namespace: namespace(v).to_string(),
        pod,
        service,
        urls,
    })
}

fn containers(tpl: &Value) -> impl Iterator<Item = &Value> {
    tpl["spec"]["containers"].as_array().into_iter().flatten()
}

/// The http(s) URLs of a ConfigMap's data and of its containers' env values, by JSON pointer.
fn urls(v: &Value) -> Vec<(String, String)> {
    let mut urls = Vec::new();
    let is_url = |x: &Value| {
        x.as_str()
            .filter(|x| x.starts_with("http"))
            .map(str::to_string)
    };
    if v["kind"] == "ConfigMap" {
        for (k, val) in v["data"].as_object().into_iter().flatten() {
            if let Some(url) = is_url(val) {
                urls.push((
                    format!("/data/{}", k.replace('~', "~0").replace('/', "~1")),
                    url,
                ));
            }
        }
    }
    if let Some((tpl_ptr, tpl)) = pod_template(v) {
        for (ci, c) in containers(tpl).enumerate() {
            for (ei, e) in c["env"].as_array().into_iter().flatten().enumerate() {
                if let Some(url) = is_url(&e["value"]) {
                    urls.push((
                        format!("{tpl_ptr}/spec/containers/{ci}/env/{ei}/value"),
                        url,
                    ));
                }
            }
        }
    }
    urls
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
pub fn check(objects: &[&Kept], partial: bool, out: &mut Vec<Finding>) {
    let missing = if partial {
        Severity::Warning
    } else {
        Severity::Error
    };
    let mut add =
        |o: &Kept, pointer: &str, rule: &str, severity: Severity, message: String, hint: &str| {
            let mut f = Finding::at(rule, &o.file, &o.doc, pointer, message, Some(hint.into()));
            f.severity = severity;
            f.object = o.object.clone();
            out.push(f);
        };
    // Workloads by (namespace, pod label, value), for the Services' selectors.
    let mut by_label: HashMap<(&str, &str, &str), Vec<&Kept>> = HashMap::new();
    for &o in objects {
        for (k, v) in o.pod.iter().flat_map(|(labels, _)| labels) {
            by_label.entry((&o.namespace, k, v)).or_default().push(o);
        }
    }
    for &o in objects {
        let Some(svc) = o.service.as_ref().filter(|s| !s.selector.is_empty()) else {
            continue;
        };
        // Candidates from the index by one label of the selector, then every label checked:
        // linear in the objects, where comparing each Service with each workload was not.
        let (k0, v0) = (&svc.selector[0].0, svc.selector[0].1.as_str().unwrap_or(""));
        let selected: Vec<&Kept> = by_label
            .get(&(o.namespace.as_str(), k0.as_str(), v0))
            .into_iter()
            .flatten()
            .copied()
            .filter(|w| {
                let labels = w.pod.as_ref().map(|p| &p.0);
                svc.selector.iter().all(|(k, v)| {
                    labels
                        .into_iter()
                        .flatten()
                        .any(|(lk, lv)| lk == k && v.as_str() == Some(lv))
                })
            })
            .collect();
        if selected.is_empty() {
            add(
                o,
                "/spec/selector",
                "consistency/selector",
                missing,
                "the selector matches no pod template: not found in these files".into(),
                "use the pod labels of the Deployment it fronts",
            );
            continue;
        }
        let ports: Vec<&(Option<String>, Option<i64>)> = selected
            .iter()
            .flat_map(|w| w.pod.iter().flat_map(|p| &p.1))
            .collect();
        for (i, (target, _)) in svc.ports.iter().enumerate() {
            let found = ports.iter().any(|(name, number)| match target {
                Value::String(t) if t.parse::<i64>().is_err() => name.as_deref() == Some(t),
                other => port_number(other).is_some_and(|n| *number == Some(n)),
            });
            if !found {
                add(
                    o,
                    &format!("/spec/ports/{i}/targetPort"),
                    "consistency/ports",
                    Severity::Error,
                    format!("targetPort {target} is not a port of the pods it selects"),
                    "point targetPort at a containerPort (or its name)",
                );
            }
        }
    }

    // URLs that name a Service by its cluster DNS name must name one that exists.
    let services: HashMap<(&str, &str), Vec<i64>> = objects
        .iter()
        .filter_map(|o| {
            let ports = o
                .service
                .as_ref()?
                .ports
                .iter()
                .filter_map(|p| p.1)
                .collect();
            Some(((o.name.as_str(), o.namespace.as_str()), ports))
        })
        .collect();
    if services.is_empty() {
        return;
    }
    for &o in objects {
        for (ptr, url) in &o.urls {
            let Some((host, port)) = cluster_host(url) else {
                continue;
            };
            let mut parts = host.split('.');
            let name = parts.next().unwrap_or("");
            let ns = parts.next().unwrap_or(&o.namespace);
            match services.get(&(name, ns)) {
                None => add(
                    o,
                    ptr,
                    "consistency/service-discovery",
                    missing,
                    format!(
                        "{url} names Service {name:?} in namespace {ns:?}: not found in these files"
                    ),
                    "point it at the backend's Service: http://<service>.<namespace>.svc.cluster.local:<port>",
                ),
                Some(ports) => {
                    if let Some(p) = port.filter(|p| !ports.contains(p)) {
                        add(
                            o,
                            ptr,
                            "consistency/service-discovery",
                            Severity::Error,
                            format!("{url} uses port {p}, but Service {name:?} serves {ports:?}"),
                            "use the Service's port, not the container's",
                        );
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
