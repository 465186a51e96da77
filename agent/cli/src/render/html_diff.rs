//! One file's diff as an HTML table: hunk headers, old and new line numbers, the changed words
//! marked, and each finding in a row under the line it points at (those on lines the diff does
//! not show after it).

use super::html::{esc, finding, severity};
use super::words::{Parts, changed_words};
use berth_core::diff::FileDiff;
use berth_core::review::hunk::{Hunk, hunks};
use berth_core::validate::Finding;
use similar::ChangeTag;
use std::collections::BTreeSet;

pub fn table(d: &FileDiff, findings: &[Finding]) -> String {
    let hs = hunks(
        d.old.as_deref().unwrap_or(""),
        d.new.as_deref().unwrap_or(""),
        3,
    );
    if hs.is_empty() {
        return "<p>No change.</p>\n".into();
    }
    let mut shown = BTreeSet::new();
    let mut out = String::from("<table class=\"diff\">\n");
    for h in &hs {
        out.push_str(&format!(
            "<tr class=\"hunk\"><td class=\"n\"></td><td class=\"n\"></td><td class=\"s\"></td><td class=\"c\">{}</td></tr>\n",
            esc(&h.header())
        ));
        out.push_str(&rows(h, findings, &mut shown));
    }
    out.push_str("</table>\n");
    let elsewhere: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.line > 0 && !shown.contains(&f.line))
        .collect();
    for f in elsewhere {
        out.push_str(&format!(
            "<p class=\"finding {}\">line {}: {}</p>\n",
            severity(f),
            f.line,
            finding(f)
        ));
    }
    out
}

/// A hunk's rows: runs of removed lines followed by added ones get their changed words marked.
fn rows(h: &Hunk, findings: &[Finding], shown: &mut BTreeSet<usize>) -> String {
    let mut out = String::new();
    let (mut old_n, mut new_n) = (h.old_start + 1, h.new_start + 1);
    let mut i = 0;
    while i < h.lines.len() {
        let dels = count(&h.lines[i..], ChangeTag::Delete);
        let adds = count(&h.lines[i + dels..], ChangeTag::Insert);
        if dels + adds == 0 {
            let text = text_of(&h.lines[i].text);
            out.push_str(&row("ctx", Some(old_n), Some(new_n), ' ', &plain(text)));
            out.push_str(&finding_rows(new_n, findings, shown));
            (old_n, new_n, i) = (old_n + 1, new_n + 1, i + 1);
            continue;
        }
        let texts = |from: usize, n: usize| -> Vec<&str> {
            h.lines[from..from + n]
                .iter()
                .map(|l| text_of(&l.text))
                .collect()
        };
        let (removed, added) = changed_words(&texts(i, dels), &texts(i + dels, adds));
        for parts in &removed {
            out.push_str(&row("del", Some(old_n), None, '-', &marked(parts)));
            old_n += 1;
        }
        for parts in &added {
            out.push_str(&row("add", None, Some(new_n), '+', &marked(parts)));
            out.push_str(&finding_rows(new_n, findings, shown));
            new_n += 1;
        }
        i += dels + adds;
    }
    out
}

fn count(lines: &[berth_core::review::hunk::Line], tag: ChangeTag) -> usize {
    lines.iter().take_while(|l| l.tag == tag).count()
}

fn text_of(line: &str) -> &str {
    line.strip_suffix('\n').unwrap_or(line)
}

fn plain(text: &str) -> String {
    esc(text)
}

/// Only the words that changed are marked, and only when some did not (a line changed whole
/// is coloured whole).
fn marked(parts: &Parts) -> String {
    let all = parts.iter().all(|(e, _)| *e);
    parts
        .iter()
        .map(|(emph, s)| {
            if *emph && !all {
                format!("<mark>{}</mark>", esc(s))
            } else {
                esc(s)
            }
        })
        .collect()
}

fn row(class: &str, old: Option<usize>, new: Option<usize>, sign: char, content: &str) -> String {
    let n = |x: Option<usize>| x.map(|v| v.to_string()).unwrap_or_default();
    format!(
        "<tr class=\"{class}\"><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"s\">{sign}</td><td class=\"c\">{content}</td></tr>\n",
        n(old),
        n(new)
    )
}

fn finding_rows(line: usize, findings: &[Finding], shown: &mut BTreeSet<usize>) -> String {
    shown.insert(line);
    findings
        .iter()
        .filter(|f| f.line == line)
        .map(|f| {
            format!(
                "<tr class=\"finding {}\"><td class=\"n\"></td><td class=\"n\"></td><td class=\"s\">^</td><td class=\"c\">{}</td></tr>\n",
                severity(f),
                finding(f)
            )
        })
        .collect()
}
