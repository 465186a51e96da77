//! `berth approve`: a person reviews each staged file (yes, no, diff, quit), and what they
//! approve is written atomically and recorded. Answers come from stdin, so `yes | berth approve`
//! works as with `git add -p`; a closed stdin approves nothing more.

use super::{Error, Exit};
use crate::cli::{ApproveArgs, Cli, Output};
use berth_core::diff::{FileDiff, diff, select};
use berth_core::record::{load_record, load_staged};
use berth_pipeline::approve::{self, ApprovalPolicy, Approver, Decision, Outcome};
use std::io::BufRead;
use std::path::Path;

/// Asks on stderr, reads answers from stdin (a terminal or a pipe).
pub struct Prompt {
    lines: std::io::Lines<std::io::StdinLock<'static>>,
}

impl Prompt {
    pub fn new() -> Self {
        Prompt {
            lines: std::io::stdin().lock().lines(),
        }
    }
}

impl Approver for Prompt {
    fn decide(&mut self, d: &FileDiff, has_errors: bool) -> Decision {
        eprint!("{}", crate::render::diff::prompt_header(d));
        if has_errors {
            eprintln!("validation found errors in this file (`berth validate` shows them)");
        }
        loop {
            eprint!("{}", crate::render::diff::prompt(d));
            let answer = match self.lines.next() {
                Some(Ok(line)) => line.trim().to_lowercase(),
                _ => {
                    eprintln!(
                        "\n(no more answers on stdin: stopping; use --yes to approve without asking)"
                    );
                    return Decision::Quit;
                }
            };
            match answer.as_str() {
                "y" | "yes" => return Decision::Approve,
                // Enter keeps a hand-edited file, as the prompt says; elsewhere it asks again.
                "n" | "no" => return Decision::Decline,
                "" if d.conflict.is_some() => return Decision::Decline,
                "d" | "diff" => eprint!("{}", crate::render::diff::patches(&[d])),
                "q" | "quit" => return Decision::Quit,
                _ => {
                    eprintln!("y: approve and write it, n: skip it, d: show the diff, q: stop here")
                }
            }
        }
    }
}

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
    let (outcome, failure) = approve::run(
        root,
        &mut record,
        &pending,
        &report,
        policy,
        args.force,
        &mut Prompt::new(),
    );
    let text = match cli.output {
        Output::Json => {
            serde_json::to_string_pretty(&outcome).map_err(|e| Error::usage(e.to_string()))? + "\n"
        }
        _ => summary(&outcome),
    };
    crate::output::print(&text);
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
    section("approved and written", &o.approved);
    section("declined", &o.declined);
    section(
        "kept as edited by hand (use --force, or answer y, to overwrite)",
        &o.kept,
    );
    section("not approved: validation found errors in them", &o.invalid);
    out
}
