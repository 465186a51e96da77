//! Plan stage: a `Spec` and the services found where the project keeps them in, a `Plan` out
//! (services with their stack and port, artifacts to produce, gates mapped to rules, tasks with
//! stable ids and dependencies), plus the tasks.md berth keeps beside the spec.

mod artifacts;
pub mod depend;
pub mod detect;
pub mod discover;
mod model;
mod secrets;
mod tasks;
mod versions;

pub use model::*;
pub use secrets::secret_name;
pub use tasks::{TasksFile, render_tasks, tasks_path, tick, write_tasks};

use crate::spec::{GateSource, Spec};
use std::path::Path;

/// What can go wrong making a plan. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// A service folder or one of its files could not be read.
    #[error("{path}: cannot read the service: {source}")]
    ServiceRead {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A service's build file (package.json, Cargo.toml, ...) is malformed.
    #[error("{path}: {message}")]
    Manifest { path: String, message: String },
    /// berth.toml cannot be read.
    #[error(transparent)]
    Settings(#[from] crate::config::ConfigError),
    /// A berth.toml entry is wrong (a `[services]` path that is not a folder inside).
    #[error("{path}: {message}")]
    Config { path: String, message: String },
    /// tasks.md could not be written; nothing else was changed.
    #[error("{path}: cannot write tasks: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Makes the plan for `spec`, detecting the project's services (`detect_services`).
pub fn build(spec: &Spec, root: &Path) -> Result<Plan, PlanError> {
    let mut warnings = Vec::new();
    let app = slug(without_feature_number(&spec.name));
    let structure: Vec<String> = spec.structure.iter().map(|(_, p)| p.clone()).collect();
    let mut services = detect_services(root, &app, &structure, &mut warnings)?;
    versions::from_context(spec, &mut services);
    let compose = discover::compose_file(root)?;
    let dependencies = depend::find(root, compose.as_ref(), spec, &app, &mut services);
    connect(
        &dependencies,
        compose.as_ref(),
        &mut services,
        &mut warnings,
    );
    secrets::wire(&app, &mut services, &mut warnings);
    let gates = gates(spec);
    let artifacts = artifacts::plan(&app, &services, &dependencies, spec, &gates);
    let tasks = tasks::plan(spec, &artifacts, root);
    for s in services.iter().filter(|s| s.web_frontend) {
        // The backend's URL of a static site berth drafts is built as a path its nginx proxies.
        let handled = s.browser_backend_path().map(|_| s.backend_url_var());
        let baked: Vec<&str> = s
            .env
            .iter()
            .filter(|e| is_baked(e) && handled.as_ref() != Some(e))
            .map(String::as_str)
            .collect();
        if !baked.is_empty() {
            warnings.push(Warning {
                message: format!(
                    "service {}: {} baked into the bundle at build time and read by the browser, where a cluster DNS name does not resolve: build with a URL the browser reaches (a path the frontend's server proxies, or an Ingress host)",
                    s.name,
                    if baked.len() == 1 { format!("{} is", baked[0]) } else { format!("{} are", baked.join(", ")) }
                ),
                location: Some(s.path.clone()),
            });
        }
    }
    for file in &spec.skipped {
        warnings.push(Warning {
            message: "no Spec-Kit sections berth reads here (headings such as \"User Story 1 - ...\", \"Technical Context\", \"Phase 1: ...\", ids like T001 or FR-001): the file was skipped".into(),
            location: Some(file.clone()),
        });
    }
    for r in spec.requirements.iter().filter(|r| r.needs_clarification) {
        warnings.push(Warning {
            message: format!("{} still needs clarification", r.id),
            location: Some(r.location.to_string()),
        });
    }
    // Markers outside requirements (a Technical Context value, a story, prose) count too.
    for (at, question) in &spec.open_questions {
        let at = at.to_string();
        if !warnings
            .iter()
            .any(|w| w.location.as_deref() == Some(at.as_str()))
        {
            let short: String = question.chars().take(160).collect();
            warnings.push(Warning {
                message: format!("still needs clarification: {short}"),
                location: Some(at),
            });
        }
    }
    Ok(Plan {
        schema_version: PLAN_SCHEMA_VERSION,
        app,
        spec: spec.path.clone(),
        title: spec.title.clone(),
        services,
        artifacts,
        gates,
        tasks,
        requirements: spec
            .requirements
            .iter()
            .map(|r| RequirementRef {
                id: r.id.clone(),
                text: r.text.clone(),
                needs_clarification: r.needs_clarification,
                location: r.location.clone(),
            })
            .collect(),
        stories: spec.stories.clone(),
        dependencies,
        warnings,
    })
}

/// Gives each service the variables it connects to its dependencies by; a compose value berth
/// now sets from the dependency's Secret is no longer a warning.
fn connect(
    deps: &[Dependency],
    compose: Option<&discover::ComposeFile>,
    services: &mut [Service],
    warnings: &mut Vec<Warning>,
) {
    for d in deps {
        for s in services.iter_mut().filter(|s| d.used_by.contains(&s.name)) {
            let own = compose
                .map(|c| discover::compose_env_of(c, &s.name))
                .unwrap_or_default();
            let names: Vec<String> = own.iter().map(|(k, _)| k.clone()).collect();
            let env = depend::connection_env(d, s, &names);
            let scheme = env.iter().find_map(|var| {
                let (_, value) = own.iter().find(|(k, _)| k == var)?;
                value
                    .split_once("://")
                    .map(|(scheme, _)| scheme.to_string())
            });
            warnings.retain(|w| {
                !env.iter().any(|var| {
                    w.message
                        .starts_with(&format!("service {}: {var} ", s.name))
                })
            });
            s.env_values.retain(|e| !env.contains(&e.name));
            s.connects_to.push(Connection {
                dependency: d.name.clone(),
                env,
                scheme,
            });
        }
    }
}

/// The project's services, found where it keeps them (see `discover`), sorted by name; `app`
/// names a single app kept at the root when its own files do not, and `structure` holds the
/// folders the plan's Project Structure names.
pub fn detect_services(
    root: &Path,
    app: &str,
    structure: &[String],
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Service>, PlanError> {
    let config = crate::config::load(root)?;
    let found = discover::discover(root, &config.services, app, structure)?;
    let mut services = Vec::new();
    for f in &found {
        let mut mine = Vec::new();
        let mut service = detect::detect(&f.dir, root, &mut mine)?;
        // A workspace package that does not run (a shared UI kit, a config package) is not a
        // service; a folder named for a service, or named in berth.toml, always is.
        let runs = service.stack != Stack::Unknown
            && (service.port.is_some() || service.start_command.is_some() || service.web_frontend);
        if f.source == discover::Source::Workspace && !runs {
            continue;
        }
        service.name = f.name.clone();
        service.env_values = compose_env(
            &service.name,
            &f.compose_env,
            &mut service.secrets,
            &mut mine,
        );
        // The port the authors' compose file runs it on beats a number found in the code
        // (their own Dockerfile's EXPOSE, read in detection, beats both).
        if let Some((number, at)) = &f.compose_port {
            // A static site berth drafts is served by berth's nginx on its own port.
            let drafted_site = service.own_dockerfile.is_none() && service.is_static_site();
            let from_expose = match (&service.own_dockerfile, &service.port) {
                (Some(file), Some(p)) => p.evidence.source.starts_with(file.as_str()),
                _ => false,
            };
            if !drafted_site && !from_expose {
                service.port = Some(Port {
                    number: *number,
                    evidence: Evidence { source: at.clone() },
                });
            }
        }
        warnings.extend(mine);
        services.push(service);
    }
    if services.is_empty() {
        warnings.push(Warning {
            message: format!(
                "no services found: berth looked in {}; name them in berth.toml's [services] table (`api = \"path/to/api\"`)",
                discover::LOOKED_IN
            ),
            location: None,
        });
    }
    let mut names = std::collections::BTreeMap::new();
    for s in &services {
        if let Some(other) = names.insert(s.name.clone(), s.path.clone()) {
            return Err(PlanError::Config {
                path: crate::config::CONFIG_FILE.into(),
                message: format!(
                    "two services would both be named {}: {other} and {}; name them in a [services] table",
                    s.name, s.path
                ),
            });
        }
    }
    Ok(services)
}

fn gates(spec: &Spec) -> Vec<Gate> {
    let (mut c, mut g) = (0, 0);
    spec.gates
        .iter()
        .map(|item| {
            let id = match item.source {
                GateSource::Constitution => {
                    c += 1;
                    format!("C{c}")
                }
                GateSource::Gate => {
                    g += 1;
                    format!("G{g}")
                }
            };
            Gate {
                id,
                group: item.group.clone(),
                text: item.text.clone(),
                rules: crate::rules::rules_for(&item.text)
                    .iter()
                    .map(|r| r.id.to_string())
                    .collect(),
                checked: item.checked,
                location: item.location.clone(),
            }
        })
        .collect()
}

impl Service {
    /// A web frontend without a server of its own: its build output is served by nginx.
    pub fn is_static_site(&self) -> bool {
        self.web_frontend && self.start_command.is_none()
    }

    /// The variable a frontend reads its backend's URL from.
    pub fn backend_url_var(&self) -> String {
        self.env
            .iter()
            .find(|e| {
                (e.contains("BACKEND") || e.contains("API"))
                    && (e.ends_with("URL") || e.ends_with("ORIGIN") || e.ends_with("HOST"))
            })
            .cloned()
            .unwrap_or_else(|| "BACKEND_URL".to_string())
    }

    /// The same-origin path a static site berth drafts is built with for its backend's URL,
    /// when that URL is baked into the bundle (`VITE_`, `REACT_APP_`, `NEXT_PUBLIC_`): the
    /// browser cannot resolve a cluster name, so it calls this path and berth's nginx proxies
    /// it to the backend.
    pub fn browser_backend_path(&self) -> Option<&'static str> {
        let var = self.backend_url_var();
        (self.is_static_site()
            && self.own_dockerfile.is_none()
            && self.env.contains(&var)
            && is_baked(&var))
        .then_some(BROWSER_BACKEND_PATH)
    }
}

/// Where a static site's nginx proxies its backend, the prefix stripped: `${VITE_API_URL}/items`
/// and `${VITE_API_URL}/api/items` both reach the backend's own paths.
pub const BROWSER_BACKEND_PATH: &str = "/_backend";

/// Read by the browser: the build inlines it into the bundle.
pub fn is_baked(var: &str) -> bool {
    ["VITE_", "NEXT_PUBLIC_", "REACT_APP_"]
        .iter()
        .any(|p| var.starts_with(p))
}

/// The compose file's environment values a manifest may carry: literal, and not credentials.
/// The others are said, since the container may not start without them.
fn compose_env(
    service: &str,
    env: &[(String, String, String)],
    credentials: &mut Vec<SecretEnv>,
    warnings: &mut Vec<Warning>,
) -> Vec<EnvValue> {
    static CREDENTIAL_IN_URL: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"://[^/@\s:]+:[^/@\s]+@").expect("a literal pattern")
    });
    let mut out = Vec::new();
    for (name, value, at) in env {
        let why = if name == "PORT" || name == "HOME" {
            continue; // berth sets these from the port it found and the writable /tmp
        } else if secrets::is_credential(name) || CREDENTIAL_IN_URL.is_match(value) {
            // Set from the service's Secret (`secrets::wire`), never from this value.
            credentials.push(SecretEnv {
                name: name.clone(),
                generate: secrets::is_generatable(name),
                evidence: Evidence { source: at.clone() },
            });
            continue;
        } else if value.contains('$') {
            "comes from the shell when compose runs (`$...`): give it a value in the Deployment, or a Secret"
        } else {
            out.push(EnvValue {
                name: name.clone(),
                value: value.clone(),
                evidence: Evidence { source: at.clone() },
            });
            continue;
        };
        warnings.push(Warning {
            message: format!(
                "service {service}: {name} {why}; without it the container may not start"
            ),
            location: Some(at.clone()),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Spec-Kit numbers feature folders (`001-chat`): the app is `chat`, not `001-chat`.
fn without_feature_number(name: &str) -> &str {
    let rest = name.trim_start_matches(|c: char| c.is_ascii_digit());
    match rest.strip_prefix(['-', '_']) {
        Some(r) if rest.len() < name.len() && !r.is_empty() => r,
        _ => name,
    }
}

/// A name Kubernetes accepts (RFC 1123 label): lowercase letters, digits and dashes.
/// `file` inside a service's folder, as paths are shown: a service at the project root (`.`)
/// keeps its files at the root.
pub fn in_dir(dir: &str, file: &str) -> String {
    if dir == "." || dir.is_empty() {
        file.to_string()
    } else {
        format!("{dir}/{file}")
    }
}

pub fn slug(name: &str) -> String {
    let mut s: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while s.contains("--") {
        s = s.replace("--", "-");
    }
    let s = s.trim_matches('-');
    let s = if s.len() > 53 {
        s[..53].trim_end_matches('-')
    } else {
        s
    };
    if s.is_empty() {
        "app".to_string()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn compose_values_are_kept_only_when_literal_and_not_credentials() {
        let env: Vec<(String, String, String)> = [
            ("LOG_LEVEL", "info"),
            ("GREETING", "${GREETING:-hi}"),
            ("BROKER", "amqp://app:s3cret@mq:5672"),
            ("DB_PASSWORD", "chat"),
            ("PORT", "8000"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (k, v))| {
            (
                k.to_string(),
                v.to_string(),
                format!("compose.yaml:{}", i + 5),
            )
        })
        .collect();
        let mut warnings = Vec::new();
        let mut credentials = Vec::new();
        let kept = super::compose_env("api", &env, &mut credentials, &mut warnings);
        let names: Vec<&str> = kept.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["LOG_LEVEL"]);
        // A shell value is said; credentials go to the service's Secret, with where they were.
        let said: Vec<&str> = warnings
            .iter()
            .map(|w| w.location.as_deref().unwrap())
            .collect();
        assert_eq!(said, ["compose.yaml:6"]);
        let secrets: Vec<(&str, &str, bool)> = credentials
            .iter()
            .map(|c| (c.name.as_str(), c.evidence.source.as_str(), c.generate))
            .collect();
        assert_eq!(
            secrets,
            [
                ("BROKER", "compose.yaml:7", false),
                ("DB_PASSWORD", "compose.yaml:8", false)
            ]
        );
    }

    #[test]
    fn credentials_are_generated_only_when_the_app_owns_them() {
        for own in [
            "SECRET_KEY",
            "JWT_SECRET",
            "NEXTAUTH_SECRET",
            "API_JWT_SECRET",
        ] {
            assert!(super::secrets::is_generatable(own), "{own}");
        }
        for theirs in [
            "OPENAI_API_KEY",
            "STRIPE_SECRET_KEY",
            "GITHUB_CLIENT_SECRET",
            "AWS_SECRET_ACCESS_KEY",
            "SLACK_TOKEN",
        ] {
            assert!(super::secrets::is_credential(theirs), "{theirs}");
            assert!(!super::secrets::is_generatable(theirs), "{theirs}");
        }
        assert!(!super::secrets::is_credential("LOG_LEVEL"));
    }

    #[test]
    fn a_compose_port_beats_the_code_but_not_the_authors_expose() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        for svc in ["api", "web"] {
            std::fs::create_dir_all(root.join(svc)).unwrap();
            std::fs::write(root.join(svc).join("go.mod"), "module x\n\ngo 1.23\n").unwrap();
            std::fs::write(
                root.join(svc).join("main.go"),
                "package main\n\nimport \"net/http\"\n\nfunc main() { http.ListenAndServe(\":3306\", nil) }\n",
            )
            .unwrap();
        }
        // Both have their authors' Dockerfile; only web's says EXPOSE.
        std::fs::write(root.join("api/Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(root.join("web/Dockerfile"), "FROM scratch\nEXPOSE 9090\n").unwrap();
        std::fs::write(
            root.join("compose.yaml"),
            "services:\n  api:\n    build: api\n    ports: [\"8000:8000\"]\n  web:\n    build: web\n    ports: [\"80:8080\"]\n",
        )
        .unwrap();
        let services = super::detect_services(root, "app", &[], &mut Vec::new()).unwrap();
        let ports: Vec<(u16, &str)> = services
            .iter()
            .map(|s| {
                let p = s.port.as_ref().unwrap();
                (p.number, p.evidence.source.as_str())
            })
            .collect();
        assert_eq!(
            ports,
            [(8000, "compose.yaml:4"), (9090, "web/Dockerfile:2")]
        );
    }

    #[test]
    fn slugs_are_dns_labels() {
        assert_eq!(super::slug("001-Shop_App"), "001-shop-app");
        assert_eq!(super::slug("--"), "app");
        assert_eq!(super::without_feature_number("001-chat"), "chat");
        assert_eq!(super::without_feature_number("2048"), "2048");
        assert_eq!(super::without_feature_number("7-"), "7-");
    }
}
