//! Node.js: a package.json in, frameworks (react, vue, angular, next, vite, svelte, express...),
//! package manager, scripts and entry point out.

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
    let Some(text) = tree.read("package.json")? else {
        return Ok(None);
    };
    let pkg: Value = serde_json::from_str(&text).map_err(|e| PlanError::Manifest {
        path: format!("{}:{}", tree.shown("package.json"), e.line()),
        message: e.to_string(),
    })?;
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
    let tool = if tree.exists("pnpm-lock.yaml") {
        "pnpm"
    } else if tree.exists("yarn.lock") {
        "yarn"
    } else {
        "npm"
    };
    let script = |name: &str| {
        pkg["scripts"]
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let run = |name: &str| match tool {
        "npm" if name == "start" => "npm start".to_string(),
        "npm" => format!("npm run {name}"),
        t => format!("{t} {name}"),
    };
    let start = script("start");
    // `node server.mjs` names the file that serves; search it first for the port.
    let entrypoint = start
        .as_deref()
        .and_then(|s| s.split_whitespace().skip_while(|w| *w != "node").nth(1))
        .map(str::to_string)
        .or_else(|| pkg["main"].as_str().map(str::to_string));
    let runtime_version = pkg["engines"]["node"]
        .as_str()
        .map(str::to_string)
        .or(tree.read(".nvmrc")?.map(|v| v.trim().to_string()))
        .or(tree.read(".node-version")?.map(|v| v.trim().to_string()));
    let mut entry_files: Vec<String> = entrypoint.iter().cloned().collect();
    entry_files.extend(
        [
            "server.js",
            "server.mjs",
            "index.js",
            "src/index.ts",
            "src/server.ts",
            "src/main.ts",
        ]
        .map(String::from),
    );
    let default_port = if frameworks.iter().any(|f| f == "next") {
        Some((3000, "next's default port"))
    } else {
        None
    };
    let mut evidence = vec![tree.shown("package.json")];
    if let Some(cfg) = tree.files(|f| f.starts_with("vite.config.")).next() {
        evidence.push(tree.shown(cfg));
    }
    Ok(Some(Detected {
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
    }))
}
