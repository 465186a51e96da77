//! Artifacts drafted concurrently (`llm.concurrency`): several requests in flight at once, and
//! the same staged set, berth.lock and per-artifact report as drafting one after another.

use super::scripted::{Reply, Server, edits};
use super::*;

/// Answers that depend on the artifact and the request only (never on arrival order): a kept
/// edit, a hostile edit (fallback), an edit that applies only after a repair, whole files, and
/// for the rest no change; each a little late, so drafts overlap when they can.
fn mixed(r: &Request) -> Reply {
    let answer = match r.artifact().as_str() {
        "backend/deployment" => edits(&[(
            "manifests/k8s/backend-deployment.yaml",
            "  replicas: 1\n",
            "  replicas: 2\n",
        )]),
        "frontend/deployment" => edits(&[(
            "manifests/k8s/frontend-deployment.yaml",
            "readOnlyRootFilesystem: true",
            "privileged: true",
        )]),
        "backend/service" if !r.is_repair() => edits(&[("x.yaml", "a", "b")]),
        "frontend/dockerfile" => r.echo(mark),
        _ => edits(&[]),
    };
    Reply::Late(150, answer)
}

/// What a run produced: each proposal's path, hash, generator and notes, berth.lock, and each
/// artifact's report without its times.
fn outcome(dir: &Path, out: &Output) -> (Vec<Value>, String, Vec<Value>) {
    let proposals = index(dir)["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            serde_json::json!([
                p["path"],
                p["sha256"],
                p["generator"],
                p["notes"],
                p["artifact"]
            ])
        })
        .collect();
    let lock = std::fs::read_to_string(dir.join("berth.lock")).unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = v["llm"]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            serde_json::json!([
                a["artifact"],
                a["outcome"],
                a["repairs"],
                a["requests"],
                a["edits"],
                a["form"],
                a["reason"]
            ])
        })
        .collect();
    (proposals, lock, reports)
}

#[test]
fn concurrent_drafting_stages_the_same_set_as_drafting_one_after_another() {
    let mut results = Vec::new();
    for concurrency in [1, 4] {
        let server = Server::start(mixed);
        let dir = sample_app(&server.url, &format!("concurrency = {concurrency}\n"));
        let start = std::time::Instant::now();
        let out = run(
            dir.path(),
            &["draft", "--provider", "openai", "-o", "json"],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        eprintln!("concurrency {concurrency}: {:?}", start.elapsed());
        if concurrency == 1 {
            assert_eq!(server.most_at_once(), 1, "one request at a time");
        } else {
            assert!(
                server.most_at_once() >= 2,
                "requests overlap: {}",
                server.most_at_once()
            );
        }
        assert_eq!(server.count(), 14, "11 artifacts, 2 + 1 repairs");
        results.push(outcome(dir.path(), &out));
    }
    let (seq, con) = (&results[0], &results[1]);
    assert_eq!(seq.0, con.0, "the same proposals");
    assert_eq!(seq.1, con.1, "the same berth.lock");
    assert_eq!(seq.2, con.2, "the same reports, in plan order");
    let outcomes: Vec<String> = seq
        .2
        .iter()
        .map(|r| format!("{} {}", r[0].as_str().unwrap(), r[1].as_str().unwrap()))
        .collect();
    assert_eq!(
        outcomes,
        [
            "todo/namespace drafted",
            "backend/dockerfile drafted",
            "backend/dockerignore drafted",
            "backend/deployment drafted",
            "backend/service repaired",
            "frontend/dockerfile drafted",
            "frontend/dockerignore drafted",
            "frontend/deployment fallback",
            "frontend/service drafted",
            "frontend/configmap drafted",
            "todo/helm-chart drafted",
        ]
    );
}

#[test]
fn a_failure_stops_the_run_and_is_the_error_reported() {
    // Every request fails for good: the artifacts drafted alongside give up, and the error
    // reported is the server's, once.
    let server = Server::start(|_| Reply::Status(401, vec![], "bad key".into()));
    let dir = sample_app(&server.url, "concurrency = 4\n");
    let out = draft(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = port(&stderr(&out));
    assert!(
        err.starts_with("error: the LLM server at http://127.0.0.1:[port]/v1/chat/completions refused the API key (401)"),
        "{err}"
    );
    assert_eq!(
        server.count(),
        1,
        "the first request to a new endpoint goes alone"
    );
    assert!(!dir.path().join(".berth/staged").exists());
}
