//! An answer's files in, findings out for what berth never accepts from a model, whatever the
//! validate stage says: paths outside the project or outside the artifact, missing files,
//! privileged or host-level workloads (privileged, privilege escalation, host namespaces,
//! hostPath, hostPort) and images from registries the configuration does not allow. The checks
//! read lines, so they work on Helm templates that are not YAML yet.

use super::answer::AnswerFile;
use crate::check_path;
use berth_core::validate::{Finding, Severity};
use regex::Regex;
use std::collections::BTreeSet;
use std::sync::LazyLock;

/// What an artifact's answer must contain.
pub struct Expect<'a> {
    pub artifact: &'a str,
    /// The exact paths of a single-file artifact; empty for a folder artifact.
    pub paths: &'a [String],
    /// The folder all files of a multi-file artifact (a Helm chart) live under.
    pub folder: Option<&'a str>,
    /// Files that must be present.
    pub required: &'a [String],
}

/// A model-made path, cut short for messages (small models propose whole paragraphs).
fn shown(path: &str) -> String {
    if path.chars().count() > 80 {
        path.chars().take(80).collect::<String>() + "..."
    } else {
        path.to_string()
    }
}

fn finding(rule: &str, file: &str, line: usize, message: String, hint: &str) -> Finding {
    Finding {
        rule: format!("guard/{rule}"),
        severity: Severity::Error,
        file: file.to_string(),
        line,
        column: 0,
        object: None,
        path: None,
        message,
        hint: Some(hint.to_string()),
    }
}

static HOST_LEVEL: LazyLock<Vec<(Regex, &'static str, &'static str)>> = LazyLock::new(|| {
    [
        (
            r#"^\s*"?privileged"?\s*:\s*"?true"#,
            "privileged",
            "a privileged container",
        ),
        (
            r#"^\s*"?allowPrivilegeEscalation"?\s*:\s*"?true"#,
            "privilege-escalation",
            "privilege escalation allowed",
        ),
        (
            r#"^\s*"?(hostNetwork|hostPID|hostIPC|hostUsers)"?\s*:\s*"?true"#,
            "host-namespace",
            "a host namespace",
        ),
        (
            r#"^\s*-?\s*"?hostPath"?\s*:"#,
            "host-path",
            "a hostPath volume",
        ),
        (r#"^\s*-?\s*"?hostPort"?\s*:"#, "host-port", "a hostPort"),
        (
            r"(?i)^\s*RUN\s+.*--security=insecure",
            "privileged",
            "an insecure build step",
        ),
    ]
    .into_iter()
    .filter_map(|(p, rule, what)| Regex::new(p).ok().map(|r| (r, rule, what)))
    .collect()
});

static YAML_IMAGE: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"^\s*-?\s*"?image"?\s*:\s*["']?([^"'\s#{}]+)["']?\s*(#.*)?$"#).ok()
});
static YAML_REPOSITORY: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(r#"^\s*"?repository"?\s*:\s*["']?([^"'\s#{}]+)["']?\s*(#.*)?$"#).ok()
});

/// The registry an image reference pulls from (`docker.io` when it names none).
pub fn registry_of(image: &str) -> &str {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            first
        }
        _ => "docker.io",
    }
}

fn allowed(image: &str, registries: &[String]) -> bool {
    let reg = registry_of(image);
    registries.iter().any(|a| {
        let a = a.trim_end_matches('/');
        reg == a || (a.contains('/') && image.starts_with(&format!("{a}/")))
    })
}

/// Images a Dockerfile pulls: its FROM lines (not earlier stages, not `scratch`) and
/// `COPY --from=<image>`. With their 1-based lines.
fn dockerfile_images(text: &str) -> Vec<(usize, String)> {
    let mut stages = BTreeSet::new();
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(first) = words.first() else { continue };
        if first.eq_ignore_ascii_case("FROM") {
            let rest: Vec<&str> = words[1..]
                .iter()
                .copied()
                .filter(|w| !w.starts_with("--"))
                .collect();
            if let Some(image) = rest.first() {
                let lower = image.to_ascii_lowercase();
                if lower != "scratch" && !stages.contains(&lower) && !image.contains('$') {
                    out.push((i + 1, image.to_string()));
                }
            }
            if rest.len() >= 3 && rest[1].eq_ignore_ascii_case("AS") {
                stages.insert(rest[2].to_ascii_lowercase());
            }
        } else if first.eq_ignore_ascii_case("COPY") {
            for w in &words[1..] {
                if let Some(src) = w.strip_prefix("--from=") {
                    let lower = src.to_ascii_lowercase();
                    let is_image = src.contains(':') || src.contains('/');
                    if is_image && !stages.contains(&lower) && src.parse::<u32>().is_err() {
                        out.push((i + 1, src.to_string()));
                    }
                }
            }
        }
    }
    out
}

fn is_dockerfile(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "Dockerfile" || name.ends_with(".Dockerfile") || name.starts_with("Dockerfile.")
}

/// Everything berth rejects in `files`, as findings (empty: acceptable so far).
pub fn check(files: &[AnswerFile], expect: &Expect, registries: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for f in files {
        if check_path(expect.artifact, &f.path).is_err() {
            out.push(finding(
                "path-outside-project",
                &f.path,
                0,
                format!(
                    "the answer proposes {:?}, a path outside the project: rejected",
                    shown(&f.path)
                ),
                "propose only the artifact's own paths, relative to the project root",
            ));
            continue;
        }
        let inside = match expect.folder {
            Some(".") => true,
            Some(dir) => f.path.starts_with(&format!("{dir}/")),
            None => expect.paths.contains(&f.path),
        };
        if !inside {
            let want = match expect.folder {
                Some(dir) => format!("files under {dir}/"),
                None => expect.paths.join(", "),
            };
            out.push(finding(
                "unexpected-path",
                &f.path,
                0,
                format!(
                    "the answer proposes {}, which this artifact does not own: rejected",
                    shown(&f.path)
                ),
                &format!("propose only {want}"),
            ));
            continue;
        }
        if !seen.insert(f.path.clone()) {
            out.push(finding(
                "duplicate-path",
                &f.path,
                0,
                format!("{} is proposed twice", f.path),
                "give each file once",
            ));
        }
        out.extend(host_level(f));
        out.extend(secret_values(f));
        out.extend(images(f, registries));
    }
    for r in expect.required {
        if !files.iter().any(|f| &f.path == r) {
            out.push(finding(
                "missing-file",
                r,
                0,
                format!("the answer leaves out {r}"),
                "give every file of the artifact, whole",
            ));
        }
    }
    out
}

/// A change of a workload's images, as a diagnosis proposes it: berth builds its images from
/// the services, so a fix that pulls another image is never one to take from a model.
pub fn same_images(path: &str, before: &str, after: &str) -> Vec<Finding> {
    let images = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| YAML_IMAGE.as_ref()?.captures(l)?.get(1))
            .map(|m| m.as_str().to_string())
            .collect()
    };
    let (was, now) = (images(before), images(after));
    if was == now {
        return Vec::new();
    }
    vec![finding(
        "image-changed",
        path,
        0,
        format!("the images change from {} to {}", list(&was), list(&now)),
        "keep the images berth built; mend the cause in the manifest around them",
    )]
}

/// Exclusions the offline `.dockerignore` makes that an answer drops: each one lets files into
/// the build context (keys, `.env`, build output) and so into an image. An answer may add
/// patterns, never take one away.
pub fn kept_exclusions(files: &[AnswerFile], offline: &[(&str, &str)]) -> Vec<Finding> {
    let patterns = |text: &str| -> Vec<String> {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    };
    let mut out = Vec::new();
    for f in files.iter().filter(|f| f.path.ends_with(".dockerignore")) {
        let Some((_, before)) = offline.iter().find(|(p, _)| *p == f.path) else {
            continue;
        };
        let now = patterns(&f.contents);
        let dropped: Vec<String> = patterns(before)
            .into_iter()
            .filter(|p| !now.contains(p))
            .collect();
        if !dropped.is_empty() {
            out.push(finding(
                "dockerignore-dropped",
                &f.path,
                0,
                format!(
                    "the answer drops {} from {}, which lets those files into the image",
                    dropped.join(", "),
                    shown(&f.path)
                ),
                "keep every pattern of the starting point; add patterns if more should stay out",
            ));
        }
    }
    out
}

fn list(images: &[String]) -> String {
    if images.is_empty() {
        "none".into()
    } else {
        images.join(", ")
    }
}

fn host_level(f: &AnswerFile) -> Vec<Finding> {
    let mut out = Vec::new();
    for (i, line) in f.contents.lines().enumerate() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        for (re, rule, what) in HOST_LEVEL.iter() {
            if re.is_match(line) {
                out.push(finding(
                    rule,
                    &f.path,
                    i + 1,
                    format!("{what}: berth never accepts host-level or privileged workloads"),
                    "keep the restricted security context of the starting point",
                ));
            }
        }
    }
    out
}

/// A value written into a Secret: berth keeps credentials out of every file (apply generates
/// or keeps them in the cluster), so an answer that invents one is rejected. Template
/// expressions (a chart's `lookup`) are not values.
fn secret_values(f: &AnswerFile) -> Vec<Finding> {
    if is_dockerfile(&f.path) || !f.contents.lines().any(|l| l.trim() == "kind: Secret") {
        return Vec::new();
    }
    let indent = |l: &str| l.len() - l.trim_start().len();
    let mut out = Vec::new();
    let mut under: Option<usize> = None;
    for (i, line) in f.contents.lines().enumerate() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') || t.starts_with("{{") {
            continue;
        }
        match under {
            Some(at) if indent(line) > at => {
                let value = t.split_once(':').map(|(_, v)| v.trim()).unwrap_or_default();
                if !value.is_empty() && !value.contains("{{") {
                    out.push(finding(
                        "secret-value",
                        &f.path,
                        i + 1,
                        "a value written into a Secret: berth never puts a credential in a file"
                            .into(),
                        "leave the Secret without data; berth apply generates or keeps its values",
                    ));
                }
                continue;
            }
            _ => under = None,
        }
        if t == "data:" || t == "stringData:" {
            under = Some(indent(line));
        }
    }
    out
}

fn images(f: &AnswerFile, registries: &[String]) -> Vec<Finding> {
    let found: Vec<(usize, String)> = if is_dockerfile(&f.path) {
        dockerfile_images(&f.contents)
    } else {
        f.contents
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim_start().starts_with('#'))
            .filter_map(|(i, l)| {
                let caps = YAML_IMAGE
                    .as_ref()
                    .and_then(|re| re.captures(l))
                    .or_else(|| YAML_REPOSITORY.as_ref().and_then(|re| re.captures(l)))?;
                Some((i + 1, caps.get(1)?.as_str().to_string()))
            })
            .collect()
    };
    found
        .into_iter()
        .filter(|(_, image)| !allowed(image, registries))
        .map(|(line, image)| {
            finding(
                "registry",
                &f.path,
                line,
                format!(
                    "image {image} comes from {}, which is not an allowed registry ({})",
                    registry_of(&image),
                    registries.join(", ")
                ),
                "use an image from an allowed registry (llm.allowed_registries in berth.toml)",
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, contents: &str) -> AnswerFile {
        AnswerFile {
            path: path.into(),
            contents: contents.into(),
        }
    }

    fn rules(fs: &[Finding]) -> Vec<String> {
        fs.iter()
            .map(|f| format!("{}@{}:{}", f.rule, f.file, f.line))
            .collect()
    }

    fn regs() -> Vec<String> {
        vec!["docker.io".into(), "gcr.io".into()]
    }

    #[test]
    fn paths_outside_or_foreign_are_rejected() {
        let paths = vec!["manifests/k8s/web-deployment.yaml".to_string()];
        let expect = Expect {
            artifact: "web/deployment",
            paths: &paths,
            folder: None,
            required: &paths,
        };
        let fs = check(
            &[
                file("../../etc/passwd", "root:x:0:0"),
                file("services/web/src/main.rs", ""),
            ],
            &expect,
            &regs(),
        );
        assert_eq!(
            rules(&fs),
            [
                "guard/path-outside-project@../../etc/passwd:0",
                "guard/unexpected-path@services/web/src/main.rs:0",
                "guard/missing-file@manifests/k8s/web-deployment.yaml:0"
            ]
        );
    }

    #[test]
    fn privileged_and_host_level_are_rejected() {
        let paths = vec!["d.yaml".to_string()];
        let expect = Expect {
            artifact: "a",
            paths: &paths,
            folder: None,
            required: &[],
        };
        let y = "spec:\n  hostNetwork: true\n  containers:\n    - name: x\n      image: nginx:1.29\n      securityContext:\n        privileged: true\n  # privileged: true\n  volumes:\n    - hostPath:\n        path: /\n";
        let fs = check(&[file("d.yaml", y)], &expect, &regs());
        assert_eq!(
            rules(&fs),
            [
                "guard/host-namespace@d.yaml:2",
                "guard/privileged@d.yaml:7",
                "guard/host-path@d.yaml:10"
            ]
        );
    }

    #[test]
    fn a_value_in_a_secret_is_rejected_but_a_template_expression_is_not() {
        let paths = vec!["s.yaml".to_string(), "t.yaml".to_string()];
        let expect = Expect {
            artifact: "a",
            paths: &paths,
            folder: None,
            required: &[],
        };
        let written = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\nstringData:\n  OPENAI_API_KEY: sk-invented\ndata:\n  password: aHVudGVyMg==\n";
        let template = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n{{- with $data }}\ndata:\n  {{- toYaml . | nindent 2 }}\n  password: {{ randAlphaNum 24 | b64enc }}\n{{- end }}\n";
        let fs = check(
            &[file("s.yaml", written), file("t.yaml", template)],
            &expect,
            &regs(),
        );
        assert_eq!(
            rules(&fs),
            ["guard/secret-value@s.yaml:6", "guard/secret-value@s.yaml:8"]
        );
    }

    #[test]
    fn a_diagnosis_may_not_change_the_images() {
        let before = "      - name: web\n        image: todo-web:0.1.0\n";
        assert!(same_images("d.yaml", before, &format!("{before}        env: []\n")).is_empty());
        let after = before.replace("todo-web:0.1.0", "docker.io/someone/web:1");
        let fs = same_images("d.yaml", before, &after);
        assert_eq!(rules(&fs), ["guard/image-changed@d.yaml:0"]);
        assert!(
            fs[0]
                .message
                .contains("from todo-web:0.1.0 to docker.io/someone/web:1")
        );
    }

    #[test]
    fn a_dockerignore_answer_may_add_patterns_but_never_drop_one() {
        let offline = [("services/api/.dockerignore", "# why\n*.pem\n.env\ntarget\n")];
        let added = file("services/api/.dockerignore", "*.pem\n.env\ntarget\n*.md\n");
        assert!(kept_exclusions(&[added], &offline).is_empty());
        let dropped = file("services/api/.dockerignore", "*.key\n.env\n");
        let found = kept_exclusions(&[dropped], &offline);
        assert_eq!(
            rules(&found),
            ["guard/dockerignore-dropped@services/api/.dockerignore:0"]
        );
        assert!(
            found[0].message.contains("*.pem, target"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn images_must_come_from_allowed_registries() {
        let paths = vec!["services/a/Dockerfile".to_string(), "k.yaml".to_string()];
        let expect = Expect {
            artifact: "a",
            paths: &paths,
            folder: None,
            required: &[],
        };
        let d = "FROM --platform=$BUILDPLATFORM node:22-alpine AS build\nFROM build AS test\nFROM quay.io/evil/img:1\nCOPY --from=build /a /b\nCOPY --from=ghcr.io/x/y:1 /a /b\nFROM gcr.io/distroless/static-debian12:nonroot\n";
        let k = "image: todo-web:0.1.0\nimage: \"{{ .Values.image }}\"\n  repository: registry.example.com/x\n";
        let fs = check(
            &[file("services/a/Dockerfile", d), file("k.yaml", k)],
            &expect,
            &regs(),
        );
        assert_eq!(
            rules(&fs),
            [
                "guard/registry@services/a/Dockerfile:3",
                "guard/registry@services/a/Dockerfile:5",
                "guard/registry@k.yaml:3"
            ]
        );
        assert_eq!(registry_of("localhost:5000/x"), "localhost:5000");
        assert!(allowed("ghcr.io/me/app:1", &["ghcr.io/me".into()]));
        assert!(!allowed("ghcr.io/you/app:1", &["ghcr.io/me".into()]));
    }
}
