//! Markdown templates (built in from the repository's `prompts/`, or the project's own
//! `prompts/<name>.md`) and a `PromptContext` in, scrubbed chat messages out, with the template
//! versions that go into the cache key. A template opens with front matter naming its version.

use super::error::LlmError;
use super::scrub::scrub;
use super::transport::Message;
use crate::sha256_hex;
use berth_core::validate::Finding;
use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The built-in templates: one per artifact kind, plus the system prompt, the shared context
/// and the repair request.
const BUILTIN: &[(&str, &str)] = &[
    ("system", include_str!("../../../../prompts/system.md")),
    ("_context", include_str!("../../../../prompts/_context.md")),
    ("repair", include_str!("../../../../prompts/repair.md")),
    (
        "dockerfile",
        include_str!("../../../../prompts/dockerfile.md"),
    ),
    (
        "dockerignore",
        include_str!("../../../../prompts/dockerignore.md"),
    ),
    (
        "web-server-config",
        include_str!("../../../../prompts/web-server-config.md"),
    ),
    (
        "namespace",
        include_str!("../../../../prompts/namespace.md"),
    ),
    (
        "deployment",
        include_str!("../../../../prompts/deployment.md"),
    ),
    ("service", include_str!("../../../../prompts/service.md")),
    (
        "configmap",
        include_str!("../../../../prompts/configmap.md"),
    ),
    (
        "helm-chart",
        include_str!("../../../../prompts/helm-chart.md"),
    ),
    // `berth diagnose`: a failure the rules cannot mend, its own system prompt and request.
    (
        "diagnose-system",
        include_str!("../../../../prompts/diagnose-system.md"),
    ),
    ("diagnose", include_str!("../../../../prompts/diagnose.md")),
];

/// What a first prompt is rendered from.
#[derive(Debug, Serialize)]
pub struct PromptContext {
    pub app: String,
    pub namespace: String,
    pub artifact: ArtifactView,
    /// The service's facts, or none for an app-wide artifact.
    pub service: Option<serde_json::Value>,
    pub services: Vec<serde_json::Value>,
    pub spec_items: Vec<ItemView>,
    pub gates: Vec<GateView>,
    pub registries: Vec<String>,
    pub paths: Vec<String>,
    pub folder: Option<String>,
    pub offline: Vec<FileView>,
    /// `edits` or `files`: the shape of answer asked for.
    pub form: String,
    pub schema: String,
}

#[derive(Debug, Serialize)]
pub struct ArtifactView {
    pub id: String,
    pub kind: String,
    pub path: String,
}

#[derive(Debug, Serialize)]
pub struct ItemView {
    pub id: String,
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct GateView {
    pub id: String,
    pub text: String,
    pub rules: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FileView {
    pub path: String,
    pub contents: String,
    pub lang: String,
}

impl FileView {
    pub fn new(path: &str, contents: &str) -> Self {
        let name = path.rsplit('/').next().unwrap_or(path);
        let lang = if name.ends_with(".yaml") || name.ends_with(".yml") {
            "yaml"
        } else if name.ends_with(".json") {
            "json"
        } else if name.contains("Dockerfile") {
            "dockerfile"
        } else if name.ends_with(".conf") {
            "nginx"
        } else {
            "text"
        };
        let mut contents = contents.to_string();
        if !contents.ends_with('\n') {
            contents.push('\n');
        }
        Self {
            path: path.to_string(),
            contents,
            lang: lang.to_string(),
        }
    }
}

/// Rendered messages and the versions of the templates behind them.
pub struct Rendered {
    pub messages: Vec<Message>,
    pub templates: String,
}

pub struct Prompts {
    env: Environment<'static>,
    /// `name@version#hash`, by name.
    versions: BTreeMap<String, String>,
}

/// Splits `---\nversion: N\n---\n` front matter from the body.
fn front_matter(name: &str, text: &str) -> Result<(String, String), LlmError> {
    let bad = |m: &str| LlmError::Template {
        name: format!("prompts/{name}.md"),
        message: m.to_string(),
    };
    let rest = text
        .strip_prefix("---\n")
        .ok_or_else(|| bad("must open with front matter (---, version: N, ---)"))?;
    let (head, body) = rest
        .split_once("\n---\n")
        .ok_or_else(|| bad("the front matter has no closing ---"))?;
    let version = head
        .lines()
        .find_map(|l| l.strip_prefix("version:"))
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| bad("the front matter names no version"))?;
    Ok((version, body.to_string()))
}

impl Prompts {
    /// The built-in templates, each replaced by `<root>/prompts/<name>.md` where that exists.
    pub fn load(root: &Path) -> Result<Self, LlmError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        let syntax = minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .keep_trailing_newline(true)
            .build()
            .map_err(|e| template_error("syntax", &e))?;
        env.set_syntax(syntax);
        let mut versions = BTreeMap::new();
        for (name, builtin) in BUILTIN {
            let own = root.join("prompts").join(format!("{name}.md"));
            let text = match std::fs::read_to_string(&own) {
                Ok(t) => t,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => builtin.to_string(),
                Err(e) => {
                    return Err(LlmError::Template {
                        name: format!("prompts/{name}.md"),
                        message: format!("cannot read: {e}"),
                    });
                }
            };
            let (version, body) = front_matter(name, &text)?;
            let hash = sha256_hex(body.as_bytes());
            versions.insert(
                name.to_string(),
                format!("{name}@{version}#{}", &hash[..12]),
            );
            env.add_template_owned(name.to_string(), body)
                .map_err(|e| template_error(name, &e))?;
        }
        Ok(Self { env, versions })
    }

    fn version(&self, name: &str) -> String {
        self.versions.get(name).cloned().unwrap_or_default()
    }

    fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, LlmError> {
        let t = self
            .env
            .get_template(name)
            .map_err(|e| template_error(name, &e))?;
        t.render(Serde(ctx)).map_err(|e| template_error(name, &e))
    }

    /// The system and user messages for an artifact, secrets removed.
    pub fn first(
        &self,
        kind: &str,
        ctx: &PromptContext,
        secrets: &[String],
    ) -> Result<Rendered, LlmError> {
        let system = self.render("system", ctx)?;
        let user = self.render(kind, ctx)?;
        Ok(Rendered {
            messages: vec![
                Message::new("system", scrub(system.trim(), secrets)),
                Message::new("user", scrub(user.trim(), secrets)),
            ],
            templates: [
                self.version("system"),
                self.version(kind),
                self.version("_context"),
            ]
            .join(" "),
        })
    }

    /// The system and user messages asking to mend a failed workload, secrets removed.
    pub fn diagnose(
        &self,
        ctx: &impl Serialize,
        secrets: &[String],
    ) -> Result<Vec<Message>, LlmError> {
        let system = self.render("diagnose-system", ctx)?;
        let user = self.render("diagnose", ctx)?;
        Ok(vec![
            Message::new("system", scrub(system.trim(), secrets)),
            Message::new("user", scrub(user.trim(), secrets)),
        ])
    }

    /// The request to fix `findings`, secrets removed; and the repair template's version.
    pub fn repair(
        &self,
        findings: &[Finding],
        form: &str,
        secrets: &[String],
    ) -> Result<(String, String), LlmError> {
        #[derive(Serialize)]
        struct Ctx<'a> {
            findings: &'a [Finding],
            form: &'a str,
        }
        let text = self.render("repair", Ctx { findings, form })?;
        Ok((scrub(text.trim(), secrets), self.version("repair")))
    }
}

fn template_error(name: &str, e: &minijinja::Error) -> LlmError {
    let mut message = e.to_string();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        message.push_str(&format!(": {s}"));
        src = s.source();
    }
    LlmError::Template {
        name: format!("prompts/{name}.md"),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> PromptContext {
        PromptContext {
            app: "todo".into(),
            namespace: "todo".into(),
            artifact: ArtifactView {
                id: "backend/dockerfile".into(),
                kind: "dockerfile".into(),
                path: "services/backend/Dockerfile".into(),
            },
            service: Some(
                serde_json::json!({"name": "backend", "stack": "rust", "frameworks": ["axum"], "web_frontend": false}),
            ),
            services: vec![],
            spec_items: vec![ItemView {
                id: "FR-001".into(),
                text: "keep a list; token ghp_012345678901234567890123456789".into(),
            }],
            gates: vec![GateView {
                id: "C1".into(),
                text: "non-root".into(),
                rules: vec!["policy/run-as-non-root".into()],
            }],
            registries: vec!["docker.io".into()],
            paths: vec!["services/backend/Dockerfile".into()],
            folder: None,
            offline: vec![FileView::new(
                "services/backend/Dockerfile",
                "FROM rust:1.95-slim",
            )],
            form: "files".into(),
            schema: "{}".into(),
        }
    }

    #[test]
    fn every_builtin_template_renders() {
        let dir = tempfile::tempdir().unwrap();
        let p = Prompts::load(dir.path()).unwrap();
        for (name, _) in BUILTIN {
            if name.starts_with('_')
                || name.starts_with("diagnose")
                || *name == "system"
                || *name == "repair"
            {
                continue;
            }
            let mut c = ctx();
            if matches!(*name, "namespace" | "helm-chart") {
                c.service = None;
                c.folder = Some("manifests/chart/todo".into());
            }
            let r = p.first(name, &c, &[]).unwrap();
            assert_eq!(r.messages.len(), 2, "{name}");
            assert!(
                r.templates.contains(&format!("{name}@1#")),
                "{}",
                r.templates
            );
        }
    }

    #[test]
    fn the_prompt_carries_facts_items_policy_and_the_starting_point_without_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let p = Prompts::load(dir.path()).unwrap();
        let r = p.first("dockerfile", &ctx(), &[]).unwrap();
        let user = &r.messages[1].content;
        for want in [
            "Write the Dockerfile of `backend`",
            "\"stack\": \"rust\"",
            "- FR-001: keep a list; token [REDACTED]",
            "- C1: non-root (checked by policy/run-as-non-root)",
            "only from: docker.io",
            "### services/backend/Dockerfile\n\n```dockerfile\nFROM rust:1.95-slim\n```",
            "The file `services/backend/Dockerfile`, whole",
        ] {
            assert!(user.contains(want), "missing {want:?} in:\n{user}");
        }
        assert!(!user.contains("ghp_"));
        let mut c = ctx();
        c.form = "edits".into();
        let r = p.first("dockerfile", &c, &[]).unwrap();
        assert!(r.messages[0].content.contains("- `edits`: the changes"));
        assert!(
            r.messages[1].content.contains(
                "The edits to make to `services/backend/Dockerfile`, in the JSON shape given"
            ),
            "{}",
            r.messages[1].content
        );
        let (repair, _) = p.repair(&[], "edits", &[]).unwrap();
        assert!(repair.contains("the whole list of edits"), "{repair}");
    }

    #[test]
    fn a_project_template_overrides_and_changes_the_version() {
        let dir = tempfile::tempdir().unwrap();
        let builtin = Prompts::load(dir.path()).unwrap().version("dockerfile");
        std::fs::create_dir(dir.path().join("prompts")).unwrap();
        std::fs::write(
            dir.path().join("prompts/dockerfile.md"),
            "---\nversion: 7\n---\nOwn prompt for {{ service.name }}.\n",
        )
        .unwrap();
        let p = Prompts::load(dir.path()).unwrap();
        assert_ne!(p.version("dockerfile"), builtin);
        let r = p.first("dockerfile", &ctx(), &[]).unwrap();
        assert_eq!(r.messages[1].content, "Own prompt for backend.");
        std::fs::write(dir.path().join("prompts/dockerfile.md"), "{{ oops }}").unwrap();
        let e = Prompts::load(dir.path()).err().unwrap();
        assert!(
            e.to_string()
                .starts_with("prompt template prompts/dockerfile.md: "),
            "{e}"
        );
    }
}
