//! `berth approve`: the overview of the proposal, then a person reviews each staged file (yes,
//! no, diff, split into hunks, approve the rest, quit), and what they approve is written
//! atomically and recorded. Answers come from stdin (see `prompt`), so `yes | berth approve`
//! works as with `git add -p`.

use super::prompt::Prompt;
use super::{Error, Exit};
use crate::cli::{ApproveArgs, Cli, Output};
use berth_core::diff::{diff, select};
use berth_core::record::{load_record, load_staged};
use berth_pipeline::approve::{self, ApprovalPolicy, Outcome, Verdict};
use std::path::Path;

pub fn run(cli: &Cli, args: &ApproveArgs, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth approve prints human or json output"));
    }
    let staged = load_staged(root)?;
    let mut record = load_record(root)?;
    let diffs = select(diff(root, &staged, &record)?, &args.only)?;
    let pending = approve::pending(&diffs);
    if pending.is_empty() {
        // Files approved before berth recorded their validation get it now.
        if record.files.values().any(|f| f.validation.is_none()) {
            let report = berth_pipeline::validate::project(root)?;
            approve::restamp(root, &mut record, &report);
            berth_core::record::save_record(root, &record)?;
        }
        crate::output::eprintln_safe(
            "nothing to approve: the tree matches the staged drafts and the approval record",
        );
        return Ok(Exit::Ok);
    }
    let policy = if args.yes {
        ApprovalPolicy::ApproveAll
    } else {
        ApprovalPolicy::Ask
    };
    // What validation says of each file goes into the approval record, which apply checks.
    let report = berth_pipeline::validate::project(root)?;
    let mut prompt = Prompt::for_project(root);
    let (outcome, failure) = approve::run(
        root,
        &mut record,
        &pending,
        &report,
        policy,
        args.force,
        &mut prompt,
    );
    let text = match cli.output {
        Output::Json => {
            serde_json::to_string_pretty(&outcome).map_err(|e| Error::usage(e.to_string()))? + "\n"
        }
        _ => summary(&outcome),
    };
    crate::output::print_human(&text);
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(if outcome.refused() {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

pub fn summary(o: &Outcome) -> String {
    let mut out = String::new();
    let mut section = |title: &str, files: &[String]| {
        if !files.is_empty() {
            out.push_str(&format!("{title} ({}):\n", files.len()));
            for f in files {
                out.push_str(&format!("  {f}\n"));
            }
        }
    };
    let approved: Vec<String> = o
        .approved
        .iter()
        .map(|f| match o.decisions.iter().find(|d| &d.file == f) {
            Some(d) if d.decision == Verdict::Partial => format!(
                "{f} (hunks {} of {}; the rest stays staged)",
                d.hunks_approved
                    .as_deref()
                    .unwrap_or_default()
                    .iter()
                    .map(usize::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
                d.hunks.unwrap_or_default()
            ),
            _ => f.clone(),
        })
        .collect();
    section("approved and written", &approved);
    section("declined", &o.declined);
    section(
        "kept as edited by hand (use --force, or answer y, to overwrite)",
        &o.kept,
    );
    section("not approved: validation found errors in them", &o.invalid);
    out
}
