//! `berth diagnose` on the REAL node of tests/testenv/node-up.sh: each failure produced for
//! real (a container over its memory limit, a probe on the wrong port, a write to the read-only
//! root filesystem, a Secret key the container reads but nobody made, requests no node can
//! give), diagnosed with the right cause and evidence, its fix staged, approved by
//! `berth approve --yes` as a person would, and the app then rolling out.
//! `tests/run --only node` brings the node up; under plain `cargo test` these skip.

use super::apply::berth_with;
use super::cluster::fresh_namespace;
use super::common::*;
use super::node::node;
use super::node_failures::{HTTPD, IMAGE, Namespace, approve, live_container, manifests, pods};
use std::path::Path;
use std::time::{Duration, Instant};

const APPLY: [&str; 3] = ["apply", "--allow-context", "berth-node"];
const RESOURCES: &str =
    "resources: {requests: {cpu: 10m, memory: 16Mi}, limits: {cpu: 200m, memory: 64Mi}}";

/// The good container of node_failures, made to pass berth's policy as its drafts do (both
/// probes, requests and limits): a fix must be approvable without --force.
fn good() -> String {
    super::node_failures::good().replace(
        "        resources: {limits: {memory: 64Mi}}\n",
        &format!("        livenessProbe: {{httpGet: {{path: /index.html, port: http}}, periodSeconds: 5}}\n        {RESOURCES}\n"),
    )
}

fn run(dir: &Path, kc: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = berth_with(dir, kc, args);
    (out.status.code(), transcript(&out))
}

/// Waits until the one pod of `web` is ready.
fn assert_ready(kc: &Path, ns: &str, text: &str) {
    let until = Instant::now() + Duration::from_secs(30);
    let mut now = pods(kc, ns);
    while now != [(IMAGE.to_string(), true)] && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(500));
        now = pods(kc, ns);
    }
    assert_eq!(now, [(IMAGE.to_string(), true)], "{text}");
}

/// Good set applied, then `bad` (the Deployment's container block; `extra` files beside it)
/// applied and failing: returns the project and the failed apply's output.
fn fail(
    kc: &Path,
    ns: &str,
    bad: &str,
    extra: &[(&'static str, String)],
) -> (tempfile::TempDir, String) {
    fresh_namespace(kc, ns);
    let dir = tempfile::tempdir().unwrap();
    let mut files = manifests(ns, &good());
    files.extend(extra.iter().cloned());
    approve(dir.path(), &files);
    let (code, text) = run(
        dir.path(),
        kc,
        &[&APPLY[..], &["--timeout", "60s"]].concat(),
    );
    assert_eq!(code, Some(0), "{text}");
    let mut files = manifests(ns, bad);
    files.extend(extra.iter().cloned());
    approve(dir.path(), &files);
    let (code, text) = run(
        dir.path(),
        kc,
        &[&APPLY[..], &["--timeout", "15s"]].concat(),
    );
    eprintln!("{text}");
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("diagnosis of the failed rollout:"), "{text}");
    (dir, text)
}

/// `berth diagnose` after the roll back (from the record), the fix approved and applied: the
/// app rolls out, and diagnose then finds nothing. Returns diagnose's output.
fn diagnose_fix_and_apply(kc: &Path, ns: &str, dir: &Path, title: &str) -> String {
    let (code, text) = run(dir, kc, &["diagnose", "--allow-context", "berth-node"]);
    eprintln!("{text}");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("diagnosis of the apply that failed at"),
        "{text}"
    );
    assert!(
        text.contains(&format!("deployment.apps/web -n {ns}  {title}")),
        "{text}"
    );
    assert!(text.contains("staged 1 fix under .berth/staged/"), "{text}");
    assert!(text.contains("manifests/k8s/web.yaml  (0 errors"), "{text}");
    // Staged, not written: the tree still holds the approved (failing) file.
    let (code, diff) = run(dir, kc, &["diff"]);
    assert!(diff.contains("manifests/k8s/web.yaml"), "{diff}");
    assert_ne!(code, Some(2), "{diff}");
    let (code, approved) = run(dir, kc, &["approve", "--yes"]);
    assert_eq!(code, Some(0), "{approved}");
    let (code, applied) = run(dir, kc, &[&APPLY[..], &["--timeout", "60s"]].concat());
    assert_eq!(code, Some(0), "{applied}");
    assert_ready(kc, ns, &applied);
    assert!(!dir.join(".berth/diagnosis.json").exists(), "{applied}");
    let (code, after) = run(dir, kc, &["diagnose", "--allow-context", "berth-node"]);
    assert_eq!(code, Some(0), "{after}");
    assert!(
        after.contains("nothing failed: 1 approved workload is ready"),
        "{after}"
    );
    text
}

#[test]
fn an_oom_kill_is_diagnosed_its_limit_raised_and_the_app_rolls_out() {
    let Some(kc) = node() else { return };
    let ns = "berth-diag-oom";
    let _cleanup = Namespace { kc: &kc, name: ns };
    // dd's 24 MiB block is one allocation: over a 16Mi limit, within the 64Mi berth proposes.
    let start = r#"["sh", "-c", "dd if=/dev/zero of=/dev/null bs=24M count=1 && exec httpd -f -p 8080 -h /www"]"#;
    let bad = good()
        .replace("memory: 64Mi}", "memory: 16Mi}")
        .replace(HTTPD, start);
    let (dir, failed) = fail(&kc, ns, &bad, &[]);
    assert!(
        failed.contains("cause: it needed more memory than its limit of 16Mi and was killed"),
        "{failed}"
    );
    let text = diagnose_fix_and_apply(&kc, ns, dir.path(), "OOMKilled");
    assert!(text.contains("resources.limits.memory: 16Mi"), "{text}");
    assert!(text.contains("resources.limits.memory to 64Mi"), "{text}");
    assert_eq!(
        live_container(&kc, ns)["resources"]["limits"]["memory"],
        "64Mi"
    );
}

#[test]
fn a_probe_on_the_wrong_port_is_diagnosed_live_pointed_at_the_declared_port_and_rolls_out() {
    let Some(kc) = node() else { return };
    let ns = "berth-diag-probe";
    let _cleanup = Namespace { kc: &kc, name: ns };
    fresh_namespace(&kc, ns);
    let dir = tempfile::tempdir().unwrap();
    approve(
        dir.path(),
        &manifests(ns, &good().replace("port: 8080}", "port: 9999}")),
    );
    // No roll back: the failing pods stay, and diagnose reads them from the cluster now.
    let args = [&APPLY[..], &["--timeout", "15s", "--no-rollback"]].concat();
    let (code, failed) = run(dir.path(), &kc, &args);
    assert_eq!(code, Some(1), "{failed}");
    std::fs::remove_file(dir.path().join(".berth/diagnosis.json")).unwrap();
    let (code, text) = run(
        dir.path(),
        &kc,
        &["diagnose", "--allow-context", "berth-node"],
    );
    eprintln!("{text}");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("diagnosis (context berth-node, now):"),
        "{text}"
    );
    assert!(
        text.contains("cause: it runs, but its readiness probe (GET :9999/index.html) fails"),
        "{text}"
    );
    assert!(
        text.contains("the container declares port 8080 (http)"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.contains("event Unhealthy: Readiness probe failed:")
                && l.contains(":9999/index.html")),
        "{text}"
    );
    assert!(text.contains("probes on port 9999 to port 8080"), "{text}");
    let (code, approved) = run(dir.path(), &kc, &["approve", "--yes"]);
    assert_eq!(code, Some(0), "{approved}");
    let (code, applied) = run(
        dir.path(),
        &kc,
        &[&APPLY[..], &["--timeout", "60s"]].concat(),
    );
    assert_eq!(code, Some(0), "{applied}");
    assert_ready(&kc, ns, &applied);
    assert_eq!(
        live_container(&kc, ns)["readinessProbe"]["httpGet"]["port"],
        8080
    );
}

#[test]
fn a_write_to_the_read_only_root_is_diagnosed_and_gets_a_writable_empty_dir() {
    let Some(kc) = node() else { return };
    let ns = "berth-diag-rofs";
    let _cleanup = Namespace { kc: &kc, name: ns };
    let start = r#"["sh", "-c", "echo ok > /tmp/ready.txt && exec httpd -f -p 8080 -h /www"]"#;
    let (dir, failed) = fail(&kc, ns, &good().replace(HTTPD, start), &[]);
    assert!(failed.contains("read-only filesystem"), "{failed}");
    let text = diagnose_fix_and_apply(&kc, ns, dir.path(), "read-only filesystem");
    assert!(
        text.contains("its log: sh: can't create /tmp/ready.txt: Read-only file system"),
        "{text}"
    );
    assert!(text.contains("a writable emptyDir at /tmp"), "{text}");
    let c = live_container(&kc, ns);
    assert_eq!(c["volumeMounts"][0]["mountPath"], "/tmp", "{c}");
    assert_eq!(c["securityContext"]["readOnlyRootFilesystem"], true, "{c}");
}

#[test]
fn a_secret_key_nobody_made_is_diagnosed_and_generated_by_the_next_apply() {
    let Some(kc) = node() else { return };
    let ns = "berth-diag-secret";
    let _cleanup = Namespace { kc: &kc, name: ns };
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: web-secrets\n  namespace: {ns}\n  labels:\n    app.kubernetes.io/part-of: {ns}\n  annotations:\n    berth.dev/generate: password\ntype: Opaque\n"
    );
    let extra = [("manifests/k8s/web-secrets.yaml", secret)];
    let env = "        env: [{name: TOKEN, valueFrom: {secretKeyRef: {name: web-secrets, key: token}}}]\n";
    let bad = good() + env;
    let (dir, failed) = fail(&kc, ns, &bad, &extra);
    assert!(failed.contains("CreateContainerConfigError"), "{failed}");
    let (code, text) = run(
        dir.path(),
        &kc,
        &["diagnose", "--allow-context", "berth-node"],
    );
    eprintln!("{text}");
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("cause: the Secret web-secrets has no key token, which the container reads"),
        "{text}"
    );
    assert!(text.contains("has: password (generated)"), "{text}");
    assert!(
        text.contains("manifests/k8s/web-secrets.yaml  (0 errors"),
        "{text}"
    );
    let (code, approved) = run(dir.path(), &kc, &["approve", "--yes"]);
    assert_eq!(code, Some(0), "{approved}");
    let (code, applied) = run(
        dir.path(),
        &kc,
        &[&APPLY[..], &["--timeout", "60s"]].concat(),
    );
    assert_eq!(code, Some(0), "{applied}");
    assert_ready(&kc, ns, &applied);
    let live = kubectl_json(
        &kc,
        &["-n", ns, "get", "secret", "web-secrets", "-o", "json"],
    );
    assert!(
        live["data"]["token"]
            .as_str()
            .is_some_and(|v| !v.is_empty()),
        "{live}"
    );
    // The value lives only in the cluster: no file of the project holds it.
    let staged =
        std::fs::read_to_string(dir.path().join("manifests/k8s/web-secrets.yaml")).unwrap();
    assert!(
        staged.contains("berth.dev/generate: password,token"),
        "{staged}"
    );
    assert!(!staged.contains("\ndata:"), "{staged}");
}

#[test]
fn requests_no_node_can_give_are_diagnosed_and_lowered_to_fit() {
    let Some(kc) = node() else { return };
    let ns = "berth-diag-sched";
    let _cleanup = Namespace { kc: &kc, name: ns };
    let bad = good().replace(
        RESOURCES,
        "resources: {requests: {cpu: 10m, memory: 4000Gi}, limits: {cpu: 200m, memory: 4000Gi}}",
    );
    assert_ne!(bad, good());
    let (dir, failed) = fail(&kc, ns, &bad, &[]);
    assert!(failed.contains("Unschedulable"), "{failed}");
    let text = diagnose_fix_and_apply(&kc, ns, dir.path(), "Unschedulable");
    assert!(text.contains("Insufficient memory"), "{text}");
    assert!(text.contains("can give pods: cpu"), "{text}");
    assert!(text.contains("container requests memory: 4000Gi"), "{text}");
    assert!(text.contains("resources.requests to memory"), "{text}");
}

fn kubectl_json(kc: &Path, args: &[&str]) -> serde_json::Value {
    let out = super::cluster::kubectl(kc, args);
    serde_json::from_slice(&out.stdout).unwrap_or_default()
}

/// `berth up --yes` on a project whose app needs more memory than berth's default limit (its
/// start-up holds 300 MB; Python's default limit is 256Mi): the first rollout is OOM-killed
/// for real, the diagnose stage stages the doubled limit, the same approval policy as the
/// drafts approves it (it validates), and up applies once more: the app is then available.
#[test]
fn berth_up_mends_an_oom_kill_and_the_app_rolls_out() {
    let Some(kc) = node() else { return };
    let _mirror = super::node::mirror();
    fresh_namespace(&kc, "ballast");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/layouts/root"), dir.path());
    std::fs::rename(
        dir.path().join("specs/001-quotes"),
        dir.path().join("specs/001-ballast"),
    )
    .unwrap();
    let main = dir.path().join("main.py");
    let code = std::fs::read_to_string(&main).unwrap();
    std::fs::write(
        &main,
        format!("{code}\n# Held for the life of the process: more than the default limit.\nBALLAST = \"x\" * (300 * 1024 * 1024)\n"),
    )
    .unwrap();

    let out = berth_with(
        dir.path(),
        &kc,
        &[
            "up",
            "--yes",
            "--allow-context",
            "berth-node",
            "--timeout",
            "240s",
            "-o",
            "json",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap())
        .unwrap_or_else(|e| panic!("{e}: {text}"));
    let cause = &result["diagnosis"]["causes"][0];
    assert_eq!(cause["kind"], "out_of_memory", "{result:#}");
    assert!(
        result["failed_apply"].is_object(),
        "the first apply failed: {result:#}"
    );
    let staged = result["diagnosis"]["staged"].as_array().unwrap();
    assert_eq!(staged.len(), 1, "{result:#}");
    assert_eq!(staged[0]["errors"], 0, "{result:#}");

    let limit = super::node::kubectl(
        &kc,
        &[
            "-n",
            "ballast",
            "get",
            "deployment",
            "-o",
            "jsonpath={.items[0].spec.template.spec.containers[0].resources.limits.memory}",
        ],
    );
    assert_eq!(limit.trim(), "512Mi");
    let available = super::node::kubectl(
        &kc,
        &[
            "-n",
            "ballast",
            "get",
            "deployment",
            "-o",
            "jsonpath={.items[0].status.availableReplicas}",
        ],
    );
    assert_eq!(available.trim(), "1", "{text}");
    // The approved manifest is the one the cluster has: the fix went through approval.
    let approved = listing(dir.path())
        .into_iter()
        .find(|f| f.starts_with("manifests/k8s/") && f.ends_with("-deployment.yaml"))
        .unwrap();
    let approved = std::fs::read_to_string(dir.path().join(approved)).unwrap();
    assert!(approved.contains("memory: 512Mi"), "{approved}");
    super::node::kubectl(&kc, &["delete", "namespace", "ballast", "--wait=false"]);
}
