//! `berth apply` on the REAL node of tests/testenv/node-up.sh (a real kubelet and real
//! containers, in the berth-node network namespace): the pods run, and berth's verify stage
//! reaches them through the API server's service proxy. `tests/run --only node` brings the node
//! up and runs node-smoke.sh first (it imports the image used here); under plain `cargo test`
//! this skips with a message.

use super::apply::{approve_files, berth_with};
use super::common::*;
use std::path::PathBuf;

fn node() -> Option<PathBuf> {
    match std::env::var_os("BERTH_TEST_NODE_KUBECONFIG") {
        Some(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ => {
            assert!(
                std::env::var("BERTH_REQUIRE_NODE").as_deref() != Ok("1"),
                "BERTH_REQUIRE_NODE=1 but BERTH_TEST_NODE_KUBECONFIG is not set: run `tests/run --only node`"
            );
            eprintln!("skipped: no real node (run `tests/run --only node`)");
            None
        }
    }
}

const NS: &str = "berth-node-e2e";

fn manifests(probe_port: u16) -> Vec<(String, String)> {
    let labels = format!("    app.kubernetes.io/part-of: {NS}\n");
    vec![
        (
            "manifests/k8s/namespace.yaml".into(),
            format!(
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {NS}\n  labels:\n{labels}"
            ),
        ),
        (
            "manifests/k8s/web.yaml".into(),
            format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: {NS}\n  labels:\n{labels}spec:\n  replicas: 1\n  selector:\n    matchLabels: {{app: web}}\n  template:\n    metadata:\n      labels: {{app: web}}\n    spec:\n      securityContext: {{runAsUser: 10001, runAsGroup: 10001, runAsNonRoot: true}}\n      containers:\n      - name: httpd\n        image: berth.local/node-smoke:v1\n        imagePullPolicy: Never\n        command: [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n        ports: [{{containerPort: 8080, name: http}}]\n        readinessProbe: {{httpGet: {{path: /index.html, port: {probe_port}}}, periodSeconds: 1}}\n        securityContext: {{allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {{drop: [ALL]}}}}\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  namespace: {NS}\n  labels:\n{labels}spec:\n  selector: {{app: web}}\n  ports: [{{name: http, port: 80, targetPort: http}}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: frontend-config\n  namespace: {NS}\n  labels:\n{labels}data:\n  BACKEND_URL: http://web.{NS}.svc.cluster.local:80\n"
            ),
        ),
    ]
}

#[test]
fn apply_on_the_real_node_runs_the_pods_and_verify_reaches_them() {
    let Some(kc) = node() else { return };
    // A namespace left by an earlier run would still be terminating: start from none.
    let _ = std::process::Command::new("kubectl")
        .args([
            "delete",
            "namespace",
            NS,
            "--ignore-not-found",
            "--wait=true",
            "--timeout=90s",
        ])
        .env("KUBECONFIG", &kc)
        .output();
    let dir = tempfile::tempdir().unwrap();
    let files = manifests(8080);
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    approve_files(dir.path(), &refs);
    let args = [
        "apply",
        "--allow-context",
        "berth-node",
        "--verify",
        "--timeout",
        "120s",
        "-o",
        "json",
    ];
    let out = berth_with(dir.path(), &kc, &args);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let web = &result["verified"][0];
    assert_eq!(web["service"], "web", "{result:#}");
    assert_eq!(web["ok"], true, "{result:#}");
    let http = web["http"].as_array().unwrap();
    let health = http.iter().find(|c| c["kind"] == "health").unwrap();
    assert_eq!(
        (health["target"].as_str(), health["status"].as_u64()),
        (Some("/index.html"), Some(200)),
        "{result:#}"
    );
    let url = http.iter().find(|c| c["kind"] == "backend-url").unwrap();
    assert_eq!(url["ok"], true, "{result:#}");
    assert!(
        url["note"].is_null(),
        "a real pod answered, nothing was skipped: {result:#}"
    );
    // The human form, as a person reads it.
    let out = berth_with(
        dir.path(),
        &kc,
        &["apply", "--allow-context", "berth-node", "--verify"],
    );
    let text = transcript(&out);
    assert!(text.contains("health /index.html: answered 200"), "{text}");
    let _ = std::process::Command::new("kubectl")
        .args(["delete", "namespace", NS, "--wait=false"])
        .env("KUBECONFIG", &kc)
        .output();
}
