//! A file approved in part: the diff and the contents a person chose (some hunks, perhaps
//! edited) in; the diff narrowed to those contents, with their own hash and their own
//! validation, out. The staged proposal is left as it was, so the rest stays proposed.

use crate::approve::Verdict;
use berth_core::diff::FileDiff;
use berth_core::record::{Validation, sha256_hex};

/// Validates `contents` as `d.path` would hold them and narrows `d` to them. Refused
/// (`Invalid`) when validation finds errors and `force` is not given, or cannot run; a choice
/// that leaves the file as it is on disk approves nothing (`Declined`).
pub fn revalidate(
    root: &std::path::Path,
    d: &FileDiff,
    contents: &str,
    force: bool,
) -> Result<(FileDiff, Validation), Verdict> {
    if d.old.as_deref() == Some(contents) || (d.old.is_none() && contents.is_empty()) {
        return Err(Verdict::Declined);
    }
    let report =
        crate::review::validate_with(root, &d.path, contents).map_err(|_| Verdict::Invalid)?;
    let stamp = crate::validate::stamps(&report, &[d.path.as_str()])
        .remove(&d.path)
        .ok_or(Verdict::Invalid)?;
    if stamp.errors > 0 && !force {
        return Err(Verdict::Invalid);
    }
    let mut narrowed = d.clone();
    if let Some(p) = narrowed.proposal.as_mut() {
        p.contents = contents.to_string();
        p.sha256 = sha256_hex(contents.as_bytes());
    }
    narrowed.new = Some(contents.to_string());
    Ok((narrowed, stamp))
}
