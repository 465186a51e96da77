//! Service detection: a folder under `services/` in, a `Service` (stack, frameworks, port,
//! commands, health endpoints, environment) out. One file per stack, each answering "is this
//! mine?" and "how is it built and started?"; adding a stack is adding one file.

mod go;
mod java;
mod node;
mod python;
mod rust;
mod scan;

pub use scan::SourceTree;

use super::PlanError;
use super::model::{Evidence, Health, Port, Service, Stack, Warning};
use std::path::Path;

/// What a stack's detector found; the shared scans (port, health, env) fill in the rest.
#[derive(Debug, Default)]
pub(crate) struct Detected {
    pub frameworks: Vec<String>,
    pub tool: Option<String>,
    pub runtime_version: Option<String>,
    pub version: Option<String>,
    pub build_command: Option<String>,
    pub start_command: Option<String>,
    pub web_frontend: bool,
    pub entrypoint: Option<String>,
    /// Files to search first for the port (the entry point, the server file).
    pub entry_files: Vec<String>,
    /// The framework's default port, used when the code shows none.
    pub default_port: Option<(u16, &'static str)>,
    /// Files that told berth what this is.
    pub evidence: Vec<String>,
}

const LOCK_FILES: &[&str] = &[
    "package-lock.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "Cargo.lock",
    "go.sum",
    "poetry.lock",
    "uv.lock",
    "Pipfile.lock",
];

type Detector = fn(&SourceTree) -> Result<Option<Detected>, PlanError>;

/// Tried in order: a project that has a server language's build file and a package.json for
/// tooling is a service in that language.
const DETECTORS: &[(Stack, Detector)] = &[
    (Stack::Rust, rust::detect),
    (Stack::Go, go::detect),
    (Stack::Java, java::detect),
    (Stack::Python, python::detect),
    (Stack::Node, node::detect),
];

/// Detects the service in `dir`. Warnings say what could not be found.
pub fn detect(dir: &Path, root: &Path, warnings: &mut Vec<Warning>) -> Result<Service, PlanError> {
    let tree = SourceTree::open(dir, root)?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for (stack, detector) in DETECTORS {
        if let Some(found) = detector(&tree)? {
            return Ok(finish(&tree, name, *stack, found, warnings));
        }
    }
    warnings.push(Warning {
        message: format!(
            "service {name}: unknown stack (no package.json, requirements.txt, pyproject.toml, go.mod, Cargo.toml, pom.xml or build.gradle); berth will not guess how to build it"
        ),
        location: Some(tree.shown_root.clone()),
    });
    Ok(Service {
        name,
        path: tree.shown_root.clone(),
        stack: Stack::Unknown,
        frameworks: vec![],
        tool: None,
        lock_file: None,
        runtime_version: None,
        version: None,
        port: None,
        build_command: None,
        start_command: None,
        web_frontend: false,
        entrypoint: None,
        health: Health::default(),
        env: tree.env_vars(),
        evidence: vec![],
    })
}

fn finish(
    tree: &SourceTree,
    name: String,
    stack: Stack,
    found: Detected,
    warnings: &mut Vec<Warning>,
) -> Service {
    let port = tree
        .find_port(&found.entry_files)
        .map(|(number, at)| Port {
            number,
            evidence: Evidence { source: at },
        })
        .or_else(|| {
            found.default_port.map(|(number, why)| Port {
                number,
                evidence: Evidence {
                    source: why.to_string(),
                },
            })
        });
    if port.is_none() && !found.web_frontend {
        warnings.push(Warning {
            message: format!("service {name}: no listening port found in its code or config; set one in berth.toml or the code"),
            location: Some(tree.shown_root.clone()),
        });
    }
    if stack != Stack::Unknown
        && !found.web_frontend
        && found.entrypoint.is_none()
        && found.start_command.is_none()
    {
        warnings.push(Warning {
            message: format!(
                "service {name}: {} project, but berth found no entry point or start command",
                stack.as_str()
            ),
            location: Some(tree.shown_root.clone()),
        });
    }
    Service {
        name,
        path: tree.shown_root.clone(),
        stack,
        frameworks: found.frameworks,
        lock_file: LOCK_FILES
            .iter()
            .find(|f| tree.exists(f))
            .map(|f| f.to_string()),
        tool: found.tool,
        runtime_version: found.runtime_version,
        version: found.version,
        port,
        build_command: found.build_command,
        start_command: found.start_command,
        web_frontend: found.web_frontend,
        entrypoint: found.entrypoint,
        health: tree.health(),
        env: tree.env_vars(),
        evidence: found
            .evidence
            .into_iter()
            .map(|source| Evidence { source })
            .collect(),
    }
}

#[cfg(test)]
mod tests;
