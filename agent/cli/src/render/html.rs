//! `berth diff --output html`: the overview, each file's provenance, its diff with the changed
//! words marked and validation's findings under their lines, as one self-contained page (its
//! style inline, no script, nothing fetched: a Content-Security-Policy forbids it) for a CI
//! artifact or a pull request. Each file has an anchor, `#file-<path>`, linked from the overview.

use berth_core::diff::{Change, FileDiff};
use berth_core::review::overview::Overview;
use berth_core::review::provenance::{Drafting, Provenance};
use berth_core::validate::{Finding, Severity};

/// One file's part of the page.
pub struct FileView<'a> {
    pub diff: &'a FileDiff,
    pub provenance: Option<&'a Provenance>,
    /// Validation's findings on the proposed file, errors first.
    pub findings: Vec<Finding>,
}

const STYLE: &str = include_str!("html.css");

pub fn page(app: &str, overview: &Overview, files: &[FileView]) -> String {
    let mut out = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>berth review: {app}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n\
         <header id=\"overview\">\n<h1>berth review: {app}</h1>\n",
        app = esc(app)
    );
    out.push_str(&summary(overview));
    out.push_str(&groups(overview));
    out.push_str("</header>\n<main>\n");
    for f in files {
        out.push_str(&section(f));
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The anchor of a file's section: `file-` and its path (HTML ids may hold `/` and `.`; a
/// path holds no whitespace berth would write, but it is replaced all the same).
pub fn anchor(path: &str) -> String {
    let id: String = path
        .chars()
        .map(|c| if c.is_whitespace() { '_' } else { c })
        .collect();
    format!("file-{}", esc(&id))
}

fn summary(o: &Overview) -> String {
    let mut out = format!(
        "<p class=\"summary\">{} new, {} modified, {} removed{}; findings: \
         <span class=\"error\">{} error(s)</span>, <span class=\"warning\">{} warning(s)</span></p>\n",
        o.new,
        o.changed,
        o.removed,
        if o.conflicts > 0 {
            format!(", <span class=\"error\">{} conflict(s)</span>", o.conflicts)
        } else {
            String::new()
        },
        o.errors,
        o.warnings
    );
    if !o.prune.is_empty() {
        let files: Vec<String> = o
            .prune
            .iter()
            .map(|p| format!("<code>{}</code>", esc(p)))
            .collect();
        out.push_str(&format!(
            "<p class=\"prune\">Deleted from the cluster once approved (<code>berth apply --prune</code>): the objects of {}</p>\n",
            files.join(", ")
        ));
    }
    out
}

fn groups(o: &Overview) -> String {
    let mut out = String::from(
        "<table class=\"overview\">\n<thead><tr><th>service</th><th>artifact</th><th>file</th>\
         <th>change</th><th>lines</th><th>findings</th></tr></thead>\n<tbody>\n",
    );
    for g in &o.groups {
        for (i, e) in g.files.iter().enumerate() {
            let name = if i == 0 { esc(&g.name) } else { String::new() };
            out.push_str(&format!(
                "<tr><td>{name}</td><td>{}</td><td><a href=\"#{}\">{}</a></td><td class=\"{cls}\">{word}</td>\
                 <td><span class=\"add\">+{}</span> <span class=\"del\">-{}</span></td><td>{}</td></tr>\n",
                esc(e.artifact.as_deref().unwrap_or("-")),
                anchor(&e.path),
                esc(&e.path),
                e.added_lines,
                e.removed_lines,
                counts(e.errors, e.warnings),
                cls = change_class(e.change),
                word = change_word(e.change, e.conflict),
            ));
        }
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

fn counts(errors: usize, warnings: usize) -> String {
    let mut parts = Vec::new();
    if errors > 0 {
        parts.push(format!("<span class=\"error\">{errors} error(s)</span>"));
    }
    if warnings > 0 {
        parts.push(format!(
            "<span class=\"warning\">{warnings} warning(s)</span>"
        ));
    }
    parts.join(", ")
}

fn change_class(c: Change) -> &'static str {
    match c {
        Change::Added => "new",
        Change::Modified => "modified",
        Change::Unchanged => "unchanged",
        Change::Removed => "removed",
    }
}

fn change_word(c: Change, conflict: bool) -> String {
    let word = change_class(c);
    if conflict {
        format!("{word}, conflict")
    } else {
        word.to_string()
    }
}

fn section(f: &FileView) -> String {
    let d = f.diff;
    let mut out = format!(
        "<section class=\"file\" id=\"{}\">\n<h2><code>{}</code> <span class=\"{}\">{}</span> \
         <span class=\"add\">+{}</span> <span class=\"del\">-{}</span> <a class=\"top\" href=\"#overview\">overview</a></h2>\n",
        anchor(&d.path),
        esc(&d.path),
        change_class(d.change),
        change_word(d.change, d.conflict.is_some()),
        d.added_lines,
        d.removed_lines
    );
    if let Some(c) = &d.conflict {
        out.push_str(&format!(
            "<p class=\"error\">conflict: {}; approving overwrites those edits</p>\n",
            esc(c.describe())
        ));
    }
    if let Some(p) = f.provenance {
        out.push_str(&provenance(p));
    }
    for x in f.findings.iter().filter(|x| x.line == 0) {
        out.push_str(&format!(
            "<p class=\"finding {}\">{}</p>\n",
            severity(x),
            finding(x)
        ));
    }
    out.push_str(&super::html_diff::table(d, &f.findings));
    out.push_str("</section>\n");
    out
}

fn provenance(p: &Provenance) -> String {
    let mut rows = vec![("artifact", esc(&p.artifact)), ("generator", generator(p))];
    if let Some(r) = &p.rationale {
        rows.push(("rationale", esc(r)));
    }
    if !p.spec_items.is_empty() {
        let items: Vec<String> = p
            .spec_items
            .iter()
            .map(|i| {
                format!(
                    "<li><b>{}</b> <code>{}</code> {}</li>",
                    esc(&i.id),
                    esc(i.at.as_deref().unwrap_or("not in the spec any more")),
                    esc(i.text.as_deref().unwrap_or(""))
                )
            })
            .collect();
        rows.push(("spec items", format!("<ul>{}</ul>", items.join(""))));
    }
    for n in &p.notes {
        rows.push(("note", esc(n)));
    }
    let body: String = rows
        .iter()
        .map(|(k, v)| format!("<dt>{k}</dt><dd>{v}</dd>"))
        .collect();
    format!("<dl class=\"provenance\">{body}</dl>\n")
}

fn generator(p: &Provenance) -> String {
    let model = esc(p.model.as_deref().unwrap_or("the model"));
    let why = esc(p.why.as_deref().unwrap_or("no reason given"));
    match p.drafting {
        Drafting::Offline => format!("{} (berth's templates)", esc(&p.generator)),
        Drafting::Model => format!("{model} (the model's answer, accepted as it came)"),
        Drafting::Repaired => format!("{model}, <span class=\"warning\">repaired</span> ({why})"),
        Drafting::Fallback => format!(
            "offline, <span class=\"warning\">fell back</span>: {model}'s answer was not accepted ({why})"
        ),
    }
}

pub fn severity(f: &Finding) -> &'static str {
    match f.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

pub fn finding(f: &Finding) -> String {
    let hint = f
        .hint
        .as_deref()
        .map(|h| format!(" <span class=\"hint\">hint: {}</span>", esc(h)))
        .unwrap_or_default();
    format!(
        "<b>{}</b> <code>{}</code>: {}{hint}",
        severity(f),
        esc(&f.rule),
        esc(&f.message)
    )
}
