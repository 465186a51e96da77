//! `berth draft [PATH]`: the plan in, proposals drafted and staged under .berth/staged/.

use super::{Error, Exit};
use crate::cli::{Cli, DraftArgs, Output};
use berth_core::approve::load_record;
use berth_core::diff::{Change, diff};
use berth_core::draft::llm::{LlmDrafter, Overrides, Settings};
use berth_core::draft::{self, Drafter, Staged, offline::OfflineDrafter};
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
    let llm = match args.provider {
        crate::cli::Provider::Offline => {
            if args.model.is_some() || args.base_url.is_some() {
                return Err(Error::usage(
                    "--model and --base-url apply to --provider openai",
                ));
            }
            None
        }
        crate::cli::Provider::Openai => Some(llm_drafter(cli, args, root)?),
    };
    let drafter: &dyn Drafter = match &llm {
        Some(d) => d,
        None => &OfflineDrafter,
    };
    let drafted = draft::draft_all(&plan, &draft::spec_items(&plan), drafter);
    if llm.is_some() {
        crate::render::llm::clear_progress();
    }
    let proposals = drafted?;
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
    let summary = llm.as_ref().map(LlmDrafter::finish).transpose()?;
    let diffs = diff(root, &staged, &record)?;

    let text = match (cli.output, &summary) {
        (Output::Json, None) => {
            serde_json::to_string_pretty(&staged).map_err(|e| Error::usage(e.to_string()))? + "\n"
        }
        (Output::Json, Some(s)) => {
            let mut v = serde_json::to_value(&staged).map_err(|e| Error::usage(e.to_string()))?;
            v["llm"] = serde_json::to_value(s).map_err(|e| Error::usage(e.to_string()))?;
            serde_json::to_string_pretty(&v).map_err(|e| Error::usage(e.to_string()))? + "\n"
        }
        (_, None) => crate::render::diff::draft_summary(&staged, &diffs),
        (_, Some(s)) => {
            crate::render::diff::draft_summary(&staged, &diffs)
                + "\n"
                + &crate::render::llm::run_summary(s)
        }
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

/// The LLM drafter, configured by berth.toml, then the environment, then the flags.
fn llm_drafter(cli: &Cli, args: &DraftArgs, root: &Path) -> Result<LlmDrafter, Error> {
    let config = berth_core::config::load(root)?;
    let flags = Overrides {
        model: args.model.clone(),
        base_url: args.base_url.clone(),
    };
    let settings = Settings::resolve(&config.llm, &|k| std::env::var(k).ok(), &flags)?;
    let drafter = LlmDrafter::new(root, settings, args.frozen)?.with_validator(
        berth_core::draft::llm::default_validator(config.validate.clone()),
        &config.validate.to_string(),
    );
    Ok(if cli.output == Output::Human {
        drafter.with_progress(Box::new(crate::render::llm::progress))
    } else {
        drafter
    })
}
