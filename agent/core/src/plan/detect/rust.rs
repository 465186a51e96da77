//! Rust: Cargo.toml in, binary name, web framework and toolchain version out.

use super::{Detected, SourceTree};
use crate::plan::PlanError;

const FRAMEWORKS: &[&str] = &["axum", "actix-web", "rocket", "warp", "poem", "hyper"];

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    let Some(text) = tree.read("Cargo.toml")? else {
        return Ok(None);
    };
    let manifest: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| PlanError::Manifest {
            path: format!(
                "{}:{}",
                tree.shown("Cargo.toml"),
                line_of(&text, e.span().map_or(0, |s| s.start))
            ),
            message: e.message().to_string(),
        })?;
    let deps = manifest.get("dependencies").and_then(|d| d.as_table());
    let frameworks = FRAMEWORKS
        .iter()
        .filter(|f| deps.is_some_and(|d| d.contains_key(**f)))
        .map(|f| f.to_string())
        .collect();
    let package = manifest.get("package").and_then(|p| p.as_table());
    let bin = manifest
        .get("bin")
        .and_then(|b| b.as_array())
        .and_then(|b| b.first())
        .and_then(|b| b.get("name"))
        .or_else(|| package.and_then(|p| p.get("name")))
        .and_then(|n| n.as_str())
        .map(str::to_string);
    let toolchain = tree.read("rust-toolchain.toml")?.and_then(|t| {
        t.parse::<toml::Table>()
            .ok()?
            .get("toolchain")?
            .get("channel")?
            .as_str()
            .map(str::to_string)
    });
    let runtime_version = toolchain.or_else(|| {
        package
            .and_then(|p| p.get("rust-version"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    });
    Ok(Some(Detected {
        frameworks,
        tool: Some("cargo".into()),
        runtime_version,
        version: package
            .and_then(|p| p.get("version"))
            .and_then(|v| v.as_str())
            .map(str::to_string),
        build_command: Some("cargo build --release --locked".into()),
        start_command: bin.as_ref().map(|b| format!("./{b}")),
        web_frontend: false,
        entrypoint: bin,
        entry_files: vec!["src/main.rs".into(), "src/config.rs".into()],
        default_port: None,
        evidence: vec![tree.shown("Cargo.toml")],
        ..Detected::default()
    }))
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}
