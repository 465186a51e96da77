//! PHP: composer.json or an index.php in, framework (laravel, symfony, slim), the PHP version
//! composer.json requires, the document root and the built-in server's command out.

use super::{Detected, SourceTree};
use crate::plan::PlanError;
use serde_json::Value;

const FRAMEWORKS: &[(&str, &str)] = &[
    ("laravel/framework", "laravel"),
    ("symfony/framework-bundle", "symfony"),
    ("slim/slim", "slim"),
];

/// Where berth's drafted image serves PHP (its built-in server listens where it is told).
pub const PHP_PORT: u16 = 8080;

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    let composer = read_composer(tree)?;
    let index = ["public/index.php", "index.php"]
        .into_iter()
        .find(|f| tree.exists(f));
    if composer.is_none() && index.is_none() {
        return Ok(None);
    }
    let composer = composer.unwrap_or(Value::Null);
    let require = |name: &str| composer["require"].get(name).is_some();
    // The front controller's folder is the document root: nothing above it is served.
    let root = match index {
        Some("public/index.php") => "public",
        _ => ".",
    };
    let mut evidence: Vec<String> = Vec::new();
    if !composer.is_null() {
        evidence.push(tree.shown("composer.json"));
    }
    evidence.extend(index.map(|f| tree.shown(f)));
    Ok(Some(Detected {
        frameworks: FRAMEWORKS
            .iter()
            .filter(|(p, _)| require(p))
            .map(|(_, n)| n.to_string())
            .collect(),
        tool: (!composer.is_null()).then(|| "composer".into()),
        runtime_version: composer["require"]["php"].as_str().map(str::to_string),
        version: composer["version"].as_str().map(str::to_string),
        build_command: (!composer.is_null())
            .then(|| "composer install --no-dev --optimize-autoloader".into()),
        start_command: Some(format!("php -S 0.0.0.0:{PHP_PORT} -t {root}")),
        entrypoint: index.map(str::to_string),
        entry_files: ["public/index.php", "index.php"].map(String::from).to_vec(),
        default_port: Some((PHP_PORT, "the port berth's PHP server listens on")),
        evidence,
        ..Detected::default()
    }))
}

fn read_composer(tree: &SourceTree) -> Result<Option<Value>, PlanError> {
    let Some(text) = tree.read("composer.json")? else {
        return Ok(None);
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| PlanError::Manifest {
            path: format!("{}:{}", tree.shown("composer.json"), e.line()),
            message: e.to_string(),
        })
}
