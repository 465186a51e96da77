//! How the server behaves: rate limits, server errors, a cut stream, `finish_reason: ""`, a
//! refused `json_schema`, no server at all; and where the endpoint is configured.

use super::scripted::{Reply, Server};
use super::*;

#[test]
fn a_rate_limit_waits_as_told_then_succeeds() {
    let server = Server::start(|r| {
        if r.index == 0 {
            return Reply::Status(429, vec![("retry-after", "1".into())], "slow down".into());
        }
        good(r)
    });
    let dir = sample_app(&server.url, "");
    let start = std::time::Instant::now();
    let out = draft(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        start.elapsed() >= std::time::Duration::from_secs(1),
        "Retry-After: 1 is honoured"
    );
    assert_eq!(server.count(), 12);
    assert!(stdout(&out).contains("12 requests"), "{}", stdout(&out));
}

#[test]
fn a_rate_limit_asking_too_long_gives_up_clearly() {
    let server = Server::start(|_| {
        Reply::Status(
            429,
            vec![("retry-after", "3600".into())],
            "{\"error\":{\"message\":\"quota\"}}".into(),
        )
    });
    let dir = sample_app(&server.url, "");
    let out = draft(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3));
    insta::assert_snapshot!(port(&stderr(&out)), @"error: the LLM server at http://127.0.0.1:[port]/v1/chat/completions is rate limiting berth: it asks to wait 3600s, longer than llm.max_retry_wait (60s); wait and run again, or lower the load");
    assert_eq!(server.count(), 1);
    assert!(!dir.path().join(".berth/staged").exists(), "nothing staged");
}

#[test]
fn server_errors_are_retried_then_exit_3_and_nothing_is_staged() {
    let server = Server::start(|_| Reply::Status(500, vec![], "model crashed".into()));
    let dir = sample_app(&server.url, "");
    let out = draft(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3));
    insta::assert_snapshot!(port(&stderr(&out)), @"error: the LLM server at http://127.0.0.1:[port]/v1/chat/completions failed 4 times; last: HTTP 500: model crashed");
    assert_eq!(server.count(), 4, "1 + 3 retries");
    assert!(!dir.path().join(".berth/staged").exists());
    assert!(!dir.path().join("berth.lock").exists());
}

#[test]
fn a_stream_cut_in_the_middle_is_retried() {
    let server = Server::start(|r| {
        if r.index == 0 {
            return Reply::CutStream(r.echo(mark));
        }
        good(r)
    });
    let dir = sample_app(&server.url, "");
    let out = draft(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.count(), 12);
    assert!(server.requests()[0].body["stream"].as_bool().unwrap());
    assert!(
        !server.requests()[1].is_repair(),
        "the cut answer is asked again, not repaired"
    );
    assert!(staged(dir.path(), "manifests/k8s/namespace.yaml").ends_with(&format!("{MARK}\n")));
}

#[test]
fn a_stream_interrupted_by_the_server_is_retried_not_taken_as_the_answer() {
    // llama-cpp-python's server (interrupt_requests, on by default) ends a stream with [DONE]
    // when another request comes in: half an answer, no finish reason.
    let first = std::sync::atomic::AtomicBool::new(true);
    let server = Server::start(move |r| {
        if r.artifact() == "backend/deployment"
            && first.swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            return Reply::Interrupted(r.echo(mark));
        }
        good(r)
    });
    let dir = sample_app(&server.url, "");
    let out = draft(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.count(), 12);
    assert_eq!(for_artifact(&server.requests(), "backend/deployment"), 2);
    assert!(
        stdout(&out).contains("backend/deployment     drafted  2 req"),
        "asked again, not repaired: {}",
        stdout(&out)
    );
}

#[test]
fn finish_reason_empty_is_accepted() {
    for stream in ["true", "false"] {
        let server = Server::start(|r| Reply::AnswerFinish(r.echo(mark), ""));
        let dir = sample_app(&server.url, &format!("stream = {stream}\n"));
        let out = draft(dir.path(), &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "stream {stream}: {}",
            stderr(&out)
        );
        assert_eq!(server.count(), 11);
        assert!(
            stdout(&out).contains("0 offline fallback"),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn a_server_refusing_json_schema_with_a_500_like_llama_cpp_is_asked_again() {
    // What llama-cpp-python 0.3.36 answers (seen): a 500 holding pydantic's complaint.
    let server = Server::start(|r| {
        if r.response_format().as_deref() == Some("json_schema") {
            return Reply::Status(
                500,
                vec![],
                "{\"error\":{\"message\":\"1 validation error: ('body', 'response_format', 'type'): Input should be 'text' or 'json_object'\"}}".into(),
            );
        }
        good(r)
    });
    let dir = sample_app(&server.url, "");
    let out = draft(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        server.count(),
        12,
        "one refusal, not retried as a server error"
    );
}

#[test]
fn a_server_refusing_json_schema_is_asked_again_and_remembered() {
    let server = Server::start(|r| {
        if r.response_format().as_deref() == Some("json_schema") {
            return Reply::Status(
                400,
                vec![],
                "{\"error\":{\"message\":\"response_format json_schema is not supported\"}}".into(),
            );
        }
        good(r)
    });
    let dir = sample_app(&server.url, "");
    let out = draft(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = server.requests();
    assert_eq!(
        log.len(),
        12,
        "one refusal, then json_object for every artifact"
    );
    assert_eq!(log[1].response_format().as_deref(), Some("json_object"));
    assert!(log[1].body["response_format"]["schema"].is_object());
    let endpoints =
        std::fs::read_to_string(dir.path().join(".berth/cache/endpoints.json")).unwrap();
    assert!(endpoints.contains("\"json_object\""), "{endpoints}");

    // Forget the answers (not the endpoint's mode) and draft again.
    std::fs::remove_dir_all(dir.path().join(".berth/cache/results")).unwrap();
    std::fs::remove_dir_all(dir.path().join(".berth/cache/exchanges")).unwrap();
    std::fs::remove_dir_all(dir.path().join(".berth/staged")).unwrap();
    std::fs::remove_file(dir.path().join("berth.lock")).unwrap();
    assert!(draft(dir.path(), &[]).status.success());
    let log = server.requests();
    assert_eq!(
        log.len(),
        23,
        "the endpoint's mode is remembered: no second refusal"
    );
}

#[test]
fn an_unreachable_server_exits_3_with_the_url() {
    let dir = sample_app("http://127.0.0.1:9/v1", "retries = 1\n");
    let out = draft(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.starts_with(
            "error: cannot reach the LLM server at http://127.0.0.1:9/v1/chat/completions: "
        ),
        "{err}"
    );
}

#[test]
fn flags_and_environment_override_berth_toml() {
    let server = Server::start(good);
    let dir = sample_app("http://127.0.0.1:9/v1", "");
    let out = run(
        dir.path(),
        &["draft", "--provider", "openai", "--model", "flag-model"],
        &[
            ("OPENAI_BASE_URL", &server.url),
            ("BERTH_MODEL", "env-model"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests()[0].body["model"], "flag-model");
    let bad = run(dir.path(), &["draft", "--model", "x"], &[]);
    assert_eq!(bad.status.code(), Some(2));
    assert_eq!(
        stderr(&bad),
        "error: --model and --base-url apply to --provider openai\n"
    );
}

#[test]
fn a_timeout_is_retried() {
    // The namespace's first answer is late (artifacts are drafted concurrently: it may not be
    // the first request the server gets).
    let late = std::sync::atomic::AtomicBool::new(true);
    let server = Server::start(move |r| {
        if r.artifact() == "todo/namespace" && late.swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            return Reply::Late(3000, r.echo(mark));
        }
        good(r)
    });
    let dir = sample_app(&server.url, "timeout = \"1s\"\n");
    let out = draft(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        server.count(),
        12,
        "the late answer is given up on and asked again"
    );
    assert!(
        stdout(&out).contains("todo/namespace         drafted  2 req"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn token_usage_is_read_from_the_last_stream_chunk_or_said_to_be_missing() {
    // With `stream_options.include_usage`, OpenAI ends the stream with a chunk whose `choices`
    // is empty and whose `usage` counts the tokens; llama-cpp-python 0.3.36 sends none (seen).
    for usage in [Some((321, 54)), None] {
        let server = Server::start(move |r| Reply::Usage(r.echo(mark), usage));
        let dir = sample_app(&server.url, "");
        let out = run(
            dir.path(),
            &["draft", "--provider", "openai", "-o", "json"],
            &[],
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let sent = &server.requests()[0].body;
        assert_eq!(sent["stream"], true);
        assert_eq!(sent["stream_options"]["include_usage"], true);
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        let llm = &v["llm"];
        assert_eq!(llm["artifacts"][0]["outcome"], "drafted");
        match usage {
            Some((i, o)) => {
                assert_eq!(llm["tokens_reported"], true, "{llm}");
                assert_eq!(llm["artifacts"][0]["tokens_in"], i);
                assert_eq!(llm["artifacts"][0]["tokens_out"], o);
                assert_eq!(llm["tokens_in"], 11 * i);
                assert_eq!(llm["tokens_out"], 11 * o);
            }
            None => {
                assert_eq!(llm["tokens_reported"], false, "{llm}");
                assert_eq!(llm["artifacts"][0]["tokens_reported"], false);
                let fresh = sample_app(&server.url, "");
                let human = stdout(&draft(fresh.path(), &[]));
                assert!(human.contains("tok n/a"), "{human}");
                assert!(
                    human.contains("(the server did not count them all"),
                    "{human}"
                );
            }
        }
    }
}
