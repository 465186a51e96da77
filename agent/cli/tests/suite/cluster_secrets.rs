//! The Secrets berth drafts for a service's credentials, applied to the REAL control plane of
//! tests/testenv/k8s-up.sh: the app's own signing key is generated once and kept, an API key
//! only a person has is asked for (with the command that provides it) and kept once given, and
//! no value ever reaches a file of the project.

use super::apply::{approve_files, berth_with};
use super::cluster::{SERIAL, cluster, fresh_namespace, kubectl};
use super::common::*;
use std::path::Path;
use std::process::Command;

#[test]
fn a_services_secret_is_generated_once_asked_for_and_kept_when_provided() {
    let Some(kc) = cluster() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    fresh_namespace(&kc, "chat");
    // The drafts of the compose layout: chat-api reads JWT_SECRET (its own) and
    // OPENAI_API_KEY (someone else's).
    let dir = fixture("layouts/compose");
    let out = berth(dir.path(), &["draft"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let staged = |p: &str| std::fs::read_to_string(dir.path().join(".berth/staged/files").join(p));
    let files = [
        "manifests/k8s/namespace.yaml",
        "manifests/k8s/chat-api-secret.yaml",
    ];
    let texts: Vec<String> = files.iter().map(|f| staged(f).unwrap()).collect();
    let approved: Vec<(&str, &str)> = files
        .iter()
        .zip(&texts)
        .map(|(f, t)| (*f, t.as_str()))
        .collect();
    approve_files(dir.path(), &approved);

    let first = berth_with(dir.path(), &kc, &["apply"]);
    let text = transcript(&first);
    assert_eq!(first.status.code(), Some(0), "{text}");
    assert!(
        text.contains("secret/chat-api-secrets -n chat: generated JWT_SECRET"),
        "{text}"
    );
    let hint = "kubectl -n chat create secret generic chat-api-secrets --from-literal=OPENAI_API_KEY=... --dry-run=client -o yaml | kubectl apply -f -";
    assert!(
        text.contains(
            "secret/chat-api-secrets -n chat: no OPENAI_API_KEY yet, which only you can provide"
        ) && text.contains(hint),
        "{text}"
    );
    let jwt = value(&kc, "JWT_SECRET");
    assert_eq!(jwt.len(), 24, "{jwt}");
    assert!(jwt.chars().all(|c| c.is_ascii_alphanumeric()), "{jwt}");

    // The person provides the key with the command berth printed.
    let created = Command::new("sh")
        .arg("-c")
        .arg(hint.replace("...", "sk-test-key"))
        .env("KUBECONFIG", &kc)
        .output()
        .unwrap();
    assert!(created.status.success(), "{}", transcript(&created));

    // Applied again: the signing key is the same, the provided key is kept, nothing is asked.
    let second = berth_with(dir.path(), &kc, &["apply"]);
    let text = transcript(&second);
    assert_eq!(second.status.code(), Some(0), "{text}");
    assert!(
        !text.contains("generated") && !text.contains("only you can provide"),
        "{text}"
    );
    assert_eq!(value(&kc, "JWT_SECRET"), jwt);
    assert_eq!(value(&kc, "OPENAI_API_KEY"), "sk-test-key");
    let live = berth_with(dir.path(), &kc, &["diff", "--live", "--exit-code"]);
    assert_eq!(live.status.code(), Some(0), "{}", transcript(&live));

    for f in listing(dir.path()) {
        let text = std::fs::read_to_string(dir.path().join(&f)).unwrap_or_default();
        assert!(!text.contains(&jwt), "{f} holds the generated value");
    }
    kubectl(&kc, &["delete", "namespace", "chat", "--wait=false"]);
}

/// A key of chat-api-secrets, decoded.
fn value(kc: &Path, key: &str) -> String {
    let out = kubectl(
        kc,
        &[
            "-n",
            "chat",
            "get",
            "secret",
            "chat-api-secrets",
            "-o",
            &format!("go-template={{{{index .data \"{key}\" | base64decode}}}}"),
        ],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
