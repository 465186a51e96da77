//! Prompt text in, the same text with secrets replaced by `[REDACTED]` out: private key blocks,
//! provider tokens (OpenAI, GitHub, GitLab, Slack, AWS, Google, Stripe), JWTs, credentials in
//! URLs, `password = ...`-style assignments, and any literal value berth knows is secret (the
//! API key, secret-looking environment variables). berth reads no file for a prompt: what it
//! renders (plan facts, spec items, the offline draft) is scrubbed all the same.

use regex::Regex;
use std::sync::LazyLock;

pub const REDACTED: &str = "[REDACTED]";

/// Patterns whose whole match is a secret.
static TOKENS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // PEM blocks: private keys of any kind, with or without their END line.
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----|\z)",
        r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{16,}",
        r"\bgh[pousr]_[A-Za-z0-9]{20,}",
        r"\bgithub_pat_[A-Za-z0-9_]{20,}",
        r"\bglpat-[A-Za-z0-9_\-]{20,}",
        r"\bxox[abposr]-[A-Za-z0-9\-]{10,}",
        r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b",
        r"\bAIza[0-9A-Za-z_\-]{35}",
        r"\b[rs]k_live_[0-9A-Za-z]{16,}",
        r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}",
        r"\bnpm_[A-Za-z0-9]{30,}",
        r"(?i)\bBearer\s+[A-Za-z0-9_\-\.=]{16,}",
    ]
    .iter()
    .filter_map(|p| Regex::new(p).ok())
    .collect()
});

/// `user:password@host` in URLs: the password goes.
static URL_CREDENTIALS: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"([a-zA-Z][a-zA-Z0-9+.\-]*://[^/\s:@]+:)([^@\s/]+)(@)").ok());

/// `password: x`, `API_KEY="x"`, `client_secret = x`: the value goes, the name stays.
static ASSIGNMENTS: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)\b([A-Za-z0-9_\-]*(?:password|passwd|pwd|secret|token|api[_\-]?key|access[_\-]?key|private[_\-]?key|credentials?)[A-Za-z0-9_\-]*["']?[ \t]*[:=][ \t]*)(?:"[^"\n]{4,}"|'[^'\n]{4,}'|[^\s"',;]{4,})"#,
    )
    .ok()
});

/// Names of environment variables whose values are secret.
static SECRET_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(password|passwd|secret|token|api_?key|access_?key|private_?key|credential|(^|_)auth($|_))",
    )
    .ok()
});

/// Replaces every secret in `text`; `known` are literal values to remove wherever they appear.
pub fn scrub(text: &str, known: &[String]) -> String {
    let mut out = text.to_string();
    for value in known {
        if value.len() >= 6 && out.contains(value.as_str()) {
            out = out.replace(value.as_str(), REDACTED);
        }
    }
    for re in TOKENS.iter() {
        if re.is_match(&out) {
            out = re.replace_all(&out, REDACTED).into_owned();
        }
    }
    if let Some(re) = URL_CREDENTIALS.as_ref() {
        out = re
            .replace_all(&out, format!("${{1}}{REDACTED}${{3}}").as_str())
            .into_owned();
    }
    if let Some(re) = ASSIGNMENTS.as_ref() {
        out = re
            .replace_all(&out, |c: &regex::Captures| {
                let value = &c[0][c[1].len()..];
                // Leave placeholders, references and plain settings alone: `${TOKEN}`,
                // `{{ .Values.x }}`, `automountServiceAccountToken: false`, `tokenTTL: 3600`.
                let bare = value.trim_matches(|c| c == '"' || c == '\'');
                let plain = matches!(
                    bare.to_ascii_lowercase().as_str(),
                    "true" | "false" | "null" | "none" | "yes" | "no" | "~"
                ) || bare.chars().all(|c| c.is_ascii_digit());
                if plain || value == REDACTED || value.contains("${") || value.contains("{{") {
                    c[0].to_string()
                } else {
                    format!("{}{REDACTED}", &c[1])
                }
            })
            .into_owned();
    }
    out
}

/// Values of environment variables that look secret, plus the API key: never in a prompt.
pub fn known_secrets(api_key: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = api_key.map(|k| vec![k.to_string()]).unwrap_or_default();
    if let Some(re) = SECRET_NAME.as_ref() {
        out.extend(
            std::env::vars()
                .filter(|(k, v)| re.is_match(k) && v.len() >= 8)
                .map(|(_, v)| v),
        );
    }
    out.sort();
    out.dedup();
    // Longest first, so a value containing another is removed whole.
    out.sort_by_key(|v| std::cmp::Reverse(v.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn planted_secrets_are_removed_and_the_rest_kept() {
        let text = "FR-009: call the API with sk-proj-abcdefghijklmnop1234 and ghp_0123456789abcdefghijABCDEFGHIJ\n\
            postgres://app:hunter2@db:5432/app\n\
            DATABASE_PASSWORD=s3cr3t-value\n\
            api_key: \"AIzaSyA-1234567890abcdefghijklmnopqrstu\"\n\
            -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n\
            token = ${API_TOKEN}\n\
            the port is 8080; AKIAIOSFODNN7EXAMPLE\n";
        let out = scrub(text, &["my-literal-secret".into()]);
        for planted in [
            "sk-proj-abcdefghijklmnop1234",
            "ghp_0123456789abcdefghij",
            "hunter2",
            "s3cr3t-value",
            "AIzaSyA",
            "b3BlbnNzaC1rZXktdjEAAAAA",
            "AKIAIOSFODNN7EXAMPLE",
        ] {
            assert!(!out.contains(planted), "{planted} left in:\n{out}");
        }
        assert!(
            out.contains("FR-009: call the API with [REDACTED]"),
            "{out}"
        );
        assert!(
            out.contains("postgres://app:[REDACTED]@db:5432/app"),
            "{out}"
        );
        assert!(out.contains("DATABASE_PASSWORD=[REDACTED]"), "{out}");
        assert!(out.contains("token = ${API_TOKEN}"), "{out}");
        assert!(out.contains("the port is 8080"), "{out}");
        assert_eq!(
            scrub("x my-literal-secret y", &["my-literal-secret".into()]),
            "x [REDACTED] y"
        );
    }

    #[test]
    fn manifests_and_dockerfiles_pass_unchanged() {
        let text = "FROM node:22-alpine AS build\nENV PORT=8080\nsecretKeyRef:\n  name: app\n  key: token\nreadOnlyRootFilesystem: true\nautomountServiceAccountToken: false\ntokenTTL: 3600\n";
        assert_eq!(scrub(text, &[]), text);
    }
}
