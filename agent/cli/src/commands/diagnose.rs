//! `berth diagnose [SPEC]`: why the app did not roll out, each cause with its evidence, and the
//! fixes berth can make staged for review; with `--provider openai`, a model's proposals for the
//! causes the rules cannot mend, checked and staged the same way (or said plainly why not).
//! Exit status: 0 nothing failed; 1 causes found; 2 bad usage; 3 no cluster to read and no
//! failed apply on record. A model that fails or answers badly changes none of these.

use super::{Error, Exit};
use crate::cli::{Cli, DiagnoseArgs, Output};
use berth_pipeline::{diagnose, project};
use std::path::Path;

pub fn run(cli: &Cli, args: &DiagnoseArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth diagnose prints human or json output"));
    }
    // The plans say which port and health path the code serves; a project without specs is
    // diagnosed from its manifests alone.
    let plans = match &args.path {
        Some(p) => project::plans(Some(p), cwd, root)?,
        None => project::plans(None, cwd, root).unwrap_or_default(),
    };
    let plans: Vec<_> = plans.into_iter().map(|(_, plan)| plan).collect();
    let cluster = super::apply::options(&args.cluster);
    let flags = super::draft::model_flags(args.provider, &args.model, &args.base_url)?;
    // --no-stage stages nothing, so there is nothing to ask a model for.
    let model = match flags {
        Some(o) if !args.no_stage => Some(diagnose::Model::new(root, &o)?),
        _ => None,
    };
    let d = diagnose::diagnose(root, &plans, &cluster, !args.no_stage, model.as_ref())?;
    let text = match cli.output {
        Output::Json => serde_json::to_string_pretty(&d).unwrap_or_default() + "\n",
        _ => crate::render::diagnose::human(&d),
    };
    crate::output::print_human(&text);
    Ok(if d.failed() { Exit::Findings } else { Exit::Ok })
}
