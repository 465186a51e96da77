//! The MCP tool set: a client's tool calls in (JSON arguments, checked against the schemas
//! below), answers out: JSON (structured content, with the same JSON as text) or text, or a
//! tool error carrying berth's message. Every path stays inside the project; `approve` and
//! `apply` always refuse, since a person approves and applies, never an agent.

use super::{calls, paths};
use crate::commands::Error;
use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ErrorData, ServerHandler, schemars, tool, tool_handler, tool_router};
use serde::Deserialize;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Clone)]
pub struct Berth {
    /// The project root, canonical.
    root: PathBuf,
    lock_timeout: Duration,
    tool_router: ToolRouter<Self>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecArgs {
    /// A spec folder (holding spec.md, plan.md or tasks.md) or one markdown file, relative to the project root; default: every spec under specs/ (draft needs exactly one).
    pub spec: Option<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiagnoseArgs {
    /// A spec folder or file, for the ports and health paths berth found in the code; default: every spec under specs/.
    pub spec: Option<String>,
    /// Read the cluster of the current kubeconfig context (read-only; only a local one, as `berth apply` guards it); default false: only what the last failed apply saw.
    #[serde(default)]
    pub cluster: bool,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DiffArgs {
    /// Only these files (paths or globs, relative to the project root); default: every staged file that differs.
    #[serde(default)]
    pub paths: Vec<String>,
}

#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateArgs {
    /// Files or folders to check, relative to the project root; default: the staged drafts and the generated files (manifests/, services/*/Dockerfile).
    #[serde(default)]
    pub paths: Vec<String>,
    /// The Kubernetes version to validate against, 1.31 to 1.37 (default: berth.toml's, else 1.36).
    pub kubernetes_version: Option<String>,
}

/// A tool's work on a blocking thread (berth's stages are synchronous), its error a tool error.
async fn answer(
    work: impl FnOnce() -> Result<CallToolResult, Error> + Send + 'static,
) -> Result<CallToolResult, ErrorData> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(result)) => Ok(result),
        Ok(Err(err)) => Ok(CallToolResult::error(vec![ContentBlock::text(
            crate::output::error_message(&err),
        )])),
        Err(e) => Err(ErrorData::internal_error(e.to_string(), None)),
    }
}

fn structured(v: Value) -> CallToolResult {
    CallToolResult::structured(v)
}

fn refused(text: String) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(text)])
}

impl Berth {
    pub fn new(root: PathBuf, lock_timeout: Duration) -> Self {
        Berth {
            root,
            lock_timeout,
            tool_router: Self::tool_router(),
        }
    }

    fn spec(&self, spec: Option<String>) -> Result<Option<String>, Error> {
        spec.map(|s| paths::inside(&self.root, &s)).transpose()
    }
}

#[tool_router]
impl Berth {
    #[tool(
        description = "The plan berth makes of a spec: the services it found (stack, port, env, dependencies, each with the file:line that shows it), the Dockerfiles, Kubernetes manifests and Helm chart to produce, the constitution checks and the tasks. JSON, as `berth plan --output json`. Writes nothing (not even tasks.md).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn plan(&self, Parameters(a): Parameters<SpecArgs>) -> Result<CallToolResult, ErrorData> {
        let (root, spec) = (self.root.clone(), self.spec(a.spec));
        answer(move || Ok(structured(calls::plan(&root, spec?.as_deref())?))).await
    }

    #[tool(
        description = "Drafts every planned file of one spec with berth's offline drafter (deterministic templates) and stages it under .berth/staged/, as `berth draft` does: the project's files are not touched. Returns the staged files, how each differs from the tree (new, modified, unchanged, removed, conflicts with hand edits) and the summary. A person then reviews and approves them.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn draft(
        &self,
        Parameters(a): Parameters<SpecArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let (root, spec, wait) = (self.root.clone(), self.spec(a.spec), self.lock_timeout);
        answer(move || Ok(structured(calls::draft(&root, spec?.as_deref(), wait)?))).await
    }

    #[tool(
        description = "Unified diffs of the staged drafts (.berth/staged/) against the files on disk: new, modified and removed files. Text, as `berth diff`. Writes nothing.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn diff(&self, Parameters(a): Parameters<DiffArgs>) -> Result<CallToolResult, ErrorData> {
        let (root, names) = (self.root.clone(), paths::all_inside(&self.root, &a.paths));
        answer(move || {
            let text = calls::diff_text(&root, &names?)?;
            Ok(CallToolResult::success(vec![ContentBlock::text(text)]))
        })
        .await
    }

    #[tool(
        description = "Checks Kubernetes manifests (strict schemas), Dockerfiles, Helm charts, policy and cross-file consistency. JSON, as `berth validate --output json`: each finding with its rule, severity, file, line, object, path and hint, and `clean` (no errors). Writes nothing.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn validate(
        &self,
        Parameters(a): Parameters<ValidateArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let (root, names) = (self.root.clone(), paths::all_inside(&self.root, &a.paths));
        answer(move || {
            Ok(structured(calls::validate(
                &root,
                names?,
                a.kubernetes_version,
            )?))
        })
        .await
    }

    #[tool(
        description = "Where each spec stands: its tasks and their boxes, what is drafted but not approved, and what is approved but not known to be applied. JSON. Read from the project only: the cluster is not asked (a person runs `berth status` for that).",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn status(
        &self,
        Parameters(a): Parameters<SpecArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let (root, spec) = (self.root.clone(), self.spec(a.spec));
        answer(move || Ok(structured(calls::status(&root, spec?.as_deref())?))).await
    }

    #[tool(
        description = "Why the app did not roll out, as `berth diagnose --output json`: each cause (image missing, CreateContainerConfigError, OOMKilled, read-only filesystem, CrashLoopBackOff, readiness probe failing, Unschedulable) with its evidence, and the fixes berth can make staged under .berth/staged/ for a person to review and approve; nothing is applied. By default it reads what the last failed apply saw (.berth/diagnosis.json) and reaches no cluster; with `cluster: true` it reads the current (local) context's pods, events and logs, read-only.",
        annotations(
            read_only_hint = false,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = false
        )
    )]
    async fn diagnose(
        &self,
        Parameters(a): Parameters<DiagnoseArgs>,
    ) -> Result<CallToolResult, ErrorData> {
        let (root, spec, wait) = (self.root.clone(), self.spec(a.spec), self.lock_timeout);
        answer(move || {
            let v = calls::diagnose(&root, spec?.as_deref(), a.cluster, wait)?;
            Ok(structured(v))
        })
        .await
    }

    #[tool(
        description = "Always refuses: berth never approves for an agent. A person reviews the staged drafts and runs `berth approve` themselves.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn approve(&self) -> Result<CallToolResult, ErrorData> {
        Ok(refused(format!(
            "refused: berth never approves for an agent. Nothing was approved or written. A \
             person reviews the staged drafts (`berth diff`) and runs `berth approve` in {} \
             themselves.",
            self.root.display()
        )))
    }

    #[tool(
        description = "Always refuses: berth never applies for an agent. A person runs `berth apply` (or `berth up`) themselves, after approving.",
        annotations(read_only_hint = true, open_world_hint = false)
    )]
    async fn apply(&self) -> Result<CallToolResult, ErrorData> {
        Ok(refused(format!(
            "refused: berth never applies for an agent. Nothing was sent to any cluster. A \
             person approves the drafts (`berth approve`) and runs `berth apply` in {} \
             themselves.",
            self.root.display()
        )))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Berth {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("berth", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "berth turns Spec-Kit specs into Dockerfiles, Kubernetes manifests and a Helm \
                 chart. plan, diff, validate and status read the project; draft stages \
                 proposals under .berth/staged/ only. Approving and applying are for a person \
                 (`berth approve`, `berth apply`): the approve and apply tools always refuse.",
            )
    }
}
