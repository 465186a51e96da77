//! Proposals in, the staged set under `.berth/staged/` out (an index and the files), and back.
//! A new set replaces the old one whole, so a failed run leaves the previous set intact.

use super::{RecordError, check_path, sha256_hex};
use crate::source::display_path;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const STAGED_DIR: &str = ".berth/staged";

/// A staged file with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Proposal {
    pub path: String,
    pub artifact: String,
    pub generator: String,
    /// Spec items (task, requirement, gate ids) behind it.
    pub sources: Vec<String>,
    pub sha256: String,
    pub notes: Vec<String>,
    /// The authors' own object this draft replaces, shown as the base of its diff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<crate::diff::authors::Base>,
    #[serde(skip)]
    pub contents: String,
}
const INDEX: &str = "index.json";

/// The staged set: what `berth draft` proposed, for `diff` and `approve`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Staged {
    pub app: String,
    pub spec: String,
    pub proposals: Vec<Proposal>,
    /// Files an earlier approval wrote that no artifact proposes any more.
    #[serde(default)]
    pub removed: Vec<String>,
}

/// Replaces the staged set with `staged`.
pub fn stage(root: &Path, staged: &Staged) -> Result<PathBuf, RecordError> {
    let dir = root.join(STAGED_DIR);
    let fresh = root.join(".berth/staged.new");
    let old = root.join(".berth/staged.old");
    let err = |p: &Path| {
        let shown = display_path(p, root);
        move |source| RecordError::Stage {
            path: shown,
            source,
        }
    };
    for leftover in [&fresh, &old] {
        if leftover.exists() {
            std::fs::remove_dir_all(leftover).map_err(err(leftover))?;
        }
    }
    for p in &staged.proposals {
        let target = fresh.join("files").join(&p.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(err(parent))?;
        }
        std::fs::write(&target, &p.contents).map_err(err(&target))?;
    }
    std::fs::create_dir_all(&fresh).map_err(err(&fresh))?;
    let index = serde_json::to_string_pretty(staged).map_err(|e| RecordError::Stage {
        path: INDEX.into(),
        source: e.into(),
    })?;
    std::fs::write(fresh.join(INDEX), index + "\n").map_err(err(&fresh))?;
    if dir.exists() {
        std::fs::rename(&dir, &old).map_err(err(&dir))?;
    }
    std::fs::rename(&fresh, &dir).map_err(err(&dir))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(err(&old))?;
    }
    Ok(dir)
}

/// Reads the staged set back, contents included.
pub fn load_staged(root: &Path) -> Result<Staged, RecordError> {
    let dir = root.join(STAGED_DIR);
    let index_path = dir.join(INDEX);
    let shown = display_path(&index_path, root);
    let text = std::fs::read_to_string(&index_path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            RecordError::NothingStaged {
                path: shown.clone(),
            }
        } else {
            RecordError::Staged {
                path: shown.clone(),
                message: format!("cannot read: {e}"),
            }
        }
    })?;
    let mut staged: Staged = serde_json::from_str(&text).map_err(|e| RecordError::Staged {
        path: format!("{shown}:{}", e.line()),
        message: e.to_string(),
    })?;
    for p in &mut staged.proposals {
        if !check_path(&p.path) {
            return Err(RecordError::Staged {
                path: shown.clone(),
                message: format!(
                    "{}: the staged path {} is outside the project",
                    p.artifact, p.path
                ),
            });
        }
        let file = dir.join("files").join(&p.path);
        p.contents = std::fs::read_to_string(&file).map_err(|e| RecordError::Staged {
            path: display_path(&file, root),
            message: format!("cannot read: {e}"),
        })?;
        // The staged copy must be what was proposed: a changed file is not approved by accident.
        if sha256_hex(p.contents.as_bytes()) != p.sha256 {
            return Err(RecordError::Staged {
                path: display_path(&file, root),
                message: "changed since `berth draft` staged it; run `berth draft` again".into(),
            });
        }
    }
    Ok(staged)
}
