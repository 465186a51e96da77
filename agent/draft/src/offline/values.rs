//! The Helm chart's values as typed data: a plan in, values.yaml and values.schema.json out.
//! The schema comes from these types (schemars), so the chart's defaults and its schema agree.

use super::runtime::{Probe, Runtime};
use berth_core::plan::Plan;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
/// Values of the chart berth drafted.
pub struct ChartValues {
    /// One entry per service, by name.
    pub services: BTreeMap<String, ServiceValues>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceValues {
    pub image: ImageValues,
    #[schemars(range(min = 0, max = 100))]
    pub replicas: u32,
    /// The port the container listens on.
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    pub service: ServiceSpecValues,
    pub resources: ResourceValues,
    pub probes: ProbesValues,
    /// Extra environment variables.
    pub env: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ImageValues {
    #[schemars(length(min = 1))]
    pub repository: String,
    /// A version tag; `latest` is refused.
    #[schemars(
        regex(pattern = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"),
        extend("not" = { "const": "latest" })
    )]
    pub tag: String,
    pub pull_policy: PullPolicy,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
pub enum PullPolicy {
    IfNotPresent,
    Always,
    Never,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceSpecValues {
    #[serde(rename = "type")]
    pub kind: ServiceType,
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// For a NodePort Service: a fixed node port (30000-32767), or null to let Kubernetes pick.
    #[schemars(range(min = 30000, max = 32767))]
    pub node_port: Option<u16>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
pub enum ServiceType {
    ClusterIP,
    NodePort,
    LoadBalancer,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceValues {
    pub requests: Quantities,
    pub limits: Quantities,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Quantities {
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?m?$"))]
    pub cpu: String,
    #[schemars(regex(pattern = r"^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$"))]
    pub memory: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbesValues {
    pub liveness: ProbeValues,
    pub readiness: ProbeValues,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProbeValues {
    /// An HTTP path to GET, or null for a TCP check on the port.
    pub path: Option<String>,
    #[schemars(range(min = 0))]
    pub initial_delay_seconds: u32,
    #[schemars(range(min = 1))]
    pub period_seconds: u32,
    #[schemars(range(min = 1))]
    pub timeout_seconds: u32,
    #[schemars(range(min = 1))]
    pub failure_threshold: u32,
}

fn probe(p: &Probe, initial_delay: u32, period: u32) -> ProbeValues {
    ProbeValues {
        path: p.path.clone(),
        initial_delay_seconds: initial_delay,
        period_seconds: period,
        timeout_seconds: 2,
        failure_threshold: 3,
    }
}

impl ChartValues {
    /// The defaults: exactly what the plain manifests say.
    pub fn of(plan: &Plan) -> ChartValues {
        let services = plan
            .services
            .iter()
            .map(|s| {
                let rt = Runtime::of(plan, s);
                let v = ServiceValues {
                    image: ImageValues {
                        repository: rt.image_repository.clone(),
                        tag: rt.image_tag.clone(),
                        pull_policy: PullPolicy::IfNotPresent,
                    },
                    replicas: 1,
                    port: rt.port,
                    service: ServiceSpecValues {
                        kind: if rt.service_type == "NodePort" {
                            ServiceType::NodePort
                        } else {
                            ServiceType::ClusterIP
                        },
                        port: rt.service_port,
                        node_port: None,
                    },
                    resources: ResourceValues {
                        requests: Quantities {
                            cpu: rt.resources.cpu_request.into(),
                            memory: rt.resources.memory_request.into(),
                        },
                        limits: Quantities {
                            cpu: rt.resources.cpu_limit.into(),
                            memory: rt.resources.memory_limit.into(),
                        },
                    },
                    probes: ProbesValues {
                        liveness: probe(&rt.liveness, 5, 10),
                        readiness: probe(&rt.readiness, 2, 5),
                    },
                    // PORT is templated from `port`; the rest are the chart's to override.
                    env: rt
                        .env
                        .iter()
                        .filter(|(k, _)| k != "PORT")
                        .cloned()
                        .collect(),
                };
                (s.name.clone(), v)
            })
            .collect();
        ChartValues { services }
    }

    /// values.schema.json: the types' schema, with each service named so a typo fails.
    pub fn schema(&self, comment: &str) -> Value {
        let mut schema =
            serde_json::to_value(schemars::schema_for!(ChartValues)).unwrap_or_default();
        let entry = schema["properties"]["services"]["additionalProperties"].clone();
        let named: serde_json::Map<String, Value> = self
            .services
            .keys()
            .map(|k| (k.clone(), entry.clone()))
            .collect();
        schema["properties"]["services"] = json!({
            "type": "object",
            "properties": named,
            "additionalProperties": false,
            "required": self.services.keys().collect::<Vec<_>>(),
        });
        if let Some(obj) = schema.as_object_mut() {
            obj.shift_insert(1, "$comment".into(), json!(comment));
        }
        schema
    }
}
