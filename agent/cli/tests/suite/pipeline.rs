//! `berth ci`, `berth up` (without a cluster), `berth status`, completions and the man page,
//! run as the real binary on a scratch copy of the sample app as it is committed; and the
//! crate graph that keeps drafting and the cluster apart.

use super::apply::berth_with;
use super::common::*;
use std::path::Path;

/// The sample app as committed: its spec, services, generated files and berth.lock.
pub(super) fn committed_sample_app() -> tempfile::TempDir {
    let dir = sample_app();
    copy_dir(&repo().join("manifests"), &dir.path().join("manifests"));
    std::fs::copy(repo().join("berth.lock"), dir.path().join("berth.lock")).unwrap();
    dir
}

fn text(out: &std::process::Output) -> String {
    transcript(out)
}

fn edit(path: &Path, from: &str, to: &str) {
    let before = std::fs::read_to_string(path).unwrap();
    assert!(before.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, before.replacen(from, to, 1)).unwrap();
}

#[test]
fn ci_on_the_committed_sample_app_is_clean() {
    let dir = committed_sample_app();
    let out = berth(dir.path(), &["ci", "--frozen"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    insta::assert_snapshot!("ci_clean", text(&out));
}

#[test]
fn ci_reports_a_hand_edit_as_a_hand_edit() {
    let dir = committed_sample_app();
    edit(
        &dir.path().join("manifests/k8s/backend-deployment.yaml"),
        "replicas: 1",
        "replicas: 3",
    );
    let out = berth(dir.path(), &["ci"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    insta::assert_snapshot!("ci_hand_edit", text(&out));
    let md = berth(dir.path(), &["ci", "--output", "markdown"]);
    assert_eq!(md.status.code(), Some(1));
    insta::assert_snapshot!("ci_hand_edit_markdown", text(&md));
}

#[test]
fn ci_names_the_fact_behind_drift_and_write_takes_it() {
    let dir = committed_sample_app();
    edit(
        &dir.path().join("services/backend/src/main.rs"),
        "const DEFAULT_PORT: u16 = 8080;",
        "const DEFAULT_PORT: u16 = 9090;",
    );
    let out = berth(dir.path(), &["ci"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = text(&out);
    for file in [
        "services/backend/Dockerfile",
        "manifests/k8s/backend-deployment.yaml",
        "manifests/k8s/backend-service.yaml",
        "manifests/k8s/frontend-configmap.yaml",
    ] {
        assert!(
            report.contains(&format!("modified {file}")),
            "{file}:\n{report}"
        );
    }
    assert!(
        report.contains("because backend.port: 8080 -> 9090 (services/backend/src/main.rs:11)"),
        "{report}"
    );
    assert!(!report.contains("edited by hand"), "{report}");
    insta::assert_snapshot!("ci_port_changed", report);
    let json = berth(dir.path(), &["ci", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let causes = &v["drift"][0]["causes"][0];
    assert_eq!(causes["kind"], "input");
    assert_eq!(causes["input"], "backend.port");

    let out = berth(dir.path(), &["ci", "--write"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let svc =
        std::fs::read_to_string(dir.path().join("manifests/k8s/backend-service.yaml")).unwrap();
    assert!(svc.contains("port: 9090"), "{svc}");
    let docker = std::fs::read_to_string(dir.path().join("services/backend/Dockerfile")).unwrap();
    assert!(docker.contains("EXPOSE 9090"), "{docker}");
    let lock = std::fs::read_to_string(dir.path().join("berth.lock")).unwrap();
    assert!(lock.contains("\"backend.port\" = \"9090\""));
    // Now it is clean, and stays so.
    let out = berth(dir.path(), &["ci", "--frozen"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn ci_sarif_carries_drift_as_results() {
    let dir = committed_sample_app();
    std::fs::remove_file(dir.path().join("manifests/k8s/frontend-service.yaml")).unwrap();
    let out = berth(dir.path(), &["ci", "-o", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = v["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "berth/drift"
        && r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "manifests/k8s/frontend-service.yaml"));
}

#[test]
fn ci_never_prompts_and_never_writes_under_check() {
    let dir = committed_sample_app();
    edit(&dir.path().join("specs/todo/plan.md"), "Phase", "Stage");
    let before = listing(dir.path());
    let out = assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(dir.path())
        .args(["ci", "--check"])
        .write_stdin("y\ny\ny\n")
        .output()
        .unwrap();
    assert!(out.status.code().is_some());
    assert_eq!(
        listing(dir.path()),
        before,
        "berth ci --check wrote something"
    );
}

/// A kubeconfig whose only context answers nowhere (a closed loopback port).
fn dead_kubeconfig(dir: &Path) -> std::path::PathBuf {
    let p = dir.join(".test/kubeconfig");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(
        &p,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: minikube\n  cluster:\n    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\ncontexts:\n- name: minikube\n  context:\n    cluster: minikube\n    user: minikube\ncurrent-context: minikube\nusers:\n- name: minikube\n  user:\n    token: x\n",
    )
    .unwrap();
    p
}

#[test]
fn up_without_a_cluster_writes_the_files_and_says_what_to_do_next() {
    let dir = sample_app();
    let kc = dir.path().join(".test/no-such-kubeconfig");
    let out = berth_with(dir.path(), &kc, &["up", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = stable_paths(&text(&out), dir.path());
    assert!(t.contains("minikube start"), "{t}");
    insta::assert_snapshot!("up_no_cluster", t);
    assert!(
        dir.path()
            .join("manifests/k8s/backend-deployment.yaml")
            .is_file()
    );
    assert!(dir.path().join("services/backend/Dockerfile").is_file());
    let tasks = std::fs::read_to_string(dir.path().join("specs/todo/tasks.md")).unwrap();
    assert!(tasks.contains("- [x] approve"), "{tasks}");
    assert!(tasks.contains("- [ ] apply"), "{tasks}");
    // Nothing changed: nothing to approve the second time.
    let again = berth_with(dir.path(), &kc, &["up", "--yes", "-o", "json"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&again.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let approved = events.iter().find(|e| e["event"] == "approved").unwrap();
    assert_eq!(approved["approved"], serde_json::json!([]));
    assert!(events.iter().any(|e| e["event"] == "no_cluster"));
    assert_eq!(events.last().unwrap()["event"], "result");
}

#[test]
fn up_with_a_named_context_that_does_not_answer_exits_3() {
    let dir = sample_app();
    let kc = dead_kubeconfig(dir.path());
    let out = berth_with(dir.path(), &kc, &["up", "--yes", "--context", "minikube"]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out));
    assert!(text(&out).contains("127.0.0.1:1"), "{}", text(&out));
    // The approved files were written before the cluster was tried.
    assert!(
        dir.path()
            .join("manifests/k8s/backend-service.yaml")
            .is_file()
    );
}

#[test]
fn up_applies_nothing_a_person_declined() {
    let dir = sample_app();
    let kc = dead_kubeconfig(dir.path());
    let out = assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(dir.path())
        .args(["up", "--context", "minikube"])
        .env("KUBECONFIG", &kc)
        .env("NO_COLOR", "1")
        .write_stdin("y\nn\nq\n")
        .output()
        .unwrap();
    // Stopped at the gate (exit 1), before any attempt to reach the (dead) cluster.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("nothing was applied"), "{t}");
    assert!(!t.contains("127.0.0.1:1"), "{t}");
    let record = std::fs::read_to_string(dir.path().join(".berth/approved.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&record).unwrap();
    assert_eq!(v["files"].as_object().unwrap().len(), 1, "{record}");
}

#[test]
fn up_yes_does_not_approve_a_file_with_validation_errors() {
    // The polyglot fixture's `legacy` service is of no stack berth knows: its placeholder
    // Dockerfile stops the build on purpose, and validation says so.
    let dir = fixture("polyglot");
    let kc = dir.path().join(".test/none");
    let out = berth_with(dir.path(), &kc, &["up", "--yes", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let events: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let approved = events.iter().find(|e| e["event"] == "approved").unwrap();
    assert_eq!(
        approved["invalid"],
        serde_json::json!(["services/legacy/Dockerfile"]),
        "{approved}"
    );
    assert!(!dir.path().join("services/legacy/Dockerfile").exists());
    assert!(dir.path().join("services/api/Dockerfile").is_file());
    // Stopped at the gate: no cluster was even looked for.
    assert!(!events.iter().any(|e| e["event"] == "no_cluster"));
}

#[test]
fn status_shows_tasks_and_what_waits_for_review_or_apply() {
    let dir = sample_app();
    let kc = dir.path().join(".test/none");
    let out = berth_with(dir.path(), &kc, &["draft"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = berth_with(dir.path(), &kc, &["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let t = stable_paths(&text(&out), dir.path());
    assert!(t.contains("Drafted, not approved"), "{t}");
    insta::assert_snapshot!("status_drafted", t);
    let out = berth_with(dir.path(), &kc, &["approve", "--yes"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = berth_with(dir.path(), &kc, &["status", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["drafted_not_approved"], serde_json::json!([]));
    assert!(
        v["approved_not_applied"]
            .as_array()
            .unwrap()
            .contains(&"manifests/k8s/backend-deployment.yaml".into())
    );
}

#[test]
fn completions_and_man_page_come_from_the_cli_definitions() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let out = berth(dir.path(), &["completions", shell]);
        assert!(out.status.success(), "{}", text(&out));
        let s = String::from_utf8_lossy(&out.stdout);
        assert!(
            s.contains("berth") && s.contains("allow-context"),
            "{shell}"
        );
    }
    let out = berth(dir.path(), &["man"]);
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(man.starts_with(".ie") || man.contains(".TH berth"), "{man}");
    for cmd in ["up", "ci", "status", "approve"] {
        assert!(man.contains(cmd), "{cmd}");
    }
}

/// The replaced temp folder, so snapshots do not depend on where the test ran.
fn stable_paths(text: &str, dir: &Path) -> String {
    let t = text.replace(&dir.display().to_string(), "[DIR]");
    regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
        .unwrap()
        .replace_all(&t, "[TIME]")
        .into_owned()
}

/// What the crates may depend on, as Cargo.lock resolves it (dev-dependencies included):
/// drafting and the cluster never meet except in the pipeline, and the core reaches neither a
/// model nor Kubernetes.
#[test]
fn drafting_and_the_cluster_stay_apart_in_the_crate_graph() {
    let lock: toml::Table = std::fs::read_to_string(repo().join("Cargo.lock"))
        .unwrap()
        .parse()
        .unwrap();
    let packages = lock["package"].as_array().unwrap();
    let deps = |name: &str| -> Vec<String> {
        packages
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .and_then(|p| p.get("dependencies"))
            .and_then(|d| d.as_array())
            .map(|d| {
                d.iter()
                    .map(|x| x.as_str().unwrap().split(' ').next().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    let closure = |root: &str| {
        let mut seen = std::collections::BTreeSet::new();
        let mut todo = vec![root.to_string()];
        while let Some(n) = todo.pop() {
            for d in deps(&n) {
                if seen.insert(d.clone()) {
                    todo.push(d);
                }
            }
        }
        seen
    };
    let cluster = closure("berth-cluster");
    for banned in ["berth-draft", "async-openai", "minijinja", "berth-pipeline"] {
        assert!(
            !cluster.contains(banned),
            "berth-cluster depends on {banned}"
        );
    }
    let draft = closure("berth-draft");
    for banned in [
        "berth-cluster",
        "kube",
        "kube-client",
        "k8s-openapi",
        "berth-pipeline",
    ] {
        assert!(!draft.contains(banned), "berth-draft depends on {banned}");
    }
    let core = closure("berth-core");
    for banned in [
        "berth-draft",
        "berth-cluster",
        "async-openai",
        "kube",
        "reqwest",
        "tokio",
        "clap",
    ] {
        assert!(!core.contains(banned), "berth-core depends on {banned}");
    }
    // And the chain is real: the pipeline sees both, the CLI reaches them through it.
    let pipeline = closure("berth-pipeline");
    assert!(pipeline.contains("berth-draft") && pipeline.contains("berth-cluster"));
}

#[test]
fn a_closed_pipe_does_not_stop_up_half_way() {
    let dir = sample_app();
    let bin = assert_cmd::cargo::cargo_bin("berth");
    // `true` exits at once, so every event berth prints meets a closed pipe.
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "'{}' up --yes --no-apply -o json | true",
            bin.display()
        ))
        .current_dir(dir.path())
        .env("KUBECONFIG", dir.path().join("none"))
        .status()
        .unwrap();
    assert!(status.success());
    let record = std::fs::read_to_string(dir.path().join(".berth/approved.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&record).unwrap();
    assert_eq!(v["files"].as_object().unwrap().len(), 21, "{record}");
    let tasks = std::fs::read_to_string(dir.path().join("specs/todo/tasks.md")).unwrap();
    assert!(tasks.contains("- [x] approve"), "{tasks}");
}

#[test]
fn a_registry_mirror_points_every_base_image_at_it_and_ci_names_it() {
    let dir = committed_sample_app();
    std::fs::write(
        dir.path().join("berth.toml"),
        "[draft]\nregistry_mirror = \"mirror.internal:5000/hub\"\n",
    )
    .unwrap();
    let out = berth(dir.path(), &["ci"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("because registry_mirror: new, mirror.internal:5000/hub"),
        "{t}"
    );
    // The committed Dockerfiles pull from Docker Hub: validation says so, naming the line.
    let out = berth(dir.path(), &["validate", "services/backend/Dockerfile"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let t = text(&out);
    assert!(
        t.contains("dockerfile/mirror")
            && t.contains("FROM rust:1.95-slim-bookworm does not pull through the registry mirror mirror.internal:5000/hub"),
        "{t}"
    );
    let out = berth(dir.path(), &["ci", "--write"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = berth(dir.path(), &["validate", "services/backend/Dockerfile"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let backend = std::fs::read_to_string(dir.path().join("services/backend/Dockerfile")).unwrap();
    let froms: Vec<&str> = backend.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert!(froms.len() >= 2, "{backend}");
    assert!(
        froms
            .iter()
            .all(|l| l.starts_with("FROM mirror.internal:5000/hub/")),
        "{froms:?}"
    );
    // The environment wins over berth.toml.
    let out = assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(dir.path())
        .args(["draft"])
        .env("BERTH_REGISTRY_MIRROR", "127.0.0.1:5001")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let staged = std::fs::read_to_string(
        dir.path()
            .join(".berth/staged/files/services/frontend/Dockerfile"),
    )
    .unwrap();
    assert!(staged.contains("FROM 127.0.0.1:5001/"), "{staged}");
    assert!(!staged.contains("mirror.internal"), "{staged}");
}
