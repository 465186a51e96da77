//! Approve stage for the pipeline: the staged diffs, the validation report and an approval
//! policy in; the files approved written (atomically) and recorded, and who decided what, out.
//! The policy is data, chosen by the command: ask a person per file, approve everything that
//! validates, approve everything staged, or approve nothing.

use berth_core::approve::approve as write_approved;
use berth_core::diff::{Change, FileDiff};
use berth_core::exit::Error;
use berth_core::record::ApprovalRecord;
use berth_core::validate::Report;
use serde::Serialize;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ApprovalPolicy {
    /// Ask a person about each file (`berth approve`, `berth up`).
    Ask,
    /// Approve every file that validates; keep files edited by hand (`berth up --yes`,
    /// `berth ci --apply`).
    ApproveValid,
    /// Approve every staged file, valid or not; keep files edited by hand (`berth approve --yes`).
    ApproveAll,
    /// Approve nothing (`berth ci` without `--apply`).
    Never,
}

/// A person's answer about one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Decline,
    /// Decline this file and every one after it.
    Quit,
}

/// Asks a person about one file: the CLI's prompt, or piped answers.
pub trait Approver {
    fn decide(&mut self, file: &FileDiff, has_errors: bool) -> Decision;
}

#[derive(Debug, Default, Clone, Serialize)]
pub struct Outcome {
    pub approved: Vec<String>,
    pub declined: Vec<String>,
    /// Edited by hand since berth wrote them, and not overwritten.
    pub kept: Vec<String>,
    /// Not approved because validation found errors in them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub invalid: Vec<String>,
}

impl Outcome {
    /// Something staged was not approved.
    pub fn refused(&self) -> bool {
        !(self.declined.is_empty() && self.kept.is_empty() && self.invalid.is_empty())
    }
}

/// The diffs still waiting for a decision: everything but files unchanged and approved.
pub fn pending(diffs: &[FileDiff]) -> Vec<&FileDiff> {
    diffs
        .iter()
        .filter(|d| !(d.change == Change::Unchanged && d.approved))
        .collect()
}

/// Decides on each pending file by `policy` (asking `approver` under `Ask`), then writes and
/// records the approved ones. `force`: overwrite files edited by hand under the `Approve*`
/// policies. A write that fails part-way comes back beside the outcome, which lists what was
/// written and recorded before it, so nothing is half-done without a report.
pub fn run(
    root: &Path,
    record: &mut ApprovalRecord,
    pending: &[&FileDiff],
    report: &Report,
    policy: ApprovalPolicy,
    force: bool,
    approver: &mut dyn Approver,
) -> (Outcome, Option<Error>) {
    restamp(root, record, report);
    // What validation says of each pending file: whether it may be approved, and its record.
    let paths: Vec<&str> = pending.iter().map(|d| d.path.as_str()).collect();
    let stamps = crate::validate::stamps(report, &paths);
    let mut out = Outcome::default();
    let mut chosen: Vec<&FileDiff> = Vec::new();
    let mut quit = false;
    for d in pending {
        let not_chosen = |out: &mut Outcome| {
            if d.conflict.is_some() {
                out.kept.push(d.path.clone())
            } else {
                out.declined.push(d.path.clone())
            }
        };
        let has_errors = stamps.get(&d.path).is_some_and(|v| v.errors > 0);
        match policy {
            ApprovalPolicy::Never => not_chosen(&mut out),
            ApprovalPolicy::ApproveValid if has_errors => out.invalid.push(d.path.clone()),
            ApprovalPolicy::ApproveValid | ApprovalPolicy::ApproveAll => {
                if d.conflict.is_some() && !force {
                    out.kept.push(d.path.clone());
                } else {
                    chosen.push(d);
                }
            }
            ApprovalPolicy::Ask if quit => not_chosen(&mut out),
            ApprovalPolicy::Ask => match approver.decide(d, has_errors) {
                Decision::Approve => chosen.push(d),
                Decision::Decline => not_chosen(&mut out),
                Decision::Quit => {
                    quit = true;
                    not_chosen(&mut out);
                }
            },
        }
    }
    let (written, failure) = write_approved(root, record, &chosen, &stamps);
    out.approved = written;
    (out, failure.map(Error::from))
}

/// Records what `report` says of approved files whose record has no validation yet (approved
/// by a berth that did not keep it) and which are still exactly as approved.
pub fn restamp(root: &Path, record: &mut ApprovalRecord, report: &Report) {
    let unstamped: Vec<String> = record
        .files
        .iter()
        .filter(|(path, f)| {
            f.validation.is_none()
                && std::fs::read(root.join(path))
                    .is_ok_and(|b| berth_core::record::sha256_hex(&b) == f.sha256)
        })
        .map(|(path, _)| path.clone())
        .collect();
    let paths: Vec<&str> = unstamped.iter().map(String::as_str).collect();
    for (path, v) in crate::validate::stamps(report, &paths) {
        if let Some(f) = record.files.get_mut(&path) {
            f.validation = Some(v);
        }
    }
}

/// An approver for policies that never ask.
pub struct NoOne;

impl Approver for NoOne {
    fn decide(&mut self, _: &FileDiff, _: bool) -> Decision {
        Decision::Decline
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_core::record::{ApprovedFile, sha256_hex};

    #[test]
    fn restamp_records_validation_only_for_files_still_as_approved() {
        let dir = tempfile::tempdir().unwrap();
        let mut record = ApprovalRecord::default();
        for (path, text, on_disk) in [
            ("a.yaml", "a: 1\n", "a: 1\n"),
            ("b.yaml", "b: 1\n", "b: 2\n"),
        ] {
            std::fs::write(dir.path().join(path), on_disk).unwrap();
            record.files.insert(
                path.into(),
                ApprovedFile {
                    sha256: sha256_hex(text.as_bytes()),
                    approved_at: "2026-01-01T00:00:00Z".into(),
                    artifact: "x".into(),
                    generator: "offline".into(),
                    sources: vec![],
                    validation: None,
                },
            );
        }
        restamp(dir.path(), &mut record, &Report::default());
        let stamped = &record.files["a.yaml"].validation;
        assert_eq!(stamped.as_ref().map(|v| v.errors), Some(0));
        assert!(
            record.files["b.yaml"].validation.is_none(),
            "b.yaml was edited since"
        );
    }
}
