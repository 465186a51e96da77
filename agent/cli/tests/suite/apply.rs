//! `berth apply`, `berth diff --live` and `berth build` where no cluster is needed: refusals of
//! files not as approved, the context guard, an unreachable server, the build commands.
//! The tests against a real cluster are in cluster.rs.

use super::common::*;
use std::path::Path;
use std::process::Output;

/// Writes files and records them as approved, as `berth approve` would.
pub fn approve_files(dir: &Path, files: &[(&str, &str)]) {
    use berth_core::record::{ApprovalRecord, ApprovedFile, load_record};
    let mut record: ApprovalRecord = load_record(dir).unwrap();
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        record.files.insert(
            path.to_string(),
            ApprovedFile {
                sha256: berth_core::record::sha256_hex(text.as_bytes()),
                approved_at: "2026-11-26T12:00:00Z".into(),
                artifact: "test".into(),
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
    std::fs::create_dir_all(dir.join(".berth")).unwrap();
    std::fs::write(
        dir.join(".berth/approved.json"),
        serde_json::to_string_pretty(&record).unwrap(),
    )
    .unwrap();
}

/// Runs berth with this kubeconfig and an empty Minikube home.
pub fn berth_with(dir: &Path, kubeconfig: &Path, args: &[&str]) -> Output {
    let home = dir.join(".test/.minikube");
    std::fs::create_dir_all(&home).unwrap();
    assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("KUBECONFIG", kubeconfig)
        .env("MINIKUBE_HOME", &home)
        .env_remove("CLICOLOR_FORCE")
        .output()
        .unwrap()
}

/// The transcript, with the temp folder's path replaced by `[DIR]`.
pub fn transcript_in(dir: &Path, out: &Output) -> String {
    transcript(out).replace(&dir.display().to_string(), "[DIR]")
}

/// A kubeconfig with one context pointing at a closed port on loopback.
fn kubeconfig(dir: &Path, context: &str) -> std::path::PathBuf {
    let p = dir.join("kubeconfig");
    std::fs::write(
        &p,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:9\n    insecure-skip-tls-verify: true\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: {context}\n  context:\n    cluster: c\n    user: u\ncurrent-context: {context}\n"
        ),
    )
    .unwrap();
    p
}

pub const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  MODE: demo\n";

#[test]
fn a_file_edited_after_approval_is_refused_and_nothing_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    approve_files(
        dir.path(),
        &[
            ("manifests/k8s/settings.yaml", CONFIGMAP),
            ("manifests/k8s/other.yaml", CONFIGMAP),
        ],
    );
    std::fs::write(
        dir.path().join("manifests/k8s/settings.yaml"),
        CONFIGMAP.replace("demo", "prod"),
    )
    .unwrap();
    std::fs::write(dir.path().join("manifests/k8s/extra.yaml"), CONFIGMAP).unwrap();
    // The context is not even looked at: the kubeconfig names a non-local one.
    let kc = kubeconfig(dir.path(), "prod");
    let out = berth_with(dir.path(), &kc, &["apply"]);
    insta::assert_snapshot!(transcript(&out));
    let out = berth_with(dir.path(), &kc, &["diff", "--live"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
}

#[test]
fn a_file_approved_without_passing_validation_is_sent_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    approve_files(dir.path(), &[("manifests/k8s/settings.yaml", CONFIGMAP)]);
    // Approved by an older berth (no validation recorded), then with errors.
    let path = dir.path().join(".berth/approved.json");
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let with = |validation: serde_json::Value| {
        let mut r = record.clone();
        let f = &mut r["files"]["manifests/k8s/settings.yaml"];
        match validation {
            serde_json::Value::Null => {
                f.as_object_mut().unwrap().remove("validation");
            }
            v => f["validation"] = v,
        }
        std::fs::write(&path, r.to_string()).unwrap();
    };
    let kc = kubeconfig(dir.path(), "minikube");
    with(serde_json::Value::Null);
    let out = berth_with(dir.path(), &kc, &["apply"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(
        transcript(&out)
            .contains("manifests/k8s/settings.yaml  approved before berth recorded its validation"),
        "{}",
        transcript(&out)
    );
    with(serde_json::json!({"rules": "0.1.0", "errors": 2, "warnings": 0}));
    let out = berth_with(dir.path(), &kc, &["apply"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(
        transcript(&out).contains("approved with 2 validation errors"),
        "{}",
        transcript(&out)
    );
    // --force gets past the check (and here fails only for want of a server).
    let out = berth_with(dir.path(), &kc, &["apply", "--force"]);
    assert_eq!(out.status.code(), Some(3), "{}", transcript(&out));
}

#[test]
fn the_context_guard_names_the_context_it_refused() {
    let dir = tempfile::tempdir().unwrap();
    approve_files(dir.path(), &[("manifests/k8s/settings.yaml", CONFIGMAP)]);
    let kc = kubeconfig(dir.path(), "prod-eu");
    let out = berth_with(dir.path(), &kc, &["apply"]);
    insta::assert_snapshot!(transcript_in(dir.path(), &out));
    let out = berth_with(dir.path(), &kc, &["diff", "--live"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let out = berth_with(dir.path(), &kc, &["apply", "--context", "nope"]);
    insta::assert_snapshot!("unknown_context", transcript(&out));
}

#[test]
fn an_allowed_context_that_does_not_answer_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    approve_files(dir.path(), &[("manifests/k8s/settings.yaml", CONFIGMAP)]);
    let kc = kubeconfig(dir.path(), "prod-eu");
    let out = berth_with(dir.path(), &kc, &["apply", "--allow-context", "prod-eu"]);
    insta::assert_snapshot!(transcript(&out));
}

#[test]
fn a_minikube_profile_makes_a_context_local() {
    let dir = tempfile::tempdir().unwrap();
    approve_files(dir.path(), &[("manifests/k8s/settings.yaml", CONFIGMAP)]);
    let kc = kubeconfig(dir.path(), "dev");
    let profile = dir.path().join(".test/.minikube/profiles/dev");
    std::fs::create_dir_all(&profile).unwrap();
    std::fs::write(profile.join("config.json"), "{}").unwrap();
    // Past the guard, so it fails only for want of a server.
    let out = berth_with(dir.path(), &kc, &["apply"]);
    assert_eq!(out.status.code(), Some(3), "{}", transcript(&out));
}

#[test]
fn nothing_approved_is_bad_usage() {
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig(dir.path(), "minikube");
    let out = berth_with(dir.path(), &kc, &["apply"]);
    insta::assert_snapshot!(transcript(&out), @r"
    exit: 2
    --- stdout
    --- stderr
    error: nothing to apply: no approved Kubernetes manifest (run `berth draft` and `berth approve`)
    ");
    let out = berth_with(dir.path(), &kc, &["apply", "--timeout", "soon"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn build_prints_the_commands_for_minikube_and_docker() {
    let dir = sample_app();
    let kc = kubeconfig(dir.path(), "minikube");
    // The tags are hashes of the sample app's sources, which change with them.
    let tags = |o: &Output| {
        regex::Regex::new(r":[0-9a-f]{12}\b")
            .unwrap()
            .replace_all(&transcript(o), ":[TAG]")
            .into_owned()
    };
    let out = berth_with(dir.path(), &kc, &["build", "--print"]);
    insta::assert_snapshot!("minikube", tags(&out));
    let out = berth_with(
        dir.path(),
        &kc,
        &["build", "--print", "--builder", "minikube-docker-env"],
    );
    insta::assert_snapshot!("docker_env", tags(&out));
    let kc = kubeconfig(dir.path(), "dev-cluster");
    let out = berth_with(dir.path(), &kc, &["build", "--print"]);
    insta::assert_snapshot!("docker", tags(&out));
    // Each local cluster gets its own loader, chosen from the context as Skaffold does.
    for context in ["kind-dev", "k3d-dev", "rancher-desktop", "docker-desktop"] {
        let kc = kubeconfig(dir.path(), context);
        let out = berth_with(dir.path(), &kc, &["build", "--print"]);
        insta::assert_snapshot!(format!("loader_{context}"), tags(&out));
    }
    let out = assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(dir.path())
        .args(["build", "--print"])
        .env("KUBECONFIG", &kc)
        .env(
            "BERTH_IMAGE_LOAD",
            "ctr --address /run/node/containerd.sock -n k8s.io images import -",
        )
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    insta::assert_snapshot!("loader_command", tags(&out));
    let out = berth_with(dir.path(), &kc, &["build", "--print", "-o", "json"]);
    insta::assert_snapshot!("docker_json", tags(&out));
    // The tag follows the content.
    let main = dir.path().join("services/backend/src/main.rs");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, text + "\n// changed\n").unwrap();
    let again = berth_with(dir.path(), &kc, &["build", "--print"]);
    assert_ne!(out.stdout, again.stdout);
}

#[test]
fn the_build_network_comes_from_berth_toml_then_the_environment_then_the_flag() {
    let dir = sample_app();
    let kc = kubeconfig(dir.path(), "dev-cluster");
    let first = |o: &Output| {
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert_eq!(o.status.code(), Some(0), "{}", transcript(o));
        text.lines().next().unwrap_or_default().to_string()
    };
    let run = |env: Option<&str>, args: &[&str]| {
        let mut cmd = assert_cmd::Command::cargo_bin("berth").unwrap();
        cmd.current_dir(dir.path())
            .args(["build", "--print"])
            .args(args)
            .env("KUBECONFIG", &kc)
            .env_remove("BERTH_BUILD_NETWORK")
            .env_remove("BERTH_IMAGE_LOAD");
        if let Some(n) = env {
            cmd.env("BERTH_BUILD_NETWORK", n);
        }
        cmd.output().unwrap()
    };
    assert!(
        first(&run(None, &[])).starts_with("docker build -t todo-backend:"),
        "no setting: the builder's default network"
    );
    std::fs::write(
        dir.path().join("berth.toml"),
        "[build]\nnetwork = \"none\"\n",
    )
    .unwrap();
    assert!(first(&run(None, &[])).starts_with("docker build --network none -t todo-backend:"));
    assert!(first(&run(Some("host"), &[])).starts_with("docker build --network host -t "));
    assert!(
        first(&run(Some("host"), &["--network", "bridge"]))
            .starts_with("docker build --network bridge -t ")
    );
    // A typo in the table is an error naming the file and line, like any other key.
    std::fs::write(
        dir.path().join("berth.toml"),
        "[build]\nnetwrok = \"host\"\n",
    )
    .unwrap();
    let out = run(None, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        transcript(&out).contains("berth.toml:2"),
        "{}",
        transcript(&out)
    );
}

/// A project with one Go service whose Dockerfile builds FROM scratch (no registry needed).
fn scratch_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "specs/hello/spec.md",
            "# Feature Specification: Hello\n\n## Requirements\n\n- **FR-001**: System MUST say hello.\n",
        ),
        (
            "services/hello/go.mod",
            "module example.com/hello\n\ngo 1.22\n",
        ),
        (
            "services/hello/main.go",
            "package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":8080\", nil) }\n",
        ),
        (
            "services/hello/Dockerfile",
            "FROM scratch\nCOPY go.mod main.go /hello/\n",
        ),
    ];
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}

fn docker_daemon() -> bool {
    let up = std::process::Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !up {
        assert!(
            std::env::var("BERTH_REQUIRE_DOCKER").as_deref() != Ok("1"),
            "BERTH_REQUIRE_DOCKER=1 but no Docker daemon answers"
        );
        eprintln!("skipped: no Docker daemon answers `docker info`");
    }
    up
}

#[test]
fn docker_build_builds_a_from_scratch_image_and_records_its_tag() {
    if !docker_daemon() {
        return;
    }
    let dir = scratch_project();
    let kc = kubeconfig(dir.path(), "kind-dev");
    let out = berth_with(dir.path(), &kc, &["build", "--builder", "docker"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let image = stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .nth(3)
        .unwrap()
        .to_string();
    assert!(image.starts_with("hello-hello:"), "{stdout}");
    let inspect = std::process::Command::new("docker")
        .args(["image", "inspect", &image])
        .output()
        .unwrap();
    assert!(inspect.status.success(), "{}", transcript(&inspect));
    let record = std::fs::read_to_string(dir.path().join(".berth/images.json")).unwrap();
    assert!(
        record.contains(&format!("\"hello-hello\": \"{image}\"")),
        "{record}"
    );
    let _ = std::process::Command::new("docker")
        .args(["image", "rm", &image])
        .output();
}
