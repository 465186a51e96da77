//! `berth diff --live`: the approved manifests against the cluster. Each object goes through a
//! server-side dry run and is compared with its live state, without managedFields, status and
//! unchanged defaults. Exit status 1 with `--exit-code` when applying would change anything.

use super::{Error, Exit};
use crate::cli::{Cli, DiffArgs, Output};
use berth_cluster::apply::{self, Action};
use std::path::Path;

pub fn run(cli: &Cli, args: &DiffArgs, root: &Path) -> Result<Exit, Error> {
    if !args.paths.is_empty() {
        return Err(Error::usage(
            "berth diff --live compares every approved manifest; it takes no paths",
        ));
    }
    let opts = super::apply::options(&args.cluster);
    let (_, changes) = apply::diff_live(root, &opts)?;
    let changed = changes.iter().any(|c| c.action != Action::Unchanged);
    let text = match cli.output {
        Output::Json => {
            serde_json::to_string_pretty(&serde_json::json!({ "objects": changes }))
                .map_err(|e| Error::usage(e.to_string()))?
                + "\n"
        }
        _ => crate::render::apply::live(&changes, args.stat),
    };
    crate::output::print(&text);
    Ok(if args.exit_code && changed {
        Exit::Findings
    } else {
        Exit::Ok
    })
}
