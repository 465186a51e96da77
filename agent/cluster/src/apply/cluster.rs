//! The trusted target in; a connected client and the cluster's kinds (aggregated discovery) out,
//! plus the plumbing every request shares: which API serves an object, server-side apply with
//! field manager `berth` and strict field validation, and sorting kube's errors into "the server
//! said no" and "the server is gone".

use super::context::{Target, options};
use super::error::{ApplyError, Conflict};
use super::objects::ObjectRef;
use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::core::GroupVersionKind;
use kube::discovery::{ApiCapabilities, ApiResource, Discovery, Scope};
use kube::{Client, Config};
use serde_json::Value;
use std::time::Duration;

pub const FIELD_MANAGER: &str = "berth";

/// A connected cluster and what it serves.
pub struct Cluster {
    /// For short requests: gives up when the server stops answering.
    pub client: Client,
    /// For watches: no read timeout (the watch itself ends and is restarted).
    pub watch_client: Client,
    pub discovery: Discovery,
    pub server: String,
}

/// What went wrong with one request.
#[derive(Debug)]
pub enum Failure {
    /// The server answered with an error status.
    Api(Box<kube::core::Status>),
    /// No answer: connection refused, reset, timed out.
    Transport(String),
}

impl Failure {
    pub fn from_kube(e: kube::Error) -> Failure {
        match e {
            kube::Error::Api(status) => Failure::Api(status),
            other => Failure::Transport(transport_message(&other)),
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, Failure::Api(s) if s.code == 404)
    }
}

/// The innermost cause, which names the real problem ("Connection refused").
fn transport_message(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        last = s.to_string();
        source = s.source();
    }
    last
}

pub fn unreachable(server: &str, during: &str, message: String) -> ApplyError {
    ApplyError::Unreachable {
        server: server.to_string(),
        during: during.to_string(),
        message,
        done: 0,
        total: 0,
    }
}

/// Connects to the target and runs discovery (two requests, aggregated).
pub async fn connect(target: &Target) -> Result<Cluster, ApplyError> {
    let mut config = Config::from_custom_kubeconfig(target.kubeconfig.clone(), &options(target))
        .await
        .map_err(|e| ApplyError::Kubeconfig {
            message: format!("context \"{}\": {e}", target.context),
        })?;
    config.connect_timeout = Some(Duration::from_secs(5));
    let watch_client = Client::try_from(config.clone()).map_err(|e| ApplyError::Kubeconfig {
        message: format!("context \"{}\": {e}", target.context),
    })?;
    config.read_timeout = Some(Duration::from_secs(30));
    config.reset_reader_on_write = true;
    let client = Client::try_from(config).map_err(|e| ApplyError::Kubeconfig {
        message: format!("context \"{}\": {e}", target.context),
    })?;
    let discovery = Discovery::new(client.clone())
        .run_aggregated()
        .await
        .map_err(|e| match Failure::from_kube(e) {
            Failure::Transport(m) => unreachable(&target.server, "discovering its API", m),
            Failure::Api(s) => unreachable(&target.server, "discovering its API", s.message),
        })?;
    Ok(Cluster {
        client,
        watch_client,
        discovery,
        server: target.server.clone(),
    })
}

impl Cluster {
    /// The API resource serving this apiVersion and kind.
    pub fn resolve(&self, api_version: &str, kind: &str) -> Option<(ApiResource, ApiCapabilities)> {
        let (group, version) = match api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", api_version),
        };
        self.discovery
            .resolve_gvk(&GroupVersionKind::gvk(group, version, kind))
    }

    /// An API handle for one object (namespaced or not, as the cluster says).
    pub fn api_for(
        &self,
        r: &ObjectRef,
        client: &Client,
    ) -> Option<(Api<DynamicObject>, ApiResource)> {
        let (ar, caps) = self.resolve(&r.api_version, &r.kind)?;
        let api = match (&caps.scope, &r.namespace) {
            (Scope::Namespaced, Some(ns)) => Api::namespaced_with(client.clone(), ns, &ar),
            (Scope::Namespaced, None) => Api::default_namespaced_with(client.clone(), &ar),
            (Scope::Cluster, _) => Api::all_with(client.clone(), &ar),
        };
        Some((api, ar))
    }

    pub fn is_namespaced(&self, api_version: &str, kind: &str) -> Option<bool> {
        self.resolve(api_version, kind)
            .map(|(_, caps)| caps.scope == Scope::Namespaced)
    }
}

/// Server-side apply of one object (field manager `berth`, strict field validation).
pub async fn server_side_apply(
    api: &Api<DynamicObject>,
    value: &Value,
    dry_run: bool,
    force: bool,
) -> Result<Value, Failure> {
    let name = value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let mut params = PatchParams::apply(FIELD_MANAGER).validation_strict();
    params.dry_run = dry_run;
    params.force = force;
    let out = api
        .patch(name, &params, &Patch::Apply(value))
        .await
        .map_err(Failure::from_kube)?;
    serde_json::to_value(out).map_err(|e| Failure::Transport(e.to_string()))
}

/// The per-field conflicts in a 409 answer to an apply.
pub fn conflicts(object: &ObjectRef, status: &kube::core::Status) -> Vec<Conflict> {
    if status.code != 409 {
        return vec![];
    }
    let causes = status
        .details
        .as_ref()
        .map(|d| d.causes.clone())
        .unwrap_or_default();
    causes
        .iter()
        .filter(|c| c.reason == "FieldManagerConflict")
        .map(|c| Conflict {
            object: object.clone(),
            field: c.field.clone(),
            manager: manager_of(&c.message),
        })
        .collect()
}

/// `conflict with "kubectl-client-side-apply" using v1` -> `kubectl-client-side-apply`.
fn manager_of(message: &str) -> String {
    message
        .split('"')
        .nth(1)
        .map(str::to_string)
        .unwrap_or_else(|| message.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manager_is_read_from_the_conflict_message() {
        assert_eq!(
            manager_of("conflict with \"kubectl-client-side-apply\" using v1"),
            "kubectl-client-side-apply"
        );
        assert_eq!(manager_of("odd"), "odd");
    }
}
