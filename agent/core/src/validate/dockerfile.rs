//! Dockerfile text in, lint findings out. berth's own rules, with hadolint's ids where the rule
//! is one of hadolint's (DL3002, DL3006, DL3007, DL3020, DL3025 here; the rules about RUN
//! commands and stages in `shell_rules`), plus a missing USER and secrets in ENV/ARG.
//! `# hadolint ignore=DL3006,DL3007` (or `# berth ignore=...`) on the line before an
//! instruction silences those rules for it, `# hadolint global ignore=...` for the whole file,
//! as hadolint does.

use super::{Finding, Severity};
use regex::Regex;
use std::sync::LazyLock;

mod shell;
mod shell_rules;

/// Whether a CMD, ENTRYPOINT or `HEALTHCHECK [OPTIONS] CMD` gives its command in shell form.
fn shell_form(ins: &Instruction) -> bool {
    let mut args = ins.args.trim_start();
    if ins.keyword == "HEALTHCHECK" {
        // Options (`--interval=30s`) first; `HEALTHCHECK NONE` has no command.
        while let Some(rest) = args.strip_prefix("--") {
            args = rest
                .split_once(char::is_whitespace)
                .map_or("", |(_, r)| r)
                .trim_start();
        }
        let Some((word, rest)) = args.split_once(char::is_whitespace) else {
            return false;
        };
        if !word.eq_ignore_ascii_case("CMD") {
            return false;
        }
        args = rest.trim_start();
    }
    !args.starts_with('[')
}

/// The instructions the Dockerfile reference defines; anything else fails the build.
const INSTRUCTIONS: [&str; 18] = [
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

#[derive(Debug)]
struct Instruction {
    line: usize,
    keyword: String,
    args: String,
    ignored: Vec<String>,
}

static SECRET_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(password|passwd|secret|token|api_?key|private_?key|access_?key|credential)")
        .unwrap_or_else(|e| panic!("{e}"))
});

fn parse(text: &str) -> Vec<Instruction> {
    let mut out = Vec::new();
    let mut ignored: Vec<String> = Vec::new();
    let mut global: Vec<String> = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            match pragma(comment) {
                Some((true, rules)) => global.extend(rules),
                Some((false, rules)) => ignored.extend(rules),
                None => {}
            }
            continue;
        }
        let mut full = line.to_string();
        while full.ends_with('\\') {
            full.pop();
            match lines.next() {
                Some((_, next)) if next.trim_start().starts_with('#') => continue,
                Some((_, next)) => {
                    full.push(' ');
                    full.push_str(next.trim());
                }
                None => break,
            }
        }
        let (keyword, args) = full.split_once(char::is_whitespace).unwrap_or((&full, ""));
        // A heredoc's body is not instructions.
        if let Some(tag) = args.split("<<").nth(1).map(|t| {
            t.trim_start_matches('-')
                .trim_matches(['"', '\''])
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_string()
        }) {
            if !tag.is_empty() {
                for (_, body) in lines.by_ref() {
                    if body.trim() == tag {
                        break;
                    }
                }
            }
        }
        out.push(Instruction {
            line: i + 1,
            keyword: keyword.to_uppercase(),
            args: args.trim().to_string(),
            ignored: std::mem::take(&mut ignored),
        });
    }
    for ins in &mut out {
        ins.ignored.extend(global.iter().cloned());
    }
    out
}

/// `hadolint ignore=A,B` (or `berth ignore=`), for the next instruction, or
/// `hadolint global ignore=A,B` for the whole file; true for global. A `# comment` may follow.
fn pragma(comment: &str) -> Option<(bool, Vec<String>)> {
    let c = comment.trim_start();
    let rest = c
        .strip_prefix("hadolint")
        .or_else(|| c.strip_prefix("berth"))?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start();
    let (global, rest) = match rest.strip_prefix("global") {
        Some(r) if r.starts_with([' ', '\t']) => (true, r.trim_start()),
        _ => (false, rest),
    };
    let rules = rest
        .strip_prefix("ignore")?
        .trim_start()
        .strip_prefix('=')?;
    let rules = rules.split('#').next().unwrap_or("");
    let rules: Vec<String> = rules
        .split(',')
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    // As hadolint does, a pragma naming something that is no rule id silences nothing.
    let valid = |r: &String| {
        let code = r.strip_prefix("DL").or_else(|| r.strip_prefix("SC"));
        code.is_some_and(|c| c.len() == 4 && c.bytes().all(|b| b.is_ascii_digit()))
            || r.contains('/')
    };
    if !rules.iter().all(valid) {
        return None;
    }
    Some((global, rules))
}

pub fn check(file: &str, text: &str, mirror: Option<&str>, out: &mut Vec<Finding>) {
    let instructions = parse(text);
    let mut add =
        |ins: Option<&Instruction>, rule: &str, severity: Severity, message: String, hint: &str| {
            if ins.is_some_and(|i| i.ignored.iter().any(|r| r == rule)) {
                return;
            }
            out.push(Finding {
                rule: rule.into(),
                severity,
                file: file.into(),
                line: ins.map_or(0, |i| i.line),
                column: if ins.is_some() { 1 } else { 0 },
                object: None,
                path: None,
                message,
                hint: Some(hint.into()),
            });
        };
    let mut stages: Vec<String> = Vec::new();
    // The final stage's USER instructions, and its FROM.
    let mut last_from: Option<&Instruction> = None;
    let mut last_user: Option<&Instruction> = None;
    // Each earlier stage's last USER: a stage built FROM it, or copied from, runs as that user.
    let mut earlier_users: Vec<&Instruction> = Vec::new();
    for ins in &instructions {
        if !INSTRUCTIONS.contains(&ins.keyword.as_str()) {
            let word: String = ins.keyword.chars().take(40).collect();
            add(
                Some(ins),
                "dockerfile/unknown-instruction",
                Severity::Error,
                format!("`{word}` is not a Dockerfile instruction: docker build stops here"),
                "start the line with an instruction (RUN, COPY, ...), or end the line before with `\\` to continue it",
            );
        }
        match ins.keyword.as_str() {
            "ARG" => {
                let (name, value) = ins
                    .args
                    .split_once('=')
                    .map(|(n, v)| (n.trim(), Some(v.trim())))
                    .unwrap_or((ins.args.trim(), None));
                if SECRET_NAME.is_match(name) && value.is_some_and(|v| !v.is_empty()) {
                    add(
                        Some(ins),
                        "dockerfile/secret",
                        Severity::Error,
                        format!("ARG {name} has a default value that looks like a secret"),
                        "pass secrets with `RUN --mount=type=secret`, or at run time from a Kubernetes Secret; never bake them into the image",
                    );
                }
            }
            "FROM" => {
                let words: Vec<&str> = ins
                    .args
                    .split_whitespace()
                    .filter(|w| !w.starts_with("--"))
                    .collect();
                let image = words.first().copied().unwrap_or("");
                // `FROM build` names an earlier stage, not an image.
                let is_stage = stages.iter().any(|s| *s == image.to_lowercase());
                if let Some(alias) = words
                    .iter()
                    .position(|w| w.eq_ignore_ascii_case("as"))
                    .and_then(|i| words.get(i + 1))
                {
                    stages.push(alias.to_lowercase());
                }
                let variable = image.starts_with('$');
                if !is_stage && !variable && image != "scratch" {
                    match super::policy::image_problem(image) {
                        Some(p) if p.contains("latest tag") => add(
                            Some(ins),
                            "DL3007",
                            Severity::Error,
                            format!("FROM {image} uses the latest tag"),
                            "pin the version you tested, e.g. node:22-alpine",
                        ),
                        Some(_) => add(
                            Some(ins),
                            "DL3006",
                            Severity::Error,
                            format!("FROM {image} has no tag"),
                            "always tag the version of an image explicitly",
                        ),
                        None => {}
                    }
                    if let Some(m) = mirror.map(|m| m.trim_end_matches('/')) {
                        if !image.starts_with(&format!("{m}/")) {
                            add(
                                Some(ins),
                                "dockerfile/mirror",
                                Severity::Error,
                                format!(
                                    "FROM {image} does not pull through the registry mirror {m}"
                                ),
                                "run `berth draft` again (it points every FROM at the mirror), or write the image as MIRROR/PATH; the mirror is berth.toml's [draft] registry_mirror or BERTH_REGISTRY_MIRROR",
                            );
                        }
                    }
                }
                last_from = Some(ins);
                earlier_users.extend(last_user.take());
            }
            "USER" => last_user = Some(ins),
            "ENV" => {
                for (name, value) in env_pairs(&ins.args) {
                    if SECRET_NAME.is_match(&name) && !value.is_empty() && !value.starts_with('$') {
                        add(
                            Some(ins),
                            "dockerfile/secret",
                            Severity::Error,
                            format!("ENV {name} puts what looks like a secret into the image"),
                            "give it at run time from a Kubernetes Secret; image layers are readable by anyone who pulls the image",
                        );
                    }
                }
            }
            "ADD" => {
                // Both forms: `ADD a b dest` and `ADD ["a", "b", "dest"]`, quotes dropped.
                let srcs: Vec<&str> = ins
                    .args
                    .split(|c: char| c.is_whitespace() || c == ',')
                    .map(|w| w.trim_matches(|c| matches!(c, '[' | ']' | '"' | '\'')))
                    .filter(|w| !w.is_empty() && !w.starts_with("--"))
                    .collect();
                let srcs = &srcs[..srcs.len().saturating_sub(1)];
                // What ADD unpacks, as hadolint lists it (a .zip is not unpacked: COPY it).
                let remote_or_archive = |s: &&str| {
                    s.contains("://")
                        || [
                            ".tar", ".Z", ".bz2", ".gz", ".lz", ".lzma", ".tZ", ".tb2", ".tbz",
                            ".tbz2", ".tgz", ".tlz", ".tpz", ".txz", ".xz",
                        ]
                        .iter()
                        .any(|x| s.ends_with(x))
                };
                if !srcs.is_empty() && !srcs.iter().all(remote_or_archive) {
                    add(
                        Some(ins),
                        "DL3020",
                        Severity::Error,
                        "ADD copies local files".into(),
                        "use COPY for files and folders; ADD also unpacks archives and fetches URLs, which surprises readers",
                    );
                }
            }
            "CMD" | "ENTRYPOINT" | "HEALTHCHECK" => {
                if shell_form(ins) {
                    add(
                        Some(ins),
                        "DL3025",
                        Severity::Error,
                        format!("{} is in shell form", ins.keyword),
                        "use the exec form, e.g. CMD [\"node\", \"server.mjs\"], so the process gets signals and stops cleanly",
                    );
                }
            }
            _ => {}
        }
    }
    shell_rules::check(&instructions, &mut |ins, rule, severity, message, hint| {
        add(Some(ins), rule, severity, message, hint)
    });
    match (last_from, last_user) {
        (None, _) => add(
            None,
            "dockerfile/no-from",
            Severity::Error,
            "no FROM instruction: this is not a Dockerfile".into(),
            "start with FROM <image>:<tag>",
        ),
        (Some(from), None) => add(
            Some(from),
            "dockerfile/no-user",
            Severity::Error,
            "the final stage sets no USER, so the container runs as root".into(),
            "add USER <uid>:<gid> with a non-root numeric id",
        ),
        (_, Some(user)) if is_root(user) => add(
            Some(user),
            "DL3002",
            Severity::Error,
            "the last USER is root".into(),
            "switch to a non-root numeric user at the end of the final stage",
        ),
        _ => {}
    }
    // An earlier stage left as root is flagged too, as hadolint does: a later `FROM <stage>`
    // inherits that user.
    for user in earlier_users.into_iter().filter(|u| is_root(u)) {
        add(
            Some(user),
            "DL3002",
            Severity::Error,
            "this stage's last USER is root, and a stage built FROM it runs as root".into(),
            "switch back to a non-root user at the end of the stage",
        );
    }
}

fn is_root(user: &Instruction) -> bool {
    let who = user.args.split(':').next().unwrap_or("").trim();
    who == "root" || who == "0"
}

/// `A=1 B="two words"` or the legacy `A 1`.
fn env_pairs(args: &str) -> Vec<(String, String)> {
    if !args.contains('=') {
        return args
            .split_once(char::is_whitespace)
            .map(|(k, v)| vec![(k.to_string(), v.trim().to_string())])
            .unwrap_or_default();
    }
    let mut out = Vec::new();
    let mut rest = args.trim();
    while let Some((name, after)) = rest.split_once('=') {
        let (value, next) = if let Some(q) = after.strip_prefix('"') {
            let end = q.find('"').unwrap_or(q.len());
            (q[..end].to_string(), q.get(end + 1..).unwrap_or(""))
        } else {
            let end = after.find(char::is_whitespace).unwrap_or(after.len());
            (after[..end].to_string(), &after[end..])
        };
        out.push((name.trim().to_string(), value));
        rest = next.trim();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(text: &str) -> Vec<(String, usize)> {
        let mut out = vec![];
        check("Dockerfile", text, None, &mut out);
        out.into_iter().map(|f| (f.rule, f.line)).collect()
    }

    #[test]
    fn clean_multi_stage_build() {
        let ok = "FROM node:22-alpine AS build\nRUN npm ci\nFROM nginx:1.29\nCOPY --from=build /a /b\nUSER 101:101\nCMD [\"nginx\"]\n";
        assert!(rules(ok).is_empty(), "{:?}", rules(ok));
    }

    #[test]
    fn a_line_that_is_no_instruction_fails_as_docker_build_does() {
        let bad = "FROM alpine:3.20\nCargo.lock\nrun echo ok\nUSER 1\nCMD [\"x\"]\n";
        assert_eq!(
            rules(bad),
            [("dockerfile/unknown-instruction".to_string(), 2)]
        );
    }

    #[test]
    fn each_rule() {
        assert_eq!(rules("FROM node\nUSER 1\n"), [("DL3006".to_string(), 1)]);
        assert_eq!(
            rules("FROM node:latest\nUSER 1\n"),
            [("DL3007".to_string(), 1)]
        );
        assert_eq!(
            rules("FROM node:22\nUSER 1\nUSER root\n"),
            [("DL3002".to_string(), 3)]
        );
        assert_eq!(
            rules("FROM node:22\nUSER 1\nCMD node x.js\n"),
            [("DL3025".to_string(), 3)]
        );
        // A stage left as root, whether a later stage is built FROM it or not.
        assert_eq!(
            rules("FROM debian:12 AS base\nUSER root\nFROM base\nUSER 1\n"),
            [("DL3002".to_string(), 2)]
        );
        assert!(rules("FROM debian:12 AS base\nUSER root\nUSER 2\nFROM base\nUSER 1\n").is_empty());
        // A pragma naming no rule id is void.
        assert_eq!(
            rules("FROM node:22\n# hadolint ignore=crazy,DL3002\nUSER root\n"),
            [("DL3002".to_string(), 3)]
        );
        // A HEALTHCHECK's command too, after its options; NONE has none.
        assert_eq!(
            rules(
                "FROM node:22\nUSER 1\nHEALTHCHECK --interval=5s --retries=3 CMD curl -f localhost\n"
            ),
            [("DL3025".to_string(), 3)]
        );
        assert!(
            rules(
                "FROM node:22\nUSER 1\nHEALTHCHECK --interval=5s CMD [\"curl\", \"-f\", \"x\"]\n"
            )
            .is_empty()
        );
        assert!(rules("FROM node:22\nUSER 1\nHEALTHCHECK NONE\n").is_empty());
        assert_eq!(
            rules("FROM node:22\nADD src /app\nUSER 1\n"),
            [("DL3020".to_string(), 2)]
        );
        // ADD does not unpack a zip: COPY it.
        assert_eq!(
            rules("FROM node:22\nADD site.zip /srv/\nUSER 1\n"),
            [("DL3020".to_string(), 2)]
        );
        assert!(
            rules("FROM node:22\nADD https://x/y.tgz /app\nADD a.tar.gz /\nADD \"b.xz\" c.bz2 /\nADD [\"d.gz\", \"/x\"]\nUSER 1\n").is_empty()
        );
        assert_eq!(
            rules("FROM node:22\nRUN x\n"),
            [("dockerfile/no-user".to_string(), 1)]
        );
        assert_eq!(
            rules("FROM node:22\nENV DB_PASSWORD=hunter2 MODE=prod\nUSER 1\n"),
            [("dockerfile/secret".to_string(), 2)]
        );
        assert_eq!(
            rules("FROM node:22\nARG API_KEY=abc\nARG TOKEN\nUSER 1\n"),
            [("dockerfile/secret".to_string(), 2)]
        );
    }

    #[test]
    fn ignore_comments_and_continuations() {
        let text = "# hadolint ignore=DL3007\nFROM node:latest\nRUN a \\\n  && b\n# berth ignore=DL3025\nCMD node \\\n  x.js\nUSER 1\n";
        assert!(rules(text).is_empty(), "{:?}", rules(text));
    }

    #[test]
    fn stage_names_are_not_images() {
        assert!(
            rules("FROM rust:1.95 AS build\nFROM build AS test\nFROM debian:12\nUSER 1\n")
                .is_empty()
        );
    }

    #[test]
    fn with_a_mirror_every_base_image_must_come_through_it() {
        let text = "FROM 127.0.0.1:5000/library/rust:1.95 AS build\nFROM build AS test\nFROM scratch AS empty\nFROM gcr.io/distroless/cc-debian12:nonroot\nUSER 1\n";
        let mut out = vec![];
        check("Dockerfile", text, Some("127.0.0.1:5000/"), &mut out);
        let found: Vec<(&str, usize)> = out.iter().map(|f| (f.rule.as_str(), f.line)).collect();
        assert_eq!(found, [("dockerfile/mirror", 4)]);
        assert_eq!(
            out[0].message,
            "FROM gcr.io/distroless/cc-debian12:nonroot does not pull through the registry mirror 127.0.0.1:5000"
        );
        // A host that merely starts like the mirror is not it.
        let mut out = vec![];
        check(
            "Dockerfile",
            "FROM 127.0.0.1:50001/x:1\nUSER 1\n",
            Some("127.0.0.1:5000"),
            &mut out,
        );
        assert_eq!(out.len(), 1);
    }
}
