//! `berth up [SPEC]`: the whole pipeline, stopping at the approval gate for a person (or
//! approving what validates with `--yes`). Stage lines go to stderr (starts on a terminal only);
//! the result goes to stdout; `--output json` prints one event per line, then the result.

use super::{Error, Exit};
use crate::cli::{Cli, Output, UpArgs};
use berth_pipeline::approve::ApprovalPolicy;
use berth_pipeline::{Event, project, up};
use std::path::Path;

pub fn run(cli: &Cli, args: &UpArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth up prints human or json output"));
    }
    let (spec, plan) = project::one_plan(args.path.as_deref(), cwd, root)?;
    let drafting = super::draft::drafting(cli, &args.drafting)?;
    let context = args.cluster.context.as_deref();
    let builder = args
        .builder
        .map(|k| super::build::builder(Some(k), context));
    let opts = up::Options {
        drafting,
        policy: if args.yes {
            ApprovalPolicy::ApproveValid
        } else {
            ApprovalPolicy::Ask
        },
        no_apply: args.no_apply,
        build: !args.no_build,
        builder,
        cluster: berth_cluster::apply::Options {
            timeout: args.timeout,
            ..super::apply::options(&args.cluster)
        },
        explicit_cluster: args.cluster.context.is_some() || !args.cluster.allow_context.is_empty(),
    };
    let json = cli.output == Output::Json;
    let terminal = console::Term::stderr().is_term();
    let sink = |e: &Event| {
        if json {
            let line = match e {
                Event::Apply(inner) => serde_json::to_string(inner),
                other => serde_json::to_string(other),
            };
            crate::output::print_human(&format!("{}\n", line.unwrap_or_default()));
        } else if let Event::StageStarted { stage } = e {
            if terminal {
                crate::output::eprintln_safe(&format!("==> {}", stage.as_str()));
            }
        } else if let Some(line) = crate::render::pipeline::line(e) {
            crate::output::eprintln_safe(&line);
        }
    };
    let mut prompt = super::prompt::Prompt::for_project(root);
    let (result, error) = up::run(root, &spec, plan, opts, &mut prompt, &sink)?;
    if json {
        let mut v = serde_json::to_value(&result).unwrap_or_default();
        v["event"] = "result".into();
        crate::output::print(&(serde_json::to_string(&v).unwrap_or_default() + "\n"));
    } else {
        let mut text = String::new();
        // The failed apply, its diagnosis, then (when fixes were approved) the apply after.
        let failed = result.failed_apply.as_ref().or(result.applied.as_ref());
        if let Some(f) = failed {
            text.push_str(&crate::render::apply::result(f));
        }
        if let Some(d) = &result.diagnosis {
            text.push_str(&crate::render::diagnose::human(d));
        }
        if let (Some(_), Some(applied)) = (&result.failed_apply, &result.applied) {
            text.push_str("after the approved fixes:\n");
            text.push_str(&crate::render::apply::result(applied));
        }
        if let Some(why) = &result.stopped {
            text.push_str(&format!("{why}\n"));
        }
        crate::output::print_human(&text);
    }
    match error {
        Some(e) => Err(e),
        None => Ok(result.exit),
    }
}
