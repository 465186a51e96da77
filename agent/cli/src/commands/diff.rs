//! `berth diff`: the staged drafts against the files on disk.

use super::{Error, Exit};
use crate::cli::{Cli, DiffArgs, Output};
use crate::render::html::FileView;
use berth_core::diff::{Change, FileDiff, diff, select};
use berth_core::record::load_record;
use berth_core::record::{Staged, load_staged};
use std::path::Path;

pub fn run(cli: &Cli, args: &DiffArgs, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json | Output::Html) {
        return Err(Error::usage("berth diff prints human, json or html output"));
    }
    if args.live && cli.output == Output::Html {
        return Err(Error::usage(
            "berth diff --live prints human or json output",
        ));
    }
    if args.live {
        return super::diff_live::run(cli, args, root);
    }
    let staged = load_staged(root)?;
    let record = load_record(root)?;
    let diffs = select(diff(root, &staged, &record)?, &args.paths)?;
    let changed: Vec<&FileDiff> = diffs
        .iter()
        .filter(|d| d.change != Change::Unchanged)
        .collect();
    let text = match (cli.output, args.stat) {
        (Output::Html, _) => page(root, &staged, &changed)?,
        (Output::Json, _) => {
            let files: Vec<serde_json::Value> = changed
                .iter()
                .map(|d| {
                    let mut v = serde_json::to_value(d).unwrap_or_default();
                    v["diff"] = serde_json::Value::String(berth_core::diff::unified(d, 3));
                    v
                })
                .collect();
            serde_json::to_string_pretty(&serde_json::json!({ "files": files }))
                .map_err(|e| Error::usage(e.to_string()))?
                + "\n"
        }
        (_, true) => {
            let report = berth_pipeline::validate::project(root)?;
            crate::render::diff::stat(&berth_core::review::overview::overview(&changed, &report))
        }
        _ => crate::render::diff::patches(&changed),
    };
    crate::output::print(&text);
    if args.exit_code && !changed.is_empty() {
        return Ok(Exit::Findings);
    }
    Ok(Exit::Ok)
}

/// The review page: the overview, then each file with its provenance and findings.
fn page(root: &Path, staged: &Staged, changed: &[&FileDiff]) -> Result<String, Error> {
    let report = berth_pipeline::validate::project(root)?;
    let provenance = berth_pipeline::review::provenance(root, staged);
    let overview = berth_core::review::overview::overview(changed, &report);
    // In the overview's order, so the page reads as the list at its top.
    let order = overview.groups.iter().flat_map(|g| g.files.iter());
    let files: Vec<FileView> = order
        .filter_map(|e| changed.iter().find(|d| d.path == e.path))
        .map(|d| FileView {
            diff: d,
            provenance: provenance.get(&d.path),
            findings: berth_core::review::findings_for(&report, &d.path),
        })
        .collect();
    Ok(crate::render::html::page(&staged.app, &overview, &files))
}
