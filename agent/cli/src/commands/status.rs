//! `berth status [SPEC]`: where each spec stands (tasks, drafts, approvals, the cluster).

use super::{Error, Exit};
use crate::cli::{Cli, Output, StatusArgs};
use berth_pipeline::{project, status};
use std::path::Path;

pub fn run(cli: &Cli, args: &StatusArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth status prints human or json output"));
    }
    let cluster = super::apply::options(&args.cluster);
    let mut list = Vec::new();
    for (_, plan) in project::plans(args.path.as_deref(), cwd, root)? {
        list.push(status::status(root, &plan, Some(&cluster))?);
    }
    let text = match cli.output {
        Output::Json if list.len() == 1 => {
            serde_json::to_string_pretty(&list[0]).unwrap_or_default() + "\n"
        }
        Output::Json => serde_json::to_string_pretty(&list).unwrap_or_default() + "\n",
        _ => crate::render::status::human(&list),
    };
    crate::output::print_human(&text);
    Ok(Exit::Ok)
}
