//! Verify stage: the objects an apply sent in; for each Service, whether it has ready endpoints
//! (the pods behind it pass their readiness probes), whether its health endpoint answers through
//! the API server's service proxy, and whether each backend URL a ConfigMap hands a frontend
//! reaches a live pod, out. Endpoints and apps lag a rollout by a moment, so each check is given
//! until the deadline. Pods on a kwok node run no container: their HTTP checks are skipped, and
//! the result says so.

use super::cluster::Cluster;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ListParams};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use tokio::time::{Duration, Instant, sleep};

/// One Service, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    pub service: String,
    pub namespace: String,
    /// Endpoints that are ready, over all of the Service's EndpointSlices.
    pub ready: usize,
    pub ok: bool,
    /// Why not, when not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// HTTP checks through the API server's service proxy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub http: Vec<HttpCheck>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HttpCheck {
    /// `health` (the probe's path must answer 2xx) or `backend-url` (a ConfigMap's URL must
    /// reach a pod: any answer below 500).
    pub kind: &'static str,
    /// What was asked: the path, or the URL as the ConfigMap gives it.
    pub target: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub ok: bool,
    /// What came back when it failed, or why it was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A Service as the approved objects describe it.
struct Svc<'a> {
    name: &'a str,
    namespace: String,
    selector: BTreeMap<String, String>,
    ports: Vec<&'a Value>,
}

/// Checks every Service among `objects` (as sent) until each passes or `deadline` passes.
pub async fn verify(cluster: &Cluster, objects: &[Value], deadline: Instant) -> Vec<Verified> {
    let services: Vec<Svc> = objects.iter().filter_map(service).collect();
    let urls = backend_urls(objects);
    let mut out = Vec::new();
    for s in &services {
        let ready = wait_ready(cluster, s, deadline).await;
        let mut v = Verified {
            service: s.name.to_string(),
            namespace: s.namespace.clone(),
            ready: ready.as_ref().map_or(0, |(n, _)| *n),
            ok: false,
            reason: None,
            http: vec![],
        };
        match ready {
            Err(reason) => v.reason = Some(reason),
            Ok((_, simulated)) => {
                let mut targets: Vec<(&'static str, String, String)> = Vec::new();
                if let Some((port, path)) = health(s, objects) {
                    targets.push(("health", path.clone(), format!("{port}{path}")));
                }
                for (url, port, path) in urls
                    .iter()
                    .filter(|u| u.1.0 == s.name && u.1.1 == s.namespace)
                {
                    targets.push(("backend-url", url.clone(), format!("{}{path}", port.2)));
                }
                for (kind, target, proxied) in targets {
                    v.http.push(if simulated {
                        HttpCheck {
                            kind,
                            target,
                            status: None,
                            ok: true,
                            note: Some(
                                "skipped: its pods run on a kwok node, which starts no container"
                                    .into(),
                            ),
                        }
                    } else {
                        http(cluster, kind, target, &proxied, deadline).await
                    });
                }
                v.ok = v.http.iter().all(|c| c.ok);
                if !v.ok {
                    v.reason = Some("an HTTP check failed".into());
                }
            }
        }
        out.push(v);
    }
    out
}

fn service(o: &Value) -> Option<Svc<'_>> {
    if o.get("kind")?.as_str()? != "Service" {
        return None;
    }
    let selector = o
        .pointer("/spec/selector")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    Some(Svc {
        name: o.pointer("/metadata/name")?.as_str()?,
        namespace: o
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_string(),
        selector,
        ports: o
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .map(|a| a.iter().collect())
            .unwrap_or_default(),
    })
}

/// Ready endpoints (at least one), and whether every pod behind them is on a kwok node.
async fn wait_ready(
    cluster: &Cluster,
    s: &Svc<'_>,
    deadline: Instant,
) -> Result<(usize, bool), String> {
    let slices: Api<EndpointSlice> = Api::namespaced(cluster.client.clone(), &s.namespace);
    let params = ListParams::default().labels(&format!("kubernetes.io/service-name={}", s.name));
    loop {
        let (ready, error) = match slices.list(&params).await {
            Ok(list) => (ready_endpoints(&list.items), None),
            Err(e) => (0, Some(format!("cannot list its EndpointSlices: {e}"))),
        };
        if ready > 0 {
            return Ok((ready, simulated(cluster, s).await));
        }
        if Instant::now() >= deadline {
            return Err(error.unwrap_or_else(|| {
                "no ready endpoint: no pod matches its selector, or none is ready".into()
            }));
        }
        sleep(Duration::from_millis(250)).await;
    }
}

fn ready_endpoints(slices: &[EndpointSlice]) -> usize {
    slices
        .iter()
        .flat_map(|s| s.endpoints.iter().flatten())
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(false))
        .count()
}

/// Whether the Service's pods all run on nodes kwok simulates.
async fn simulated(cluster: &Cluster, s: &Svc<'_>) -> bool {
    if s.selector.is_empty() {
        return false;
    }
    let selector: Vec<String> = s.selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let pods: Api<Pod> = Api::namespaced(cluster.client.clone(), &s.namespace);
    let Ok(list) = pods
        .list(&ListParams::default().labels(&selector.join(",")))
        .await
    else {
        return false;
    };
    let nodes: Api<Node> = Api::all(cluster.client.clone());
    let mut any = false;
    for node in list
        .items
        .iter()
        .filter_map(|p| p.spec.as_ref()?.node_name.clone())
    {
        let Ok(n) = nodes.get(&node).await else {
            return false;
        };
        let kwok = n
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("kwok.x-k8s.io/node"))
            .is_some_and(|v| v == "fake");
        if !kwok {
            return false;
        }
        any = true;
    }
    any
}

/// The Service port (as `name:port` for the proxy) and path of the health endpoint of the
/// workload behind it: its readiness probe, else its liveness probe.
fn health(s: &Svc<'_>, objects: &[Value]) -> Option<(String, String)> {
    let workload = objects.iter().find(|o| {
        matches!(
            o.get("kind").and_then(Value::as_str),
            Some("Deployment" | "StatefulSet")
        ) && o
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .unwrap_or("default")
            == s.namespace
            && !s.selector.is_empty()
            && s.selector.iter().all(|(k, v)| {
                o.pointer("/spec/template/metadata/labels")
                    .and_then(|l| l.get(k))
                    .and_then(Value::as_str)
                    == Some(v)
            })
    })?;
    let containers = workload
        .pointer("/spec/template/spec/containers")?
        .as_array()?;
    for c in containers {
        for probe in ["readinessProbe", "livenessProbe"] {
            let Some(get) = c.get(probe).and_then(|p| p.get("httpGet")) else {
                continue;
            };
            let path = get
                .get("path")
                .and_then(Value::as_str)
                .unwrap_or("/")
                .to_string();
            let port = get.get("port")?;
            // The container port's name and number, to find the Service port aimed at it.
            let declared = c.get("ports").and_then(Value::as_array);
            let named = |f: &dyn Fn(&Value) -> bool| {
                declared.and_then(|ps| ps.iter().find(|p| f(p))).cloned()
            };
            let (name, number) = match port {
                Value::String(n) => {
                    let p = named(&|p| p.get("name").and_then(Value::as_str) == Some(n));
                    (
                        Some(n.clone()),
                        p.and_then(|p| p.get("containerPort")?.as_i64()),
                    )
                }
                other => {
                    let n = other.as_i64();
                    let p = named(&|p| p.get("containerPort").and_then(Value::as_i64) == n);
                    (
                        p.and_then(|p| p.get("name")?.as_str().map(str::to_string)),
                        n,
                    )
                }
            };
            let svc_port = s.ports.iter().find(|p| match p.get("targetPort") {
                Some(Value::String(t)) => Some(t) == name.as_ref(),
                Some(t) => t.as_i64() == number,
                None => p.get("port").and_then(Value::as_i64) == number,
            })?;
            let proxied = svc_port
                .get("name")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| {
                    svc_port
                        .get("port")
                        .and_then(Value::as_i64)
                        .map(|p| p.to_string())
                })?;
            return Some((
                format!(
                    "/api/v1/namespaces/{}/services/{}:{proxied}/proxy",
                    s.namespace, s.name
                ),
                path,
            ));
        }
    }
    None
}

/// Backend URLs in ConfigMaps (`http://NAME.NS.svc.cluster.local:PORT/...`): the URL, the
/// Service it names, and the proxy prefix and path to ask.
type BackendUrl = (String, (String, String, String), String);

fn backend_urls(objects: &[Value]) -> Vec<BackendUrl> {
    let mut out = Vec::new();
    for o in objects
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("ConfigMap"))
    {
        let Some(data) = o.get("data").and_then(Value::as_object) else {
            continue;
        };
        for v in data.values().filter_map(Value::as_str) {
            if let Some(parsed) = parse_service_url(v) {
                out.push(parsed);
            }
        }
    }
    out
}

fn parse_service_url(url: &str) -> Option<BackendUrl> {
    let rest = url.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (h, p.to_string()),
        None => (authority, "80".to_string()),
    };
    let mut parts = host.split('.');
    let (name, ns) = (parts.next()?, parts.next()?);
    if parts.next() != Some("svc") {
        return None;
    }
    let prefix = format!("/api/v1/namespaces/{ns}/services/{name}:{port}/proxy");
    Some((
        url.to_string(),
        (name.to_string(), ns.to_string(), prefix),
        path.to_string(),
    ))
}

/// One GET through the API server's service proxy, retried until it passes or `deadline`.
async fn http(
    cluster: &Cluster,
    kind: &'static str,
    target: String,
    proxied: &str,
    deadline: Instant,
) -> HttpCheck {
    let until = deadline.max(Instant::now() + Duration::from_secs(20));
    loop {
        let (status, note) = get(cluster, proxied).await;
        let ok = match (kind, status) {
            ("health", Some(code)) => (200..300).contains(&code),
            (_, Some(code)) => code < 500,
            (_, None) => false,
        };
        if ok || Instant::now() >= until {
            return HttpCheck {
                kind,
                target,
                status,
                ok,
                note: (!ok).then(|| note.unwrap_or_else(|| "no answer".into())),
            };
        }
        sleep(Duration::from_millis(500)).await;
    }
}

async fn get(cluster: &Cluster, path: &str) -> (Option<u16>, Option<String>) {
    let Ok(req) = http::Request::get(path).body(Vec::new()) else {
        return (None, Some(format!("bad path {path}")));
    };
    // The HTTP status itself: an app's own JSON error body is not a Kubernetes Status, and
    // read as one its code would be 0.
    match cluster.client.send(req.map(kube::client::Body::from)).await {
        Ok(res) => {
            let code = res.status().as_u16();
            let note = (code >= 300).then(|| format!("HTTP {code}"));
            (Some(code), note)
        }
        Err(e) => (None, Some(e.to_string().chars().take(200).collect())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_urls_name_a_service_and_a_port() {
        let (_, (name, ns, prefix), path) =
            parse_service_url("http://backend.todo.svc.cluster.local:8080/api").unwrap();
        assert_eq!(
            (name.as_str(), ns.as_str(), path.as_str()),
            ("backend", "todo", "/api")
        );
        assert_eq!(
            prefix,
            "/api/v1/namespaces/todo/services/backend:8080/proxy"
        );
        assert!(parse_service_url("http://example.com:80/").is_none());
        assert!(parse_service_url("https://backend.todo.svc:443").is_none());
    }
}
