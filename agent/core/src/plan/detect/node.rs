//! Node.js: a package.json in, frameworks (react, vue, angular, next, vite, svelte, express...),
//! package manager, scripts and entry point out. Bun projects are read here too (bun.rs picks
//! them out first): only the tool and the runtime differ.

use super::{Detected, SourceTree};
use crate::plan::PlanError;
use serde_json::Value;

/// Dependencies that make a browser app, most specific first.
const WEB: &[(&str, &str)] = &[
    ("next", "next"),
    ("@angular/core", "angular"),
    ("nuxt", "nuxt"),
    ("vue", "vue"),
    ("react", "react"),
    ("svelte", "svelte"),
    ("vite", "vite"),
];
const SERVER: &[(&str, &str)] = &[
    ("@nestjs/core", "nestjs"),
    ("express", "express"),
    ("fastify", "fastify"),
    ("koa", "koa"),
];

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    let Some(pkg) = package_json(tree)? else {
        return Ok(None);
    };
    let tool = if tree.exists("pnpm-lock.yaml") {
        "pnpm"
    } else if tree.exists("yarn.lock") {
        "yarn"
    } else {
        "npm"
    };
    Ok(Some(from_package(tree, &pkg, tool)?))
}

/// package.json, parsed; a malformed one names its file and line.
pub(super) fn package_json(tree: &SourceTree) -> Result<Option<Value>, PlanError> {
    let Some(text) = tree.read("package.json")? else {
        return Ok(None);
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| PlanError::Manifest {
            path: format!("{}:{}", tree.shown("package.json"), e.line()),
            message: e.to_string(),
        })
}

/// What a package.json says, installed and run with `tool` (npm, pnpm, yarn or bun).
pub(super) fn from_package(
    tree: &SourceTree,
    pkg: &Value,
    tool: &str,
) -> Result<Detected, PlanError> {
    let has = |dep: &str| {
        ["dependencies", "devDependencies"]
            .iter()
            .any(|k| pkg[k].get(dep).is_some())
    };
    let mut frameworks: Vec<String> = WEB
        .iter()
        .chain(SERVER)
        .filter(|(d, _)| has(d))
        .map(|(_, n)| n.to_string())
        .collect();
    frameworks.dedup();
    let web_frontend = WEB.iter().any(|(d, _)| has(d));
    let script = |name: &str| {
        pkg["scripts"]
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let run = |name: &str| match tool {
        "npm" if name == "start" => "npm start".to_string(),
        // `bun build` is Bun's bundler, not the script.
        "npm" | "bun" => format!("{tool} run {name}"),
        t => format!("{t} {name}"),
    };
    let start = script("start");
    // `node server.mjs` (`bun run src/index.ts`) names the file that serves; search it first
    // for the port.
    let runtime = if tool == "bun" { "bun" } else { "node" };
    let entrypoint = start
        .as_deref()
        .and_then(|s| script_file(s, runtime))
        .or_else(|| pkg["main"].as_str().map(str::to_string))
        .or_else(|| (tool == "bun").then(|| pkg["module"].as_str().map(str::to_string))?);
    let runtime_version = if tool == "bun" {
        bun_version(pkg)
    } else {
        pkg["engines"]["node"]
            .as_str()
            .map(str::to_string)
            .or(tree.read(".nvmrc")?.map(|v| v.trim().to_string()))
            .or(tree.read(".node-version")?.map(|v| v.trim().to_string()))
    };
    let mut entry_files: Vec<String> = entrypoint.iter().cloned().collect();
    entry_files.extend(
        [
            "server.js",
            "server.mjs",
            "index.js",
            "src/index.ts",
            "src/server.ts",
            "src/main.ts",
            "index.ts",
        ]
        .map(String::from),
    );
    let default_port = if frameworks.iter().any(|f| f == "next") {
        Some((3000, "next's default port"))
    } else if tool == "bun" && !web_frontend {
        Some((3000, "Bun.serve's default port"))
    } else {
        None
    };
    let mut evidence = vec![tree.shown("package.json")];
    if let Some(cfg) = tree.files(|f| f.starts_with("vite.config.")).next() {
        evidence.push(tree.shown(cfg));
    }
    Ok(Detected {
        frameworks,
        tool: Some(tool.to_string()),
        runtime_version,
        version: pkg["version"].as_str().map(str::to_string),
        build_command: script("build").map(|_| run("build")),
        start_command: start.map(|_| run("start")),
        web_frontend,
        entrypoint,
        entry_files,
        default_port,
        evidence,
        ..Detected::default()
    })
}

/// The file a start script runs: `node server.mjs`, `bun run src/index.ts`, `bun index.ts`.
fn script_file(script: &str, runtime: &str) -> Option<String> {
    script
        .split_whitespace()
        .skip_while(|w| *w != runtime)
        .skip(1)
        .find(|w| !w.starts_with('-') && *w != "run")
        // `bun run dev` runs a script, not a file.
        .filter(|w| runtime != "bun" || w.contains('.'))
        .map(str::to_string)
}

/// The Bun a project asks for: `packageManager: bun@1.3.2`, else `engines.bun`.
fn bun_version(pkg: &Value) -> Option<String> {
    pkg["packageManager"]
        .as_str()
        .and_then(|p| p.strip_prefix("bun@"))
        .or_else(|| pkg["engines"]["bun"].as_str())
        .map(str::to_string)
}
