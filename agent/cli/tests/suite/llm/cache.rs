//! What is remembered and what is never sent: a second run asks nothing, `--frozen` never asks,
//! only changed artifacts are drafted again; secrets never reach the server.

use super::scripted::Server;
use super::*;

#[test]
fn a_second_run_asks_nothing_and_frozen_never_asks() {
    let server = Server::start(good);
    let dir = sample_app(&server.url, "");
    assert!(draft(dir.path(), &[]).status.success());
    let first = index(dir.path());
    let again = draft(dir.path(), &[]);
    assert!(again.status.success());
    assert_eq!(server.count(), 11, "nothing changed: no request");
    assert_eq!(index(dir.path()), first, "same inputs, same proposals");
    assert!(
        stdout(&again).contains("0 requests, 0 cache hits"),
        "{}",
        stdout(&again)
    );

    // CI: the approved files and berth.lock are committed, .berth/ is not.
    let approve = run(dir.path(), &["approve", "--yes", "--force"], &[]);
    assert!(approve.status.success(), "{}", stderr(&approve));
    std::fs::remove_dir_all(dir.path().join(".berth")).unwrap();
    let frozen = draft(dir.path(), &["--frozen"]);
    assert_eq!(frozen.status.code(), Some(0), "{}", stderr(&frozen));
    assert!(
        stdout(&frozen).contains("unchanged (berth.lock)"),
        "{}",
        stdout(&frozen)
    );
    assert_eq!(
        staged(dir.path(), "services/backend/Dockerfile"),
        std::fs::read_to_string(dir.path().join("services/backend/Dockerfile")).unwrap()
    );
    assert_eq!(server.count(), 11);

    // One spec item of the backend changes: --frozen refuses, a normal run asks once.
    let plan = dir.path().join("specs/todo/plan.md");
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(
        &plan,
        text.replace(
            "### D1.2: Container image for the backend",
            "### D1.2: Small container image for the backend",
        ),
    )
    .unwrap();
    let refused = draft(dir.path(), &["--frozen"]);
    assert_eq!(refused.status.code(), Some(1));
    let err = stderr(&refused);
    assert!(
        err.starts_with("error: backend/dockerfile: no recorded answer for these inputs (its spec items changed); `--frozen` forbids asking the model"),
        "{err}"
    );
    assert_eq!(server.count(), 11, "--frozen never asks");
    assert!(draft(dir.path(), &[]).status.success());
    let log = server.requests();
    assert_eq!(log.len(), 12, "only the changed artifact is drafted again");
    assert_eq!(log[11].artifact(), "backend/dockerfile");
}

#[test]
fn secrets_never_reach_the_server() {
    let server = Server::start(good);
    let dir = sample_app(&server.url, "");
    let backend = dir.path().join("services/backend");
    std::fs::write(
        backend.join(".env"),
        "DATABASE_URL=postgres://app:planted-env-file@db/app\n",
    )
    .unwrap();
    std::fs::write(
        backend.join("server.key"),
        "-----BEGIN PRIVATE KEY-----\nplantedKEYmaterial0123456789\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let spec = dir.path().join("specs/todo/spec.md");
    let text = std::fs::read_to_string(&spec).unwrap();
    std::fs::write(
        &spec,
        text.replace(
            "as a non-root user.",
            "as a non-root user, pulling with ghp_planted0123456789abcdefghijklmnopq and password=planted-password, deploying as zq9plantedenvvalue.",
        ),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["draft", "--provider", "openai"],
        &[
            ("OPENAI_API_KEY", "sk-planted-api-key-0123456789"),
            // A value no pattern knows, secret because of its variable's name.
            ("BERTH_TEST_DEPLOY_TOKEN", "zq9plantedenvvalue"),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let log = server.requests();
    let bodies: String = log.iter().map(|r| r.body.to_string()).collect();
    for planted in [
        "planted-env-file",
        "plantedKEYmaterial",
        "ghp_planted",
        "planted-password",
        "sk-planted-api-key",
        "zq9plantedenvvalue",
    ] {
        assert!(!bodies.contains(planted), "{planted} reached the server");
    }
    assert!(
        bodies.contains("pulling with [REDACTED] and password=[REDACTED], deploying as [REDACTED]"),
        "the item is sent, scrubbed"
    );
    assert!(
        log.iter()
            .all(|r| r.authorization.as_deref() == Some("Bearer sk-planted-api-key-0123456789"))
    );
}

#[test]
fn files_berth_lock_vouches_for_are_validated_like_any_answer() {
    let server = Server::start(good);
    let dir = sample_app(&server.url, "");
    assert!(draft(dir.path(), &[]).status.success());
    let approve = run(dir.path(), &["approve", "--yes", "--force"], &[]);
    assert!(approve.status.success(), "{}", stderr(&approve));
    std::fs::remove_dir_all(dir.path().join(".berth")).unwrap();
    // A pull request changes a drafted file and its hash in berth.lock together.
    let dockerfile = dir.path().join("services/backend/Dockerfile");
    let before = std::fs::read_to_string(&dockerfile).unwrap();
    let first_from = before.lines().find(|l| l.starts_with("FROM ")).unwrap();
    let after = before.replacen(first_from, "FROM evil.example.com/miner:1.0 AS build", 1);
    std::fs::write(&dockerfile, &after).unwrap();
    let lock = dir.path().join("berth.lock");
    let text = std::fs::read_to_string(&lock).unwrap();
    let sha = |t: &str| berth_core::record::sha256_hex(t.as_bytes());
    assert!(text.contains(&sha(&before)));
    std::fs::write(&lock, text.replace(&sha(&before), &sha(&after))).unwrap();

    let frozen = draft(dir.path(), &["--frozen"]);
    assert_eq!(frozen.status.code(), Some(1), "{}", stdout(&frozen));
    let err = stderr(&frozen);
    assert!(
        err.contains("backend/dockerfile: no recorded answer for these inputs (the files berth.lock vouches for do not pass validation ("),
        "{err}"
    );
    let asked = server.count();
    let again = draft(dir.path(), &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(server.count(), asked + 1, "the model is asked again");
    assert!(!staged(dir.path(), "services/backend/Dockerfile").contains("evil.example.com"));
}
