//! `berth mcp` driven by real MCP clients: the MCP Inspector's CLI from npm (tests/run installs
//! it with tests/testenv/tools.sh; without it these tests skip, unless BERTH_REQUIRE_TOOLS=1),
//! rmcp's own client over the child process, and the raw protocol on stdin/stdout. They prove
//! that no tool call changes the tree outside .berth/staged/, that approve and apply refuse,
//! and that no tool reaches a cluster.

use super::common::*;
use super::tools::tool;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The sample app with its committed drafts (manifests/), as a project to serve.
fn project() -> tempfile::TempDir {
    let dir = sample_app();
    copy_dir(&repo().join("manifests"), &dir.path().join("manifests"));
    dir
}

/// Every file's sha256, except what `draft` may write: .berth/staged/, and the project lock
/// `.berth/lock` (the flock file every writing berth command keeps; empty once it is done).
fn tree_hash(dir: &Path) -> BTreeMap<String, String> {
    listing(dir)
        .into_iter()
        .filter(|p| !p.starts_with(".berth/staged/") && p != ".berth/lock")
        .map(|p| {
            let bytes = std::fs::read(dir.join(&p)).unwrap();
            (p, format!("{:x}", Sha256::digest(bytes)))
        })
        .collect()
}

fn lock_is_free(dir: &Path) {
    let lock = dir.join(".berth/lock");
    if lock.exists() {
        assert_eq!(
            std::fs::read(&lock).unwrap(),
            b"",
            "a holder is left in .berth/lock"
        );
    }
}

/// The Inspector's CLI against `berth mcp` served from `dir` (the server's working folder is
/// the project root); its JSON answer.
struct Inspector {
    bin: PathBuf,
    env: Vec<String>,
}

impl Inspector {
    fn new() -> Option<Self> {
        Some(Inspector {
            bin: tool("mcp-inspector")?,
            env: vec![],
        })
    }

    fn call(&self, dir: &Path, method: &[&str]) -> Value {
        let berth = assert_cmd::cargo::cargo_bin("berth");
        let mut cmd = Command::new(&self.bin);
        cmd.current_dir(dir).arg("--cli");
        for e in &self.env {
            cmd.args(["-e", e]);
        }
        let out = cmd.arg(&berth).arg("mcp").args(method).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "inspector {method:?} failed: {}\n{stdout}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
    }

    fn tool(&self, dir: &Path, name: &str, args: &[&str]) -> Value {
        let mut method = vec!["--method", "tools/call", "--tool-name", name];
        for a in args {
            method.extend(["--tool-arg", a]);
        }
        self.call(dir, &method)
    }
}

/// The text of a tool answer, and whether it is a tool error.
fn text(answer: &Value) -> (&str, bool) {
    let text = answer["content"][0]["text"].as_str().unwrap_or_default();
    (text, answer["isError"] == json!(true))
}

fn json_of(answer: &Value) -> Value {
    let (text, error) = text(answer);
    assert!(!error, "tool error: {text}");
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn inspector_lists_the_tools_with_their_schemas() {
    let Some(inspector) = Inspector::new() else {
        return;
    };
    let dir = project();
    let list = inspector.call(dir.path(), &["--method", "tools/list"]);
    let names: Vec<&str> = list["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "apply", "approve", "diagnose", "diff", "draft", "plan", "status", "validate"
        ]
    );
    insta::assert_snapshot!("tools_list", serde_json::to_string_pretty(&list).unwrap());
}

#[test]
fn inspector_validates_a_project_copy_and_keeps_paths_inside_it() {
    let Some(inspector) = Inspector::new() else {
        return;
    };
    let dir = project();
    let report = json_of(&inspector.tool(dir.path(), "validate", &[r#"paths=["manifests/k8s"]"#]));
    assert_eq!(report["clean"], json!(true), "{report:#}");
    assert!(report["files"].as_u64().unwrap() >= 5, "{report:#}");
    assert!(report["findings"].is_array());
    // No paths: the project's generated files, as `berth validate` with none.
    let whole = json_of(&inspector.tool(dir.path(), "validate", &[]));
    assert!(
        whole["files"].as_u64() > report["files"].as_u64(),
        "{whole:#}"
    );
    for bad in [r#"paths=["../"]"#, r#"paths=["/etc"]"#, r#"paths=["-"]"#] {
        let answer = inspector.tool(dir.path(), "validate", &[bad]);
        let (message, error) = text(&answer);
        assert!(error, "{bad}: {answer:#}");
        assert!(
            message.contains("outside the project") || message.contains("standard input"),
            "{bad}: {message}"
        );
    }
    // berth's own errors come back as tool errors with its message.
    let answer = inspector.tool(dir.path(), "validate", &[r#"paths=["no-such-folder"]"#]);
    let (message, error) = text(&answer);
    assert!(error && message.contains("no-such-folder"), "{answer:#}");
}

#[test]
fn inspector_draft_stages_and_no_tool_changes_the_tree_outside_staged() {
    let Some(inspector) = Inspector::new() else {
        return;
    };
    let dir = project();
    // A hand edit to one committed draft, for draft to propose putting back.
    let service = dir.path().join("manifests/k8s/backend-service.yaml");
    let edited = std::fs::read_to_string(&service).unwrap() + "# a hand edit\n";
    std::fs::write(&service, edited).unwrap();
    let before = tree_hash(dir.path());
    let drafted = json_of(&inspector.tool(dir.path(), "draft", &[]));
    assert_eq!(drafted["staged_in"], ".berth/staged");
    let files = drafted["files"].as_array().unwrap();
    assert!(files.len() >= 10, "{drafted:#}");
    let backend = files
        .iter()
        .find(|f| f["path"] == "manifests/k8s/backend-service.yaml")
        .unwrap();
    assert_eq!(backend["change"], "modified", "{backend:#}");
    assert!(drafted["next"].as_str().unwrap().contains("berth approve"));
    assert!(dir.path().join(".berth/staged/index.json").is_file());
    assert_eq!(
        tree_hash(dir.path()),
        before,
        "draft wrote outside .berth/staged/"
    );
    lock_is_free(dir.path());

    // The reading tools, on what draft staged: still nothing changes.
    let (diff, error) = {
        let answer = inspector.tool(
            dir.path(),
            "diff",
            &[r#"paths=["manifests/k8s/backend-*"]"#],
        );
        let (t, e) = text(&answer);
        (t.to_string(), e)
    };
    assert!(!error, "{diff}");
    assert!(diff.contains("-# a hand edit"), "{diff}");
    assert!(
        !diff.contains("frontend"),
        "only the paths asked for: {diff}"
    );
    let status = json_of(&inspector.tool(dir.path(), "status", &[]));
    assert!(
        status["drafted_not_approved"]
            .as_array()
            .unwrap()
            .contains(&json!("manifests/k8s/backend-service.yaml")),
        "{status:#}"
    );
    let plan = json_of(&inspector.tool(dir.path(), "plan", &["spec=specs/todo"]));
    assert_eq!(plan["app"], "todo");
    json_of(&inspector.tool(dir.path(), "validate", &[]));
    assert_eq!(
        tree_hash(dir.path()),
        before,
        "a reading tool wrote the tree"
    );
    // `berth plan` writes tasks.md; the plan tool does not (the hash above covers it).
    lock_is_free(dir.path());
}

#[test]
fn inspector_approve_and_apply_are_refused_and_change_nothing() {
    let Some(inspector) = Inspector::new() else {
        return;
    };
    let dir = project();
    json_of(&inspector.tool(dir.path(), "draft", &[]));
    let before = listing(dir.path())
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(dir.path().join(&p)).unwrap();
            (p, format!("{:x}", Sha256::digest(bytes)))
        })
        .collect::<BTreeMap<_, _>>();
    for (name, command) in [("approve", "berth approve"), ("apply", "berth apply")] {
        // An agent insisting changes nothing: the tools take no arguments that could.
        for args in [&[][..], &["yes=true", "force=true"][..]] {
            let answer = inspector.tool(dir.path(), name, args);
            let (message, error) = text(&answer);
            assert!(error, "{name} was not refused: {answer:#}");
            assert!(message.starts_with("refused: berth never"), "{message}");
            assert!(message.contains(command), "{message}");
        }
    }
    assert!(!dir.path().join(".berth/approved.json").exists());
    let after = listing(dir.path())
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(dir.path().join(&p)).unwrap();
            (p, format!("{:x}", Sha256::digest(bytes)))
        })
        .collect::<BTreeMap<_, _>>();
    assert_eq!(after, before, "approve or apply changed the project");
}

/// A kubeconfig whose only (local-looking) context points at a loopback port this test
/// listens on: any connection a tool made would be seen.
fn watched_kubeconfig(dir: &Path) -> (std::net::TcpListener, PathBuf) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\ncurrent-context: minikube\nclusters:\n- name: minikube\n  cluster:\n    server: https://127.0.0.1:{port}\n    insecure-skip-tls-verify: true\ncontexts:\n- name: minikube\n  context:\n    cluster: minikube\n    user: minikube\nusers:\n- name: minikube\n  user:\n    token: test\n"
        ),
    )
    .unwrap();
    listener.set_nonblocking(true).unwrap();
    (listener, path)
}

#[test]
fn inspector_no_tool_reaches_a_cluster() {
    let Some(mut inspector) = Inspector::new() else {
        return;
    };
    let dir = project();
    let outside = tempfile::tempdir().unwrap();
    let (listener, kubeconfig) = watched_kubeconfig(outside.path());
    inspector.env = vec![format!("KUBECONFIG={}", kubeconfig.display())];
    json_of(&inspector.tool(dir.path(), "plan", &[]));
    json_of(&inspector.tool(dir.path(), "draft", &[]));
    assert!(!text(&inspector.tool(dir.path(), "diff", &[])).1);
    json_of(&inspector.tool(dir.path(), "validate", &[]));
    let status = json_of(&inspector.tool(dir.path(), "status", &[]));
    assert!(status.get("cluster").is_none(), "{status:#}");
    assert!(
        status["cluster_note"]
            .as_str()
            .unwrap()
            .contains("not asked"),
        "{status:#}"
    );
    assert!(text(&inspector.tool(dir.path(), "approve", &[])).1);
    assert!(text(&inspector.tool(dir.path(), "apply", &[])).1);
    // Without `cluster: true`, diagnose reads only the record (none here: a tool error).
    let answer = inspector.tool(dir.path(), "diagnose", &[]);
    let (message, error) = text(&answer);
    assert!(
        error && message.contains("no failed apply is on record"),
        "{message}"
    );
    match listener.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, from)) => panic!("a tool connected to the cluster's address from {from}"),
        Err(e) => panic!("{e}"),
    }
}

/// rmcp's own client, over `berth -C DIR mcp` as a child process (no npm needed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rmcp_client_lists_calls_and_is_refused() {
    use rmcp::ServiceExt;
    use rmcp::model::CallToolRequestParams;
    use rmcp::transport::TokioChildProcess;
    let dir = project();
    let mut cmd = tokio::process::Command::new(assert_cmd::cargo::cargo_bin("berth"));
    cmd.arg("-C").arg(dir.path()).arg("mcp");
    let (transport, _stderr) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let client = ().serve(transport).await.unwrap();
    let info = client.peer_info().unwrap();
    assert_eq!(info.server_info.as_ref().unwrap().name, "berth");
    let mut names: Vec<String> = client
        .list_all_tools()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.name.to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "apply", "approve", "diagnose", "diff", "draft", "plan", "status", "validate"
        ]
    );
    let call = |name: &'static str, args: Value| {
        let params =
            CallToolRequestParams::new(name).with_arguments(args.as_object().unwrap().clone());
        client.call_tool(params)
    };
    let report = call("validate", json!({ "paths": ["manifests/k8s"] }))
        .await
        .unwrap();
    assert_ne!(report.is_error, Some(true), "{report:?}");
    let structured = report.structured_content.unwrap();
    assert_eq!(structured["clean"], json!(true), "{structured:#}");
    let refused = call("apply", json!({})).await.unwrap();
    assert_eq!(refused.is_error, Some(true));
    let escape = call("plan", json!({ "spec": "../../etc" })).await.unwrap();
    assert_eq!(escape.is_error, Some(true), "{escape:?}");
    client.cancel().await.unwrap();
}

/// Raw JSON-RPC on stdin: every line berth writes to stdout is a protocol message, even while
/// a draft runs (berth's own notes go to stderr).
#[test]
fn stdout_carries_only_the_protocol() {
    let dir = project();
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("berth"))
        .current_dir(dir.path())
        .arg("mcp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let mut send = |v: Value| writeln!(stdin, "{v}").unwrap();
    send(
        json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"}}}),
    );
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["id"], 1, "{first}");
    send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
    send(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": {"name": "draft", "arguments": {}}}));
    send(json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
        "params": {"name": "nope", "arguments": {}}}));
    let mut seen = BTreeMap::new();
    while seen.len() < 2 {
        let line = lines.next().unwrap().unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(v["jsonrpc"], "2.0", "{line}");
        if let Some(id) = v["id"].as_i64() {
            seen.insert(id, v);
        }
    }
    drop(send);
    drop(stdin);
    let status = child.wait().unwrap();
    let rest: Vec<String> = lines.map(|l| l.unwrap()).collect();
    for line in &rest {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    assert!(status.success(), "{status}");
    assert_ne!(seen[&2]["result"]["isError"], json!(true), "{}", seen[&2]);
    // An unknown tool is the protocol's error, not a crash.
    assert!(seen[&3].get("error").is_some() || seen[&3]["result"]["isError"] == json!(true));
}

/// An apply's record of a container killed for its memory, for the sample app's backend.
fn oom_record(dir: &Path) {
    let record = json!({
        "at": "2026-12-03T10:00:00Z",
        "context": "minikube",
        "causes": [{
            "kind": "out_of_memory",
            "workload": {"api_version": "apps/v1", "kind": "Deployment", "namespace": "todo", "name": "backend"},
            "container": "backend",
            "summary": "it needed more memory than its limit of 128Mi and was killed",
            "evidence": ["resources.limits.memory: 128Mi"],
            "fix": {"change": "memory_limit", "to": "256Mi"}
        }]
    });
    std::fs::write(dir.join(".berth/diagnosis.json"), record.to_string()).unwrap();
}

#[test]
fn inspector_diagnose_names_the_cause_and_only_stages_its_fix() {
    let Some(inspector) = Inspector::new() else {
        return;
    };
    let dir = project();
    let text =
        std::fs::read_to_string(dir.path().join("manifests/k8s/backend-deployment.yaml")).unwrap();
    super::apply::approve_files(
        dir.path(),
        &[("manifests/k8s/backend-deployment.yaml", &text)],
    );
    oom_record(dir.path());
    let before = tree_hash(dir.path());
    let d = json_of(&inspector.tool(dir.path(), "diagnose", &[]));
    assert_eq!(d["seen"], "record", "{d:#}");
    assert_eq!(d["causes"][0]["kind"], "out_of_memory", "{d:#}");
    assert_eq!(
        d["staged"][0]["path"], "manifests/k8s/backend-deployment.yaml",
        "{d:#}"
    );
    assert_eq!(d["staged"][0]["errors"], 0, "{d:#}");
    assert!(
        d["next"].as_str().unwrap().contains("berth approve"),
        "{d:#}"
    );
    assert_eq!(
        tree_hash(dir.path()),
        before,
        "diagnose changed the tree outside .berth/staged/"
    );
    let staged = std::fs::read_to_string(
        dir.path()
            .join(".berth/staged/files/manifests/k8s/backend-deployment.yaml"),
    )
    .unwrap();
    assert!(staged.contains("memory: 256Mi"), "{staged}");
    lock_is_free(dir.path());
}
