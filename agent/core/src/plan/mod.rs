//! Plan stage: a `Spec` and the services found under `services/` in, a `Plan` out (services with
//! their stack and port, artifacts to produce, gates mapped to rules, tasks with stable ids and
//! dependencies), plus the tasks.md berth keeps beside the spec.

mod artifacts;
pub mod detect;
mod model;
mod tasks;

pub use model::*;
pub use tasks::{TasksFile, render_tasks, tasks_path, tick, write_tasks};

use crate::source::display_path;
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
    /// tasks.md could not be written; nothing else was changed.
    #[error("{path}: cannot write tasks: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Makes the plan for `spec`, detecting the services under `<root>/services/`.
pub fn build(spec: &Spec, root: &Path) -> Result<Plan, PlanError> {
    let mut warnings = Vec::new();
    let services = detect_services(root, &mut warnings)?;
    let app = slug(&spec.name);
    let gates = gates(spec);
    let artifacts = artifacts::plan(&app, &services, spec, &gates);
    let tasks = tasks::plan(spec, &artifacts, root);
    for r in spec.requirements.iter().filter(|r| r.needs_clarification) {
        warnings.push(Warning {
            message: format!("{} still needs clarification", r.id),
            location: Some(r.location.to_string()),
        });
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
        warnings,
    })
}

/// Every folder under `<root>/services/`, sorted by name.
pub fn detect_services(
    root: &Path,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<Service>, PlanError> {
    let dir = root.join("services");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            warnings.push(Warning {
                message: "no services/ folder: there is nothing to containerize".into(),
                location: None,
            });
            return Ok(vec![]);
        }
        Err(e) => {
            return Err(PlanError::ServiceRead {
                path: display_path(&dir, root),
                source: e,
            });
        }
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| PlanError::ServiceRead {
            path: display_path(&dir, root),
            source: e,
        })?;
        let path = entry.path();
        let meta = std::fs::metadata(&path).map_err(|e| PlanError::ServiceRead {
            path: display_path(&path, root),
            source: e,
        })?;
        if meta.is_dir() && !entry.file_name().to_string_lossy().starts_with('.') {
            dirs.push(path);
        }
    }
    dirs.sort();
    dirs.iter()
        .map(|d| detect::detect(d, root, warnings))
        .collect()
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
}

/// A name Kubernetes accepts (RFC 1123 label): lowercase letters, digits and dashes.
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
    fn slugs_are_dns_labels() {
        assert_eq!(super::slug("001-Shop_App"), "001-shop-app");
        assert_eq!(super::slug("--"), "app");
    }
}
