use std::path::{Path, PathBuf};
use std::process::Output;

/// The repository root (tests/fixtures lives there).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A copy of `tests/fixtures/<name>` in a temp folder, so tests never write into the repo.
pub fn fixture(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures").join(name), dir.path());
    dir
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Runs berth in `dir` with colour off.
pub fn berth(dir: &Path, args: &[&str]) -> Output {
    assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap()
}

/// Exit status, stdout and stderr together, as one snapshot.
pub fn transcript(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir`, relative, sorted: to prove a failed run wrote nothing.
pub fn listing(dir: &Path) -> Vec<String> {
    walk(dir, dir)
}

fn walk(base: &Path, dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(walk(base, &p));
        } else {
            out.push(p.strip_prefix(base).unwrap().to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

/// A temp copy of the sample app: its spec and services, without dependencies or build output.
pub fn sample_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = repo();
    copy_dir(&root.join("specs/todo"), &dir.path().join("specs/todo"));
    for svc in ["backend", "frontend"] {
        copy_filtered(
            &root.join("services").join(svc),
            &dir.path().join("services").join(svc),
        );
    }
    dir
}

fn copy_filtered(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if ["node_modules", "target", "dist"]
            .iter()
            .any(|s| name == *s)
        {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_filtered(&entry.path(), &to.join(&name));
        } else {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}
