//! Diff stage: the staged proposals, the files on disk and the approval record in; one
//! `FileDiff` per file out (added, modified, unchanged or removed, and whether a person edited
//! it since berth wrote it), with unified diffs and line counts. A new file that replaces an
//! object the project's authors wrote is compared with their document (see `authors`).

pub mod authors;

use crate::record::{ApprovalRecord, Proposal, Staged, sha256_hex};
use serde::Serialize;
use similar::TextDiff;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    Added,
    Modified,
    Unchanged,
    /// berth approved this file before; no artifact proposes it now.
    Removed,
}

/// Why overwriting a file would lose someone's work.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Conflict {
    /// It changed on disk since berth approved it.
    EditedSinceApproval,
    /// It exists, and berth never wrote it.
    NotWrittenByBerth,
}

impl Conflict {
    pub fn describe(&self) -> &'static str {
        match self {
            Conflict::EditedSinceApproval => "edited by hand since it was approved",
            Conflict::NotWrittenByBerth => "exists and was not written by berth",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FileDiff {
    pub path: String,
    pub change: Change,
    pub conflict: Option<Conflict>,
    /// The authors' document a new file is compared with (`k8s/app.yaml:9`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    /// The file on disk matches the approval record.
    pub approved: bool,
    pub added_lines: usize,
    pub removed_lines: usize,
    #[serde(skip)]
    pub proposal: Option<Proposal>,
    #[serde(skip)]
    pub old: Option<String>,
    #[serde(skip)]
    pub new: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// A path pattern given on the command line is not a valid glob.
    #[error("bad path pattern {pattern}: {message}")]
    Pattern { pattern: String, message: String },
    /// A file on disk could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Compares every staged proposal (and every approved file no longer proposed) with the disk.
pub fn diff(
    root: &Path,
    staged: &Staged,
    record: &ApprovalRecord,
) -> Result<Vec<FileDiff>, DiffError> {
    let mut out = Vec::new();
    for p in &staged.proposals {
        let old = read(root, &p.path)?;
        if old.is_none()
            && let Some(base) = &p.base
            && let Some(theirs) = authors::document(root, base)
        {
            let mut d = file_diff(
                p.path.clone(),
                Change::Added,
                None,
                false,
                Some(theirs),
                Some(p.contents.clone()),
                Some(p.clone()),
            );
            d.base = Some(base.shown());
            out.push(d);
            continue;
        }
        let old_sha = old.as_deref().map(|t| sha256_hex(t.as_bytes()));
        let recorded = record.files.get(&p.path).map(|f| f.sha256.as_str());
        let change = match &old {
            None => Change::Added,
            Some(text) if text == &p.contents => Change::Unchanged,
            Some(_) => Change::Modified,
        };
        let conflict = match (change, recorded) {
            (Change::Modified, Some(sha)) if Some(sha) != old_sha.as_deref() => {
                Some(Conflict::EditedSinceApproval)
            }
            (Change::Modified, None) => Some(Conflict::NotWrittenByBerth),
            _ => None,
        };
        out.push(file_diff(
            p.path.clone(),
            change,
            conflict,
            recorded.is_some() && recorded == old_sha.as_deref(),
            old,
            Some(p.contents.clone()),
            Some(p.clone()),
        ));
    }
    for (path, approved) in &record.files {
        if staged.proposals.iter().any(|p| &p.path == path) {
            continue;
        }
        // Deleted by hand, it is still a removal to approve: until then apply refuses the set,
        // and `--prune` deletes its objects only once the removal is approved.
        let old = read(root, path)?;
        let edited = old
            .as_ref()
            .is_some_and(|t| sha256_hex(t.as_bytes()) != approved.sha256);
        let conflict = edited.then_some(Conflict::EditedSinceApproval);
        out.push(file_diff(
            path.clone(),
            Change::Removed,
            conflict,
            old.is_some() && !edited,
            old,
            None,
            None,
        ));
    }
    Ok(out)
}

/// Two versions of one file, `old` on disk and `new` proposed (None: absent), compared with
/// no approval record in view: for `berth ci`, which compares the tree with what berth drafts.
pub fn compare(path: &str, old: Option<String>, new: Option<String>) -> FileDiff {
    let change = match (&old, &new) {
        (None, Some(_)) => Change::Added,
        (Some(_), None) => Change::Removed,
        (a, b) if a == b => Change::Unchanged,
        _ => Change::Modified,
    };
    file_diff(path.to_string(), change, None, false, old, new, None)
}

fn file_diff(
    path: String,
    change: Change,
    conflict: Option<Conflict>,
    approved: bool,
    old: Option<String>,
    new: Option<String>,
    proposal: Option<Proposal>,
) -> FileDiff {
    let (mut added, mut removed) = (0, 0);
    let (a, b) = (old.as_deref().unwrap_or(""), new.as_deref().unwrap_or(""));
    for change in TextDiff::from_lines(a, b).iter_all_changes() {
        match change.tag() {
            similar::ChangeTag::Insert => added += 1,
            similar::ChangeTag::Delete => removed += 1,
            similar::ChangeTag::Equal => {}
        }
    }
    FileDiff {
        path,
        change,
        conflict,
        base: None,
        approved,
        added_lines: added,
        removed_lines: removed,
        proposal,
        old,
        new,
    }
}

fn read(root: &Path, rel: &str) -> Result<Option<String>, DiffError> {
    match std::fs::read(root.join(rel)) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(DiffError::Read {
            path: rel.to_string(),
            source: e,
        }),
    }
}

/// Keeps the diffs whose path matches one of `patterns` (all when there are none). A folder
/// matches the files below it, as `git diff manifests/` does.
pub fn select(diffs: Vec<FileDiff>, patterns: &[String]) -> Result<Vec<FileDiff>, DiffError> {
    if patterns.is_empty() {
        return Ok(diffs);
    }
    let mut set = globset::GlobSetBuilder::new();
    for p in patterns {
        let glob = globset::GlobBuilder::new(p.trim_end_matches('/'))
            .literal_separator(true)
            .build()
            .map_err(|e| DiffError::Pattern {
                pattern: p.clone(),
                message: e.kind().to_string(),
            })?;
        set.add(glob);
    }
    let set = set.build().map_err(|e| DiffError::Pattern {
        pattern: patterns.join(" "),
        message: e.to_string(),
    })?;
    let folders: Vec<String> = patterns
        .iter()
        .map(|p| format!("{}/", p.trim_end_matches('/')))
        .collect();
    Ok(diffs
        .into_iter()
        .filter(|d| set.is_match(&d.path) || folders.iter().any(|f| d.path.starts_with(f.as_str())))
        .collect())
}

/// A unified diff in git's shape (`a/` and `b/` paths, /dev/null for new and removed files).
pub fn unified(d: &FileDiff, context: usize) -> String {
    let (a, b) = (
        d.old.as_deref().unwrap_or(""),
        d.new.as_deref().unwrap_or(""),
    );
    let from = if let Some(base) = &d.base {
        format!("a/{}", base.split(':').next().unwrap_or(base))
    } else if d.old.is_some() {
        format!("a/{}", d.path)
    } else {
        "/dev/null".into()
    };
    let to = if d.new.is_some() {
        format!("b/{}", d.path)
    } else {
        "/dev/null".into()
    };
    let text = TextDiff::from_lines(a, b);
    let mut out = text.unified_diff();
    out.context_radius(context).header(&from, &to);
    out.missing_newline_hint(true).to_string()
}
