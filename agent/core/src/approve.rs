//! Approve stage: the diffs a person decided on in; files written atomically (or removed) and
//! the approval record `.berth/approved.json` (the sha256 of each approved file, when, and the
//! proposal it came from) out. `apply` reads only what this record vouches for.

use crate::diff::{Change, FileDiff};
use crate::fsutil::write_atomic;
use crate::record::{ApprovalRecord, ApprovedFile, RecordError, Validation, save_record};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    /// The approval record is unreadable or could not be saved.
    #[error(transparent)]
    Record(#[from] RecordError),
    /// Writing an approved file failed; the files listed before it were written and recorded.
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Writes (or removes) each approved file, then records it with what validation said of it
/// (`validation`, by path). Returns the paths done and, if a write failed part-way, the error:
/// what was done before it is recorded all the same, so nothing is half-applied without a report.
/// The record names every file about to change before the first write (`pending`), so a berth
/// killed part-way leaves a record that squares with the tree when next read.
pub fn approve(
    root: &Path,
    record: &mut ApprovalRecord,
    approved: &[&FileDiff],
    validation: &BTreeMap<String, Validation>,
) -> (Vec<String>, Option<ApproveError>) {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let entries: Vec<(&FileDiff, Option<ApprovedFile>)> = approved
        .iter()
        .filter(|d| d.change == Change::Removed || d.proposal.is_some())
        .map(|d| (*d, entry(d, &now, validation)))
        .collect();
    record.pending = entries
        .iter()
        .map(|(d, e)| (d.path.clone(), e.clone()))
        .collect();
    if let Err(e) = save_record(root, record) {
        record.pending.clear();
        return (Vec::new(), Some(e.into()));
    }
    let mut done = Vec::new();
    let mut failure = None;
    for (d, e) in entries {
        match write(root, d) {
            Ok(()) => {
                match e {
                    Some(f) => record.files.insert(d.path.clone(), f),
                    None => record.files.remove(&d.path),
                };
                done.push(d.path.clone());
                pause_between_writes();
            }
            Err(source) => {
                failure = Some(ApproveError::Write {
                    path: d.path.clone(),
                    source,
                });
                break;
            }
        }
    }
    record.pending.clear();
    if let Err(e) = save_record(root, record) {
        failure.get_or_insert(e.into());
    }
    (done, failure)
}

/// Tests set `BERTH_TEST_WRITE_PAUSE_MS` to hold approve between two writes, so that a kill from
/// outside lands midway every time instead of by luck (a write takes well under a millisecond).
fn pause_between_writes() {
    let ms = std::env::var("BERTH_TEST_WRITE_PAUSE_MS").ok();
    if let Some(ms) = ms.and_then(|v| v.parse::<u64>().ok()) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// What the record will say of an approved file (`None`: it is removed).
fn entry(
    d: &FileDiff,
    now: &str,
    validation: &BTreeMap<String, Validation>,
) -> Option<ApprovedFile> {
    let p = d
        .proposal
        .as_ref()
        .filter(|_| d.change != Change::Removed)?;
    Some(ApprovedFile {
        sha256: p.sha256.clone(),
        approved_at: now.into(),
        artifact: p.artifact.clone(),
        generator: p.generator.clone(),
        sources: p.sources.clone(),
        validation: validation.get(&p.path).cloned(),
    })
}

fn write(root: &Path, d: &FileDiff) -> std::io::Result<()> {
    match (&d.change, &d.proposal) {
        (Change::Removed, _) => match std::fs::remove_file(root.join(&d.path)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        },
        (Change::Unchanged, _) | (_, None) => Ok(()),
        (_, Some(p)) => write_atomic(&root.join(&p.path), p.contents.as_bytes()),
    }
}
