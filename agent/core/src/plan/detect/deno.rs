//! Deno: deno.json, deno.jsonc or deno.lock in, the module the server starts from (the `start`
//! task's file, else main.ts and its like), framework (hono, oak, fresh) and the command out.

use super::{Detected, SourceTree};
use crate::plan::PlanError;
use regex::Regex;
use std::sync::LazyLock;

const CONFIGS: &[&str] = &["deno.json", "deno.jsonc", "deno.lock"];
const MAINS: &[&str] = &[
    "main.ts",
    "server.ts",
    "mod.ts",
    "main.js",
    "app.ts",
    "src/main.ts",
];
const FRAMEWORKS: &[(&str, &str)] = &[("hono", "hono"), ("@oak/oak", "oak"), ("fresh", "fresh")];

/// The `start` task of deno.json(c), read as text: deno.jsonc may carry comments, which no JSON
/// parser takes.
static START_TASK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""start"\s*:\s*"([^"]*)""#).unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
});

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    let found: Vec<&str> = CONFIGS.iter().copied().filter(|f| tree.exists(f)).collect();
    if found.is_empty() {
        return Ok(None);
    }
    let mut config = String::new();
    for f in found.iter().filter(|f| !f.ends_with(".lock")) {
        config.push_str(&tree.read(f)?.unwrap_or_default());
    }
    let task_file = START_TASK.captures(&config).and_then(|c| {
        c[1].split_whitespace()
            .find(|w| {
                [".ts", ".tsx", ".js", ".mjs"]
                    .iter()
                    .any(|x| w.ends_with(x))
            })
            .map(str::to_string)
    });
    let main = task_file.or_else(|| MAINS.iter().find(|f| tree.exists(f)).map(|f| f.to_string()));
    let lock = tree.read("deno.lock")?.unwrap_or_default();
    Ok(Some(Detected {
        frameworks: FRAMEWORKS
            .iter()
            .filter(|(needle, _)| config.contains(needle) || lock.contains(needle))
            .map(|(_, n)| n.to_string())
            .collect(),
        tool: Some("deno".into()),
        build_command: main.as_ref().map(|m| format!("deno cache {m}")),
        start_command: main.as_ref().map(|m| format!("deno run {m}")),
        entry_files: main.iter().cloned().collect(),
        entrypoint: main,
        default_port: Some((8000, "Deno.serve's default port")),
        evidence: found.iter().map(|f| tree.shown(f)).collect(),
        ..Detected::default()
    }))
}
