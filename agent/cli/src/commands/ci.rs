//! `berth ci`: never prompts. Regenerates from the specs, validates, compares with the committed
//! files and berth.lock; prints the report (human, json, markdown or sarif). `--write` updates
//! the files and the lock; `--apply --allow-context NAME` then applies what validates.

use super::{Error, Exit};
use crate::cli::{CiArgs, Cli, Output};
use berth_draft::llm::Overrides;
use berth_pipeline::{ci, project};
use std::path::Path;

pub fn run(cli: &Cli, args: &CiArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if matches!(cli.output, Output::Yaml | Output::Junit | Output::Html) {
        return Err(Error::usage(
            "berth ci prints human, json, markdown or sarif output",
        ));
    }
    let (spec, plan) = project::one_plan(args.path.as_deref(), cwd, root)?;
    let opts = ci::Options {
        write: args.write,
        frozen: args.frozen,
        overrides: Overrides {
            model: args.model.clone(),
            base_url: args.base_url.clone(),
        },
    };
    let report = ci::run(root, &spec, &plan, opts)?;
    let text = match cli.output {
        Output::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
        Output::Markdown => crate::render::ci::markdown(&report, args.write),
        Output::Sarif => {
            serde_json::to_string_pretty(&ci::sarif(&report, env!("CARGO_PKG_VERSION")))
                .unwrap_or_default()
                + "\n"
        }
        _ => crate::render::ci::human(&report, args.write),
    };
    crate::output::print(&text);
    let exit = report.exit(args.write);
    if args.apply {
        if exit != Exit::Ok {
            crate::output::eprintln_safe(
                "berth ci: not applying: fix the drift and findings first",
            );
            return Ok(exit);
        }
        let opts = berth_cluster::apply::Options {
            context: args.context.clone(),
            allow_contexts: args.allow_context.clone(),
            verify: true,
            ..Default::default()
        };
        let applied = ci::apply(root, &plan, &opts)?;
        crate::output::print_human(&crate::render::apply::result(&applied.result));
        if let Some(e) = applied.error {
            return Err(e.into());
        }
        if applied.result.rollout_failed() || applied.result.verify_failed() {
            return Ok(Exit::Findings);
        }
    }
    Ok(exit)
}
