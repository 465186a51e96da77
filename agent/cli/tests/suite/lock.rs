//! One berth at a time per project: a second berth waits for the first and names it, and a
//! berth killed while approving leaves the tree and the approval record consistent.

use super::common::{berth, copy_dir, sample_app, transcript};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn spawn(dir: &Path, args: &[&str]) -> Child {
    spawn_with(dir, args, &[])
}

fn spawn_with(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Child {
    Command::new(assert_cmd::cargo::cargo_bin("berth"))
        .current_dir(dir)
        .envs(env.iter().copied())
        .args(args)
        .env("NO_COLOR", "1")
        .env("KUBECONFIG", dir.join(".no-kubeconfig"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn must(out: std::process::Output) -> std::process::Output {
    assert!(out.status.success(), "{}", transcript(&out));
    out
}

/// Waits until `what` holds (a spawned berth got this far), or fails the test.
fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(60), "never: {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_second_berth_waits_for_the_first_names_it_and_gives_up_after_the_timeout() {
    let dir = sample_app();
    let root = dir.path();
    must(berth(root, &["draft"]));
    // `berth approve` holds the lock while it waits for an answer on stdin.
    let mut first = spawn(root, &["approve"]);
    let lock = root.join(".berth/lock");
    wait_for("approve holds the lock", || {
        std::fs::read_to_string(&lock).is_ok_and(|t| t.contains("\"approve\""))
    });
    let pid = first.id();

    let busy = berth(root, &["--lock-timeout", "1s", "draft"]);
    let text = transcript(&busy);
    assert_eq!(busy.status.code(), Some(3), "{text}");
    assert!(
        text.contains(&format!(
            "another berth is working on this project: `berth approve` (pid {pid}, since"
        )),
        "{text}"
    );
    assert!(text.contains("gave up after 1s"), "{text}");

    // A patient one waits, says for whom, and goes on once the first is done.
    let second = spawn(root, &["--lock-timeout", "60s", "draft"]);
    std::thread::sleep(Duration::from_millis(500));
    drop(first.stdin.take()); // no more answers: approve stops
    first.wait().unwrap();
    let out = second.wait_with_output().unwrap();
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!("waiting for `berth approve` (pid {pid}")),
        "{text}"
    );
    assert!(!text.contains("did not finish"), "{text}");
}

/// The drafted sample app, approved once, then drafted again with the backend's port changed:
/// the second approval overwrites files the first recorded.
fn project_with_changes_to_approve() -> tempfile::TempDir {
    let dir = sample_app();
    let root = dir.path();
    must(berth(root, &["draft"]));
    must(berth(root, &["approve", "--yes"]));
    let main = root.join("services/backend/src/main.rs");
    let code = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        code.replace(
            "const DEFAULT_PORT: u16 = 8080;",
            "const DEFAULT_PORT: u16 = 9090;",
        ),
    )
    .unwrap();
    must(berth(root, &["draft"]));
    dir
}

fn record(root: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(root.join(".berth/approved.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn sha256(path: &Path) -> Option<String> {
    use sha2::Digest;
    let bytes = std::fs::read(path).ok()?;
    Some(format!("{:x}", sha2::Sha256::digest(bytes)))
}

/// Every file the record vouches for is on disk with that hash; nothing is pending; no
/// temporary file is left anywhere in the tree.
fn assert_consistent(root: &Path) {
    let rec = record(root);
    assert!(rec.get("pending").is_none(), "still pending: {rec:#}");
    for (path, f) in rec["files"].as_object().unwrap() {
        assert_eq!(
            sha256(&root.join(path)).as_deref(),
            f["sha256"].as_str(),
            "{path} does not match its recorded hash"
        );
    }
    let temps: Vec<String> = super::common::listing(root)
        .into_iter()
        .filter(|p| p.ends_with(".tmp"))
        .collect();
    assert!(temps.is_empty(), "temporary files left: {temps:?}");
}

#[test]
fn approve_killed_with_sigkill_midway_leaves_the_tree_and_the_record_consistent() {
    let prepared = project_with_changes_to_approve();
    // Kill after the first write, then after the second: approve pauses between writes (a test
    // hook), so a SIGKILL sent once the k-th file is on disk lands before the next one.
    for (attempt, kill_after) in [1usize, 2].into_iter().enumerate() {
        let copy = tempfile::tempdir().unwrap();
        let root = copy.path();
        copy_dir(prepared.path(), root);
        let before = record(root);
        let mut child = spawn_with(
            root,
            &["approve", "--yes"],
            &[("BERTH_TEST_WRITE_PAUSE_MS", "3000")],
        );
        let pid = child.id();
        // Approve names the files it is about to write in the record before the first one.
        let record_path = root.join(".berth/approved.json");
        let mut pending = None;
        wait_for("approve records what it is about to write", || {
            let text = std::fs::read_to_string(&record_path).unwrap_or_default();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            pending = value.get("pending").cloned();
            pending.is_some()
        });
        let targets = pending.unwrap().as_object().unwrap().clone();
        assert!(
            targets.len() > kill_after,
            "too few files to stop between: {targets:?}"
        );
        let written_now = || -> Vec<String> {
            targets
                .iter()
                .filter(|(p, f)| sha256(&root.join(p)).as_deref() == f["sha256"].as_str())
                .map(|(p, _)| p.clone())
                .collect()
        };
        wait_for("approve writes a file", || {
            written_now().len() >= kill_after
        });
        child.kill().unwrap();
        child.wait().unwrap();
        let written = written_now();
        assert_eq!(written.len(), kill_after, "attempt {attempt}: {written:?}");

        // Read as it stands, every file approve wrote counts as approved, and only those it
        // did not reach still wait for approval.
        let status = berth(root, &["--output", "json", "status"]);
        let report: serde_json::Value = serde_json::from_slice(&status.stdout)
            .unwrap_or_else(|_| panic!("{}", transcript(&status)));
        let waiting: Vec<&str> = report["drafted_not_approved"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        for p in &written {
            assert!(
                !waiting.contains(&p.as_str()),
                "attempt {attempt}: {p} was written, yet is not recorded as approved"
            );
        }
        for p in targets.keys().filter(|p| !written.contains(p)) {
            assert!(
                waiting.contains(&p.as_str()),
                "attempt {attempt}: {p} was not written, yet counts as approved"
            );
        }

        // The next berth takes the lock over, says so, and finishes the approval.
        let again = berth(root, &["approve", "--yes"]);
        let text = transcript(&again);
        assert_eq!(again.status.code(), Some(0), "attempt {attempt}:\n{text}");
        assert!(
            text.contains(&format!("`berth approve` (pid {pid}"))
                && text.contains("did not finish"),
            "attempt {attempt}:\n{text}"
        );
        assert_consistent(root);
        assert_ne!(record(root)["files"], before["files"], "approved at last");
    }
}
