//! `berth plan [PATH]`: spec and services in, the plan printed and tasks.md written.

use super::{Error, Exit};
use crate::cli::{Cli, Output, PlanArgs};
use berth_core::plan::{self, TasksFile};
use berth_core::source::display_path;
use berth_pipeline::project;
use std::path::Path;

pub fn run(cli: &Cli, args: &PlanArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json | Output::Yaml) {
        return Err(Error::usage("berth plan prints human, json or yaml output"));
    }
    // Read and plan everything before writing anything, so bad input changes nothing.
    let plans = project::plans(args.path.as_deref(), cwd, root)?;
    let mut stale = Vec::new();
    let mut notes = Vec::new();
    for (spec, plan) in &plans {
        if args.check {
            if let Some(p) = project::tasks_out_of_date(plan, spec, root) {
                stale.push(p);
            }
            continue;
        }
        if args.no_write {
            continue;
        }
        match plan::write_tasks(plan, spec, root)? {
            TasksFile::Written(p) => notes.push(format!("wrote {}", display_path(&p, root))),
            TasksFile::Unchanged(p) => {
                notes.push(format!("{} is up to date", display_path(&p, root)))
            }
            TasksFile::HandWritten(p) => notes.push(format!(
                "{} was written by hand: berth read it and left it as it is",
                display_path(&p, root)
            )),
        }
    }

    // `--check` is for CI: it says only what is out of date, like `cargo fmt --check`.
    let only: Vec<&plan::Plan> = plans.iter().map(|(_, p)| p).collect();
    let text = match cli.output {
        _ if args.check => String::new(),
        Output::Json if only.len() == 1 => json(&only[0])?,
        Output::Json => json(&only)?,
        Output::Yaml if only.len() == 1 => yaml(&only[0])?,
        Output::Yaml => yaml(&only)?,
        _ => crate::render::plan::human(&only),
    };
    crate::output::print_human(&text);
    for note in notes {
        crate::output::eprintln_safe(&note);
    }
    if !stale.is_empty() {
        for p in &stale {
            crate::output::eprintln_safe(&format!(
                "{p} is out of date: run `berth plan` and commit it"
            ));
        }
        return Ok(Exit::Findings);
    }
    Ok(Exit::Ok)
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| Error::usage(e.to_string()))
}

fn yaml<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_saphyr::to_string(v).map_err(|e| Error::usage(e.to_string()))
}
