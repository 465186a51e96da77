//! draft -> diff -> approve on a copy of a fixture project.

use super::common::*;
use std::path::Path;

fn staged_index(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(".berth/staged/index.json")).unwrap()
}

/// Project files, leaving out berth's own state.
fn tree(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_iter()
        .filter(|p| !p.starts_with(".berth/"))
        .collect()
}

fn berth_stdin(dir: &Path, args: &[&str], input: &str) -> std::process::Output {
    assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .write_stdin(input)
        .output()
        .unwrap()
}

#[test]
fn draft_stages_without_touching_the_tree_and_is_repeatable() {
    let dir = fixture("polyglot");
    let before = tree(dir.path());
    let out = berth(dir.path(), &["draft"]);
    insta::assert_snapshot!(transcript(&out));
    assert_eq!(
        tree(dir.path()),
        before,
        "draft must not write over the tree"
    );
    let first = staged_index(dir.path());
    assert!(berth(dir.path(), &["draft"]).status.success());
    assert_eq!(
        staged_index(dir.path()),
        first,
        "same inputs, same proposals"
    );
}

#[test]
fn diff_shows_new_files_and_exit_code_reports_differences() {
    let dir = fixture("polyglot");
    berth(dir.path(), &["draft"]);
    let out = berth(dir.path(), &["diff", "manifests/k8s/api-service.yaml"]);
    insta::assert_snapshot!(transcript(&out));
    let stat = berth(dir.path(), &["diff", "--stat", "services/"]);
    insta::assert_snapshot!(transcript(&stat));
    assert_eq!(
        berth(dir.path(), &["diff", "--exit-code"]).status.code(),
        Some(1)
    );
    let json = berth(dir.path(), &["diff", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    assert!(files.iter().all(|f| f["change"] == "added"));
    assert!(files.iter().any(|f| {
        f["path"] == "services/api/Dockerfile"
            && f["diff"]
                .as_str()
                .unwrap()
                .contains("+FROM python:3.12-slim AS build")
    }));
}

#[test]
fn diff_needs_a_draft_first() {
    let dir = fixture("polyglot");
    let out = berth(dir.path(), &["diff"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr), @"error: .berth/staged/index.json: nothing is staged: run `berth draft` first");
}

#[test]
fn approve_yes_writes_files_and_records_their_hashes() {
    let dir = fixture("polyglot");
    berth(dir.path(), &["draft"]);
    let out = berth(dir.path(), &["approve", "--yes", "-o", "json"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let outcome: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let approved = outcome["approved"].as_array().unwrap();
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".berth/approved.json")).unwrap(),
    )
    .unwrap();
    for path in approved {
        let path = path.as_str().unwrap();
        let bytes = std::fs::read(dir.path().join(path)).unwrap();
        let entry = &record["files"][path];
        assert_eq!(
            entry["sha256"].as_str().unwrap(),
            berth_core::record::sha256_hex(&bytes),
            "{path}"
        );
        assert_eq!(entry["generator"], "offline");
        assert!(entry["approved_at"].as_str().unwrap().ends_with('Z'));
    }
    assert!(dir.path().join("manifests/chart/store/Chart.yaml").exists());
    assert_eq!(
        berth(dir.path(), &["diff", "--exit-code"]).status.code(),
        Some(0)
    );
    let again = berth(dir.path(), &["approve", "--yes"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to approve"));
}

#[test]
fn a_hand_edited_file_is_a_conflict_and_kept_unless_forced() {
    let dir = fixture("polyglot");
    berth(dir.path(), &["draft"]);
    assert!(berth(dir.path(), &["approve", "--yes"]).status.success());
    let svc = dir.path().join("manifests/k8s/api-service.yaml");
    let edited = std::fs::read_to_string(&svc)
        .unwrap()
        .replace("type: ClusterIP", "type: NodePort");
    std::fs::write(&svc, &edited).unwrap();

    berth(dir.path(), &["draft"]);
    let diff = berth(dir.path(), &["diff", "manifests/k8s/api-service.yaml"]);
    insta::assert_snapshot!(transcript(&diff));

    let kept = berth(dir.path(), &["approve", "--yes"]);
    assert_eq!(kept.status.code(), Some(1), "{}", transcript(&kept));
    insta::assert_snapshot!(transcript(&kept));
    assert_eq!(std::fs::read_to_string(&svc).unwrap(), edited);

    let forced = berth(dir.path(), &["approve", "--yes", "--force"]);
    assert!(forced.status.success(), "{}", transcript(&forced));
    assert!(
        std::fs::read_to_string(&svc)
            .unwrap()
            .contains("type: ClusterIP")
    );
}

#[test]
fn interactive_review_answers_per_file() {
    let dir = fixture("polyglot");
    berth(dir.path(), &["draft"]);
    // Dockerfile: show the diff, then yes; .dockerignore: no; then quit.
    let out = berth_stdin(
        dir.path(),
        &["approve", "--only", "services/api/*"],
        "d\ny\nn\n",
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("+FROM python:3.12-slim AS build"),
        "the diff was shown: {stderr}"
    );
    assert!(dir.path().join("services/api/Dockerfile").exists());
    assert!(!dir.path().join("services/api/.dockerignore").exists());
    assert!(
        !dir.path().join("manifests/k8s/api-service.yaml").exists(),
        "--only limits the review"
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout), @r"
    approved and written (1):
      services/api/Dockerfile
    declined (1):
      services/api/.dockerignore
    ");
}

#[test]
fn closed_stdin_approves_nothing() {
    let dir = fixture("polyglot");
    berth(dir.path(), &["draft"]);
    let before = tree(dir.path());
    let out = berth_stdin(dir.path(), &["approve"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("use --yes"));
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn files_no_longer_planned_are_proposed_for_removal() {
    let dir = fixture("polyglot");
    berth(dir.path(), &["draft"]);
    assert!(berth(dir.path(), &["approve", "--yes"]).status.success());
    std::fs::remove_dir_all(dir.path().join("services/legacy")).unwrap();
    let out = berth(dir.path(), &["draft"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("manifests/k8s/legacy-deployment.yaml") && text.contains("removed"),
        "{text}"
    );
    assert!(berth(dir.path(), &["approve", "--yes"]).status.success());
    assert!(
        !dir.path()
            .join("manifests/k8s/legacy-deployment.yaml")
            .exists()
    );
    assert!(
        !dir.path()
            .join("manifests/chart/store/templates/legacy-service.yaml")
            .exists()
    );
}

#[test]
fn a_staged_file_changed_after_drafting_is_refused() {
    let dir = fixture("polyglot");
    berth(dir.path(), &["draft"]);
    let staged = dir
        .path()
        .join(".berth/staged/files/services/api/Dockerfile");
    std::fs::write(&staged, "FROM evil:latest\n").unwrap();
    let out = berth(dir.path(), &["approve", "--yes"]);
    assert_eq!(out.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stderr), @"error: .berth/staged/files/services/api/Dockerfile: changed since `berth draft` staged it; run `berth draft` again");
    assert!(!dir.path().join("services/api/Dockerfile").exists());
}
