//! `berth apply` on the REAL node of tests/testenv/node-up.sh (a real kubelet and real
//! containers, in the berth-node network namespace): the pods run, and berth's verify stage
//! reaches them through the API server's service proxy. `tests/run --only node` brings the node
//! up and runs node-smoke.sh first (it imports the image used here); under plain `cargo test`
//! this skips with a message.

use super::apply::{approve_files, berth_with, transcript_in};
use super::common::*;
use std::path::{Path, PathBuf};
use std::process::Output;

/// The real node's kubeconfig, or None (skipped, unless BERTH_REQUIRE_NODE=1).
pub(super) fn node() -> Option<PathBuf> {
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

/// The sample app as a user deploys it, on the real node: drafted through the registry mirror
/// (the stand-in base images of tests/testenv/base-images.sh), built with the real Docker
/// daemon, loaded into the node's containerd, applied and verified; its processes run as the
/// drafted users on read-only root filesystems, and the browser test drives the frontend
/// through the cluster.
#[test]
fn the_sample_app_is_drafted_built_and_run_on_the_real_node() {
    let Some(kc) = node() else { return };
    let mirror = mirror();
    super::cluster::fresh_namespace(&kc, "todo");
    let dir = sample_app();
    // A project before its first draft: no Dockerfiles yet.
    for svc in ["backend", "frontend"] {
        for f in ["Dockerfile", ".dockerignore"] {
            let _ = std::fs::remove_file(dir.path().join("services").join(svc).join(f));
        }
    }
    let out = deploy(dir.path(), &kc, &mirror, &["--verify"]);
    let text = transcript_in(dir.path(), &out);
    insta::assert_snapshot!("sample_app_verified", redact_run(&text));

    // Both Deployments are Available with every replica.
    for d in ["backend", "frontend"] {
        let json = kubectl(&kc, &["-n", "todo", "get", "deployment", d, "-o", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        let want = v["spec"]["replicas"].as_u64().unwrap();
        assert_eq!(
            v["status"]["availableReplicas"].as_u64(),
            Some(want),
            "{d}: {json}"
        );
    }
    // The real processes, as the kernel sees them: the drafted users, read-only roots.
    for (cmd, uid) in [("/usr/local/bin/backend", 65532), ("server.mjs", 1000)] {
        let procs = pod_processes(cmd);
        assert!(!procs.is_empty(), "no process running `{cmd}` in a pod");
        for p in procs {
            assert_eq!(p.uid, uid, "{cmd} (pid {}) runs as uid {}", p.pid, p.uid);
            assert!(
                p.root_read_only,
                "{cmd} (pid {}): its root filesystem is writable",
                p.pid
            );
        }
    }
    // The browser test, through the cluster: the page's /api calls reach the backend over
    // the cluster's DNS (the frontend's BACKEND_URL).
    let script = repo().join("tests/browser/cluster.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg("todo")
        .env("KUBECONFIG", &kc)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", transcript(&out));
    kubectl(&kc, &["delete", "namespace", "todo", "--wait=false"]);
}

/// Every stack the offline drafter knows (tests/fixtures/stacks: Python, Go, Rust, Node, Java
/// and a static site behind nginx), drafted through the mirror, built from the stand-in base
/// images, run on the real node: each answers its health endpoint, checked by berth's verify.
#[test]
fn every_stack_is_drafted_built_and_answers_on_the_real_node() {
    let Some(kc) = node() else { return };
    let mirror = mirror();
    super::cluster::fresh_namespace(&kc, "stacks");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/stacks"), dir.path());
    let out = deploy(dir.path(), &kc, &mirror, &["--verify", "-o", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let verified = result["verified"].as_array().unwrap();
    let names: Vec<&str> = verified
        .iter()
        .filter_map(|v| v["service"].as_str())
        .collect();
    assert_eq!(
        names,
        ["goapi", "javaapi", "nodeapi", "pyapi", "rsapi", "site"],
        "{result:#}"
    );
    for v in verified {
        assert_eq!(v["ok"], true, "{v:#}");
        let health = v["http"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "health");
        let health = health.unwrap_or_else(|| panic!("no health check: {v:#}"));
        assert_eq!(health["status"].as_u64(), Some(200), "{v:#}");
        assert!(
            health["note"].is_null(),
            "a real pod answered, nothing was skipped: {v:#}"
        );
    }
    // The site's bundle calls its backend on its own origin, as a browser can, and the site's
    // nginx takes that path to the backend's Service.
    let site = node_port_url(&kc, "stacks", "site");
    let bundle = site_bundle(&site);
    assert!(bundle.contains("\"/_backend\""), "{bundle}");
    assert!(!bundle.contains("svc.cluster.local"), "{bundle}");
    let via_site = node_curl(&[&format!("{site}/_backend/healthz")]);
    assert!(via_site.contains(r#""stack":"go""#), "{via_site}");
    kubectl(&kc, &["delete", "namespace", "stacks", "--wait=false"]);
}

/// The script a static site's page loads, fetched as a browser would (through the NodePort).
pub(super) fn site_bundle(site: &str) -> String {
    let index = node_curl(&[&format!("{site}/")]);
    let script = index
        .split('"')
        .find(|p| p.starts_with("/assets/") && p.ends_with(".js"))
        .unwrap_or_else(|| panic!("no script in the site's page: {index}"));
    node_curl(&[&format!("{site}{script}")])
}

/// `http://<node>:<nodePort>` of a NodePort Service: what a browser on the host of a Minikube
/// VM opens.
pub(super) fn node_port_url(kc: &Path, namespace: &str, service: &str) -> String {
    let port = kubectl(
        kc,
        &[
            "-n",
            namespace,
            "get",
            "service",
            service,
            "-o",
            "jsonpath={.spec.ports[0].nodePort}",
        ],
    );
    let node_ip = kubectl(
        kc,
        &[
            "get",
            "node",
            "-o",
            "jsonpath={.items[0].status.addresses[0].address}",
        ],
    );
    format!("http://{}:{}", node_ip.trim(), port.trim())
}

/// curl from inside the node's network namespace (the host has no route to the node's
/// addresses); a failed request fails the test with curl's own message.
pub(super) fn node_curl(args: &[&str]) -> String {
    let netns = std::env::var("BERTH_NODE_NETNS").unwrap_or_else(|_| "berth-node".into());
    let out = std::process::Command::new("ip")
        .args([
            "netns",
            "exec",
            &netns,
            "curl",
            "-sS",
            "--fail",
            "--max-time",
            "20",
            // A NodePort's rules can lag the rollout by a moment.
            "--retry",
            "5",
            "--retry-delay",
            "2",
            "--retry-all-errors",
        ])
        .args(args)
        .output()
        .unwrap();
    assert!(out.status.success(), "curl {args:?}\n{}", transcript(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub(super) fn mirror() -> String {
    match std::env::var("BERTH_REGISTRY_MIRROR") {
        Ok(m) if !m.is_empty() => m,
        _ => panic!("the node suite needs BERTH_REGISTRY_MIRROR (tests/testenv/base-images.sh)"),
    }
}

/// `berth draft`, `approve --yes`, `build`, then `apply` with `apply_args` against the node;
/// every drafted FROM pulls through the mirror. Returns apply's output (exit 0 asserted).
pub(super) fn deploy(dir: &Path, kc: &Path, mirror: &str, apply_args: &[&str]) -> Output {
    let step = |args: &[&str]| {
        let out = berth_with(dir, kc, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "berth {args:?}\n{}",
            transcript(&out)
        );
        out
    };
    step(&["draft"]);
    step(&["approve", "--yes"]);
    // Every Dockerfile of the project, wherever its services are (services/*, a root app, the
    // plan's Project Structure).
    let dockerfiles: Vec<String> = listing(dir)
        .into_iter()
        .filter(|f| !f.starts_with(".berth/") && (f == "Dockerfile" || f.ends_with("/Dockerfile")))
        .collect();
    assert!(
        !dockerfiles.is_empty(),
        "no Dockerfile in {}",
        dir.display()
    );
    for f in dockerfiles {
        let d = std::fs::read_to_string(dir.join(&f)).unwrap();
        for from in d.lines().filter(|l| l.starts_with("FROM ")) {
            let image = from.split_whitespace().nth(1).unwrap();
            let stage = !image.contains(':') && !image.contains('/');
            assert!(
                stage || image.starts_with(mirror),
                "{f}: {from} does not pull through {mirror}"
            );
        }
    }
    step(&["build"]);
    let mut args = vec![
        "apply",
        "--allow-context",
        "berth-node",
        "--timeout",
        "600s",
    ];
    args.extend(apply_args);
    step(&args)
}

pub(super) fn kubectl(kc: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new("kubectl")
        .args(args)
        .env("KUBECONFIG", kc)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Image tags, durations and pod names vary from run to run.
fn redact_run(text: &str) -> String {
    let rules = [
        (r":[0-9a-f]{12}\b", ":[TAG]"),
        (r"\b\d+(\.\d+)?(ms|s)\b", "[TIME]"),
        (r"-[0-9a-f]{8,10}-[0-9a-z]{5}\b", "-[POD]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]"),
        (r"NodePort \d+", "NodePort [PORT]"),
        (r":\d+ \(NodePort", ":[PORT] (NodePort"),
    ];
    rules.iter().fold(text.to_string(), |t, (re, with)| {
        regex::Regex::new(re)
            .unwrap()
            .replace_all(&t, *with)
            .into_owned()
    })
}

struct PodProcess {
    pid: u32,
    uid: u32,
    root_read_only: bool,
}

/// Processes in a pod's cgroup whose command line holds `needle`.
fn pod_processes(needle: &str) -> Vec<PodProcess> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let read = |f: &str| std::fs::read_to_string(entry.path().join(f)).unwrap_or_default();
        let cmdline = read("cmdline").replace('\0', " ");
        if !cmdline.contains(needle) || !read("cgroup").contains("kubepods") {
            continue;
        }
        let uid = read("status")
            .lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|u| u.split_whitespace().next()?.parse().ok())
            .unwrap_or(u32::MAX);
        // mountinfo: "id parent major:minor root mountpoint options ..."
        let root_read_only = read("mountinfo").lines().any(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.get(4) == Some(&"/") && f.get(5).is_some_and(|o| o.split(',').any(|x| x == "ro"))
        });
        found.push(PodProcess {
            pid,
            uid,
            root_read_only,
        });
    }
    found
}

/// A project laid out as real repos are (root `frontend/` Next.js, `backend/` FastAPI, and
/// PostgreSQL in its compose file; tests/fixtures/layouts/fullstack), from `berth up --yes` to
/// running: every Deployment available, the database drafted beside them with a generated
/// password, the backend connected to it, and the frontend reaching the backend through its
/// own proxy (Next's rewrites of /api).
#[test]
fn a_compose_project_with_postgres_comes_up_with_berth_up() {
    let Some(kc) = node() else { return };
    let mirror = mirror();
    super::cluster::fresh_namespace(&kc, "notes");
    give_back_volumes(&kc);
    // The node pulls no public image: load the stand-in PostgreSQL under its real name, as
    // Minikube would pull it.
    load_public_image(
        &format!("{mirror}/library/postgres:17-alpine"),
        "postgres:17-alpine",
    );
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/layouts/fullstack"), dir.path());

    let out = berth_with(
        dir.path(),
        &kc,
        &[
            "up",
            "--yes",
            "--allow-context",
            "berth-node",
            "--timeout",
            "600s",
        ],
    );
    let text = transcript_in(dir.path(), &out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains("secret/db-credentials -n notes: generated password"),
        "{text}"
    );
    for d in ["backend", "frontend"] {
        let json = kubectl(&kc, &["-n", "notes", "get", "deployment", d, "-o", "json"]);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            v["status"]["availableReplicas"].as_u64(),
            Some(1),
            "{d}: {json}"
        );
    }
    let db = kubectl(
        &kc,
        &["-n", "notes", "get", "statefulset", "db", "-o", "json"],
    );
    let v: serde_json::Value = serde_json::from_str(&db).unwrap();
    assert_eq!(v["status"]["readyReplicas"].as_u64(), Some(1), "{db}");
    // No file in the project holds the password the cluster has.
    let password = kubectl(
        &kc,
        &[
            "-n",
            "notes",
            "get",
            "secret",
            "db-credentials",
            "-o",
            "go-template={{.data.password | base64decode}}",
        ],
    );
    assert!(password.len() > 20, "{password}");
    for f in listing(dir.path()) {
        let text = std::fs::read_to_string(dir.path().join(&f)).unwrap_or_default();
        assert!(
            !text.contains(password.trim()),
            "{f} holds the Secret's value"
        );
    }

    // Through the frontend's Service: Next proxies /api to the backend, which asks PostgreSQL.
    // The first requests after the rollout can meet a proxy that is not ready yet (seen once
    // in a CI run: an empty answer), so it is asked for up to a minute, and the last answer
    // is shown if it never says the database is ok.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let out = std::process::Command::new("kubectl")
            .args([
                "get",
                "--raw",
                "/api/v1/namespaces/notes/services/frontend:80/proxy/api/health",
            ])
            .env("KUBECONFIG", &kc)
            .output()
            .unwrap();
        let health: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        if health["database"] == "ok" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "/api/health through the frontend never said the database is ok:\n{}",
            transcript(&out)
        );
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    // A note written through the frontend's NodePort, from inside the node's network (as a
    // browser on the host of a Minikube VM would), is stored in PostgreSQL and outlives the
    // database's pod.
    let url = format!("{}/api/notes", node_port_url(&kc, "notes", "frontend"));
    let created = node_curl(&[
        "-X",
        "POST",
        "-H",
        "Content-Type: application/json",
        "-d",
        r#"{"text": "written through the cluster"}"#,
        &url,
    ]);
    assert!(created.contains("written through the cluster"), "{created}");
    // A new db-0 (not the old one a stale status still counts) must become ready, which its
    // probe (pg_isready) says only once PostgreSQL accepts connections.
    let pod_state = || {
        kubectl(
            &kc,
            &[
                "-n",
                "notes",
                "get",
                "pod",
                "db-0",
                "--ignore-not-found",
                "-o",
                r#"jsonpath={.metadata.uid} {.status.conditions[?(@.type=="Ready")].status}"#,
            ],
        )
    };
    let old_uid = pod_state()
        .split(' ')
        .next()
        .unwrap_or_default()
        .to_string();
    kubectl(
        &kc,
        &["-n", "notes", "delete", "pod", "db-0", "--wait=true"],
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    loop {
        let state = pod_state();
        let mut parts = state.split(' ');
        let (uid, ready) = (parts.next().unwrap_or_default(), parts.next());
        if !uid.is_empty() && uid != old_uid && ready == Some("True") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "db-0 did not come back ready: {state}"
        );
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    let notes = node_curl(&[&url]);
    assert!(notes.contains("written through the cluster"), "{notes}");
    kubectl(&kc, &["delete", "namespace", "notes", "--wait=false"]);
}

/// `docker pull` of `from` (the mirror), tagged `as_name`, loaded into the node's containerd
/// with the loader node-up.sh names (BERTH_IMAGE_LOAD).
fn load_public_image(from: &str, as_name: &str) {
    let run = |script: &str| {
        let out = std::process::Command::new("sh")
            .args(["-c", script])
            .output()
            .unwrap();
        assert!(out.status.success(), "{script}\n{}", transcript(&out));
    };
    run(&format!(
        "docker pull -q {from} >/dev/null && docker tag {from} {as_name}"
    ));
    let load = std::env::var("BERTH_IMAGE_LOAD").expect("node-up.sh sets BERTH_IMAGE_LOAD");
    run(&format!("docker save {as_name} | {load}"));
}

/// Volumes an earlier run's database left (Released) are emptied and made available again,
/// as a dynamic provisioner would give a fresh one.
fn give_back_volumes(kc: &Path) {
    let json = kubectl(
        kc,
        &[
            "get",
            "pv",
            "-l",
            "berth.dev/node-volume=true",
            "-o",
            "json",
        ],
    );
    let list: serde_json::Value = serde_json::from_str(&json).unwrap();
    for pv in list["items"].as_array().unwrap() {
        if pv["status"]["phase"] != "Released" {
            continue;
        }
        let path = pv["spec"]["hostPath"]["path"].as_str().unwrap();
        for entry in std::fs::read_dir(path).unwrap().flatten() {
            let p = entry.path();
            let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
        }
        let name = pv["metadata"]["name"].as_str().unwrap();
        kubectl(
            kc,
            &[
                "patch",
                "pv",
                name,
                "--type",
                "json",
                "-p",
                r#"[{"op":"remove","path":"/spec/claimRef"}]"#,
            ],
        );
    }
}
