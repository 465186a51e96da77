//! `berth apply`: the approved manifests to a local cluster. Progress goes to stderr on a
//! terminal (or as JSON lines with `--output json`); the result is printed at the end.
//! Exit status: 0 applied and rolled out; 1 refused, conflicts or a failed rollout; 2 bad
//! usage; 3 the cluster was unreachable.

use super::{Error, Exit};
use crate::cli::{ApplyArgs, Cli, ClusterArgs, Output};
use berth_cluster::apply::{self, Event, Options};
use berth_pipeline::diagnose;
use std::path::Path;

pub fn options(c: &ClusterArgs) -> Options {
    Options {
        context: c.context.clone(),
        allow_contexts: c.allow_context.clone(),
        namespace: c.namespace.clone(),
        ..Options::default()
    }
}

/// The causes of a failed rollout, their fixes staged (see `berth diagnose`). Best effort: the
/// apply's own result stands whatever happens here.
fn diagnosis(root: &Path, result: &apply::ApplyResult) -> Option<diagnose::Diagnosed> {
    let plans = berth_pipeline::project::plans(None, root, root).unwrap_or_default();
    let plans: Vec<_> = plans.into_iter().map(|(_, p)| p).collect();
    match diagnose::after_apply(root, &plans, result, None) {
        Ok(d) => d,
        Err(e) => {
            crate::output::eprintln_safe(&format!("berth: could not diagnose the failure: {e}"));
            None
        }
    }
}

pub fn run(cli: &Cli, args: &ApplyArgs, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth apply prints human or json output"));
    }
    let opts = Options {
        dry_run: args.dry_run,
        prune: args.prune,
        wait: !args.no_wait,
        timeout: args.timeout,
        force_conflicts: args.force_conflicts,
        force: args.force,
        rollback: !args.no_rollback,
        verify: args.verify,
        ..options(&args.cluster)
    };
    let json = cli.output == Output::Json;
    let progress = !json && console::Term::stderr().is_term();
    let sink = |e: &Event| {
        if json {
            let line = serde_json::to_string(e).unwrap_or_default();
            crate::output::print(&format!("{line}\n"));
        } else if matches!(
            e,
            Event::Pruning { .. } | Event::SecretGenerated { .. } | Event::SecretMissing { .. }
        ) || progress && matches!(e, Event::Rollout { .. } | Event::RollingBack { .. })
        {
            // The objects applied are listed in the result; the wait is what takes long, and
            // what is about to be deleted (or a Secret generated) is said, terminal or not.
            crate::output::eprintln_safe(&crate::render::apply::progress(e));
        }
    };
    let outcome = apply::apply(root, &opts, &sink)?;
    let diagnosis = diagnosis(root, &outcome.result);
    let text = if json {
        let mut v = serde_json::to_value(&outcome.result).unwrap_or_default();
        v["event"] = "result".into();
        if let Some(d) = &diagnosis {
            v["diagnosis"] = serde_json::to_value(d).unwrap_or_default();
        }
        serde_json::to_string(&v).unwrap_or_default() + "\n"
    } else {
        let mut text = crate::render::apply::result(&outcome.result);
        if let Some(d) = &diagnosis {
            text.push_str(&crate::render::diagnose::human(d));
        }
        text
    };
    crate::output::print_human(&text);
    if let Some(e) = outcome.error {
        return Err(e.into());
    }
    Ok(if outcome.result.rollout_failed() {
        Exit::Findings
    } else {
        Exit::Ok
    })
}
