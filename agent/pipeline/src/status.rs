//! `berth status`: a spec's plan and berth's records in; where the spec stands out: its tasks
//! and whether each is done, what is drafted but not approved, approved but not applied since,
//! and (when a cluster answers) what it runs now. Reads only; with no cluster options (as
//! `berth mcp` asks) it reads only the project and never reaches a cluster.

use berth_cluster::apply::{self, Running};
use berth_core::diff::{Change, diff};
use berth_core::exit::Error;
use berth_core::plan::{Plan, TaskOrigin};
use berth_core::record::{RecordError, load_record, load_staged};
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Serialize)]
pub struct Status {
    pub spec: String,
    pub app: String,
    pub tasks: Vec<TaskState>,
    /// Staged by `berth draft` and different from the tree, or not yet approved.
    pub drafted_not_approved: Vec<String>,
    /// Approved after the last apply that rolled out (or never applied).
    pub approved_not_applied: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Running>,
    /// Why the cluster part is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TaskState {
    pub id: String,
    pub title: String,
    pub done: bool,
    /// `spec` (written by a person) or `berth` (berth's own).
    pub origin: &'static str,
}

/// Why the cluster part is missing when no cluster was to be asked.
pub const NOT_ASKED: &str =
    "the cluster was not asked (run `berth status` for what it runs and what was applied)";

pub fn status(root: &Path, plan: &Plan, cluster: Option<&apply::Options>) -> Result<Status, Error> {
    let record = load_record(root)?;
    let drafted_not_approved = match load_staged(root) {
        Ok(staged) => diff(root, &staged, &record)?
            .into_iter()
            .filter(|d| !(d.change == Change::Unchanged && d.approved))
            .map(|d| d.path)
            .collect(),
        Err(RecordError::NothingStaged { .. }) => vec![],
        Err(e) => return Err(e.into()),
    };
    let (running, cluster_note) = match cluster.map(|c| apply::running(root, c, &plan.app)) {
        Some(Ok(r)) => (Some(r), None),
        Some(Err(e)) => (None, Some(e.to_string())),
        None => (None, Some(NOT_ASKED.to_string())),
    };
    let applied_at = running.as_ref().and_then(|r| r.last_applied.clone());
    let approved_not_applied = record
        .files
        .iter()
        .filter(|(path, f)| {
            apply::approved::is_applied(root, path)
                && applied_at.as_ref().is_none_or(|at| &f.approved_at > at)
        })
        .map(|(p, _)| p.clone())
        .collect();
    let tasks = plan
        .tasks
        .iter()
        .map(|t| TaskState {
            id: t.id.clone(),
            title: t.title.clone(),
            done: t.done,
            origin: match t.origin {
                TaskOrigin::Spec => "spec",
                TaskOrigin::Berth => "berth",
            },
        })
        .collect();
    Ok(Status {
        spec: plan.spec.clone(),
        app: plan.app.clone(),
        tasks,
        drafted_not_approved,
        approved_not_applied,
        cluster: running,
        cluster_note,
    })
}
