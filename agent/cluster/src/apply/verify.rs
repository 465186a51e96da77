//! Verify stage: the Services an apply sent in; for each, whether it has ready endpoints (the
//! pods behind it pass their readiness probes and are wired into the Service) out. Endpoints
//! lag a rollout by a moment, so each Service is given until the deadline.

use super::cluster::Cluster;
use super::objects::ObjectRef;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ListParams};
use serde::Serialize;
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
}

/// Checks every Service among `applied` until each has a ready endpoint or `deadline` passes.
pub async fn verify(cluster: &Cluster, applied: &[ObjectRef], deadline: Instant) -> Vec<Verified> {
    let mut out = Vec::new();
    for r in applied.iter().filter(|r| r.kind == "Service") {
        let ns = r.namespace.clone().unwrap_or_else(|| "default".into());
        let api: Api<EndpointSlice> = Api::namespaced(cluster.client.clone(), &ns);
        let params =
            ListParams::default().labels(&format!("kubernetes.io/service-name={}", r.name));
        let verified = loop {
            let (ready, reason) = match api.list(&params).await {
                Ok(list) => (ready_endpoints(&list.items), None),
                Err(e) => (0, Some(format!("cannot list its EndpointSlices: {e}"))),
            };
            if ready > 0 || Instant::now() >= deadline {
                break Verified {
                    service: r.name.clone(),
                    namespace: ns.clone(),
                    ready,
                    ok: ready > 0,
                    reason: (ready == 0).then(|| {
                        reason.unwrap_or_else(|| {
                            "no ready endpoint: no pod matches its selector, or none is ready"
                                .into()
                        })
                    }),
                };
            }
            sleep(Duration::from_millis(250)).await;
        };
        out.push(verified);
    }
    out
}

fn ready_endpoints(slices: &[EndpointSlice]) -> usize {
    slices
        .iter()
        .flat_map(|s| s.endpoints.iter().flatten())
        .filter(|e| e.conditions.as_ref().and_then(|c| c.ready).unwrap_or(false))
        .count()
}
