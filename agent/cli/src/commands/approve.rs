//! `berth approve`: a person reviews each staged file (yes, no, diff, quit), and what they
//! approve is written atomically and recorded. Answers come from stdin, so `yes | berth approve`
//! works as with `git add -p`; a closed stdin approves nothing more.

use super::{Error, Exit};
use crate::cli::{ApproveArgs, Cli, Output};
use berth_core::approve::{approve, load_record};
use berth_core::diff::{Change, FileDiff, diff, select};
use berth_core::draft::load_staged;
use std::io::BufRead;
use std::path::Path;

#[derive(Debug, serde::Serialize)]
struct Outcome {
    approved: Vec<String>,
    declined: Vec<String>,
    /// Edited by hand since berth wrote them, and not overwritten.
    kept: Vec<String>,
}

pub fn run(cli: &Cli, args: &ApproveArgs, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth approve prints human or json output"));
    }
    let staged = load_staged(root)?;
    let mut record = load_record(root)?;
    let diffs = select(diff(root, &staged, &record)?, &args.only)?;
    let pending: Vec<&FileDiff> = diffs
        .iter()
        .filter(|d| !(d.change == Change::Unchanged && d.approved))
        .collect();
    if pending.is_empty() {
        crate::output::eprintln_safe(
            "nothing to approve: the tree matches the staged drafts and the approval record",
        );
        return Ok(Exit::Ok);
    }

    let mut outcome = Outcome {
        approved: vec![],
        declined: vec![],
        kept: vec![],
    };
    let mut chosen: Vec<&FileDiff> = Vec::new();
    if args.yes {
        for d in &pending {
            if d.conflict.is_some() && !args.force {
                outcome.kept.push(d.path.clone());
            } else {
                chosen.push(d);
            }
        }
    } else {
        let stdin = std::io::stdin();
        let mut lines = stdin.lock().lines();
        let mut quit = false;
        for d in &pending {
            if quit {
                outcome.declined.push(d.path.clone());
                continue;
            }
            eprint!("{}", crate::render::diff::prompt_header(d));
            loop {
                eprint!("{}", crate::render::diff::prompt(d));
                let answer = match lines.next() {
                    Some(Ok(line)) => line.trim().to_lowercase(),
                    _ => {
                        eprintln!(
                            "\n(no more answers on stdin: stopping; use --yes to approve without asking)"
                        );
                        "q".into()
                    }
                };
                match answer.as_str() {
                    "y" | "yes" => {
                        chosen.push(d);
                        break;
                    }
                    "n" | "no" | "" if d.conflict.is_some() => {
                        outcome.kept.push(d.path.clone());
                        break;
                    }
                    "n" | "no" => {
                        outcome.declined.push(d.path.clone());
                        break;
                    }
                    "d" | "diff" => eprint!("{}", crate::render::diff::patches(&[d])),
                    "q" | "quit" => {
                        quit = true;
                        if d.conflict.is_some() {
                            outcome.kept.push(d.path.clone())
                        } else {
                            outcome.declined.push(d.path.clone())
                        }
                        break;
                    }
                    _ => eprintln!(
                        "y: approve and write it, n: skip it, d: show the diff, q: stop here"
                    ),
                }
            }
        }
    }

    let (written, failure) = approve(root, &mut record, &chosen);
    outcome.approved = written;
    let text = match cli.output {
        Output::Json => {
            serde_json::to_string_pretty(&outcome).map_err(|e| Error::usage(e.to_string()))? + "\n"
        }
        _ => summary(&outcome),
    };
    crate::output::print(&text);
    if let Some(e) = failure {
        return Err(Error::external(e.into()));
    }
    let refused = !outcome.declined.is_empty() || !outcome.kept.is_empty();
    Ok(if refused { Exit::Findings } else { Exit::Ok })
}

fn summary(o: &Outcome) -> String {
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
    out
}
