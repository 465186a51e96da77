//! Python: pyproject.toml, requirements.txt, Pipfile or setup.py in, framework (fastapi, flask,
//! django), tool and start command out.

use super::{Detected, SourceTree};
use crate::plan::PlanError;

const MANIFESTS: &[&str] = &["pyproject.toml", "requirements.txt", "Pipfile", "setup.py"];

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    let mut deps = String::new();
    let mut evidence = Vec::new();
    for m in MANIFESTS {
        if let Some(text) = tree.read(m)? {
            deps.push_str(&text.to_lowercase());
            evidence.push(tree.shown(m));
        }
    }
    if evidence.is_empty() {
        return Ok(None);
    }
    let has = |name: &str| deps.contains(name);
    // The lock file says which tool installs exactly what the authors ran.
    let tool = if tree.exists("uv.lock") {
        "uv"
    } else if tree.exists("poetry.lock") || deps.contains("[tool.poetry]") {
        "poetry"
    } else if tree.exists("Pipfile") {
        "pipenv"
    } else {
        "pip"
    };
    let runtime_version = match tree.read(".python-version")? {
        Some(v) => Some(v.trim().to_string()),
        None => declared_python(tree)?,
    };
    // The module that creates the app object names the import path the server starts.
    let module_with = |marker: &str| -> Result<Option<String>, PlanError> {
        for f in tree.files(|f| f.ends_with(".py")) {
            if tree.read(f)?.is_some_and(|t| t.contains(marker)) {
                return Ok(Some(f.trim_end_matches(".py").replace('/', ".")));
            }
        }
        Ok(None)
    };
    let (framework, start, default_port) = if has("fastapi") {
        let module = module_with("FastAPI(")?.unwrap_or_else(|| "main".into());
        (
            "fastapi",
            Some(format!("uvicorn {module}:app --host 0.0.0.0")),
            (8000, "uvicorn's default port"),
        )
    } else if has("flask") {
        let module = module_with("Flask(")?.unwrap_or_else(|| "app".into());
        (
            "flask",
            Some(format!("gunicorn {module}:app")),
            (5000, "flask's default port"),
        )
    } else if has("django") {
        let project = tree
            .files(|f| f.ends_with("/wsgi.py"))
            .next()
            .map(|f| f.trim_end_matches("/wsgi.py").replace('/', "."));
        (
            "django",
            project.map(|p| format!("gunicorn {p}.wsgi")),
            (8000, "django's default port"),
        )
    } else {
        let main = ["main.py", "app.py"].into_iter().find(|f| tree.exists(f));
        ("", main.map(|m| format!("python {m}")), (0, ""))
    };
    let entry_files = [
        "main.py",
        "app.py",
        "app/main.py",
        "src/main.py",
        "manage.py",
    ]
    .map(String::from)
    .to_vec();
    Ok(Some(Detected {
        frameworks: if framework.is_empty() {
            vec![]
        } else {
            vec![framework.to_string()]
        },
        tool: Some(tool.to_string()),
        version: None,
        runtime_version,
        build_command: Some(match tool {
            "poetry" => "poetry install --only main".to_string(),
            "uv" => "uv sync --frozen".to_string(),
            "pipenv" => "pipenv install --deploy".to_string(),
            _ => "pip install -r requirements.txt".to_string(),
        }),
        entrypoint: start
            .as_ref()
            .and_then(|s| s.split_whitespace().nth(1).map(str::to_string)),
        start_command: start,
        web_frontend: false,
        entry_files,
        default_port: (default_port.0 != 0).then_some(default_port),
        evidence,
        ..Detected::default()
    }))
}

/// The Python the project's own manifests declare: Pipfile's `python_version` (a version), else
/// pyproject's `requires-python` (often a lower bound such as `>=3.11`, kept as written).
fn declared_python(tree: &SourceTree) -> Result<Option<String>, PlanError> {
    static DECLARED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r#"(?m)^\s*(?:python_version|python_full_version|requires-python)\s*=\s*"([^"]+)""#,
        )
        .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
    });
    for file in ["Pipfile", "pyproject.toml"] {
        if let Some(text) = tree.read(file)?
            && let Some(c) = DECLARED.captures(&text)
        {
            return Ok(Some(c[1].trim().to_string()));
        }
    }
    Ok(None)
}
