//! A kube context in, that cluster's schemas out: its version and every group-version's OpenAPI
//! v3 document, made strict by `validate::openapi`, so `berth validate` checks against exactly
//! that cluster, custom resources included. Read-only, so any context may be read.

use super::cluster::{Failure, unreachable};
use super::context;
use super::error::ApplyError;
use kube::{Client, Config};
use serde_json::Value;

/// The schemas file and the cluster it came from.
pub struct Fetched {
    pub context: String,
    pub server: String,
    /// `1.36`
    pub version: String,
    pub schemas: Value,
    pub documents: usize,
}

async fn get(client: &Client, server: &str, path: &str) -> Result<Value, ApplyError> {
    let request = http::Request::get(path)
        .body(Vec::new())
        .map_err(|e| unreachable(server, "building a request", e.to_string()))?;
    client
        .request::<Value>(request)
        .await
        .map_err(|e| match Failure::from_kube(e) {
            Failure::Transport(m) => unreachable(server, &format!("reading {path}"), m),
            Failure::Api(s) => unreachable(server, &format!("reading {path}"), s.message),
        })
}

/// Fetches the schemas of the cluster behind `context_name` (default: the current context).
pub fn fetch_blocking(context_name: Option<&str>) -> Result<Fetched, ApplyError> {
    super::run::runtime()?.block_on(fetch(context_name))
}

pub async fn fetch(context_name: Option<&str>) -> Result<Fetched, ApplyError> {
    let (kubeconfig, facts, _) = context::load(context_name)?;
    let options = kube::config::KubeConfigOptions {
        context: Some(facts.name.clone()),
        cluster: None,
        user: None,
    };
    let mut config = Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| ApplyError::Kubeconfig {
            message: format!("context \"{}\": {e}", facts.name),
        })?;
    config.connect_timeout = Some(std::time::Duration::from_secs(5));
    config.read_timeout = Some(std::time::Duration::from_secs(60));
    let client = Client::try_from(config).map_err(|e| ApplyError::Kubeconfig {
        message: format!("context \"{}\": {e}", facts.name),
    })?;
    let version = get(&client, &facts.server, "/version").await?;
    let version = format!(
        "{}.{}",
        version["major"].as_str().unwrap_or("1"),
        version["minor"]
            .as_str()
            .unwrap_or("0")
            .trim_end_matches('+')
    );
    let index = get(&client, &facts.server, "/openapi/v3").await?;
    let mut documents = Vec::new();
    for (path, entry) in index["paths"].as_object().into_iter().flatten() {
        // Only API groups: `api/v1`, `apis/<group>/<version>`; not `.well-known` or `version`.
        if !(path.starts_with("api/") || path.starts_with("apis/")) {
            continue;
        }
        let url = entry["serverRelativeURL"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| format!("/openapi/v3/{path}"));
        documents.push(get(&client, &facts.server, &url).await?);
    }
    let schemas = berth_core::validate::openapi::to_schemas(&version, &documents);
    Ok(Fetched {
        context: facts.name,
        server: facts.server,
        version,
        schemas,
        documents: documents.len(),
    })
}
