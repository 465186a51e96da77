//! What `berth approve` shows beside each change: the per-file header (artifact, generator,
//! rationale, spec items, repaired or fell back and why), the diff with validation's findings
//! under the lines they point at, the overview of the whole proposal, and the keys' help.

use super::table;
use berth_core::diff::{Change, FileDiff};
use berth_core::review::overview::Overview;
use berth_core::review::provenance::{Drafting, Provenance};
use berth_core::validate::{Finding, Severity};
use console::style;

/// The header shown before a file's question.
pub fn header(d: &FileDiff, prov: Option<&Provenance>, findings: &[Finding]) -> String {
    let mut out = format!(
        "\n{} {}  +{} -{}\n",
        style(&d.path).bold(),
        super::diff::change_word(d),
        d.added_lines,
        d.removed_lines
    );
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row = |k: &str, v: String| rows.push(vec![style(k).dim().to_string(), v]);
    if let Some(p) = prov {
        row("artifact", p.artifact.clone());
        row("generator", generator(p));
        if let Some(r) = &p.rationale {
            row("rationale", r.clone());
        }
        for (i, item) in p.spec_items.iter().enumerate() {
            let at = item.at.as_deref().unwrap_or("(not in the spec any more)");
            let text = item
                .text
                .as_deref()
                .map(|t| format!("  {t}"))
                .unwrap_or_default();
            let key = if i == 0 { "spec" } else { "" };
            row(key, format!("{} {at}{text}", item.id));
        }
        for n in &p.notes {
            row("note", n.clone());
        }
    }
    if !findings.is_empty() {
        row("findings", counts(findings));
    }
    out.push_str(&table(&rows, "  "));
    for f in findings.iter().filter(|f| f.line == 0) {
        out.push_str(&finding_line(f, "  "));
    }
    out
}

fn generator(p: &Provenance) -> String {
    let model = p.model.as_deref().unwrap_or("the model");
    let why = p.why.as_deref().unwrap_or("no reason given");
    match p.drafting {
        Drafting::Offline => format!("{} (berth's templates)", p.generator),
        Drafting::Model => format!("{model} (the model's answer, accepted as it came)"),
        Drafting::Repaired => format!("{model}, {} ({why})", style("repaired").yellow()),
        Drafting::Fallback => format!(
            "offline, {}: {model}'s answer was not accepted ({why})",
            style("fell back").yellow()
        ),
    }
}

fn counts(findings: &[Finding]) -> String {
    let n = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let (e, w) = (n(Severity::Error), n(Severity::Warning));
    let mut parts = Vec::new();
    if e > 0 {
        parts.push(style(plural(e, "error")).red().bold().to_string());
    }
    if w > 0 {
        parts.push(style(plural(w, "warning")).yellow().to_string());
    }
    let i = findings.len() - e - w;
    if i > 0 {
        parts.push(plural(i, "note"));
    }
    format!("{} (`d` shows them under their lines)", parts.join(", "))
}

pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// One finding, as shown under the line it points at.
pub fn finding_line(f: &Finding, indent: &str) -> String {
    let styled = match f.severity {
        Severity::Error => style("error").red().bold(),
        Severity::Warning => style("warning").yellow(),
        Severity::Info => style("note").dim(),
    };
    let hint = f
        .hint
        .as_deref()
        .map(|h| format!(" (hint: {h})"))
        .unwrap_or_default();
    format!("{indent}^ {styled} {}: {}{hint}\n", f.rule, f.message)
}

/// A unified diff with each finding (on the proposed file) under the line it points at, and
/// those on lines the diff does not show after it.
pub fn with_findings(diff: &str, findings: &[Finding]) -> String {
    let mut out = String::new();
    let mut shown = std::collections::BTreeSet::new();
    let mut new_line = 0usize;
    for line in diff.lines() {
        out.push_str(line);
        out.push('\n');
        if let Some(start) = hunk_new_start(line) {
            new_line = start;
            continue;
        }
        if line.starts_with("+++") || line.starts_with("---") || line.starts_with('\\') {
            continue;
        }
        if line.starts_with('+') || line.starts_with(' ') {
            for f in findings.iter().filter(|f| f.line == new_line) {
                out.push_str(&finding_line(f, "  "));
            }
            shown.insert(new_line);
            new_line += 1;
        }
    }
    let elsewhere: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.line > 0 && !shown.contains(&f.line))
        .collect();
    if !elsewhere.is_empty() {
        out.push_str("findings on lines the diff does not show:\n");
        for f in elsewhere {
            out.push_str(&format!("  line {}:\n", f.line));
            out.push_str(&finding_line(f, "  "));
        }
    }
    out
}

/// The first line number on the proposed side of a `@@ -a,b +c,d @@` header.
fn hunk_new_start(line: &str) -> Option<usize> {
    let rest = line.strip_prefix("@@ -")?;
    let plus = rest.split(' ').nth(1)?.strip_prefix('+')?;
    let start: usize = plus.split(',').next()?.parse().ok()?;
    Some(start.max(1))
}

/// The proposal as a whole, before the first question.
pub fn overview(app: &str, o: &Overview) -> String {
    let files = o.new + o.changed + o.removed;
    let mut out = format!(
        "{} for {app}: {}: {} new, {} changed, {} removed",
        style("Proposal").bold(),
        plural(files, "file"),
        o.new,
        o.changed,
        o.removed
    );
    if o.conflicts > 0 {
        let c = plural(o.conflicts, "conflict");
        out.push_str(&format!(", {}", style(c).red().bold()));
    }
    out.push_str(&format!(
        "\nfindings: {}, {}\n",
        plural(o.errors, "error"),
        plural(o.warnings, "warning")
    ));
    if !o.prune.is_empty() {
        out.push_str(&format!(
            "deleted from the cluster once approved (`berth apply --prune`): the objects of {}\n",
            o.prune.join(", ")
        ));
    }
    for g in &o.groups {
        out.push_str(&format!("{}\n", style(&g.name).bold()));
        let rows: Vec<Vec<String>> = g
            .files
            .iter()
            .map(|e| {
                vec![
                    e.artifact.clone().unwrap_or_else(|| "-".into()),
                    e.path.clone(),
                    change_word(e.change, e.conflict),
                    format!("+{} -{}", e.added_lines, e.removed_lines),
                    entry_findings(e.errors, e.warnings),
                ]
            })
            .collect();
        out.push_str(&table(&rows, "  "));
    }
    out
}

pub fn change_word(change: Change, conflict: bool) -> String {
    let word = match change {
        Change::Added => style("new").green(),
        Change::Modified => style("modified").yellow(),
        Change::Unchanged => style("unchanged").dim(),
        Change::Removed => style("removed").red(),
    };
    if conflict {
        format!("{word}, {}", style("conflict").red().bold())
    } else {
        word.to_string()
    }
}

pub fn entry_findings(errors: usize, warnings: usize) -> String {
    let mut parts = Vec::new();
    if errors > 0 {
        parts.push(style(plural(errors, "error")).red().bold().to_string());
    }
    if warnings > 0 {
        parts.push(style(plural(warnings, "warning")).yellow().to_string());
    }
    parts.join(", ")
}

/// What each key does, for `?`.
pub fn help(hunks: bool) -> &'static str {
    if hunks {
        "y - approve this hunk\n\
         n - skip this hunk (the file on disk keeps its lines)\n\
         e - edit this hunk in $EDITOR, then approve it as edited\n\
         q - skip this hunk and every one after it in this file\n\
         ? - print this help\n"
    } else {
        "y - approve this file and write it\n\
         n - skip this file (it stays staged)\n\
         d - show its diff, with validation's findings under their lines\n\
         s - split its diff into hunks and decide on each\n\
         a - approve this file and every remaining one that validates\n\
         q - stop here (nothing more is approved)\n\
         ? - print this help\n"
    }
}

#[cfg(test)]
#[path = "review_tests.rs"]
mod tests;
