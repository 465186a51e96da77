//! `s` at the approval prompt: the file's diff split into hunks, a person's answer for each
//! (`y`, `n`, `e` to edit it in $EDITOR as `git add -p` does, `q`), and the file as those
//! answers make it, for the pipeline to validate again and write.

use super::prompt::Prompt;
use berth_core::diff::{Change, FileDiff};
use berth_core::review::hunk::{Hunk, Pick, assemble, hunks};
use berth_pipeline::approve::{Decision, Review};

/// The decision the hunks' answers make; none to go back to the file's question.
pub fn split(prompt: &mut Prompt, d: &FileDiff, review: &Review) -> Option<Decision> {
    let (Some(new), false) = (d.new.as_deref(), d.change == Change::Removed) else {
        eprintln!("a removal is one change: answer y or n");
        return None;
    };
    let old = d.old.as_deref().unwrap_or("");
    let hs = hunks(old, new, 3);
    if hs.is_empty() {
        eprintln!("nothing differs: answer y to record it as approved, or n");
        return None;
    }
    let mut picks = Vec::with_capacity(hs.len());
    for (i, h) in hs.iter().enumerate() {
        let body = crate::render::diff::colorize(&crate::render::review::with_findings(
            &h.unified(),
            review.findings,
        ));
        eprint!("{body}");
        match ask(prompt, h, i + 1, hs.len()) {
            Some(p) => picks.push(p),
            None => break,
        }
    }
    picks.resize(hs.len(), Pick::Skip);
    Some(decision(old, &hs, picks))
}

/// One hunk's answer; none to skip it and every one after it.
fn ask(prompt: &mut Prompt, h: &Hunk, n: usize, total: usize) -> Option<Pick> {
    loop {
        eprint!("Approve this hunk [{n}/{total}]? [y]es, [n]o, [e]dit, [q]uit, [?]help: ");
        match prompt.answer()?.as_str() {
            "y" | "yes" => return Some(Pick::Take),
            "n" | "no" => return Some(Pick::Skip),
            "q" | "quit" => return None,
            "e" | "edit" => match edit(h) {
                Ok(lines) => return Some(Pick::Edited(lines)),
                Err(e) => eprintln!("{e}; the hunk is as it was"),
            },
            _ => eprint!("{}", crate::render::review::help(true)),
        }
    }
}

fn decision(old: &str, hs: &[Hunk], picks: Vec<Pick>) -> Decision {
    let taken: Vec<usize> = picks
        .iter()
        .enumerate()
        .filter(|(_, p)| **p != Pick::Skip)
        .map(|(i, _)| i + 1)
        .collect();
    if taken.is_empty() {
        return Decision::Decline;
    }
    if picks.iter().all(|p| *p == Pick::Take) {
        return Decision::Approve;
    }
    Decision::Hunks {
        contents: assemble(old, hs, &picks),
        taken,
        total: hs.len(),
    }
}

const EDIT_HELP: &str = "# Edit the hunk above, then save and quit.\n\
# To leave out a '+' line, delete it. To keep a '-' line, make its '-' a ' '.\n\
# Lines starting with # are dropped; context and '-' lines must stay as they are.\n";

/// The hunk as a person edits it in $VISUAL or $EDITOR (else vi), run through `sh` as git
/// runs it, so an editor given with arguments works.
fn edit(h: &Hunk) -> Result<Vec<String>, String> {
    let file = tempfile::Builder::new()
        .prefix("berth-hunk-")
        .suffix(".diff")
        .tempfile()
        .map_err(|e| format!("cannot make a file to edit: {e}"))?;
    std::fs::write(file.path(), format!("{}{EDIT_HELP}", h.unified()))
        .map_err(|e| format!("cannot write the hunk to edit: {e}"))?;
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| "vi".into());
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .status()
        .map_err(|e| format!("cannot run the editor `{editor}`: {e}"))?;
    if !status.success() {
        return Err(format!("the editor `{editor}` failed ({status})"));
    }
    let text = std::fs::read_to_string(file.path())
        .map_err(|e| format!("cannot read the edited hunk: {e}"))?;
    h.parse_edit(&text).map_err(|e| e.to_string())
}
