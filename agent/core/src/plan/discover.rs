//! Where a project keeps its services: the project root and berth.toml's `[services]` in; the
//! folders to detect, each with the name its objects get and how it was found, out. Real repos
//! keep them under `services/`, in `frontend/` and `backend/` at the root, in workspaces
//! (`apps/*`, `packages/*`), or wherever their compose file builds from.

use super::PlanError;
use crate::config::ServiceEntry;
use crate::source::display_path;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Folders at the root that are services by their name alone.
const ROOT_NAMES: &[&str] = &["frontend", "backend", "api", "web", "server", "client"];
/// Compose files, in the order Docker Compose prefers them.
const COMPOSE_FILES: &[&str] = &[
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

/// How a service's folder was found: berth.toml names it, or where it sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Config,
    Compose,
    ServicesDir,
    RootFolder,
    /// `apps/*`, `packages/*`: kept only when it turns out to be something that runs.
    Workspace,
    /// The project root itself: a single app kept there.
    Root,
    /// A folder the plan's Project Structure names.
    Structure,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// A DNS label (RFC 1123): the name of the service's Deployment and Service.
    pub name: String,
    pub dir: PathBuf,
    pub source: Source,
    /// The container port its compose service publishes or exposes, with `file:line`.
    pub compose_port: Option<(u16, String)>,
    /// Its compose service's `environment:`, as written: name, value, `file:line`.
    pub compose_env: Vec<(String, String, String)>,
}

/// Where berth looks when berth.toml names no services, for the message when it finds none.
pub const LOOKED_IN: &str = "services/*, frontend/, backend/, api/, web/, server/, client/, apps/*, packages/*, the folders compose.yaml (or docker-compose.yml) builds, the plan's Project Structure, and the project root";

/// The service folders of the project at `root`. berth.toml's `[services]`, when present, is
/// the whole list; otherwise every place real repos use, each folder once (the first way it
/// was found names it: a compose service's name is what the other services call it by).
pub fn discover(
    root: &Path,
    configured: &BTreeMap<String, ServiceEntry>,
    app: &str,
    structure: &[String],
) -> Result<Vec<Found>, PlanError> {
    if !configured.is_empty() {
        return configured
            .iter()
            .map(|(name, entry)| from_config(root, name, entry))
            .collect();
    }
    let mut found: Vec<Found> = Vec::new();
    let mut add = |dir: PathBuf, name: &str, source: Source, compose: Option<Compose>| {
        let same = |f: &Found| f.dir == dir;
        if dir.is_dir() && !found.iter().any(same) {
            found.push(Found {
                name: super::slug(name),
                dir,
                source,
                compose_port: compose.as_ref().and_then(|c| c.port.clone()),
                compose_env: compose.map(|c| c.env).unwrap_or_default(),
            });
        }
    };
    for c in compose_builds(root)? {
        add(c.dir.clone(), &c.name.clone(), Source::Compose, Some(c));
    }
    for dir in subfolders(root, "services")? {
        let name = folder_name(&dir);
        add(dir, &name, Source::ServicesDir, None);
    }
    for name in ROOT_NAMES {
        add(root.join(name), name, Source::RootFolder, None);
    }
    for parent in ["apps", "packages"] {
        for dir in subfolders(root, parent)? {
            let name = folder_name(&dir);
            add(dir, &name, Source::Workspace, None);
        }
    }
    // The plan's Project Structure: the top-most folders it names that are projects.
    let mut chosen: Vec<&str> = Vec::new();
    for path in structure {
        let inside = |c: &&str| path.starts_with(&format!("{c}/"));
        if path.starts_with("specs")
            || !crate::record::check_path(path)
            || chosen.iter().any(inside)
        {
            continue;
        }
        let dir = root.join(path);
        if MANIFESTS.iter().any(|m| dir.join(m).is_file()) {
            chosen.push(path);
            add(dir.clone(), &folder_name(&dir), Source::Structure, None);
        }
    }
    // The project root is a service only when it is the only one: a single app kept at the
    // root (its compose file builds `.`, or it has a manifest there). Beside service folders,
    // its scan would take in their code too.
    if found.iter().any(|f| f.dir != root) {
        found.retain(|f| f.dir != root);
    } else if found.is_empty() && MANIFESTS.iter().any(|m| root.join(m).is_file()) {
        found.push(Found {
            name: super::slug(&root_name(root).unwrap_or_else(|| app.to_string())),
            dir: root.to_path_buf(),
            source: Source::Root,
            compose_port: None,
            compose_env: Vec::new(),
        });
    }
    found.sort_by(|a, b| a.name.cmp(&b.name).then(a.dir.cmp(&b.dir)));
    Ok(found)
}

/// Files that make a folder a project of some stack.
const MANIFESTS: &[&str] = &[
    "package.json",
    "pyproject.toml",
    "requirements.txt",
    "Pipfile",
    "go.mod",
    "Cargo.toml",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "Dockerfile",
];

/// A root app's name, when its package names it (package.json, pyproject.toml, Cargo.toml);
/// not the folder's, which changes with every clone.
fn root_name(root: &Path) -> Option<String> {
    static NAME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?m)^\s*name\s*=\s*"([^"]+)""#)
            .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
    });
    let read = |f: &str| std::fs::read_to_string(root.join(f)).ok();
    let from_package = read("package.json")
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            v["name"]
                .as_str()
                .map(|n| n.rsplit('/').next().unwrap_or(n).to_string())
        });
    let from_toml = || {
        ["pyproject.toml", "Cargo.toml"]
            .iter()
            .find_map(|f| NAME.captures(&read(f)?).map(|c| c[1].to_string()))
    };
    from_package
        .or_else(from_toml)
        .filter(|n| !super::slug(n).is_empty())
}

fn from_config(root: &Path, name: &str, entry: &ServiceEntry) -> Result<Found, PlanError> {
    let path = entry.path();
    let bad = |message: String| PlanError::Config {
        path: format!("{}: [services] {name}", crate::config::CONFIG_FILE),
        message,
    };
    if !crate::record::check_path(path.trim_end_matches('/')) {
        return Err(bad(format!(
            "path {path:?} must be a folder inside the project (relative, no `..`)"
        )));
    }
    let dir = root.join(path.trim_end_matches('/'));
    if !dir.is_dir() {
        return Err(bad(format!("{path}: no such folder")));
    }
    let slug = super::slug(name);
    if slug != name {
        return Err(bad(format!(
            "{name:?} is not a valid Kubernetes name (lowercase letters, digits and '-'): try {slug:?}"
        )));
    }
    Ok(Found {
        name: slug,
        dir,
        source: Source::Config,
        compose_port: None,
        compose_env: Vec::new(),
    })
}

fn folder_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The folders directly under `root/parent`, sorted; none when it does not exist.
fn subfolders(root: &Path, parent: &str) -> Result<Vec<PathBuf>, PlanError> {
    let dir = root.join(parent);
    let read_err = |path: &Path| {
        let path = display_path(path, root);
        move |source| PlanError::ServiceRead { path, source }
    };
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(read_err(&dir)(e)),
    };
    let mut dirs = Vec::new();
    for entry in entries {
        let entry = entry.map_err(read_err(&dir))?;
        let path = entry.path();
        let meta = std::fs::metadata(&path).map_err(read_err(&path))?;
        if meta.is_dir() && !entry.file_name().to_string_lossy().starts_with('.') {
            dirs.push(path);
        }
    }
    dirs.sort();
    Ok(dirs)
}

/// The project's compose file: its path as shown, its text (for line numbers) and its data.
pub struct ComposeFile {
    pub shown: String,
    pub text: String,
    pub doc: serde_json::Value,
}

pub fn compose_file(root: &Path) -> Result<Option<ComposeFile>, PlanError> {
    let Some(file) = COMPOSE_FILES
        .iter()
        .map(|f| root.join(f))
        .find(|p| p.is_file())
    else {
        return Ok(None);
    };
    let shown = display_path(&file, root);
    let text = std::fs::read_to_string(&file).map_err(|source| PlanError::ServiceRead {
        path: shown.clone(),
        source,
    })?;
    let doc = serde_saphyr::from_str(&text).map_err(|e| PlanError::Manifest {
        path: shown.clone(),
        message: format!("not a compose file berth can read: {e}"),
    })?;
    Ok(Some(ComposeFile { shown, text, doc }))
}

/// The environment of the compose service named `service` (or whose name slugs to it).
pub(super) fn compose_env_of(c: &ComposeFile, service: &str) -> Vec<(String, String)> {
    c.doc
        .get("services")
        .and_then(|s| s.as_object())
        .and_then(|m| {
            m.iter()
                .find(|(k, _)| k.as_str() == service || super::slug(k) == service)
        })
        .map(|(_, v)| environment(v))
        .unwrap_or_default()
}

/// A compose service that builds a folder of the project.
struct Compose {
    name: String,
    dir: PathBuf,
    port: Option<(u16, String)>,
    env: Vec<(String, String, String)>,
}

/// Each compose service with a `build:` inside the project: its name, build folder and the
/// container port of its first `ports:` (`"8000:8000"`, the right side) or `expose:` entry.
fn compose_builds(root: &Path) -> Result<Vec<Compose>, PlanError> {
    let Some(ComposeFile { shown, text, doc }) = compose_file(root)? else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    let Some(services) = doc.get("services").and_then(|s| s.as_object()) else {
        return Ok(out);
    };
    for (name, service) in services {
        let context = match service.get("build") {
            Some(serde_json::Value::String(c)) => c.as_str(),
            Some(b) => b.get("context").and_then(|c| c.as_str()).unwrap_or("."),
            None => continue,
        };
        // A build from a URL, or from outside the project, is not a folder berth drafts in.
        let rel = context.trim_start_matches("./").trim_end_matches('/');
        let at_root = rel.is_empty() || rel == ".";
        if !at_root && !crate::record::check_path(rel) {
            continue;
        }
        let port = container_port(service)
            .map(|(p, raw)| (p, format!("{shown}:{}", line_of(&text, name, &raw))));
        out.push(Compose {
            name: name.clone(),
            dir: if at_root {
                root.to_path_buf()
            } else {
                root.join(rel)
            },
            port,
            env: environment(service)
                .into_iter()
                .map(|(k, v)| {
                    let at = format!("{shown}:{}", line_of(&text, name, &k));
                    (k, v, at)
                })
                .collect(),
        });
    }
    Ok(out)
}

/// `environment:` as a map (`KEY: value`) or a list (`KEY=value`; a bare `KEY` has no value).
pub(super) fn environment(service: &serde_json::Value) -> Vec<(String, String)> {
    let scalar = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        serde_json::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    match service.get("environment") {
        Some(serde_json::Value::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), scalar(v)?)))
            .collect(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|i| {
                let (k, v) = i.as_str()?.split_once('=')?;
                Some((k.to_string(), v.to_string()))
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The container side of the first `ports:` entry (`8000`, `"5173:80"`, `127.0.0.1:80:8080/tcp`,
/// `{target: 80}`), else the first `expose:`; with the entry as written.
fn container_port(service: &serde_json::Value) -> Option<(u16, String)> {
    let entry = |v: &serde_json::Value| -> Option<(u16, String)> {
        match v {
            serde_json::Value::Number(n) => Some((u16::try_from(n.as_u64()?).ok()?, n.to_string())),
            serde_json::Value::String(s) => {
                let last = s.rsplit(':').next()?.split('/').next()?;
                // A range (`8000-8002`) names no single port.
                Some((last.parse().ok()?, s.clone()))
            }
            serde_json::Value::Object(m) => {
                let t = m.get("target")?;
                Some((
                    u16::try_from(t.as_u64().or_else(|| t.as_str()?.parse().ok())?).ok()?,
                    t.to_string(),
                ))
            }
            _ => None,
        }
    };
    ["ports", "expose"]
        .iter()
        .filter_map(|k| service.get(*k)?.as_array()?.iter().find_map(entry))
        .next()
}

/// The line of `raw` within service `name`'s block (the first after its key), else its key's.
pub(super) fn line_of(text: &str, name: &str, raw: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with(&format!("{name}:")))
        .unwrap_or(0);
    lines
        .iter()
        .enumerate()
        .skip(start)
        .find(|(_, l)| l.contains(raw.trim_matches('"')))
        .map_or(start + 1, |(i, _)| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(dirs: &[&str], files: &[(&str, &str)]) -> tempfile::TempDir {
        let t = tempfile::tempdir().unwrap();
        for d in dirs {
            std::fs::create_dir_all(t.path().join(d)).unwrap();
        }
        for (f, text) in files {
            std::fs::write(t.path().join(f), text).unwrap();
        }
        t
    }

    fn names(root: &Path) -> Vec<(String, String)> {
        discover(root, &BTreeMap::new(), "app", &[])
            .unwrap()
            .into_iter()
            .map(|f| (f.name, display_path(&f.dir, root)))
            .collect()
    }

    #[test]
    fn finds_root_folders_workspaces_and_services_each_once() {
        let t = project(
            &[
                "frontend",
                "backend",
                "apps/Admin_UI",
                "services/worker",
                "docs",
                "packages/ui",
            ],
            &[],
        );
        assert_eq!(
            names(t.path()),
            [
                ("admin-ui", "apps/Admin_UI"),
                ("backend", "backend"),
                ("frontend", "frontend"),
                ("ui", "packages/ui"),
                ("worker", "services/worker"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn a_compose_service_names_the_folder_it_builds() {
        let t = project(
            &["backend", "frontend", "phase-5/services/audit"],
            &[(
                "docker-compose.yml",
                "services:\n  chat-api:\n    build: ./backend\n  web:\n    build:\n      context: frontend\n      dockerfile: Dockerfile.dev\n  audit:\n    build: phase-5/services/audit\n  db:\n    image: postgres:16\n  outside:\n    build: ../elsewhere\n",
            )],
        );
        assert_eq!(
            names(t.path()),
            [
                ("audit", "phase-5/services/audit"),
                ("chat-api", "backend"),
                ("web", "frontend"),
            ]
            .map(|(a, b)| (a.to_string(), b.to_string()))
        );
    }

    #[test]
    fn a_compose_port_is_the_container_side_with_its_line() {
        let t = project(
            &["backend", "worker"],
            &[(
                "compose.yaml",
                "services:\n  api:\n    build: backend\n    ports:\n      - \"127.0.0.1:18000:8000/tcp\"\n  worker:\n    build: worker\n    expose: [9000]\n",
            )],
        );
        let found = discover(t.path(), &BTreeMap::new(), "app", &[]).unwrap();
        let ports: Vec<_> = found.iter().map(|f| f.compose_port.clone()).collect();
        assert_eq!(
            ports,
            [
                Some((8000, "compose.yaml:5".to_string())),
                Some((9000, "compose.yaml:8".to_string()))
            ]
        );
    }

    #[test]
    fn berth_toml_services_are_the_whole_list_and_must_be_folders_inside() {
        let t = project(&["backend", "src/api"], &[]);
        let mut configured = BTreeMap::new();
        configured.insert("api".to_string(), ServiceEntry::Path("src/api".into()));
        let found = discover(t.path(), &configured, "app", &[]).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "api");
        configured.insert("up".to_string(), ServiceEntry::Path("../x".into()));
        let err = discover(t.path(), &configured, "app", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("berth.toml: [services] up"), "{err}");
    }

    #[test]
    fn a_single_app_at_the_root_is_the_one_service_and_only_then() {
        // Named by its package, else by the app: never by the folder a clone happens to have.
        let t = project(
            &["src"],
            &[("package.json", r#"{"name": "@acme/Notes_Web"}"#)],
        );
        assert_eq!(
            names(t.path()),
            [("notes-web".to_string(), ".".to_string())]
        );
        let t = project(&[], &[("requirements.txt", "fastapi\n")]);
        assert_eq!(names(t.path()), [("app".to_string(), ".".to_string())]);
        // A compose file that builds `.` names it.
        let t = project(
            &[],
            &[
                ("main.go", "package main\n"),
                ("go.mod", "module x\n"),
                (
                    "compose.yaml",
                    "services:\n  api:\n    build: .\n    ports: [\"8080:8080\"]\n",
                ),
            ],
        );
        assert_eq!(names(t.path()), [("api".to_string(), ".".to_string())]);
        // Beside service folders, the root is not one (its scan would take in theirs).
        let t = project(
            &["backend"],
            &[
                ("package.json", "{}"),
                (
                    "compose.yaml",
                    "services:\n  web:\n    build: .\n  api:\n    build: ./backend\n",
                ),
            ],
        );
        assert_eq!(
            names(t.path()),
            [("api".to_string(), "backend".to_string())]
        );
        // A root with no manifest is not a service.
        let t = project(&["docs"], &[("README.md", "# x\n")]);
        assert!(names(t.path()).is_empty());
    }
}
