//! Go: go.mod in, module, Go version, framework and main package out.

use super::{Detected, SourceTree};
use crate::plan::PlanError;

const FRAMEWORKS: &[(&str, &str)] = &[
    ("github.com/gin-gonic/gin", "gin"),
    ("github.com/labstack/echo", "echo"),
    ("github.com/gofiber/fiber", "fiber"),
    ("github.com/go-chi/chi", "chi"),
    ("github.com/gorilla/mux", "gorilla"),
];

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    let Some(gomod) = tree.read("go.mod")? else {
        return Ok(None);
    };
    let directive = |name: &str| {
        gomod
            .lines()
            .find_map(|l| l.trim().strip_prefix(name).map(|v| v.trim().to_string()))
            .filter(|v| !v.is_empty())
    };
    // The main package: the root, or the first cmd/<name>.
    let main = if tree.exists("main.go") {
        Some(".".to_string())
    } else {
        tree.files(|f| f.starts_with("cmd/") && f.ends_with("/main.go"))
            .next()
            .map(|f| format!("./{}", f.trim_end_matches("/main.go")))
    };
    let mut entry_files = vec!["main.go".to_string()];
    entry_files.extend(
        main.iter()
            .map(|m| format!("{}/main.go", m.trim_start_matches("./"))),
    );
    Ok(Some(Detected {
        frameworks: FRAMEWORKS
            .iter()
            .filter(|(m, _)| gomod.contains(m))
            .map(|(_, n)| n.to_string())
            .collect(),
        tool: Some("go".into()),
        version: None,
        runtime_version: directive("go "),
        build_command: main
            .as_ref()
            .map(|m| format!("go build -trimpath -o /out/app {m}")),
        start_command: main.as_ref().map(|_| "/out/app".to_string()),
        web_frontend: false,
        entrypoint: main,
        entry_files,
        default_port: None,
        evidence: vec![tree.shown("go.mod")],
        ..Detected::default()
    }))
}
