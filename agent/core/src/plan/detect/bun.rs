//! Bun: a package.json with Bun's lock file (bun.lock, bun.lockb) or `packageManager: bun@...`
//! in, the same facts as a Node project (node.rs reads them) installed and run by Bun out.

use super::{Detected, SourceTree, node};
use crate::plan::PlanError;

const LOCKS: &[&str] = &["bun.lock", "bun.lockb"];

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    let Some(pkg) = node::package_json(tree)? else {
        return Ok(None);
    };
    let lock = LOCKS.iter().find(|f| tree.exists(f));
    let manager = pkg["packageManager"]
        .as_str()
        .is_some_and(|m| m.starts_with("bun@"));
    if lock.is_none() && !manager {
        return Ok(None);
    }
    let mut found = node::from_package(tree, &pkg, "bun")?;
    // What made it Bun and not Node, with where.
    found.evidence.push(match lock {
        Some(lock) => tree.shown(lock),
        None => tree.line_of("package.json", "\"packageManager\"")?,
    });
    Ok(Some(found))
}
