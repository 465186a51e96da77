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
pub fn approve(
    root: &Path,
    record: &mut ApprovalRecord,
    approved: &[&FileDiff],
    validation: &BTreeMap<String, Validation>,
) -> (Vec<String>, Option<ApproveError>) {
    let now = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let mut done = Vec::new();
    let mut failure = None;
    for d in approved {
        let result = match (&d.change, &d.proposal) {
            (Change::Removed, _) => match std::fs::remove_file(root.join(&d.path)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => {
                    record.files.remove(&d.path);
                    Ok(())
                }
            },
            (_, Some(p)) => {
                let write = if d.change == Change::Unchanged {
                    Ok(())
                } else {
                    write_atomic(&root.join(&p.path), p.contents.as_bytes())
                };
                write.map(|_| {
                    record.files.insert(
                        p.path.clone(),
                        ApprovedFile {
                            sha256: p.sha256.clone(),
                            approved_at: now.clone(),
                            artifact: p.artifact.clone(),
                            generator: p.generator.clone(),
                            sources: p.sources.clone(),
                            validation: validation.get(&p.path).cloned(),
                        },
                    );
                })
            }
            (_, None) => Ok(()),
        };
        match result {
            Ok(()) => done.push(d.path.clone()),
            Err(e) => {
                failure = Some(ApproveError::Write {
                    path: d.path.clone(),
                    source: e,
                });
                break;
            }
        }
    }
    if let Err(e) = save_record(root, record) {
        failure.get_or_insert(e.into());
    }
    (done, failure)
}
