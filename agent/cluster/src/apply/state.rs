//! What berth remembers between applies, under `.berth/applied/<context>/<app>.json`: the last
//! set of objects that was applied and rolled out (what a failed rollout goes back to), and
//! every kind ever applied for the app (where `--prune` looks).

use super::error::ApplyError;
use berth_core::fsutil::write_atomic;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub app: String,
    pub context: String,
    /// The last set applied and rolled out: what a failed rollout goes back to.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub last_good: Option<AppliedSet>,
    /// Every `apiVersion/Kind` ever applied for this app.
    #[serde(default)]
    pub kinds: BTreeSet<String>,
    /// For each object berth applied (by `group/Kind/namespace/name`): what it sent and the
    /// fields it then owned. While both still match, applying it again changes nothing, so
    /// `diff --live` needs no dry run for it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fingerprints: BTreeMap<String, Fingerprint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// sha256 of the object as sent.
    pub sent: String,
    /// sha256 of berth's managedFields entry (apiVersion and fieldsV1) after the apply.
    pub owned: String,
}

/// The key of an object in `fingerprints`.
pub fn key(r: &super::objects::ObjectRef) -> String {
    format!(
        "{}/{}/{}/{}",
        r.group(),
        r.kind,
        r.namespace.as_deref().unwrap_or(""),
        r.name
    )
}

/// The fingerprint of an object as sent and as the server returned it (or holds it now).
pub fn fingerprint(sent: &Value, live: &Value) -> Option<Fingerprint> {
    let entry = live
        .pointer("/metadata/managedFields")?
        .as_array()?
        .iter()
        .find(|f| {
            f.get("manager").and_then(Value::as_str) == Some(super::cluster::FIELD_MANAGER)
                && f.get("operation").and_then(Value::as_str) == Some("Apply")
        })?;
    let owned = serde_json::json!([entry.get("apiVersion"), entry.get("fieldsV1")]);
    Some(Fingerprint {
        sent: berth_core::record::sha256_hex(sent.to_string().as_bytes()),
        owned: berth_core::record::sha256_hex(owned.to_string().as_bytes()),
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedSet {
    /// RFC 3339, UTC.
    pub applied_at: String,
    /// The objects as sent (labels and images included).
    pub objects: Vec<Value>,
}

fn safe(name: &str) -> String {
    if name.chars().all(|c| c == '.') {
        return format!("_{name}");
    }
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

pub fn path(root: &Path, context: &str, app: &str) -> PathBuf {
    root.join(".berth/applied")
        .join(safe(context))
        .join(format!("{}.json", safe(app)))
}

pub fn load(root: &Path, context: &str, app: &str) -> Result<State, ApplyError> {
    let p = path(root, context, app);
    match std::fs::read_to_string(&p) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| ApplyError::State {
            path: p.display().to_string(),
            message: format!("unreadable ({e}); delete it to start afresh"),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State {
            app: app.into(),
            context: context.into(),
            ..State::default()
        }),
        Err(e) => Err(ApplyError::State {
            path: p.display().to_string(),
            message: e.to_string(),
        }),
    }
}

pub fn save(root: &Path, state: &State) -> Result<(), ApplyError> {
    let p = path(root, &state.context, &state.app);
    let text = serde_json::to_string_pretty(state).unwrap_or_default() + "\n";
    write_atomic(&p, text.as_bytes()).map_err(|e| ApplyError::State {
        path: p.display().to_string(),
        message: format!("cannot write: {e}"),
    })
}

/// The sha256 of a rolled-out set, as the approval record keeps it.
fn set_hash(set: &AppliedSet) -> String {
    berth_core::record::sha256_hex(serde_json::to_string(set).unwrap_or_default().as_bytes())
}

fn record_key(state: &State) -> String {
    format!("{}/{}", safe(&state.context), safe(&state.app))
}

/// Notes the last good set's hash in the approval record (after a rollout that succeeded).
pub fn vouch(root: &Path, state: &State) -> Result<(), ApplyError> {
    let Some(set) = &state.last_good else {
        return Ok(());
    };
    let mut record = berth_core::record::load_record(root)?;
    record.applied.insert(record_key(state), set_hash(set));
    berth_core::record::save_record(root, &record)?;
    Ok(())
}

/// Whether the last good set is the one apply rolled out, by the hash in the approval record.
pub fn vouched(root: &Path, state: &State) -> bool {
    let Some(set) = &state.last_good else {
        return false;
    };
    berth_core::record::load_record(root)
        .ok()
        .and_then(|r| r.applied.get(&record_key(state)).cloned())
        .is_some_and(|h| h == set_hash(set))
}

pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_keeps_odd_context_names_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = load(dir.path(), "arn:aws/eks", "todo").unwrap();
        assert!(s.last_good.is_none());
        s.kinds.insert("v1/ConfigMap".into());
        save(dir.path(), &s).unwrap();
        assert_eq!(load(dir.path(), "arn:aws/eks", "todo").unwrap(), s);
        assert!(path(dir.path(), "a/../b", "x").starts_with(dir.path().join(".berth/applied")));
        assert!(path(dir.path(), "..", "..").ends_with("_../_...json"));
    }
}
