//! The approval record and the tree in; the Kubernetes objects of every approved manifest out,
//! read only from files whose sha256 matches the record. Anything else in the manifest folders
//! (edited since approval, missing, never approved) is refused with the reason.

use super::error::{ApplyError, Refusal};
use super::objects::{self, Object};
use berth_core::record::ApprovalRecord;
use berth_core::record::sha256_hex;
use std::collections::BTreeSet;
use std::path::Path;

fn is_manifest_name(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml") || path.ends_with(".json")
}

/// Inside a Helm chart (a folder above it holds Chart.yaml): templates are not plain manifests.
fn in_chart(root: &Path, path: &str) -> bool {
    Path::new(path)
        .ancestors()
        .skip(1)
        .any(|dir| root.join(dir).join("Chart.yaml").is_file())
}

/// Whether `berth apply` sends this approved file: YAML or JSON outside Helm charts.
pub fn is_applied(root: &Path, path: &str) -> bool {
    is_manifest_name(path) && !in_chart(root, path)
}

/// Whether a document set looks like Kubernetes objects (every document has a `kind`).
fn looks_like_kubernetes(text: &str) -> bool {
    let (docs, _) = berth_core::validate::yaml::parse(text);
    let mut any = false;
    for d in &docs {
        match &d.value {
            serde_json::Value::Null => {}
            serde_json::Value::Object(m) if m.contains_key("kind") => any = true,
            _ => return false,
        }
    }
    any
}

/// Why a file approved as it is may still not be sent: it did not pass validation when it was
/// approved, or nothing recorded that it did.
fn unvalidated(approved: &berth_core::record::ApprovedFile) -> Option<String> {
    match &approved.validation {
        None => Some(
            "approved before berth recorded its validation: run `berth approve` (it records it), or apply with --force"
                .into(),
        ),
        Some(v) if v.errors > 0 => Some(format!(
            "approved with {} validation error{} (`berth validate` shows them): fix it and approve again, or apply with --force",
            v.errors,
            if v.errors == 1 { "" } else { "s" }
        )),
        Some(_) => None,
    }
}

/// The objects of every approved manifest, in file order, and (with `force`) the files sent
/// although they did not pass validation. Fails with the full list of refused files when any
/// manifest is not exactly as approved, or (without `force`) did not pass validation.
pub fn load(
    root: &Path,
    record: &ApprovalRecord,
    force: bool,
) -> Result<(Vec<Object>, Vec<Refusal>), ApplyError> {
    let mut refused = Vec::new();
    let mut forced = Vec::new();
    let mut texts: Vec<(String, String)> = Vec::new();
    let mut folders = BTreeSet::new();
    for (path, approved) in &record.files {
        if !is_applied(root, path) {
            continue;
        }
        let bytes = match std::fs::read(root.join(path)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                refused.push(Refusal {
                    path: path.clone(),
                    reason: "approved, but the file is missing".into(),
                });
                continue;
            }
            Err(e) => {
                return Err(ApplyError::State {
                    path: path.clone(),
                    message: format!("cannot read: {e}"),
                });
            }
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        // Whatever an edited file now holds (even nothing berth would apply), it is refused:
        // skipping it would let `--prune` delete what it approved.
        if sha256_hex(&bytes) != approved.sha256 {
            refused.push(Refusal {
                path: path.clone(),
                reason: format!(
                    "edited since it was approved at {} (sha256 differs)",
                    approved.approved_at
                ),
            });
            if let Some(dir) = Path::new(path).parent() {
                folders.insert(dir.to_path_buf());
            }
            continue;
        }
        if !looks_like_kubernetes(&text) {
            continue;
        }
        if let Some(reason) = unvalidated(approved) {
            let r = Refusal {
                path: path.clone(),
                reason,
            };
            if force {
                forced.push(r)
            } else {
                refused.push(r)
            }
        }
        if let Some(dir) = Path::new(path).parent() {
            folders.insert(dir.to_path_buf());
        }
        texts.push((path.clone(), text));
    }
    // Manifests beside the approved ones that were never approved.
    for dir in &folders {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| dir.join(e.file_name()).to_string_lossy().replace('\\', "/"))
            .filter(|p| is_manifest_name(p) && !record.files.contains_key(p))
            .collect();
        names.sort();
        for path in names {
            refused.push(Refusal {
                path,
                reason: "never approved".into(),
            });
        }
    }
    if !refused.is_empty() {
        refused.sort_by(|a, b| a.path.cmp(&b.path));
        return Err(ApplyError::NotApproved { refused });
    }
    let mut out = Vec::new();
    for (path, text) in texts {
        let objs = objects::parse(&path, &text).map_err(|message| ApplyError::Manifest {
            path: path.clone(),
            message,
        })?;
        out.extend(objs);
    }
    if out.is_empty() {
        return Err(ApplyError::NothingToApply);
    }
    Ok((out, forced))
}

#[cfg(test)]
mod tests {
    use super::*;
    use berth_core::record::ApprovedFile;

    fn approve(root: &Path, record: &mut ApprovalRecord, path: &str, text: &str) {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        record.files.insert(
            path.into(),
            ApprovedFile {
                sha256: sha256_hex(text.as_bytes()),
                approved_at: "2026-01-01T00:00:00Z".into(),
                artifact: "a".into(),
                generator: "offline".into(),
                sources: vec![],
                validation: Some(berth_core::record::Validation {
                    rules: "test".into(),
                    errors: 0,
                    warnings: 0,
                }),
            },
        );
    }

    const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n";

    #[test]
    fn reads_approved_manifests_and_skips_charts_and_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut rec = ApprovalRecord::default();
        approve(dir.path(), &mut rec, "manifests/k8s/a.yaml", CM);
        approve(dir.path(), &mut rec, "chart/Chart.yaml", "name: c\n");
        approve(
            dir.path(),
            &mut rec,
            "chart/templates/x.yaml",
            "{{ .Values }}\n",
        );
        approve(dir.path(), &mut rec, "services/a/Dockerfile", "FROM x\n");
        let (objs, _) = load(dir.path(), &rec, false).unwrap();
        assert_eq!(objs.len(), 1);
        assert_eq!(objs[0].path, "manifests/k8s/a.yaml");
    }

    #[test]
    fn an_approved_manifest_emptied_to_a_comment_is_refused_not_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let mut rec = ApprovalRecord::default();
        approve(dir.path(), &mut rec, "m/a.yaml", CM);
        approve(dir.path(), &mut rec, "m/b.yaml", CM);
        std::fs::write(dir.path().join("m/b.yaml"), "# nothing here now\n").unwrap();
        let err = load(dir.path(), &rec, false).unwrap_err();
        let ApplyError::NotApproved { refused } = &err else {
            panic!("{err}")
        };
        assert_eq!(refused.len(), 1, "{refused:?}");
        assert_eq!(refused[0].path, "m/b.yaml");
        assert!(
            refused[0]
                .reason
                .starts_with("edited since it was approved")
        );
    }

    #[test]
    fn refuses_edited_missing_and_unapproved_files_listing_each() {
        let dir = tempfile::tempdir().unwrap();
        let mut rec = ApprovalRecord::default();
        approve(dir.path(), &mut rec, "m/a.yaml", CM);
        approve(dir.path(), &mut rec, "m/b.yaml", CM);
        approve(dir.path(), &mut rec, "m/c.yaml", CM);
        std::fs::write(dir.path().join("m/a.yaml"), format!("{CM}data: {{x: y}}\n")).unwrap();
        std::fs::remove_file(dir.path().join("m/b.yaml")).unwrap();
        std::fs::write(dir.path().join("m/d.yaml"), CM).unwrap();
        let err = load(dir.path(), &rec, false).unwrap_err();
        let ApplyError::NotApproved { refused } = &err else {
            panic!("{err}")
        };
        let got: Vec<(&str, &str)> = refused
            .iter()
            .map(|r| (r.path.as_str(), r.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "m/a.yaml",
                    "edited since it was approved at 2026-01-01T00:00:00Z (sha256 differs)"
                ),
                ("m/b.yaml", "approved, but the file is missing"),
                ("m/d.yaml", "never approved"),
            ]
        );
    }
}
