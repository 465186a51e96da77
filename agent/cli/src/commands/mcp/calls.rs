//! What each `berth mcp` tool does, synchronously: the project root and the client's (already
//! confined) arguments in, JSON or text for the answer out, or berth's error. Only `draft`
//! and `diagnose` write, and only under .berth/staged/ (holding the project lock, as `berth
//! draft` does); nothing reaches a model, and only `diagnose` with `cluster: true` reads a
//! cluster (never writing to it).

use super::super::{Error, validate::report};
use crate::cli::ValidateArgs;
use berth_core::diff::{Change, FileDiff, diff, select};
use berth_core::record::{STAGED_DIR, load_record, load_staged};
use berth_pipeline::draft::{self, Drafting};
use berth_pipeline::{project, status};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// What to do next once drafts are staged: a person's steps, never the agent's.
pub const NEXT: &str = "a person reviews the drafts with `berth diff` and writes the ones they \
                        accept with `berth approve`; `berth apply` deploys what was approved";

/// The plan of one spec (an object), or of every spec under specs/ (an array).
pub fn plan(root: &Path, spec: Option<&str>) -> Result<Value, Error> {
    let plans = project::plans(spec.map(Path::new), root, root)?;
    let mut list: Vec<Value> = plans
        .iter()
        .map(|(_, p)| to_json(p))
        .collect::<Result<_, _>>()?;
    Ok(match list.len() {
        1 => list.remove(0),
        _ => Value::Array(list),
    })
}

/// Drafts one spec with the offline drafter and stages it; the staged files, how each
/// differs from the tree, and the summary `berth draft` prints.
pub fn draft(root: &Path, spec: Option<&str>, lock_timeout: Duration) -> Result<Value, Error> {
    let _lock = berth_pipeline::lock::take(root, "mcp draft", lock_timeout, &|m| {
        crate::output::eprintln_safe(m)
    })?;
    let (_, plan) = project::one_plan(spec.map(Path::new), root, root)?;
    let drafted = draft::draft(root, &plan, Drafting::Offline)?;
    let files: Vec<Value> = drafted
        .staged
        .proposals
        .iter()
        .map(|p| {
            let d = drafted.diffs.iter().find(|d| d.path == p.path);
            json!({
                "path": p.path,
                "artifact": p.artifact,
                "generator": p.generator,
                "sources": p.sources,
                "notes": p.notes,
                "change": d.map(|d| d.change),
                "conflict": d.and_then(|d| d.conflict.clone()),
                "added_lines": d.map_or(0, |d| d.added_lines),
                "removed_lines": d.map_or(0, |d| d.removed_lines),
            })
        })
        .collect();
    let removed: Vec<&str> = drafted
        .diffs
        .iter()
        .filter(|d| d.change == Change::Removed)
        .map(|d| d.path.as_str())
        .collect();
    Ok(json!({
        "app": drafted.staged.app,
        "spec": drafted.staged.spec,
        "staged_in": STAGED_DIR,
        "files": files,
        "removed": removed,
        "differ_from_tree": drafted.diffs.iter().filter(|d| d.change != Change::Unchanged).count(),
        "summary": crate::render::diff::draft_summary(&drafted.staged, &drafted.diffs),
        "next": NEXT,
    }))
}

/// The staged drafts against the files on disk, as unified diffs (only `paths`, when given).
pub fn diff_text(root: &Path, paths: &[String]) -> Result<String, Error> {
    let staged = load_staged(root)?;
    let record = load_record(root)?;
    let diffs = select(diff(root, &staged, &record)?, paths)?;
    let changed: Vec<&FileDiff> = diffs
        .iter()
        .filter(|d| d.change != Change::Unchanged)
        .collect();
    if changed.is_empty() {
        return Ok("no differences: the staged drafts match the files on disk\n".into());
    }
    Ok(crate::render::diff::patches(&changed))
}

/// Findings as `berth validate --output json` gives them, plus `clean`.
pub fn validate(
    root: &Path,
    paths: Vec<String>,
    kubernetes_version: Option<String>,
) -> Result<Value, Error> {
    let args = ValidateArgs {
        paths,
        kubernetes_version,
        ..ValidateArgs::default()
    };
    let report = report(&args, root, root)?;
    let mut v = to_json(&report)?;
    v["clean"] = Value::Bool(report.is_clean());
    Ok(v)
}

/// Why the app did not roll out: from the last failed apply's record, or (with `cluster`) the
/// cluster, read-only; fixes staged under .berth/staged/ holding the project lock.
pub fn diagnose(
    root: &Path,
    spec: Option<&str>,
    cluster: bool,
    lock_timeout: Duration,
) -> Result<Value, Error> {
    let _lock = berth_pipeline::lock::take(root, "mcp diagnose", lock_timeout, &|m| {
        crate::output::eprintln_safe(m)
    })?;
    let d = if cluster {
        let plans = match spec {
            Some(s) => project::plans(Some(Path::new(s)), root, root)?,
            None => project::plans(None, root, root).unwrap_or_default(),
        };
        let plans: Vec<_> = plans.into_iter().map(|(_, p)| p).collect();
        let opts = berth_cluster::apply::Options::default();
        berth_pipeline::diagnose::diagnose(root, &plans, &opts, true, None)?
    } else {
        berth_pipeline::diagnose::recorded(root, true)?
    };
    let mut v = to_json(&d)?;
    v["next"] = Value::String(NEXT.into());
    Ok(v)
}

/// Where each spec stands, from the project alone (the cluster is not asked).
pub fn status(root: &Path, spec: Option<&str>) -> Result<Value, Error> {
    let mut list = Vec::new();
    for (_, plan) in project::plans(spec.map(Path::new), root, root)? {
        list.push(to_json(&status::status(root, &plan, None)?)?);
    }
    Ok(match list.len() {
        1 => list.remove(0),
        _ => Value::Array(list),
    })
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<Value, Error> {
    serde_json::to_value(v).map_err(|e| Error::usage(e.to_string()))
}
