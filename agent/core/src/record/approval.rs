//! The approval record `.berth/approved.json`: the sha256 of each approved file, when, and the
//! proposal it came from. Written by approve, read by diff, apply and status.

use super::RecordError;
use crate::fsutil::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const RECORD: &str = ".berth/approved.json";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRecord {
    /// By path, relative to the project root.
    pub files: BTreeMap<String, ApprovedFile>,
    /// By `.berth/applied/` file: the sha256 of the set apply last rolled out, written by
    /// apply, so that a rollback re-applies only a set berth itself applied from approved files.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub applied: BTreeMap<String, String>,
    /// The files an approval is writing right now, by path: what each becomes (`None`: removed).
    /// Written before the first file and cleared after the last, so a berth killed in between
    /// leaves a record that `settle` squares with the files on disk.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pending: BTreeMap<String, Option<ApprovedFile>>,
    /// Paths that were pending when the record was read, and were settled then (not saved).
    #[serde(skip)]
    pub settled: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovedFile {
    pub sha256: String,
    /// RFC 3339, UTC.
    pub approved_at: String,
    pub artifact: String,
    pub generator: String,
    pub sources: Vec<String>,
    /// What validation said of the file when it was approved; none for a record written before
    /// berth kept it. apply sends only files approved with no errors (or with `--force`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation: Option<Validation>,
}

/// The validation of one file at approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    /// The berth version whose rules checked it.
    pub rules: String,
    pub errors: usize,
    pub warnings: usize,
}

/// Reads the record, settling what an approval that did not finish left pending.
pub fn load_record(root: &Path) -> Result<ApprovalRecord, RecordError> {
    match std::fs::read_to_string(root.join(RECORD)) {
        Ok(text) => {
            let mut record = parse_record(&text)?;
            record.settled = settle(root, &mut record);
            Ok(record)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(ApprovalRecord::default()),
        Err(e) => Err(RecordError::Approval {
            path: RECORD.into(),
            message: e.to_string(),
        }),
    }
}

/// The record from its text, as is (pending entries not settled).
pub fn parse_record(text: &str) -> Result<ApprovalRecord, RecordError> {
    serde_json::from_str(text).map_err(|e| RecordError::Approval {
        path: format!("{RECORD}:{}", e.line()),
        message: e.to_string(),
    })
}

/// Squares pending entries with the tree: a file that was written is recorded as approved, one
/// that was not keeps its earlier entry (so it shows as changed, never as approved). Returns the
/// paths settled.
pub fn settle(root: &Path, record: &mut ApprovalRecord) -> Vec<String> {
    let pending = std::mem::take(&mut record.pending);
    for (path, entry) in &pending {
        let on_disk = std::fs::read(root.join(path)).ok();
        match (entry, on_disk) {
            (Some(f), Some(bytes)) if super::sha256_hex(&bytes) == f.sha256 => {
                record.files.insert(path.clone(), f.clone());
            }
            (None, None) => {
                record.files.remove(path);
            }
            _ => {}
        }
    }
    pending.into_keys().collect()
}

pub fn save_record(root: &Path, record: &ApprovalRecord) -> Result<(), RecordError> {
    let text = serde_json::to_string_pretty(record).unwrap_or_default() + "\n";
    write_atomic(&root.join(RECORD), text.as_bytes()).map_err(|e| RecordError::Write {
        path: RECORD.into(),
        source: e,
    })
}
