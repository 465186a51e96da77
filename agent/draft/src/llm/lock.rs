//! `berth.lock` at the project root (committed) in and out: for each file the LLM drafter
//! produced, its sha256, its generator, the cache key of the exchange that started it, and the
//! hashes of the spec items and service facts behind it. With it, CI regenerates with unchanged
//! inputs from the committed files alone: same bytes, no request, no token.

use super::error::LlmError;
use berth_core::fsutil::write_atomic;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const LOCK_FILE: &str = "berth.lock";
const VERSION: u32 = 1;
const HEADER: &str = "# berth.lock: written by `berth ci --write` and `berth draft --provider openai`. Commit it:\n# with it, `berth ci` tells what made a file drift, and `--frozen` regenerates unchanged\n# artifacts without asking a model.\n\n";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    #[serde(default, rename = "file")]
    pub files: Vec<LockedFile>,
    /// The inputs behind each artifact, by name (`backend.port`, `spec:FR-002`), so `berth ci`
    /// can say which change made a file drift. Written by `berth ci --write`.
    #[serde(default, rename = "artifact", skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<LockedArtifact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedArtifact {
    pub id: String,
    /// Each input's value: a service fact as it was read, or the sha256 (12 hex digits) of a
    /// spec item's text.
    pub inputs: std::collections::BTreeMap<String, String>,
}

impl Default for Lock {
    fn default() -> Self {
        Self {
            version: VERSION,
            files: Vec::new(),
            artifacts: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockedFile {
    pub path: String,
    pub artifact: String,
    pub sha256: String,
    /// `openai/<model>`, or `offline` when the model's answers were not accepted.
    pub generator: String,
    /// The key of the artifact's first exchange: it hashes every input of the prompt.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cache_key: String,
    /// sha256 of the spec items (ids and text) behind the artifact.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub spec_items: String,
    /// sha256 of the service facts (or the app's, for app-wide artifacts).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub service_facts: String,
}

impl Lock {
    /// The files locked for `artifact`.
    pub fn artifact<'a>(&'a self, artifact: &'a str) -> impl Iterator<Item = &'a LockedFile> {
        self.files.iter().filter(move |f| f.artifact == artifact)
    }
}

pub fn load(root: &Path) -> Result<Lock, LlmError> {
    let text = match std::fs::read_to_string(root.join(LOCK_FILE)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lock::default()),
        Err(e) => return Err(LlmError::store(LOCK_FILE, format!("cannot read: {e}"))),
    };
    parse(&text)
}

/// The lock from the text of a berth.lock.
pub fn parse(text: &str) -> Result<Lock, LlmError> {
    let lock: Lock = toml::from_str(&text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        LlmError::Config {
            setting: format!("{LOCK_FILE}:{line}"),
            message: format!("{} (delete it and draft again)", e.message().trim()),
        }
    })?;
    if lock.version != VERSION {
        return Err(LlmError::Config {
            setting: LOCK_FILE.into(),
            message: format!("version {} is not {VERSION}", lock.version),
        });
    }
    Ok(lock)
}

/// Writes the lock if it changed (sorted by path, so diffs stay small). Returns whether it wrote.
pub fn save(root: &Path, lock: &Lock) -> Result<bool, LlmError> {
    let mut lock = lock.clone();
    lock.files.sort_by(|a, b| a.path.cmp(&b.path));
    lock.artifacts.sort_by(|a, b| a.id.cmp(&b.id));
    let body = toml::to_string(&lock).map_err(|e| LlmError::store(LOCK_FILE, e))?;
    let text = format!("{HEADER}{body}");
    let path = root.join(LOCK_FILE);
    if std::fs::read_to_string(&path).ok().as_deref() == Some(text.as_str()) {
        return Ok(false);
    }
    write_atomic(&path, text.as_bytes()).map_err(|e| LlmError::store(LOCK_FILE, e))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_writes_only_on_change() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), Lock::default());
        let f = |p: &str| LockedFile {
            path: p.into(),
            artifact: "web/dockerfile".into(),
            sha256: "s".into(),
            generator: "openai/m".into(),
            cache_key: "k".into(),
            spec_items: "i".into(),
            service_facts: "f".into(),
        };
        let lock = Lock {
            version: 1,
            files: vec![f("b"), f("a")],
            artifacts: vec![],
        };
        assert!(save(dir.path(), &lock).unwrap());
        assert!(!save(dir.path(), &lock).unwrap());
        let back = load(dir.path()).unwrap();
        assert_eq!(back.files[0].path, "a");
        assert_eq!(back.artifact("web/dockerfile").count(), 2);
        let text = std::fs::read_to_string(dir.path().join(LOCK_FILE)).unwrap();
        assert!(text.starts_with("# berth.lock"), "{text}");
        assert!(text.contains("[[file]]"), "{text}");
    }
}
