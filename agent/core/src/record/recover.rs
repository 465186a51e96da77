//! A berth that did not finish (killed, or the machine stopped) in, its half-done work squared
//! with the tree out: its temporary files removed, an approval it was writing settled from the
//! files on disk, and a staged set it was replacing put back. Run by the next holder of the
//! project lock, which knows no other berth is writing.

use super::lock::Holder;
use super::{RecordError, STAGED_DIR, load_record, save_record};
use crate::source::display_path;
use std::path::Path;

/// What was squared after `left_by`.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovered {
    /// Temporary files it left, removed (project-relative).
    pub temp_files: Vec<String>,
    /// Files its approval was writing, now recorded as they are on disk.
    pub settled: Vec<String>,
    /// The staged set it was replacing was put back.
    pub staging_restored: bool,
}

pub fn recover(root: &Path, left_by: &Holder) -> Result<Recovered, RecordError> {
    let staging_restored = restore_staging(root)?;
    let temp_files = remove_temp_files(root, left_by.pid)?;
    let mut record = load_record(root)?;
    let settled = std::mem::take(&mut record.settled);
    if !settled.is_empty() {
        save_record(root, &record)?;
    }
    Ok(Recovered {
        temp_files,
        settled,
        staging_restored,
    })
}

/// `stage` renames the old set aside before moving the new one in: a berth stopped between the
/// two renames leaves only the old one.
fn restore_staging(root: &Path) -> Result<bool, RecordError> {
    let dir = root.join(STAGED_DIR);
    let old = root.join(".berth/staged.old");
    if dir.exists() || !old.is_dir() {
        return Ok(false);
    }
    std::fs::rename(&old, &dir).map_err(|source| RecordError::Stage {
        path: display_path(&dir, root),
        source,
    })?;
    Ok(true)
}

/// The temporary files `write_atomic` names after the writer's pid, anywhere berth writes
/// (dependency and VCS folders are not).
fn remove_temp_files(root: &Path, pid: u32) -> Result<Vec<String>, RecordError> {
    let marker = format!(".berth-{pid}-");
    let skip = [".git", "node_modules", "target", ".venv", "__pycache__"];
    let mut removed = Vec::new();
    let walker = walkdir::WalkDir::new(root).into_iter().filter_entry(|e| {
        e.depth() == 0 || !skip.contains(&e.file_name().to_string_lossy().as_ref())
    });
    for entry in walker.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file()
            && name.starts_with('.')
            && name.ends_with(".tmp")
            && name.contains(&marker)
        {
            std::fs::remove_file(entry.path()).map_err(|source| RecordError::Write {
                path: display_path(entry.path(), root),
                source,
            })?;
            removed.push(display_path(entry.path(), root));
        }
    }
    removed.sort();
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_only_the_dead_writers_temp_files_and_restores_the_staged_set() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("manifests/k8s")).unwrap();
        std::fs::create_dir_all(root.join(".berth/staged.old")).unwrap();
        std::fs::write(root.join("manifests/k8s/.a.yaml.berth-4242-0.tmp"), "x").unwrap();
        std::fs::write(root.join("manifests/k8s/.a.yaml.berth-77-0.tmp"), "x").unwrap();
        let left_by = Holder {
            pid: 4242,
            command: "approve".into(),
            since: "2026-12-01T00:00:00Z".into(),
        };
        let r = recover(root, &left_by).unwrap();
        assert_eq!(r.temp_files, ["manifests/k8s/.a.yaml.berth-4242-0.tmp"]);
        assert!(r.staging_restored);
        assert!(root.join(STAGED_DIR).is_dir());
        assert!(root.join("manifests/k8s/.a.yaml.berth-77-0.tmp").exists());
    }
}
