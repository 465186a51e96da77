//! `berth validate [PATH...]`: files in, findings printed (human, JSON, SARIF or JUnit), and the exit
//! status: 0 clean, 1 errors found, 2 unreadable input or bad options.

use super::{Error, Exit};
use crate::cli::{Cli, Output, ValidateArgs};
use berth_core::validate;
use berth_pipeline::validate as pipeline;
use std::path::Path;

pub fn run(cli: &Cli, args: &ValidateArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(
        cli.output,
        Output::Human | Output::Json | Output::Sarif | Output::Junit
    ) {
        return Err(Error::usage(
            "berth validate prints human, json, sarif or junit output",
        ));
    }
    let report = report(args, cwd, root)?;
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
        Output::Junit => validate::junit::to_junit(&report),
        _ if args.summary => crate::render::report::summary(&report),
        _ => crate::render::report::human(&report),
    };
    crate::output::print_human(&text);
    Ok(if report.is_clean() {
        Exit::Ok
    } else {
        Exit::Findings
    })
}

/// The report `args` ask for: paths relative to `cwd`, else the project's staged and
/// generated files (shared with `berth mcp`'s validate tool).
pub fn report(args: &ValidateArgs, cwd: &Path, root: &Path) -> Result<validate::Report, Error> {
    let dirs: Vec<_> = args.schema_dir.iter().map(|d| cwd.join(d)).collect();
    let mut options = pipeline::options(root, args.kubernetes_version.as_deref(), dirs)?;
    // Named files are a set, not a whole project (unless the project root itself is named):
    // what they point at may live elsewhere.
    let names_root =
        |p: &String| p != "-" && cwd.join(p).canonicalize().ok() == root.canonicalize().ok();
    options.partial = !args.paths.is_empty() && !args.paths.iter().any(names_root);
    options.strict_kinds |= args.strict_kinds;
    options.require_helm = args.require_helm;
    options.chart_values = validate::helm::ChartValues {
        files: args.values.iter().map(|f| cwd.join(f)).collect(),
        set: args.set.clone(),
    };
    let files = pipeline::files(&args.paths, cwd, root)?;
    options.named_files = args
        .paths
        .iter()
        .filter_map(|p| match p.as_str() {
            "-" => Some("<stdin>".to_string()),
            _ if cwd.join(p).is_file() => Some(berth_core::source::display_path(&cwd.join(p), cwd)),
            _ => None,
        })
        .collect();
    let mut report = validate::validate_sources(files, &options);
    report.only(&args.rules);
    Ok(report)
}
