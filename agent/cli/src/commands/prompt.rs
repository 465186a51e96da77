//! The approval prompt: a file's header and question on stderr, a person's answers from stdin
//! (a terminal or a pipe, one answer a line, as `git add -p` reads them). A closed stdin
//! approves nothing more.

use berth_core::diff::FileDiff;
use berth_core::record::load_staged;
use berth_core::review::provenance::Provenance;
use berth_core::validate::Report;
use berth_pipeline::approve::{Approver, Decision, Review};
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

pub struct Prompt {
    lines: std::io::Lines<std::io::StdinLock<'static>>,
    root: PathBuf,
    /// Each staged file's provenance, by path, for the header: read when the review begins
    /// (`berth up` drafts after making the prompt).
    provenance: BTreeMap<String, Provenance>,
}

impl Prompt {
    pub fn for_project(root: &Path) -> Self {
        Prompt {
            lines: std::io::stdin().lock().lines(),
            root: root.to_path_buf(),
            provenance: BTreeMap::new(),
        }
    }

    /// The next answer, trimmed and lower-cased; none when stdin is closed.
    pub fn answer(&mut self) -> Option<String> {
        match self.lines.next() {
            Some(Ok(line)) => Some(line.trim().to_lowercase()),
            _ => {
                eprintln!(
                    "\n(no more answers on stdin: stopping; use --yes to approve without asking)"
                );
                None
            }
        }
    }
}

impl Approver for Prompt {
    fn begin(&mut self, pending: &[&FileDiff], report: &Report) {
        let Ok(staged) = load_staged(&self.root) else {
            return;
        };
        self.provenance = berth_pipeline::review::provenance(&self.root, &staged);
        let overview = berth_core::review::overview::overview(pending, report);
        eprint!(
            "{}",
            crate::render::review::overview(&staged.app, &overview)
        );
    }

    fn refused(&mut self, d: &FileDiff, why: &str) {
        eprintln!("{}: {why}", d.path);
    }

    fn decide(&mut self, d: &FileDiff, review: &Review) -> Decision {
        let prov = self.provenance.get(&d.path);
        eprint!(
            "{}",
            crate::render::review::header(d, prov, review.findings)
        );
        if review.blocked {
            eprintln!(
                "validation found errors in this file: it cannot be approved without --force (`d` shows them, `s` takes only some hunks)"
            );
        }
        loop {
            eprint!("{}", crate::render::diff::prompt(d));
            let Some(answer) = self.answer() else {
                return Decision::Quit;
            };
            match answer.as_str() {
                "y" | "yes" => return refuse_if_blocked(review, Decision::Approve),
                // Enter keeps a hand-edited file, as the prompt says; elsewhere it asks again.
                "n" | "no" => return Decision::Decline,
                "" if d.conflict.is_some() => return Decision::Decline,
                "d" | "diff" => eprint!("{}", diff(d, review)),
                "s" | "split" => {
                    if let Some(decision) = super::prompt_hunks::split(self, d, review) {
                        return decision;
                    }
                }
                "a" | "all" => return refuse_if_blocked(review, Decision::ApproveRest),
                "q" | "quit" => return Decision::Quit,
                _ => eprint!("{}", crate::render::review::help(false)),
            }
        }
    }
}

/// The file's diff, findings under their lines.
fn diff(d: &FileDiff, review: &Review) -> String {
    crate::render::diff::patch(d, review.findings)
}

/// Approving a file with errors is refused by the pipeline (without --force); say so here.
fn refuse_if_blocked(review: &Review, decision: Decision) -> Decision {
    if review.blocked {
        eprintln!("not approved: validation found errors in it (use --force to approve it anyway)");
    }
    decision
}
