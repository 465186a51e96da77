//! The records both sides of berth share: hashing, the staged proposals (`.berth/staged/`) and
//! the approval record (`.berth/approved.json`). Drafting writes the first, approve the second,
//! and apply reads them back; none of them needs a drafter or a cluster.

mod approval;
pub mod lock;
pub mod recover;
mod staged;

pub use approval::{
    ApprovalRecord, ApprovedFile, RECORD, Validation, load_record, parse_record, save_record,
    settle,
};
pub use staged::{Proposal, STAGED_DIR, Staged, load_staged, stage};

use sha2::{Digest, Sha256};

/// What can go wrong reading or writing a record. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// Nothing has been staged yet.
    #[error("{path}: nothing is staged: run `berth draft` first")]
    NothingStaged { path: String },
    /// The staged set is unreadable or was changed after staging.
    #[error("{path}: {message}")]
    Staged { path: String, message: String },
    /// Staging under .berth/ failed; the previous staged set is kept.
    #[error("{path}: cannot stage proposals: {source}")]
    Stage {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The approval record is unreadable; nothing was written.
    #[error("{path}: the approval record is unreadable: {message}")]
    Approval { path: String, message: String },
    /// A record could not be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Paths must be relative, inside the project, and never inside `.git` or `.berth`.
pub fn check_path(path: &str) -> bool {
    !(path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains('\0')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == ".." || c == "." || c == ".git" || c == ".berth"))
}
