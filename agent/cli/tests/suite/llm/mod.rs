//! `berth draft --provider openai` against a scripted OpenAI-compatible server (and, in
//! `real`, a real small model), on a copy of the sample app: what is staged, what is reported,
//! and what the server was sent. Helpers shared by the scenarios live here.

mod answers;
mod cache;
mod concurrency;
mod diagnose;
mod edits;
mod real;
mod scripted;
mod transport;

use super::common::*;
use scripted::{Reply, Request};
use serde_json::Value;
use std::path::Path;
use std::process::Output;

pub const MODEL: &str = "test-model";

/// Copies `from` to `to`, leaving out build outputs and installed dependencies.
pub fn copy_source(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if ["node_modules", "target", "dist", ".berth"].contains(&name.to_str().unwrap()) {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_source(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The sample app (specs/todo and services/) in a temp folder, with berth.toml's `[llm]`
/// pointing at `url`.
pub fn sample_app(url: &str, extra: &str) -> tempfile::TempDir {
    sample_app_for(url, MODEL, extra)
}

/// The same for another model.
pub fn sample_app_for(url: &str, model: &str, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_source(&repo().join("specs/todo"), &dir.path().join("specs/todo"));
    copy_source(&repo().join("services"), &dir.path().join("services"));
    std::fs::write(
        dir.path().join("berth.toml"),
        format!(
            "[llm]\nbase_url = \"{url}\"\nmodel = \"{model}\"\nretry_backoff = \"10ms\"\n{extra}"
        ),
    )
    .unwrap();
    dir
}

/// Runs berth with the LLM environment cleared, plus `env`.
pub fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = assert_cmd::Command::cargo_bin("berth").unwrap();
    cmd.current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("BERTH_MODEL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

pub fn draft(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["draft", "--provider", "openai"];
    args.extend_from_slice(extra);
    run(dir, &args, &[])
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn index(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(".berth/staged/index.json")).unwrap())
        .unwrap()
}

pub fn proposal(dir: &Path, path: &str) -> Value {
    index(dir)["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"] == path)
        .cloned()
        .unwrap_or_else(|| panic!("{path} is not staged"))
}

pub fn staged(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(".berth/staged/files").join(path)).unwrap()
}

pub const MARK: &str = "# tuned by test-model";

/// The starting point, marked so the test can tell the model's files from the offline ones.
/// JSON files have no comments, so they stay as they are.
pub fn mark(path: &str, contents: &str) -> String {
    if path.ends_with(".json") {
        contents.to_string()
    } else {
        format!("{contents}{MARK}\n")
    }
}

/// An answer that passes: the starting point, marked.
pub fn good(r: &Request) -> Reply {
    Reply::Answer(r.echo(mark))
}

pub fn for_artifact(log: &[Request], artifact: &str) -> usize {
    log.iter().filter(|r| r.artifact() == artifact).count()
}

/// Times and the server's port vary from run to run.
pub fn filtered(text: &str) -> String {
    let time = regex_lite(text, r"\b\d+\.\ds\b", "[t]");
    port(&time)
}

pub fn port(text: &str) -> String {
    regex_lite(text, r"127\.0\.0\.1:\d+", "127.0.0.1:[port]")
}

pub fn regex_lite(text: &str, pattern: &str, with: &str) -> String {
    // insta's filters would do; a small regex keeps the snapshots readable in failures too.
    let re = regex::Regex::new(pattern).unwrap();
    re.replace_all(text, with).into_owned()
}
