//! Rollback and diagnosis on the REAL node of tests/testenv/node-up.sh, with real failures: a
//! container that exits, a readiness probe on a port nothing listens on, an image that was
//! never loaded, a container killed for its memory. Each test applies a good Deployment and
//! Service (the busybox image node-smoke.sh imports), then an approved change that fails; berth
//! must name the real reason and roll back to the good set, whose pods are Ready again.
//! `tests/run --only node` brings the node up; under plain `cargo test` these skip.

use super::apply::{approve_files, berth_with};
use super::cluster::{fresh_namespace, kubectl};
use super::common::*;
use super::node::node;
use std::path::Path;
use std::time::{Duration, Instant};

pub(super) const IMAGE: &str = "berth.local/node-smoke:v1";
pub(super) const HTTPD: &str = r#"["httpd", "-f", "-p", "8080", "-h", "/www"]"#;

/// The good container: httpd on 8080 as uid 10001, ready when it serves /index.html.
pub(super) fn good() -> String {
    format!(
        "      - name: httpd\n        image: {IMAGE}\n        imagePullPolicy: Never\n        command: {HTTPD}\n        ports: [{{containerPort: 8080, name: http}}]\n        readinessProbe: {{httpGet: {{path: /index.html, port: 8080}}, periodSeconds: 1}}\n        resources: {{limits: {{memory: 64Mi}}}}\n        securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {{drop: [ALL]}}}}\n"
    )
}

/// Namespace, Deployment `web` with this container, and Service `web`.
pub(super) fn manifests(ns: &str, container: &str) -> Vec<(&'static str, String)> {
    let labels = format!("    app.kubernetes.io/part-of: {ns}\n");
    vec![
        (
            "manifests/k8s/namespace.yaml",
            format!(
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n{labels}"
            ),
        ),
        (
            "manifests/k8s/web.yaml",
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: {ns}\n  labels:\n{labels}spec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      terminationGracePeriodSeconds: 1\n      securityContext: {{runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true}}\n      containers:\n{container}---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: {ns}\n  labels:\n{labels}spec:\n  selector: {{app: web}}\n  ports: [{{name: http, port: 80, targetPort: http}}]\n"
            ),
        ),
    ]
}

pub(super) fn approve(dir: &Path, files: &[(&'static str, String)]) {
    let refs: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
    approve_files(dir, &refs);
}

/// Deletes the namespace when the test ends, passed or not.
pub(super) struct Namespace<'a> {
    pub kc: &'a Path,
    pub name: &'a str,
}

impl Drop for Namespace<'_> {
    fn drop(&mut self) {
        kubectl(self.kc, &["delete", "namespace", self.name, "--wait=false"]);
    }
}

/// The live Deployment's container as JSON.
pub(super) fn live_container(kc: &Path, ns: &str) -> serde_json::Value {
    let out = kubectl(
        kc,
        &[
            "-n",
            ns,
            "get",
            "deployment",
            "web",
            "-o",
            "jsonpath={.spec.template.spec.containers[0]}",
        ],
    );
    serde_json::from_slice(&out.stdout).unwrap_or_default()
}

/// The pods of `web` that are not being deleted: (image, ready).
pub(super) fn pods(kc: &Path, ns: &str) -> Vec<(String, bool)> {
    let out = kubectl(
        kc,
        &["-n", ns, "get", "pods", "-l", "app=web", "-o", "json"],
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let items = v["items"].as_array().cloned().unwrap_or_default();
    items
        .iter()
        .filter(|p| p["metadata"]["deletionTimestamp"].is_null())
        .map(|p| {
            let ready = p["status"]["conditions"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|c| c["type"] == "Ready" && c["status"] == "True");
            let image = p["spec"]["containers"][0]["image"].as_str().unwrap_or("");
            (image.to_string(), ready)
        })
        .collect()
}

/// The cluster runs the good set again: the Deployment's template is the good one, and its one
/// pod is Ready (the failed pod may take a moment to go).
fn assert_rolled_back(kc: &Path, ns: &str, text: &str) {
    let c = live_container(kc, ns);
    let command: Vec<&str> = c["command"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str())
        .collect();
    assert_eq!(
        command,
        ["httpd", "-f", "-p", "8080", "-h", "/www"],
        "{c}\n{text}"
    );
    assert_eq!(c["image"], IMAGE, "{c}\n{text}");
    assert_eq!(c["readinessProbe"]["httpGet"]["port"], 8080, "{c}\n{text}");
    assert_eq!(c["resources"]["limits"]["memory"], "64Mi", "{c}\n{text}");
    let until = Instant::now() + Duration::from_secs(20);
    let mut now = pods(kc, ns);
    while now != [(IMAGE.to_string(), true)] && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(500));
        now = pods(kc, ns);
    }
    assert_eq!(now, [(IMAGE.to_string(), true)], "{text}");
}

const TIMEOUT: &str = "15s";

/// A good apply, then `bad` (the container block) applied: returns the failed apply's output,
/// after checking it exited 1 and rolled back.
fn fails_and_rolls_back(kc: &Path, ns: &str, bad: &str, output: &[&str]) -> String {
    fresh_namespace(kc, ns);
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), &manifests(ns, &good()));
    let apply = ["apply", "--allow-context", "berth-node", "--timeout"];
    let out = berth_with(dir.path(), kc, &[&apply[..], &["60s"]].concat());
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    approve(dir.path(), &manifests(ns, bad));
    let started = Instant::now();
    let out = berth_with(dir.path(), kc, &[&apply[..], &[TIMEOUT], output].concat());
    let text = transcript(&out);
    eprintln!("failed apply took {:?}:\n{text}", started.elapsed());
    // 1: a rollout that failed, whether or not it was rolled back (docs/exit-codes.md).
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_rolled_back(kc, ns, &text);
    text
}

/// The failed rollout's part of the human output, and the roll back's.
fn assert_human_rollback(ns: &str, text: &str) {
    assert!(
        text.contains(&format!(
            "deployment.apps/web -n {ns}  FAILED  not rolled out before the deadline"
        )),
        "{text}"
    );
    let tail = &text[text.find("rolled back to the set applied at").expect(text)..];
    assert!(
        tail.contains(&format!(
            "rollout after the roll back:\n  deployment.apps/web -n {ns}  ready  1 of 1 replicas available"
        )),
        "{text}"
    );
}

#[test]
fn a_container_that_exits_shows_its_exit_code_and_last_log_lines_and_is_rolled_back() {
    let Some(kc) = node() else { return };
    let ns = "berth-fail-crash";
    let _cleanup = Namespace { kc: &kc, name: ns };
    let bad = good().replace(
        HTTPD,
        r#"["sh", "-c", "echo starting; echo \"fatal: config missing\" >&2; exit 3"]"#,
    );
    let text = fails_and_rolls_back(&kc, ns, &bad, &[]);
    assert_human_rollback(ns, &text);
    // The state line says `waiting: CrashLoopBackOff`, or `terminated` when berth looked just as
    // it exited again; the hint says CrashLoopBackOff either way.
    assert!(
        text.contains("hint: it keeps exiting with code 3, and the kubelet restarts it after a growing back-off (CrashLoopBackOff)"),
        "{text}"
    );
    assert!(
        text.contains("last run ended: Error (exit code 3)"),
        "{text}"
    );
    // stdout and stderr are read apart by the runtime: their order may vary.
    assert!(text.contains("its last log lines:\n"), "{text}");
    for line in ["starting", "fatal: config missing"] {
        assert!(text.contains(&format!("\n          | {line}\n")), "{text}");
    }
    // berth diagnose's part: the cause, no file change (only its log says why).
    assert!(
        text.contains(&format!("deployment.apps/web -n {ns}  CrashLoopBackOff  container httpd\n    cause: it exits with code 3 again and again")),
        "{text}"
    );
    assert!(
        text.contains("      its log: fatal: config missing\n"),
        "{text}"
    );
    assert!(!text.contains("staged 1 fix"), "{text}");
}

#[test]
fn a_readiness_probe_on_the_wrong_port_shows_the_probe_failure_and_is_rolled_back() {
    let Some(kc) = node() else { return };
    let ns = "berth-fail-probe";
    let _cleanup = Namespace { kc: &kc, name: ns };
    let bad = good().replace("port: 8080}", "port: 9999}");
    assert_ne!(bad, good());
    let text = fails_and_rolls_back(&kc, ns, &bad, &[]);
    assert_human_rollback(ns, &text);
    assert!(
        text.contains("container httpd: running, not ready, 0 restarts"),
        "{text}"
    );
    assert!(
        text.contains("hint: it runs, but its readiness probe (GET :9999/index.html) fails"),
        "{text}"
    );
    // The kubelet's own words, from the events.
    assert!(
        text.lines().any(|l| l.contains("Warning")
            && l.contains("Unhealthy")
            && l.contains("Readiness probe failed:")
            && l.contains(":9999/index.html")
            && l.contains("connection refused")),
        "{text}"
    );
}

#[test]
fn an_image_that_was_never_loaded_says_how_to_load_it_and_is_rolled_back() {
    let Some(kc) = node() else { return };
    let ns = "berth-fail-image";
    let _cleanup = Namespace { kc: &kc, name: ns };
    let missing = "berth.local/never-loaded:v1";
    let bad = good().replace(IMAGE, missing);
    let text = fails_and_rolls_back(&kc, ns, &bad, &[]);
    assert_human_rollback(ns, &text);
    assert!(
        text.contains(&format!(
            "waiting: ErrImageNeverPull (Container image \"{missing}\" is not present with pull policy of Never)"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("hint: the image {missing} is not in the cluster's container runtime, and imagePullPolicy Never means it is never pulled: build and load it with `berth build`")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "deployment.apps/web -n {ns}  image missing  container httpd"
        )),
        "{text}"
    );
    assert!(
        text.contains("    run: berth build (it loads the image into the node"),
        "{text}"
    );
    // node-up.sh sets the loader berth build uses; the hint names the command it runs.
    if let Ok(load) = std::env::var("BERTH_IMAGE_LOAD") {
        assert!(
            text.contains(&format!("`docker save {missing} | {load}`")),
            "{text}"
        );
    }
}

#[test]
fn a_container_over_its_memory_limit_shows_oomkilled_with_the_limit_and_is_rolled_back() {
    let Some(kc) = node() else { return };
    let ns = "berth-fail-oom";
    let _cleanup = Namespace { kc: &kc, name: ns };
    // dd's 128 MiB block is one allocation it fills: 8 times the limit, and bounded if the
    // limit were not enforced.
    let bad = good().replace("memory: 64Mi", "memory: 16Mi").replace(
        HTTPD,
        r#"["dd", "if=/dev/zero", "of=/dev/null", "bs=128M", "count=1"]"#,
    );
    let text = fails_and_rolls_back(&kc, ns, &bad, &[]);
    assert_human_rollback(ns, &text);
    assert!(text.contains("OOMKilled"), "{text}");
    assert!(
        text.contains(
            "hint: it needed more memory than its limit of 16Mi and was killed: raise resources.limits.memory"
        ),
        "{text}"
    );
}

#[test]
fn the_json_result_carries_the_termination_the_log_lines_and_the_hint() {
    let Some(kc) = node() else { return };
    let ns = "berth-fail-json";
    let _cleanup = Namespace { kc: &kc, name: ns };
    let bad = good().replace(
        HTTPD,
        r#"["sh", "-c", "echo starting; echo \"fatal: config missing\" >&2; exit 3"]"#,
    );
    let text = fails_and_rolls_back(&kc, ns, &bad, &["-o", "json"]);
    let stdout = text
        .split("--- stdout\n")
        .nth(1)
        .and_then(|s| s.split("--- stderr\n").next())
        .unwrap_or_default();
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(result["event"], "result");
    let rollout = &result["rollouts"][0];
    assert_eq!(rollout["rollout"]["state"], "failed", "{result:#}");
    let c = &rollout["diagnosis"]["pods"][0]["containers"][0];
    assert_eq!(c["last_terminated"]["reason"], "Error", "{result:#}");
    assert_eq!(c["last_terminated"]["exit_code"], 3, "{result:#}");
    let mut logs: Vec<&str> = c["logs"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|l| l.as_str())
        .collect();
    logs.sort();
    assert_eq!(logs, ["fatal: config missing", "starting"], "{result:#}");
    assert!(
        c["hint"]
            .as_str()
            .unwrap_or("")
            .starts_with("it keeps exiting with code 3"),
        "{result:#}"
    );
    assert_eq!(
        result["rollback"]["rollouts"][0]["rollout"]["state"], "ready",
        "{result:#}"
    );
    let cause = &result["diagnosis"]["causes"][0];
    assert_eq!(result["diagnosis"]["seen"], "apply", "{result:#}");
    assert_eq!(cause["kind"], "crash", "{result:#}");
    assert_eq!(cause["container"], "httpd", "{result:#}");
    assert!(cause["fix"].is_null(), "{result:#}");
}
