//! The diffs and the validation report in; the proposal as a whole out: how many files are
//! new, changed and removed, the findings by severity, what `apply --prune` would delete, and
//! each file grouped by the service (or app) its artifact belongs to.

use crate::diff::{Change, FileDiff};
use crate::validate::{Report, Severity};
use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Overview {
    pub new: usize,
    pub changed: usize,
    pub removed: usize,
    pub conflicts: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Removed manifests: once their removal is approved, `berth apply --prune` deletes the
    /// objects they held from the cluster.
    pub prune: Vec<String>,
    pub groups: Vec<Group>,
}

/// The files of one service (or of the app as a whole, or removed).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub name: String,
    pub files: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub path: String,
    /// Its artifact's id (`api/deployment`); none for a removed file.
    pub artifact: Option<String>,
    pub change: Change,
    pub conflict: bool,
    pub added_lines: usize,
    pub removed_lines: usize,
    pub errors: usize,
    pub warnings: usize,
}

/// Group name for files no artifact proposes any more.
pub const REMOVED: &str = "removed";

/// The overview of `diffs` (those unchanged and approved are left out), with what `report`
/// found in each.
pub fn overview(diffs: &[&FileDiff], report: &Report) -> Overview {
    let mut o = Overview::default();
    for d in diffs {
        let e = entry(d, report);
        match d.change {
            Change::Added => o.new += 1,
            Change::Modified => o.changed += 1,
            Change::Removed => o.removed += 1,
            Change::Unchanged => {}
        }
        o.conflicts += usize::from(e.conflict);
        o.errors += e.errors;
        o.warnings += e.warnings;
        if d.change == Change::Removed && is_manifest(&d.path) {
            o.prune.push(d.path.clone());
        }
        let name = group_of(&e);
        match o.groups.iter_mut().find(|g| g.name == name) {
            Some(g) => g.files.push(e),
            None => o.groups.push(Group {
                name,
                files: vec![e],
            }),
        }
    }
    o
}

fn entry(d: &FileDiff, report: &Report) -> Entry {
    let findings = super::findings_for(report, &d.path);
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    Entry {
        path: d.path.clone(),
        artifact: d.proposal.as_ref().map(|p| p.artifact.clone()),
        change: d.change,
        conflict: d.conflict.is_some(),
        added_lines: d.added_lines,
        removed_lines: d.removed_lines,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
    }
}

/// An artifact id is `<service>/<kind>` (or `<app>/<kind>` for the app's own).
fn group_of(e: &Entry) -> String {
    match &e.artifact {
        Some(a) => a.split('/').next().unwrap_or(a).to_string(),
        None => REMOVED.to_string(),
    }
}

fn is_manifest(path: &str) -> bool {
    [".yaml", ".yml", ".json"].iter().any(|e| path.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::compare;

    #[test]
    fn files_are_grouped_by_service_and_removed_manifests_are_pruned() {
        let mut a = compare("services/api/Dockerfile", None, Some("FROM x\n".into()));
        a.proposal = Some(crate::record::Proposal {
            path: a.path.clone(),
            artifact: "api/dockerfile".into(),
            generator: "offline".into(),
            sources: vec![],
            sha256: String::new(),
            notes: vec![],
            base: None,
            contents: String::new(),
        });
        let gone = compare("manifests/k8s/old.yaml", Some("kind: X\n".into()), None);
        let o = overview(&[&a, &gone], &Report::default());
        assert_eq!((o.new, o.removed), (1, 1));
        assert_eq!(o.prune, ["manifests/k8s/old.yaml"]);
        let names: Vec<&str> = o.groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["api", REMOVED]);
    }
}
