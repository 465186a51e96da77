//! Apply's errors: every way `berth apply` and `berth diff --live` can stop, each worded for the
//! person reading it, and sorted into a class the CLI maps to an exit status.

use super::objects::ObjectRef;
use berth_core::exit::{Classify, Exit};
use serde::Serialize;

/// Why a file was not applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    pub path: String,
    pub reason: String,
}

/// A field another manager owns, as the API server reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub object: ObjectRef,
    /// The field, as the server names it (`.data.BACKEND_URL`).
    pub field: String,
    /// The other field manager (`kubectl-client-side-apply`).
    pub manager: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The approval record could not be read.
    #[error(transparent)]
    Record(#[from] berth_core::record::RecordError),
    /// Some files are not exactly as approved; nothing was applied.
    #[error("{} not as approved; nothing was applied:\n{}\nreview them with `berth diff` and `berth approve`", plural(refused.len(), "file is", "files are"), list_refusals(refused))]
    NotApproved { refused: Vec<Refusal> },
    /// The record of built images is unreadable.
    #[error(transparent)]
    Build(#[from] berth_core::build::BuildError),
    /// No approved Kubernetes manifest was found.
    #[error(
        "nothing to apply: no approved Kubernetes manifest (run `berth draft` and `berth approve`)"
    )]
    NothingToApply,
    /// An approved file does not hold Kubernetes objects berth can apply.
    #[error("{path}: {message}")]
    Manifest { path: String, message: String },
    /// The kubeconfig is missing, unreadable or lacks the context asked for.
    #[error("kubeconfig: {message}")]
    Kubeconfig { message: String },
    /// The context is not a local cluster and was not allowed by name.
    #[error(
        "refusing to apply to context \"{context}\" (server {server}): it does not look like a local cluster ({reasons}); pass `--allow-context {context}` if you mean it"
    )]
    ContextRefused {
        context: String,
        server: String,
        reasons: String,
    },
    /// The API server could not be reached, or stopped answering.
    #[error(
        "the API server at {server} is unreachable while {during}: {message}{}",
        progress_note(done, total)
    )]
    Unreachable {
        server: String,
        during: String,
        message: String,
        /// Objects applied before it went away, and how many there were in all.
        done: usize,
        total: usize,
    },
    /// The cluster does not serve an object's kind.
    #[error(
        "{path}: the cluster does not serve {api_version} {kind} (is its CustomResourceDefinition installed?)"
    )]
    UnknownKind {
        path: String,
        api_version: String,
        kind: String,
    },
    /// The API server refused an object (invalid, forbidden, ...).
    #[error("{object}: the API server refused it: {message}")]
    Rejected { object: ObjectRef, message: String },
    /// Fields are owned by another manager; nothing of those objects was changed.
    #[error("{} owned by another field manager; pass --force-conflicts to take {} over:\n{}", plural(conflicts.len(), "field is", "fields are"), if conflicts.len() == 1 { "it" } else { "them" }, list_conflicts(conflicts))]
    Conflicts { conflicts: Vec<Conflict> },
    /// berth's own state under `.berth/` could not be read or written.
    #[error("{path}: {message}")]
    State { path: String, message: String },
}

impl Classify for ApplyError {
    fn exit(&self) -> Exit {
        match self {
            ApplyError::Build(e) => e.exit(),
            ApplyError::Record(_)
            | ApplyError::NothingToApply
            | ApplyError::Manifest { .. }
            | ApplyError::Kubeconfig { .. }
            | ApplyError::UnknownKind { .. } => Exit::Usage,
            ApplyError::NotApproved { .. }
            | ApplyError::ContextRefused { .. }
            | ApplyError::Rejected { .. }
            | ApplyError::Conflicts { .. } => Exit::Findings,
            ApplyError::Unreachable { .. } | ApplyError::State { .. } => Exit::External,
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn list_refusals(refused: &[Refusal]) -> String {
    let width = refused.iter().map(|r| r.path.len()).max().unwrap_or(0);
    refused
        .iter()
        .map(|r| format!("  {:width$}  {}", r.path, r.reason))
        .collect::<Vec<_>>()
        .join("\n")
}

fn list_conflicts(conflicts: &[Conflict]) -> String {
    conflicts
        .iter()
        .map(|c| format!("  {}: {} (owned by {})", c.object, c.field, c.manager))
        .collect::<Vec<_>>()
        .join("\n")
}

fn progress_note(done: &usize, total: &usize) -> String {
    if *total == 0 {
        String::new()
    } else if done == total {
        format!(
            "\nall {total} objects were applied before it, but their rollout is unconfirmed; re-run `berth apply` once the cluster is back"
        )
    } else {
        format!(
            "\n{done} of {total} objects were applied before it; re-run `berth apply` once the cluster is back: it converges"
        )
    }
}
