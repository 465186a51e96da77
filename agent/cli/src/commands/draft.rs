//! `berth draft [PATH]`: the plan in, proposals drafted and staged under .berth/staged/.

use super::{Error, Exit};
use crate::cli::{Cli, DraftArgs, DraftingArgs, Output, Provider};
use berth_core::diff::Change;
use berth_draft::llm::Overrides;
use berth_pipeline::draft::{self, Drafting};
use berth_pipeline::project;
use std::path::Path;

/// The model `--provider`, `--model` and `--base-url` ask for: None for `offline` (where the
/// other two are refused, not ignored).
pub fn model_flags(
    provider: Provider,
    model: &Option<String>,
    base_url: &Option<String>,
) -> Result<Option<Overrides>, Error> {
    match provider {
        Provider::Offline if model.is_some() || base_url.is_some() => Err(Error::usage(
            "--model and --base-url apply to --provider openai",
        )),
        Provider::Offline => Ok(None),
        Provider::Openai => Ok(Some(Overrides {
            model: model.clone(),
            base_url: base_url.clone(),
        })),
    }
}

/// The drafter the flags ask for; progress on a terminal for a model's answers.
pub fn drafting(cli: &Cli, args: &DraftingArgs) -> Result<Drafting, Error> {
    match model_flags(args.provider, &args.model, &args.base_url)? {
        None => Ok(Drafting::Offline),
        Some(overrides) => Ok(Drafting::Llm {
            overrides,
            frozen: args.frozen,
            progress: (cli.output == Output::Human)
                .then(|| Box::new(crate::render::llm::progress) as berth_draft::llm::Progress),
        }),
    }
}

pub fn run(cli: &Cli, args: &DraftArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth draft prints human or json output"));
    }
    let (_, plan) = project::one_plan(args.path.as_deref(), cwd, root)?;
    let choice = drafting(cli, &args.drafting)?;
    let llm = matches!(choice, Drafting::Llm { .. });
    let drafted = draft::draft(root, &plan, choice);
    if llm {
        crate::render::llm::clear_progress();
    }
    let draft::Drafted {
        staged,
        diffs,
        llm: summary,
    } = drafted?;
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
    crate::output::print_human(&text);
    let changed = diffs
        .iter()
        .filter(|d| d.change != Change::Unchanged)
        .count();
    crate::output::eprintln_safe(&format!(
        "staged {} files in {} ({changed} differ from the tree): review with `berth diff`, then `berth approve`",
        staged.proposals.len(),
        berth_core::record::STAGED_DIR
    ));
    Ok(Exit::Ok)
}
