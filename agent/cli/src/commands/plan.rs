//! `berth plan [PATH]`: spec and services in, the plan printed and tasks.md written.

use super::{Error, Exit};
use crate::cli::{Cli, Output, PlanArgs};
use berth_core::plan::{self, TasksFile};
use berth_core::source::display_path;
use berth_core::spec;
use std::path::Path;

pub fn run(cli: &Cli, args: &PlanArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json | Output::Yaml) {
        return Err(Error::usage("berth plan prints human, json or yaml output"));
    }
    let paths = match &args.path {
        Some(p) => vec![cwd.join(p)],
        None => spec::discover(&root.join("specs"), root)?,
    };
    // Read and plan everything before writing anything, so bad input changes nothing.
    let mut plans = Vec::new();
    for path in &paths {
        let spec = spec::load(path, root)?;
        let plan = plan::build(&spec, root)?;
        plans.push((spec, plan));
    }
    let mut stale = Vec::new();
    let mut notes = Vec::new();
    for (spec, plan) in &plans {
        if args.check {
            if let Some(p) = tasks_out_of_date(plan, spec, root) {
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

    let only: Vec<&plan::Plan> = plans.iter().map(|(_, p)| p).collect();
    let text = match cli.output {
        Output::Json if only.len() == 1 => json(&only[0])?,
        Output::Json => json(&only)?,
        Output::Yaml if only.len() == 1 => yaml(&only[0])?,
        Output::Yaml => yaml(&only)?,
        _ => crate::render::plan::human(&only),
    };
    crate::output::print(&text);
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

/// The tasks.md path when its bytes differ from what `berth plan` would write.
fn tasks_out_of_date(plan: &plan::Plan, spec: &spec::Spec, root: &Path) -> Option<String> {
    let dir = root.join(&spec.path);
    let path = if dir.is_dir() {
        dir.join(spec::TASKS_FILE)
    } else {
        dir.parent()?.join(spec::TASKS_FILE)
    };
    let hand_written = spec
        .files
        .iter()
        .any(|f| f.kind == spec::SpecFileKind::Tasks && !f.generated);
    if hand_written {
        return None;
    }
    let want = plan::render_tasks(plan, spec);
    let have = std::fs::read(&path).unwrap_or_default();
    (have != want.as_bytes()).then(|| display_path(&path, root))
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(|e| Error::usage(e.to_string()))
}

fn yaml<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_saphyr::to_string(v).map_err(|e| Error::usage(e.to_string()))
}
