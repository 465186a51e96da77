//! A unified diff in, the same diff coloured out: removed lines red, added green, and inside a
//! changed line the words that changed highlighted (similar's inline diff), as `git diff
//! --color-words` and GitHub's review view mark them. Without colour the text is unchanged.

use console::{Style, style};
use similar::{ChangeTag, TextDiff};

pub fn colorize(diff: &str) -> String {
    let lines: Vec<&str> = diff.lines().collect();
    let on = console::colors_enabled();
    let mut out = String::new();
    let mut i = 0;
    while i < lines.len() {
        let dels = run(&lines[i..], is_removed);
        let adds = run(&lines[i + dels..], is_added);
        if on && dels > 0 && adds > 0 {
            out.push_str(&inline(
                &lines[i..i + dels],
                &lines[i + dels..i + dels + adds],
            ));
            i += dels + adds;
            continue;
        }
        out.push_str(&whole_line(lines[i]));
        out.push('\n');
        i += 1;
    }
    out
}

fn is_removed(l: &str) -> bool {
    l.starts_with('-') && !l.starts_with("---")
}

fn is_added(l: &str) -> bool {
    l.starts_with('+') && !l.starts_with("+++")
}

/// How many lines from the start satisfy `test`.
fn run(lines: &[&str], test: fn(&str) -> bool) -> usize {
    lines.iter().take_while(|l| test(l)).count()
}

fn whole_line(line: &str) -> String {
    if line.starts_with("+++") || line.starts_with("---") {
        style(line).bold().to_string()
    } else if line.starts_with('+') {
        style(line).green().to_string()
    } else if line.starts_with('-') {
        style(line).red().to_string()
    } else if line.starts_with("@@") {
        style(line).cyan().to_string()
    } else {
        line.to_string()
    }
}

/// The parts of a line, each marked when it is a word that changed.
pub type Parts = Vec<(bool, String)>;

/// A block of removed lines (their text, no sign) and the added lines that replace them, each
/// split into parts with the words that changed marked: the removed lines, then the added.
pub fn changed_words(dels: &[&str], adds: &[&str]) -> (Vec<Parts>, Vec<Parts>) {
    let body = |ls: &[&str]| -> String { ls.iter().map(|l| format!("{l}\n")).collect() };
    let (old, new) = (body(dels), body(adds));
    let diff = TextDiff::from_lines(&old, &new);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    for op in diff.ops() {
        for change in diff.iter_inline_changes(op) {
            let parts: Parts = change
                .iter_strings_lossy()
                .map(|(emph, s)| (emph, s.trim_end_matches('\n').to_string()))
                .filter(|(_, s)| !s.is_empty())
                .collect();
            match change.tag() {
                ChangeTag::Delete => removed.push(parts),
                ChangeTag::Insert => added.push(parts),
                ChangeTag::Equal => {
                    removed.push(parts.clone());
                    added.push(parts);
                }
            }
        }
    }
    (removed, added)
}

/// The block coloured for a terminal, the changed words reversed.
fn inline(dels: &[&str], adds: &[&str]) -> String {
    let d: Vec<&str> = dels.iter().map(|l| &l[1..]).collect();
    let a: Vec<&str> = adds.iter().map(|l| &l[1..]).collect();
    let (removed, added) = changed_words(&d, &a);
    let (red, green) = (Style::new().red(), Style::new().green());
    let mut out = String::new();
    for parts in &removed {
        out.push_str(&line('-', parts, &red));
    }
    for parts in &added {
        out.push_str(&line('+', parts, &green));
    }
    out
}

fn line(sign: char, parts: &[(bool, String)], base: &Style) -> String {
    let mut out = base.apply_to(sign).to_string();
    for (emph, s) in parts {
        let styled = if *emph {
            base.clone().reverse().apply_to(s)
        } else {
            base.apply_to(s)
        };
        out.push_str(&styled.to_string());
    }
    out.push('\n');
    out
}
