//! `berth draft [PATH]`: the plan in, proposals drafted and staged under .berth/staged/.

use super::{Error, Exit};
use crate::cli::{Cli, DraftArgs, Output};
use berth_core::approve::load_record;
use berth_core::diff::{Change, diff};
use berth_core::draft::{self, Staged, offline::OfflineDrafter};
use berth_core::source::display_path;
use berth_core::{plan, spec};
use std::path::Path;

/// Reads the one spec a draft is for and makes its plan.
pub fn one_plan(
    path: Option<&Path>,
    cwd: &Path,
    root: &Path,
) -> Result<(spec::Spec, plan::Plan), Error> {
    let path = match path {
        Some(p) => cwd.join(p),
        None => {
            let mut found = spec::discover(&root.join("specs"), root)?;
            if found.len() > 1 {
                let names: Vec<String> = found.iter().map(|p| display_path(p, root)).collect();
                return Err(Error::usage(format!(
                    "several specs found ({}): name the one to draft",
                    names.join(", ")
                )));
            }
            found.remove(0)
        }
    };
    let spec = spec::load(&path, root)?;
    let plan = plan::build(&spec, root)?;
    Ok((spec, plan))
}

pub fn run(cli: &Cli, args: &DraftArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth draft prints human or json output"));
    }
    let (_, plan) = one_plan(args.path.as_deref(), cwd, root)?;
    let drafter = match args.provider {
        crate::cli::Provider::Offline => OfflineDrafter,
    };
    let proposals = draft::draft_all(&plan, &draft::spec_items(&plan), &drafter)?;
    let record = load_record(root)?;
    let removed = record
        .files
        .keys()
        .filter(|p| !proposals.iter().any(|x| &x.path == *p))
        .cloned()
        .collect();
    let staged = Staged {
        app: plan.app.clone(),
        spec: plan.spec.clone(),
        proposals,
        removed,
    };
    draft::stage(root, &staged)?;
    let diffs = diff(root, &staged, &record)?;

    let text = match cli.output {
        Output::Json => {
            serde_json::to_string_pretty(&staged).map_err(|e| Error::usage(e.to_string()))? + "\n"
        }
        _ => crate::render::diff::draft_summary(&staged, &diffs),
    };
    crate::output::print(&text);
    let changed = diffs
        .iter()
        .filter(|d| d.change != Change::Unchanged)
        .count();
    crate::output::eprintln_safe(&format!(
        "staged {} files in {} ({changed} differ from the tree): review with `berth diff`, then `berth approve`",
        staged.proposals.len(),
        draft::STAGED_DIR
    ));
    Ok(Exit::Ok)
}
