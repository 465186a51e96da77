//! Approve stage for the pipeline: the staged diffs, the validation report and an approval
//! policy in; the files approved written (atomically) and recorded, and who decided what, out.
//! The policy is data, chosen by the command: ask a person per file, approve everything that
//! validates, approve everything staged, or approve nothing.

use berth_core::approve::approve as write_approved;
use berth_core::diff::{Change, FileDiff};
use berth_core::exit::Error;
use berth_core::record::ApprovalRecord;
use berth_core::validate::{Finding, Report};
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Decline,
    /// Decline this file and every one after it.
    Quit,
    /// Approve this file and every one after it that validates (`a`).
    ApproveRest,
    /// Approve some of the file's hunks: `contents` is the file with only those applied.
    Hunks {
        contents: String,
        /// The hunks taken, 1-based, and how many there were.
        taken: Vec<usize>,
        total: usize,
    },
}

/// What the approver is told of a file besides its diff.
pub struct Review<'a> {
    /// Validation's findings on the proposed file, errors first.
    pub findings: &'a [Finding],
    /// It has errors and `--force` was not given: it cannot be approved.
    pub blocked: bool,
}

/// Asks a person about one file: the CLI's prompt, or piped answers.
pub trait Approver {
    fn decide(&mut self, file: &FileDiff, review: &Review) -> Decision;
    /// Told once, before the first question, of every file there will be a question about.
    fn begin(&mut self, _pending: &[&FileDiff], _report: &Report) {}
    /// Told why a file it approved in part was not approved after all.
    fn refused(&mut self, _file: &FileDiff, _why: &str) {}
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
    /// Every file decided on, in order, with the hunks taken and the hash recorded.
    pub decisions: Vec<FileDecision>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Approved,
    /// Some hunks approved and written; the rest stays staged.
    Partial,
    Declined,
    Kept,
    Invalid,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileDecision {
    pub file: String,
    pub decision: Verdict,
    /// For a partial approval: the hunks taken (1-based) and how many the diff had.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hunks_approved: Option<Vec<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hunks: Option<usize>,
    /// The sha256 recorded for the file written (none when nothing was written, or removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

impl Outcome {
    /// Something staged was not approved.
    pub fn refused(&self) -> bool {
        !(self.declined.is_empty() && self.kept.is_empty() && self.invalid.is_empty())
            || self
                .decisions
                .iter()
                .any(|d| d.decision == Verdict::Partial)
    }

    fn push(&mut self, file: &str, decision: Verdict) {
        let list = match decision {
            Verdict::Declined => &mut self.declined,
            Verdict::Kept => &mut self.kept,
            Verdict::Invalid => &mut self.invalid,
            Verdict::Approved | Verdict::Partial => return,
        };
        list.push(file.to_string());
        self.decisions.push(FileDecision {
            file: file.to_string(),
            decision,
            hunks_approved: None,
            hunks: None,
            sha256: None,
        });
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
/// policies, and approve files validation found errors in. A file approved in part is
/// validated again as it will be written. A write that fails part-way comes back beside the
/// outcome, which lists what was written and recorded before it, so nothing is half-done
/// without a report.
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
    let mut stamps = crate::validate::stamps(report, &paths);
    let mut out = Outcome::default();
    let mut chosen: Vec<FileDiff> = Vec::new();
    let mut partial: Vec<(Vec<usize>, usize)> = Vec::new();
    if policy == ApprovalPolicy::Ask {
        approver.begin(pending, report);
    }
    let mut policy = policy;
    let mut quit = false;
    for d in pending {
        let not_chosen = if d.conflict.is_some() {
            Verdict::Kept
        } else {
            Verdict::Declined
        };
        let has_errors = stamps.get(&d.path).is_some_and(|v| v.errors > 0);
        let blocked = has_errors && !force;
        let take = |chosen: &mut Vec<FileDiff>, partial: &mut Vec<_>| {
            chosen.push((*d).clone());
            partial.push((Vec::new(), 0));
        };
        match policy {
            ApprovalPolicy::Never => out.push(&d.path, not_chosen),
            ApprovalPolicy::ApproveValid if blocked => out.push(&d.path, Verdict::Invalid),
            ApprovalPolicy::ApproveValid | ApprovalPolicy::ApproveAll => {
                if d.conflict.is_some() && !force {
                    out.push(&d.path, Verdict::Kept);
                } else {
                    take(&mut chosen, &mut partial);
                }
            }
            ApprovalPolicy::Ask if quit => out.push(&d.path, not_chosen),
            ApprovalPolicy::Ask => {
                let findings = berth_core::review::findings_for(report, &d.path);
                let review = Review {
                    findings: &findings,
                    blocked,
                };
                match approver.decide(d, &review) {
                    Decision::Approve if blocked => out.push(&d.path, Verdict::Invalid),
                    Decision::Approve => take(&mut chosen, &mut partial),
                    Decision::ApproveRest => {
                        policy = ApprovalPolicy::ApproveValid;
                        if blocked {
                            out.push(&d.path, Verdict::Invalid);
                        } else if d.conflict.is_some() && !force {
                            out.push(&d.path, Verdict::Kept);
                        } else {
                            take(&mut chosen, &mut partial);
                        }
                    }
                    Decision::Decline => out.push(&d.path, not_chosen),
                    Decision::Quit => {
                        quit = true;
                        out.push(&d.path, not_chosen);
                    }
                    Decision::Hunks {
                        contents,
                        taken,
                        total,
                    } => match crate::hunks::revalidate(root, d, &contents, force) {
                        Ok((narrowed, stamp)) => {
                            stamps.insert(d.path.clone(), stamp);
                            chosen.push(narrowed);
                            partial.push((taken, total));
                        }
                        Err(verdict) => {
                            approver.refused(d, refusal(verdict));
                            out.push(&d.path, verdict);
                        }
                    },
                }
            }
        }
    }
    let refs: Vec<&FileDiff> = chosen.iter().collect();
    let (written, failure) = write_approved(root, record, &refs, &stamps);
    for (d, (taken, total)) in chosen.iter().zip(partial) {
        if !written.contains(&d.path) {
            continue;
        }
        out.decisions.push(FileDecision {
            file: d.path.clone(),
            decision: if total == 0 {
                Verdict::Approved
            } else {
                Verdict::Partial
            },
            hunks_approved: (total > 0).then_some(taken),
            hunks: (total > 0).then_some(total),
            sha256: record.files.get(&d.path).map(|f| f.sha256.clone()),
        });
    }
    out.approved = written;
    let at = |f: &str| paths.iter().position(|p| *p == f);
    out.decisions.sort_by_key(|d| at(&d.file));
    (out, failure.map(Error::from))
}

fn refusal(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Declined => "no hunk changes the file on disk: nothing approved",
        _ => {
            "validation finds errors in the file as these hunks make it: not approved (use --force)"
        }
    }
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
    fn decide(&mut self, _: &FileDiff, _: &Review) -> Decision {
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
