//! `berth diagnose` without a cluster: what the last failed apply saw (.berth/diagnosis.json),
//! its causes printed as a person reads them and as JSON, and the fix staged as a proposal
//! that `berth diff` shows and nothing writes to the tree. On the real node: node_diagnose.rs.

use super::apply::approve_files;
use super::common::*;
use std::path::Path;

const DEPLOYMENT: &str = "manifests/k8s/backend-deployment.yaml";

/// The sample app's backend Deployment as berth drafted it, approved, and the record of an
/// apply that saw it killed for its memory.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(repo().join(DEPLOYMENT)).unwrap();
    approve_files(dir.path(), &[(DEPLOYMENT, &text)]);
    let record = serde_json::json!({
        "at": "2026-12-03T10:00:00Z",
        "context": "minikube",
        "causes": [{
            "kind": "out_of_memory",
            "workload": {"api_version": "apps/v1", "kind": "Deployment", "namespace": "todo", "name": "backend"},
            "container": "backend",
            "summary": "it needed more memory than its limit of 128Mi and was killed",
            "evidence": [
                "container backend: last run ended: OOMKilled (exit code 137), 3 restarts",
                "resources.limits.memory: 128Mi"
            ],
            "fix": {"change": "memory_limit", "to": "256Mi"}
        }, {
            "kind": "crash",
            "workload": {"api_version": "apps/v1", "kind": "Deployment", "namespace": "todo", "name": "backend"},
            "container": "sidecar",
            "summary": "it exits with code 3",
            "evidence": ["its log: fatal: config missing"],
            "next": "its log says why: kubectl logs -n todo backend-7d9c-x2x -c sidecar --previous"
        }]
    });
    std::fs::write(
        dir.path().join(".berth/diagnosis.json"),
        serde_json::to_string_pretty(&record).unwrap(),
    )
    .unwrap();
    dir
}

/// berth with a kubeconfig that does not exist: no cluster can be reached.
fn offline(dir: &Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("KUBECONFIG", "no-such-kubeconfig")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap()
}

#[test]
fn without_a_cluster_the_last_failed_apply_is_diagnosed_and_its_fix_staged() {
    let dir = project();
    let tree = listing(dir.path());
    let before = std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap();
    let out = offline(dir.path(), &["diagnose"]);
    insta::assert_snapshot!("diagnose_from_record", transcript(&out));
    assert_eq!(out.status.code(), Some(1));
    // The tree is as it was: the fix is only staged.
    assert_eq!(
        std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap(),
        before
    );
    let now: Vec<String> = listing(dir.path())
        .into_iter()
        .filter(|p| !p.starts_with(".berth/staged/") && p != ".berth/lock")
        .collect();
    assert_eq!(now, tree);
    let out = offline(dir.path(), &["diff"]);
    let text = transcript(&out);
    assert!(
        text.contains("-            memory: 128Mi\n+            memory: 256Mi\n"),
        "{text}"
    );
    // That one line and nothing else.
    let changed = |sign: &str, file: &str| {
        text.lines()
            .filter(|l| l.starts_with(sign) && !l.starts_with(file))
            .count()
    };
    assert_eq!((changed("-", "---"), changed("+", "+++")), (1, 1), "{text}");
}

#[test]
fn the_json_diagnosis_names_each_cause_its_fix_and_the_staged_file() {
    let dir = project();
    let out = offline(dir.path(), &["diagnose", "-o", "json", "--no-stage"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The note quotes the kubeconfig error, which names a temp folder.
    let note = v["notes"][0].as_str().unwrap_or_default().to_string();
    assert!(
        note.starts_with("the cluster could not be read ("),
        "{note}"
    );
    v["notes"] = serde_json::json!(["[the cluster could not be read]"]);
    insta::assert_json_snapshot!("diagnose_json", v);
    // --no-stage: nothing staged.
    assert!(!dir.path().join(".berth/staged").exists());
}

#[test]
fn with_no_cluster_and_no_failure_on_record_there_is_nothing_to_diagnose() {
    let dir = project();
    std::fs::remove_file(dir.path().join(".berth/diagnosis.json")).unwrap();
    let out = offline(dir.path(), &["diagnose"]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("nothing to diagnose:"), "{text}");
    assert!(
        text.contains("no failed apply is on record (.berth/diagnosis.json)"),
        "{text}"
    );
}
