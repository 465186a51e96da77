//! A container whose run ended in; the last lines it wrote out, read through the API server
//! (`pods/NAME/log?container=C&previous=true&tailLines=N`), with terminal escapes and control
//! characters removed, values that look secret (`password=...`, `API_TOKEN: ...`) redacted, and
//! long lines cut: enough to see why it stopped, not a log viewer.

use super::cluster::Failure;
use k8s_openapi::api::core::v1::{ContainerStatus, Pod};
use kube::Api;
use kube::api::LogParams;

/// Lines shown per container.
pub const LINES: usize = 5;
/// What is read at most, whatever the lines' length.
const BYTES: i64 = 16 * 1024;
/// Characters kept of one line.
const WIDTH: usize = 200;
pub const REDACTED: &str = "[REDACTED]";
/// Words that make a `key=value` or `key: value` a secret (lowercase, `-` read as `_`).
const SECRET_KEYS: [&str; 8] = [
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "access_key",
    "credential",
];

/// Whether the container has a run that ended, and which: `Some(false)` when the current run
/// is over, `Some(true)` when it restarted since (the log is the previous run's).
pub fn ended(c: &ContainerStatus) -> Option<bool> {
    let terminated = |s: Option<&k8s_openapi::api::core::v1::ContainerState>| {
        s.is_some_and(|s| s.terminated.is_some())
    };
    if terminated(c.state.as_ref()) {
        Some(false)
    } else if terminated(c.last_state.as_ref()) {
        Some(true)
    } else {
        None
    }
}

/// The last lines of one container's log, ready to show.
pub async fn last_lines(
    pods: &Api<Pod>,
    pod: &str,
    container: &str,
    previous: bool,
) -> Result<Vec<String>, String> {
    let params = LogParams {
        container: Some(container.to_string()),
        previous,
        tail_lines: Some(LINES as i64),
        limit_bytes: Some(BYTES),
        ..LogParams::default()
    };
    match pods.logs(pod, &params).await {
        Ok(text) => answer(&text),
        Err(e) => Err(match Failure::from_kube(e) {
            Failure::Api(s) => s.message,
            Failure::Transport(m) => m,
        }),
    }
}

/// The log the API server answered with, or why there is none.
fn answer(text: &str) -> Result<Vec<String>, String> {
    // The kubelet answers 200 with this sentence, not an error, when the run's log is gone.
    if text.starts_with("unable to retrieve container logs for ") {
        return Err(scrub(text.lines().next().unwrap_or_default()));
    }
    Ok(lines(text))
}

/// The last non-blank lines of a log, each scrubbed.
pub fn lines(text: &str) -> Vec<String> {
    let all: Vec<String> = text
        .lines()
        .map(scrub)
        .filter(|l| !l.trim().is_empty())
        .collect();
    let skip = all.len().saturating_sub(LINES);
    all.into_iter().skip(skip).collect()
}

/// One line as it may be printed: printable, no secrets, not too long.
pub fn scrub(line: &str) -> String {
    let text = redact(&printable(line));
    let text = text.trim_end();
    if text.chars().count() <= WIDTH {
        return text.to_string();
    }
    let cut: String = text.chars().take(WIDTH - 1).collect();
    format!("{cut}…")
}

/// Drops ANSI escape sequences and control characters (a tab becomes a space).
fn printable(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: up to a final byte in @..~.
                Some('[') => {
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
                // OSC: up to BEL or ESC \.
                Some(']') => {
                    while let Some(n) = chars.next() {
                        if n == '\u{7}' {
                            break;
                        }
                        if n == '\u{1b}' {
                            chars.next();
                            break;
                        }
                    }
                }
                _ => {}
            },
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase().replace('-', "_");
    SECRET_KEYS.iter().any(|s| k.contains(s))
}

/// A value that is a setting, not a secret: `token: false`, `tokens=3`.
fn plain(value: &str) -> bool {
    matches!(
        value.to_ascii_lowercase().as_str(),
        "true" | "false" | "null" | "none" | "yes" | "no"
    ) || value.chars().all(|c| c.is_ascii_digit())
}

/// Replaces the value of every `key=value` or `key: value` whose key looks secret.
fn redact(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find(['=', ':']) {
        let (head, tail) = rest.split_at(i + 1);
        out.push_str(head);
        rest = tail;
        let key_start = head[..i]
            .trim_end_matches(['"', '\''])
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .map_or(0, |p| p + 1);
        if !secret_key(&head[key_start..i]) {
            continue;
        }
        let value = tail.trim_start_matches([' ', '"', '\'']);
        let end = value
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ',' | ';'))
            .unwrap_or(value.len());
        if end >= 4 && !plain(&value[..end]) {
            out.push_str(&tail[..tail.len() - value.len()]);
            out.push_str(REDACTED);
            rest = &value[end..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_the_last_lines_are_kept_printable_and_short() {
        let text = format!(
            "one\ntwo\n\nthree\n\u{1b}[31mfour\u{1b}[0m\tred\nfive\r\nsix\u{7}\n{}\n",
            "x".repeat(300)
        );
        let got = lines(&text);
        assert_eq!(got.len(), LINES);
        assert_eq!(got[0], "three");
        assert_eq!(got[1], "four red");
        assert_eq!(got[2], "five");
        assert_eq!(got[3], "six");
        assert_eq!(got[4].chars().count(), WIDTH);
        assert!(got[4].ends_with('…'));
        assert_eq!(
            printable("\u{1b}]0;title\u{7}ok \u{1b}]8;;http://x\u{1b}\\link"),
            "ok link"
        );
    }

    #[test]
    fn a_log_the_kubelet_no_longer_has_is_not_shown_as_log_lines() {
        assert_eq!(
            answer("unable to retrieve container logs for containerd://7b1e9c"),
            Err("unable to retrieve container logs for containerd://7b1e9c".into())
        );
        assert_eq!(answer("starting\n"), Ok(vec!["starting".to_string()]));
    }

    #[test]
    fn secret_values_are_redacted_and_the_rest_is_left_alone() {
        assert_eq!(
            scrub("connecting with DB_PASSWORD=hunter22 to db:5432"),
            "connecting with DB_PASSWORD=[REDACTED] to db:5432"
        );
        assert_eq!(
            scrub(r#"{"api_key": "abcd1234", "user": "me"}"#),
            r#"{"api_key": "[REDACTED]", "user": "me"}"#
        );
        assert_eq!(scrub("Auth-Token: s3cr3t-value"), "Auth-Token: [REDACTED]");
        for same in [
            "fatal: config missing",
            "automountServiceAccountToken: false",
            "max_tokens=256",
            "token: abc",
        ] {
            assert_eq!(scrub(same), same);
        }
    }

    #[test]
    fn the_log_is_of_the_run_that_ended() {
        let status = |extra: serde_json::Value| -> ContainerStatus {
            let mut v = json!({"name": "web", "ready": false, "restartCount": 1, "image": "i", "imageID": ""});
            v.as_object_mut()
                .unwrap()
                .extend(extra.as_object().unwrap().clone());
            serde_json::from_value(v).unwrap()
        };
        let restarted = status(json!({"state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 3, "reason": "Error"}}}));
        assert_eq!(ended(&restarted), Some(true));
        let over = status(json!({"state": {"terminated": {"exitCode": 1}}}));
        assert_eq!(ended(&over), Some(false));
        let pulling = status(json!({"state": {"waiting": {"reason": "ErrImageNeverPull"}}}));
        assert_eq!(ended(&pulling), None);
    }
}
