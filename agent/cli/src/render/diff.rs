//! Diffs and staged drafts in, what `berth draft`, `berth diff` and `berth approve` show a
//! person out. Colour only when enabled (a terminal, --color, NO_COLOR).

use super::table;
use berth_core::diff::{Change, Conflict, FileDiff, unified};
use berth_core::record::Staged;
use berth_core::review::overview::Overview;
use console::style;

pub fn change_word(d: &FileDiff) -> String {
    let word = match d.change {
        Change::Added => style("new").green().to_string(),
        Change::Modified => style("modified").yellow().to_string(),
        Change::Unchanged => style("unchanged").dim().to_string(),
        Change::Removed => style("removed").red().to_string(),
    };
    match (&d.conflict, &d.base) {
        (Some(Conflict::NotWrittenByBerth), _) => format!(
            "{word}, {}",
            style("the authors' file: kept unless you approve berth's change").yellow()
        ),
        (Some(c), _) => format!(
            "{word}, {}",
            style(format!("conflict: {}", c.describe())).red().bold()
        ),
        (None, Some(base)) => format!("{word}, based on {}", style(base).cyan()),
        (None, None) => word,
    }
}

pub fn draft_summary(staged: &Staged, diffs: &[FileDiff]) -> String {
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    for p in &staged.proposals {
        let change = diffs
            .iter()
            .find(|d| d.path == p.path)
            .map(change_word)
            .unwrap_or_default();
        rows.push(vec![
            p.path.clone(),
            change,
            style(&p.generator).dim().to_string(),
        ]);
        notes.extend(
            p.notes
                .iter()
                .map(|n| format!("  {} {n}", style("!").yellow())),
        );
    }
    for d in diffs.iter().filter(|d| d.change == Change::Removed) {
        rows.push(vec![d.path.clone(), change_word(d), String::new()]);
    }
    let mut out = format!(
        "{} for {} ({} files)\n",
        style("Drafts").bold(),
        staged.app,
        staged.proposals.len()
    );
    out.push_str(&table(&rows, "  "));
    if !notes.is_empty() {
        out.push_str(&format!(
            "\n{}\n{}\n",
            style("Notes").yellow().bold(),
            notes.join("\n")
        ));
    }
    out
}

/// `git diff --stat`'s lines, grouped by service and artifact as the approval overview is,
/// with each file's findings.
pub fn stat(o: &Overview) -> String {
    let entries = o.groups.iter().flat_map(|g| g.files.iter());
    let width = entries.clone().map(|e| e.path.len()).max().unwrap_or(0);
    let (adds, dels): (usize, usize) = entries
        .clone()
        .fold((0, 0), |(a, d), e| (a + e.added_lines, d + e.removed_lines));
    let mut out = String::new();
    for g in &o.groups {
        out.push_str(&format!("{}\n", style(&g.name).bold()));
        for e in &g.files {
            let bar = format!(
                "{}{}",
                style("+".repeat(e.added_lines.min(40))).green(),
                style("-".repeat(e.removed_lines.min(40))).red()
            );
            let findings = super::review::entry_findings(e.errors, e.warnings);
            let line = format!(
                "  {:width$} | {:>4} {bar}  {findings}",
                e.path,
                e.added_lines + e.removed_lines
            );
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    out.push_str(&format!(
        " {} files changed, {adds} insertions(+), {dels} deletions(-); findings: {}, {}\n",
        entries.count(),
        super::review::plural(o.errors, "error"),
        super::review::plural(o.warnings, "warning")
    ));
    out
}

pub fn patches(diffs: &[&FileDiff]) -> String {
    diffs.iter().map(|d| patch(d, &[])).collect()
}

/// One file's diff, with validation's `findings` on the proposed file under their lines.
pub fn patch(d: &FileDiff, findings: &[berth_core::validate::Finding]) -> String {
    let mut out = String::new();
    {
        out.push_str(
            &style(format!("diff --berth a/{p} b/{p}", p = d.path))
                .bold()
                .to_string(),
        );
        out.push('\n');
        match d.change {
            Change::Added => match &d.base {
                Some(base) => out.push_str(
                    &style(format!(
                        "new file, shown as a change to the authors' {base} (their file stays as it is)\n"
                    ))
                    .bold()
                    .to_string(),
                ),
                None => out.push_str(&style("new file\n").bold().to_string()),
            },
            Change::Removed => {
                let what = if d.old.is_some() {
                    "deleted file (no artifact proposes it any more)"
                } else {
                    "deleted file (already gone from disk; approving records the removal)"
                };
                out.push_str(&style(format!("{what}\n")).bold().to_string());
                if [".yaml", ".yml", ".json"]
                    .iter()
                    .any(|e| d.path.ends_with(e))
                {
                    out.push_str(&format!(
                        "{}\n",
                        style("once approved, `berth apply --prune` deletes the objects it held")
                            .dim()
                    ));
                }
            }
            _ => {}
        }
        match &d.conflict {
            // The authors' own file: berth's draft is shown as a change to it, not as edits
            // to undo; it is still kept unless a person approves the change.
            Some(Conflict::NotWrittenByBerth) => out.push_str(
                &style(
                    "the authors' file (berth never wrote it): the diff is berth's change to it; \
                     approving replaces it\n",
                )
                .yellow()
                .bold()
                .to_string(),
            ),
            Some(c) => out.push_str(
                &style(format!(
                    "conflict: {}; approving overwrites those edits\n",
                    c.describe()
                ))
                .red()
                .bold()
                .to_string(),
            ),
            None => {}
        }
        let text = unified(d, 3);
        out.push_str(&colorize(&super::review::with_findings(&text, findings)));
    }
    out
}

pub fn prompt(d: &FileDiff) -> String {
    let what = match (d.change, &d.conflict) {
        (Change::Removed, _) if d.old.is_none() => "Record its removal",
        (Change::Removed, _) => "Delete it",
        (_, Some(_)) => "Overwrite your edits",
        (Change::Unchanged, _) => "Record it as approved",
        _ => "Approve and write it",
    };
    format!("{what}? [y]es, [n]o, [d]iff, [s]plit, [a]ll, [q]uit, [?]help: ")
}

/// A unified diff with its lines coloured, changed words highlighted (when colour is on).
pub fn colorize(diff: &str) -> String {
    super::words::colorize(diff)
}
