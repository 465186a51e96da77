//! `berth validate [PATH...]`: files in, findings printed (human, JSON or SARIF), and the exit
//! status: 0 clean, 1 errors found, 2 unreadable input or bad options.

use super::{Error, Exit};
use crate::cli::{Cli, Output, ValidateArgs};
use berth_core::validate::{self, Options, inputs};
use std::path::Path;

pub fn run(cli: &Cli, args: &ValidateArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json | Output::Sarif) {
        return Err(Error::usage(
            "berth validate prints human, json or sarif output",
        ));
    }
    let dirs: Vec<_> = args.schema_dir.iter().map(|d| cwd.join(d)).collect();
    let mut options = Options::new(
        args.kubernetes_version.as_deref(),
        dirs.clone(),
        &berth_core::config::load(root)
            .map_err(|e| Error::usage(e.to_string()))?
            .validate,
    )?;
    // A cluster's own schemas (`berth schema refresh`) win, unless a version is asked for.
    let cluster = root.join(berth_core::validate::CLUSTER_SCHEMAS);
    if args.kubernetes_version.is_none() && cluster.is_file() {
        options = options.with_cluster_schemas(&cluster, dirs)?;
    }
    let files = if args.paths.is_empty() {
        inputs::project(root)?
    } else {
        inputs::collect(&args.paths, cwd)?
    };
    if files.is_empty() {
        return Err(Error::usage(
            "nothing to validate: name files or folders, or run `berth draft` first",
        ));
    }
    let report = validate::validate(&files, &options);
    let text = match cli.output {
        Output::Json => {
            serde_json::to_string_pretty(&report).map_err(|e| Error::usage(e.to_string()))? + "\n"
        }
        Output::Sarif => {
            serde_json::to_string_pretty(&validate::sarif::to_sarif(
                &report,
                env!("CARGO_PKG_VERSION"),
            ))
            .map_err(|e| Error::usage(e.to_string()))?
                + "\n"
        }
        _ => crate::render::report::human(&report),
    };
    crate::output::print(&text);
    Ok(if report.is_clean() {
        Exit::Ok
    } else {
        Exit::Findings
    })
}
