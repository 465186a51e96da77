//! `berth apply` and `berth diff --live` against a REAL Kubernetes control plane (etcd,
//! kube-apiserver, controller-manager, scheduler and kwok, started by tests/testenv/k8s-up.sh).
//! `tests/run --only cluster` starts it and sets BERTH_TEST_KUBECONFIG and
//! BERTH_REQUIRE_CLUSTER=1; under plain `cargo test` these tests skip with a message. They run
//! one at a time (one of them stops the API server), each in its own namespace.

use super::apply::{approve_files, berth_with};
use super::common::sample_app;
use super::common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

pub(super) static SERIAL: Mutex<()> = Mutex::new(());

/// The test cluster's kubeconfig, or None (skip) when none was started.
pub(super) fn cluster() -> Option<PathBuf> {
    match std::env::var_os("BERTH_TEST_KUBECONFIG") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            assert!(
                std::env::var("BERTH_REQUIRE_CLUSTER").as_deref() != Ok("1"),
                "BERTH_REQUIRE_CLUSTER=1 but BERTH_TEST_KUBECONFIG is not set: run `tests/run --only cluster`"
            );
            eprintln!(
                "skipped: no test cluster (set BERTH_TEST_KUBECONFIG, or run `tests/run --only cluster`)"
            );
            None
        }
    }
}

pub(super) fn kubectl(kc: &Path, args: &[&str]) -> Output {
    Command::new("kubectl")
        .args(args)
        .env("KUBECONFIG", kc)
        .output()
        .expect("kubectl is not on PATH (tests/run puts it there)")
}

/// Deletes the namespace if an earlier run left it.
pub(super) fn fresh_namespace(kc: &Path, ns: &str) {
    let out = kubectl(
        kc,
        &[
            "delete",
            "namespace",
            ns,
            "--ignore-not-found",
            "--wait=true",
            "--timeout=90s",
        ],
    );
    assert!(out.status.success(), "{}", transcript(&out));
}

/// Times, ports, generated names and uids vary from run to run.
pub(super) fn stable(text: &str) -> String {
    let rules = [
        (r"https://127\.0\.0\.1:\d+", "https://127.0.0.1:[PORT]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]"),
        (r"NodePort \d+", "NodePort [PORT]"),
        (r"-[a-z0-9]{8,10}-[a-z0-9]{5}\b", "-[RS]-[POD]"),
        (r"(replicaset/[a-z0-9.-]+?)-[a-z0-9]{8,10}\b", "$1-[RS]"),
    ];
    let mut t = text.to_string();
    for (re, to) in rules {
        t = regex::Regex::new(re)
            .unwrap()
            .replace_all(&t, to)
            .into_owned();
    }
    t
}

/// A small app: Namespace, ConfigMap, Service and Deployment, labelled part-of `ns`.
pub(super) fn app(ns: &str, cpu: &str, replicas: u32) -> Vec<(String, String)> {
    let labels = format!("    app.kubernetes.io/part-of: {ns}\n");
    vec![
        (
            "manifests/k8s/namespace.yaml".into(),
            format!(
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n{labels}"
            ),
        ),
        (
            "manifests/k8s/web-config.yaml".into(),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-config\n  namespace: {ns}\n  labels:\n{labels}data:\n  GREETING: hello\n"
            ),
        ),
        (
            "manifests/k8s/web-service.yaml".into(),
            format!(
                "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: {ns}\n  labels:\n{labels}spec:\n  selector: {{app: web}}\n  ports:\n  - port: 80\n    targetPort: 8080\n"
            ),
        ),
        (
            "manifests/k8s/web-deployment.yaml".into(),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: {ns}\n  labels:\n{labels}spec:\n  replicas: {replicas}\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      containers:\n      - name: web\n        image: web:1.0.0\n        resources:\n          requests: {{cpu: \"{cpu}\", memory: 16Mi}}\n          limits: {{cpu: \"{cpu}\", memory: 16Mi}}\n"
            ),
        ),
    ]
}

pub(super) fn approve(dir: &Path, files: &[(String, String)]) {
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    approve_files(dir, &refs);
}

pub(super) fn ok(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "{}", transcript(out));
    stable(&transcript(out))
}

#[test]
fn the_sample_app_is_approved_applied_and_rolled_out() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "todo");
    let dir = sample_app();
    let out = berth(dir.path(), &["draft"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let out = berth(dir.path(), &["approve", "--yes"]);
    assert!(out.status.success(), "{}", transcript(&out));
    insta::assert_snapshot!(
        "sample_diff_live_before",
        ok(&berth_with(dir.path(), &kc, &["diff", "--live", "--stat"]))
    );
    insta::assert_snapshot!(
        "sample_apply",
        ok(&berth_with(dir.path(), &kc, &["apply", "--timeout", "90s"]))
    );
    let out = kubectl(
        &kc,
        &[
            "-n",
            "todo",
            "get",
            "deployments",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.status.readyReplicas} {end}",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "backend=1 frontend=1 "
    );
    // Applying the same again changes nothing, and the live diff is empty.
    let again = ok(&berth_with(dir.path(), &kc, &["apply"]));
    assert!(
        !again.contains("created") && !again.contains("configured"),
        "{again}"
    );
    let out = berth_with(dir.path(), &kc, &["diff", "--live", "--exit-code"]);
    insta::assert_snapshot!("sample_diff_live_after", ok(&out));
}

#[test]
fn a_service_removed_from_the_project_leaves_the_cluster_only_once_its_removal_is_approved() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "todo");
    let dir = sample_app();
    let root = dir.path();
    ok(&berth(root, &["draft"]));
    ok(&berth(root, &["approve", "--yes"]));
    ok(&berth_with(root, &kc, &["apply", "--no-wait"]));
    let deployments = || {
        let out = kubectl(&kc, &["-n", "todo", "get", "deployments", "-o", "name"]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(deployments().contains("deployment.apps/frontend"));

    // The frontend goes from the project: drafted again, its files are proposed for removal.
    std::fs::remove_dir_all(root.join("services/frontend")).unwrap();
    ok(&berth(root, &["draft"]));
    let diff = ok(&berth(
        root,
        &["diff", "manifests/k8s/frontend-service.yaml"],
    ));
    assert!(
        diff.contains("deleted file (no artifact proposes it any more)"),
        "{diff}"
    );
    assert!(
        diff.contains("once approved, `berth apply --prune` deletes the objects it held"),
        "{diff}"
    );

    // Not approved yet: --prune keeps everything; a manifest deleted by hand is refused.
    let kept = ok(&berth_with(root, &kc, &["apply", "--prune", "--no-wait"]));
    assert!(!kept.contains("pruned"), "{kept}");
    std::fs::remove_file(root.join("manifests/k8s/frontend-service.yaml")).unwrap();
    let out = berth_with(root, &kc, &["apply", "--prune", "--no-wait"]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("manifests/k8s/frontend-service.yaml  approved, but the file is missing"),
        "{text}"
    );
    assert!(deployments().contains("deployment.apps/frontend"));

    // Approved (the hand-deleted file as a removal too), apply says what it deletes, then does.
    let approved = ok(&berth(root, &["approve", "--yes"]));
    assert!(
        approved.contains("manifests/k8s/frontend-service.yaml"),
        "{approved}"
    );
    assert!(!root.join("manifests/k8s/frontend-deployment.yaml").exists());
    let out = berth_with(root, &kc, &["apply", "--prune", "--no-wait"]);
    ok(&out);
    // Said on stderr as the deletion starts (the result on stdout comes at the end).
    let said = String::from_utf8_lossy(&out.stderr);
    let listing = "deleting 3 objects that no approved file holds any more:\n  deployment.apps/frontend -n todo\n  service/frontend -n todo\n  configmap/frontend-config -n todo\n";
    assert!(said.contains(listing), "{said}");
    let result = String::from_utf8_lossy(&out.stdout);
    assert!(
        result.contains("pruned 3 objects the approved set no longer has:"),
        "{result}"
    );
    assert!(!deployments().contains("frontend"), "{}", deployments());
    assert!(deployments().contains("deployment.apps/backend"));
}

#[test]
fn diff_live_shows_only_what_would_change() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "berth-diff");
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), &app("berth-diff", "10m", 1));
    ok(&berth_with(dir.path(), &kc, &["apply"]));
    let same = ok(&berth_with(
        dir.path(),
        &kc,
        &["diff", "--live", "--exit-code"],
    ));
    assert!(
        same.contains("0 to create, 0 to change, 4 unchanged"),
        "{same}"
    );
    // Someone scales the Deployment: the field changes hands, and the diff must see it even
    // though berth's manifest did not change.
    let out = kubectl(
        &kc,
        &[
            "-n",
            "berth-diff",
            "scale",
            "deployment",
            "web",
            "--replicas=3",
        ],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let out = berth_with(dir.path(), &kc, &["diff", "--live", "--exit-code"]);
    let text = stable(&transcript(&out));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("-  replicas: 3\n+  replicas: 1\n"), "{text}");
    let mut files = app("berth-diff", "10m", 2);
    files[1].1 = files[1].1.replace("hello", "bonjour");
    approve(dir.path(), &files);
    let out = berth_with(dir.path(), &kc, &["diff", "--live", "--exit-code"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    insta::assert_snapshot!(stable(&transcript(&out)));
    let out = berth_with(dir.path(), &kc, &["apply", "--dry-run"]);
    insta::assert_snapshot!("dry_run", ok(&out));
    // The dry run changed nothing.
    let out = kubectl(
        &kc,
        &[
            "-n",
            "berth-diff",
            "get",
            "configmap",
            "web-config",
            "-o",
            "jsonpath={.data.GREETING}",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello");
}

#[test]
fn prune_deletes_only_what_left_the_approved_set() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "berth-prune");
    let dir = tempfile::tempdir().unwrap();
    let mut files = app("berth-prune", "10m", 1);
    files.push((
        "manifests/k8s/old.yaml".into(),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: old\n  namespace: berth-prune\n  labels:\n    app.kubernetes.io/part-of: berth-prune\ndata: {a: b}\n".into(),
    ));
    approve(dir.path(), &files);
    ok(&berth_with(dir.path(), &kc, &["apply"]));
    // Someone else's object in the same namespace, and one with only part of berth's labels.
    let out = kubectl(
        &kc,
        &[
            "-n",
            "berth-prune",
            "create",
            "configmap",
            "theirs",
            "--from-literal=a=b",
        ],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let out = kubectl(
        &kc,
        &[
            "-n",
            "berth-prune",
            "create",
            "configmap",
            "lookalike",
            "--from-literal=a=b",
        ],
    );
    assert!(out.status.success());
    kubectl(
        &kc,
        &[
            "-n",
            "berth-prune",
            "label",
            "configmap",
            "lookalike",
            "berth.dev/inventory=other-app",
            "app.kubernetes.io/managed-by=berth",
        ],
    );
    // An approved manifest emptied to a comment is refused, not skipped: prune deletes
    // nothing a person did not approve the removal of.
    let approved_old = std::fs::read_to_string(dir.path().join("manifests/k8s/old.yaml")).unwrap();
    std::fs::write(dir.path().join("manifests/k8s/old.yaml"), "# replaced\n").unwrap();
    let out = berth_with(dir.path(), &kc, &["apply", "--prune"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(
        transcript(&out).contains("manifests/k8s/old.yaml  edited since it was approved"),
        "{}",
        transcript(&out)
    );
    let still = kubectl(&kc, &["-n", "berth-prune", "get", "configmap", "old"]);
    assert!(still.status.success(), "{}", transcript(&still));
    std::fs::write(dir.path().join("manifests/k8s/old.yaml"), approved_old).unwrap();
    // old.yaml leaves the approved set.
    std::fs::remove_file(dir.path().join("manifests/k8s/old.yaml")).unwrap();
    let record = std::fs::read_to_string(dir.path().join(".berth/approved.json")).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&record).unwrap();
    v["files"]
        .as_object_mut()
        .unwrap()
        .remove("manifests/k8s/old.yaml");
    std::fs::write(dir.path().join(".berth/approved.json"), v.to_string()).unwrap();
    // Without --prune it stays; a dry run says what would go; --prune removes it.
    ok(&berth_with(dir.path(), &kc, &["apply"]));
    let dry = ok(&berth_with(
        dir.path(),
        &kc,
        &["apply", "--prune", "--dry-run"],
    ));
    assert!(
        dry.contains("would prune 1 object the approved set"),
        "{dry}"
    );
    insta::assert_snapshot!(ok(&berth_with(dir.path(), &kc, &["apply", "--prune"])));
    let out = kubectl(
        &kc,
        &[
            "-n",
            "berth-prune",
            "get",
            "configmaps",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name} {end}",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "kube-root-ca.crt lookalike theirs web-config "
    );
}

#[test]
fn a_field_owned_by_kubectl_is_reported_then_taken_with_force_conflicts() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "berth-conflict");
    let dir = tempfile::tempdir().unwrap();
    let files = app("berth-conflict", "10m", 1);
    approve(dir.path(), &files);
    // kubectl's client-side apply created the ConfigMap first, with another value.
    let theirs = dir.path().join("theirs.yaml");
    std::fs::write(&theirs, files[1].1.replace("hello", "hi from kubectl")).unwrap();
    kubectl(
        &kc,
        &[
            "apply",
            "-f",
            &dir.path()
                .join("manifests/k8s/namespace.yaml")
                .to_string_lossy(),
        ],
    );
    let out = kubectl(&kc, &["apply", "-f", &theirs.to_string_lossy()]);
    assert!(out.status.success(), "{}", transcript(&out));
    let out = berth_with(dir.path(), &kc, &["apply"]);
    insta::assert_snapshot!("refused", stable(&transcript(&out)));
    // Nothing was changed by the refused apply: the Deployment does not exist.
    let out = kubectl(&kc, &["-n", "berth-conflict", "get", "deployment", "web"]);
    assert!(!out.status.success());
    insta::assert_snapshot!(
        "forced",
        ok(&berth_with(
            dir.path(),
            &kc,
            &["apply", "--force-conflicts"]
        ))
    );
    let out = kubectl(
        &kc,
        &[
            "-n",
            "berth-conflict",
            "get",
            "configmap",
            "web-config",
            "-o",
            "jsonpath={.data.GREETING}",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hello");
}

#[test]
fn a_failed_rollout_shows_why_and_rolls_back_to_the_last_good_set() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "berth-rollback");
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), &app("berth-rollback", "10m", 2));
    ok(&berth_with(dir.path(), &kc, &["apply"]));
    // 64 CPUs: the fake node has 32, so the new pods are never scheduled.
    approve(dir.path(), &app("berth-rollback", "64", 2));
    let out = berth_with(
        dir.path(),
        &kc,
        &["apply", "--timeout", "6s", "--no-rollback"],
    );
    let text = stable(&transcript(&out));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains(
            "deployment.apps/web -n berth-rollback  FAILED  not rolled out before the deadline"
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "PodScheduled is False: Unschedulable (0/1 nodes are available: 1 Insufficient cpu."
        ),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("Warning")
            && l.contains("FailedScheduling")
            && l.contains("pod/web-[RS]-[POD]")),
        "{text}"
    );
    assert!(
        text.contains("not rolled back (--no-rollback): the objects stay as applied"),
        "{text}"
    );
    // A last good set edited on disk is not what berth rolled out: it is never re-applied.
    let state = std::fs::read_dir(dir.path().join(".berth/applied/minikube"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("the state of the good apply");
    let good = std::fs::read_to_string(&state).unwrap();
    std::fs::write(&state, good.replace("\"10m\"", "\"20m\"")).unwrap();
    let out = berth_with(dir.path(), &kc, &["apply", "--timeout", "6s"]);
    let text = stable(&transcript(&out));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("not rolling back: .berth/applied/minikube/")
            && text.contains("does not match the hash"),
        "{text}"
    );
    std::fs::write(&state, good).unwrap();
    let out = berth_with(dir.path(), &kc, &["apply", "--timeout", "6s"]);
    let text = stable(&transcript(&out));
    assert_eq!(out.status.code(), Some(1), "{text}");
    let tail = &text[text.find("rolled back to").expect(&text)..];
    insta::assert_snapshot!(tail);
    // The cluster runs the good set again.
    let out = kubectl(
        &kc,
        &[
            "-n",
            "berth-rollback",
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].resources.requests.cpu} {.status.readyReplicas}",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "10m 2");
}

#[test]
fn apply_prints_json_lines_and_uses_the_images_berth_build_made() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "berth-json");
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), &app("berth-json", "10m", 1));
    // What `berth build` records after building `web` (the manifest says web:1.0.0).
    let context = dir.path().join("services/web");
    std::fs::create_dir_all(&context).unwrap();
    std::fs::write(context.join("Dockerfile"), "FROM scratch\n").unwrap();
    let built = berth_core::build::ImageBuild {
        service: "web".into(),
        context: "services/web".into(),
        repository: "web".into(),
        tag: berth_core::build::content_tag(&context).unwrap(),
    };
    berth_core::build::record_built(dir.path(), &built).unwrap();
    let tag = built.image();
    // An entry berth did not build (another registry's image under the same name) is refused,
    // and nothing is sent.
    let record = std::fs::read_to_string(dir.path().join(".berth/images.json")).unwrap();
    std::fs::write(
        dir.path().join(".berth/images.json"),
        record.replace(&tag, "evil.example.com/miner:1.0"),
    )
    .unwrap();
    let out = berth_with(dir.path(), &kc, &["apply"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let text = transcript(&out);
    assert!(
        text.contains(
            ".berth/images.json: web = evil.example.com/miner:1.0: `berth build` makes web:"
        ),
        "{text}"
    );
    let none = kubectl(
        &kc,
        &[
            "-n",
            "berth-json",
            "get",
            "deployment",
            "web",
            "--ignore-not-found",
        ],
    );
    assert!(none.stdout.is_empty(), "nothing was applied");
    berth_core::build::record_built(dir.path(), &built).unwrap();
    let out = berth_with(dir.path(), &kc, &["apply", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["event"], "target");
    let applied = lines.iter().filter(|l| l["event"] == "applied").count();
    assert_eq!(applied, 4);
    let last = lines.last().unwrap();
    assert_eq!(last["event"], "result");
    assert_eq!(last["rollouts"][0]["rollout"]["state"], "ready");
    assert_eq!(last["images"][0]["to"], tag.as_str());
    let out = kubectl(
        &kc,
        &[
            "-n",
            "berth-json",
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].imagePullPolicy}",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{tag} IfNotPresent")
    );
}

const WIDGET_CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
"#;

#[test]
fn schema_refresh_makes_validate_check_against_the_cluster_custom_resources_included() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("crd.yaml"), WIDGET_CRD).unwrap();
    let crd = dir.path().join("crd.yaml");
    let out = kubectl(&kc, &["apply", "-f", crd.to_str().unwrap()]);
    assert!(out.status.success(), "{}", transcript(&out));
    let out = kubectl(
        &kc,
        &[
            "wait",
            "--for",
            "condition=established",
            "--timeout=60s",
            "crd/widgets.example.com",
        ],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    // The API server publishes a new group's OpenAPI a moment after the CRD is established.
    let published = (0..60).any(|_| {
        let index = kubectl(&kc, &["get", "--raw", "/openapi/v3"]);
        let found = String::from_utf8_lossy(&index.stdout).contains("apis/example.com/v1");
        if !found {
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        found
    });
    assert!(
        published,
        "the API server never published apis/example.com/v1 in /openapi/v3"
    );

    std::fs::create_dir_all(dir.path().join("manifests")).unwrap();
    std::fs::write(
        dir.path().join("manifests/widget.yaml"),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: default}\nspec:\n  size: big\n  colour: red\n",
    )
    .unwrap();
    // With the embedded schemas a Widget is unknown.
    let before = berth_with(dir.path(), &kc, &["validate", "manifests", "-o", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&before.stdout).unwrap();
    assert_eq!(
        report["findings"][0]["rule"], "schema/unknown-kind",
        "{report}"
    );

    let refresh = berth_with(dir.path(), &kc, &["schema", "refresh"]);
    assert!(refresh.status.success(), "{}", transcript(&refresh));
    assert!(
        String::from_utf8_lossy(&refresh.stdout)
            .contains("wrote .berth/schemas/cluster.json: Kubernetes 1.36"),
        "{}",
        transcript(&refresh)
    );

    let after = berth_with(dir.path(), &kc, &["validate", "manifests", "-o", "json"]);
    assert_eq!(after.status.code(), Some(1), "{}", transcript(&after));
    let report: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    let found: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            ("schema/wrong-type".to_string(), 5),
            ("schema/unknown-field".to_string(), 6)
        ],
        "{report}"
    );
    assert!(
        report["notices"][0]
            .as_str()
            .unwrap()
            .contains("schemas of cluster context"),
        "{report}"
    );
    let out = kubectl(&kc, &["delete", "-f", crd.to_str().unwrap(), "--wait=true"]);
    assert!(out.status.success(), "{}", transcript(&out));
}

/// `berth up --yes` from the spec to a rolled-out, verified app; then again with nothing
/// changed: nothing approved, built or changed in the cluster.
#[test]
fn up_yes_deploys_the_sample_app_and_a_second_up_changes_nothing() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "todo");
    let dir = sample_app();
    // kwok runs no containers, so images are not built here (the real node builds them).
    let args = [
        "up",
        "--yes",
        "--no-build",
        "--timeout",
        "120s",
        "-o",
        "json",
    ];
    let started = std::time::Instant::now();
    let out = berth_with(dir.path(), &kc, &args);
    let first = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let events = json_lines(&out);
    let verified: Vec<&serde_json::Value> =
        events.iter().filter(|e| e["event"] == "verified").collect();
    assert_eq!(verified.len(), 2, "{events:#?}");
    assert!(
        verified
            .iter()
            .all(|v| v["ok"] == true && v["ready"].as_u64() >= Some(1))
    );
    assert!(verified.iter().any(|v| v["service"] == "frontend"));
    assert_eq!(available(&kc, "todo"), "backend=1 frontend=1 ");
    let tasks = std::fs::read_to_string(dir.path().join("specs/todo/tasks.md")).unwrap();
    for id in ["validate", "approve", "apply", "verify"] {
        assert!(tasks.contains(&format!("- [x] {id} ")), "{id}: {tasks}");
    }

    let started = std::time::Instant::now();
    let out = berth_with(dir.path(), &kc, &args);
    let second = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let events = json_lines(&out);
    let approved = events.iter().find(|e| e["event"] == "approved").unwrap();
    assert_eq!(approved["approved"], serde_json::json!([]));
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "applied")
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        !actions.is_empty() && actions.iter().all(|a| *a == "unchanged"),
        "{actions:?}"
    );
    eprintln!("berth up: first {first:?}, second with nothing changed {second:?}");
    // And the human form of a no-change run, as a person sees it.
    let out = berth_with(dir.path(), &kc, &["up", "--yes", "--no-build"]);
    insta::assert_snapshot!("up_again", ok(&out));
    // `berth status` sees what runs.
    let out = berth_with(dir.path(), &kc, &["status", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let objects = v["cluster"]["objects"].as_array().unwrap();
    let backend = objects
        .iter()
        .find(|o| o["object"]["kind"] == "Deployment" && o["object"]["name"] == "backend")
        .unwrap();
    assert_eq!(backend["ready"], serde_json::json!([1, 1]));
    assert_eq!(v["approved_not_applied"], serde_json::json!([]));
}

/// `berth ci --apply --allow-context`: unattended, it applies only what it regenerated and
/// validated, and never prompts.
#[test]
fn ci_apply_deploys_what_validates() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "todo");
    let dir = super::pipeline::committed_sample_app();
    let out = berth_with(
        dir.path(),
        &kc,
        &["ci", "--frozen", "--apply", "--allow-context", "minikube"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert_eq!(available(&kc, "todo"), "backend=1 frontend=1 ");
    // A hand edit is drift: nothing is applied then.
    let path = dir.path().join("manifests/k8s/backend-deployment.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("replicas: 1", "replicas: 2")).unwrap();
    let out = berth_with(
        dir.path(),
        &kc,
        &["ci", "--apply", "--allow-context", "minikube"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(
        transcript(&out).contains("not applying"),
        "{}",
        transcript(&out)
    );
    let out = kubectl(
        &kc,
        &[
            "-n",
            "todo",
            "get",
            "deployment",
            "backend",
            "-o",
            "jsonpath={.spec.replicas}",
        ],
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1");
}

/// `name=availableReplicas` of each Deployment in `ns`.
fn available(kc: &Path, ns: &str) -> String {
    let out = kubectl(
        kc,
        &[
            "-n",
            ns,
            "get",
            "deployments",
            "-o",
            "jsonpath={range .items[*]}{.metadata.name}={.status.availableReplicas} {end}",
        ],
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
