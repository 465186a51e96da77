//! `berth ci`'s report in human text and in markdown (for a pull-request comment): each
//! drifted file with why it drifted and its diff, then the validation findings.

use berth_core::diff::Change;
use berth_pipeline::ci::{CiReport, Drift};

fn change(d: &Drift) -> &'static str {
    match d.change {
        Change::Added => "missing",
        Change::Modified => "modified",
        Change::Removed => "no longer generated",
        Change::Unchanged => "unchanged",
    }
}

fn verdict(r: &CiReport, write: bool) -> String {
    let errors = r.validation.errors();
    let mut parts = Vec::new();
    if write {
        parts.push(match r.written.len() {
            0 => "nothing to write".to_string(),
            n => format!("wrote {n} file{}", if n == 1 { "" } else { "s" }),
        });
        if r.lock_written {
            parts.push("updated berth.lock".into());
        }
    } else if r.drift.is_empty() && !r.lock_stale {
        parts.push(format!(
            "no drift: the {} generated files match the specs",
            r.checked
        ));
    } else if r.drift.is_empty() {
        parts.push(
            "berth.lock is out of date (the files match): run `berth ci --write` and commit it"
                .into(),
        );
    } else {
        parts.push(format!("{} of {} files drifted", r.drift.len(), r.checked));
    }
    parts.push(match errors {
        0 => "validation clean".into(),
        n => format!("{n} validation error{}", if n == 1 { "" } else { "s" }),
    });
    parts.join("; ")
}

pub fn human(r: &CiReport, write: bool) -> String {
    let mut out = format!(
        "berth ci: {} (app {}, drafted by {}{})\n",
        r.spec,
        r.app,
        r.generator,
        if r.frozen { ", frozen" } else { "" }
    );
    for d in &r.drift {
        out.push_str(&format!("\n{} {} ({})\n", change(d), d.path, d.artifact));
        for c in &d.causes {
            out.push_str(&format!("  because {}\n", c.describe()));
        }
        if !write {
            out.push_str(&super::diff::colorize(&d.diff));
        }
    }
    if !r.validation.findings.is_empty() {
        out.push('\n');
        out.push_str(&super::report::human(&r.validation));
    }
    out.push_str(&format!("\n{}\n", verdict(r, write)));
    out
}

pub fn markdown(r: &CiReport, write: bool) -> String {
    let ok = r.drift.is_empty() && !r.lock_stale && r.validation.is_clean();
    let mut out = format!(
        "## berth ci: {}\n\n{} {}\n\nSpec `{}`, app `{}`, drafted by `{}`{}.\n",
        if ok { "clean" } else { "changes needed" },
        if ok { "✅" } else { "❌" },
        verdict(r, write),
        r.spec,
        r.app,
        r.generator,
        if r.frozen { " (frozen)" } else { "" }
    );
    if !r.drift.is_empty() {
        out.push_str("\n| file | change | why |\n| --- | --- | --- |\n");
        for d in &r.drift {
            let why: Vec<String> = d
                .causes
                .iter()
                .map(|c| c.describe().replace('|', "\\|"))
                .collect();
            out.push_str(&format!(
                "| `{}` | {} (+{} -{}) | {} |\n",
                d.path,
                change(d),
                d.added_lines,
                d.removed_lines,
                why.join("<br>")
            ));
        }
        for d in &r.drift {
            out.push_str(&format!(
                "\n<details><summary><code>{}</code></summary>\n\n```diff\n{}```\n\n</details>\n",
                d.path, d.diff
            ));
        }
        out.push_str("\nTo take the regenerated files: `berth ci --write`, review the diff, and commit it with `berth.lock`.\n");
    }
    if !r.validation.findings.is_empty() {
        out.push_str("\n### Validation\n\n| severity | rule | where | message |\n| --- | --- | --- | --- |\n");
        for f in &r.validation.findings {
            out.push_str(&format!(
                "| {:?} | `{}` | `{}:{}` | {} |\n",
                f.severity,
                f.rule,
                f.file,
                f.line,
                f.message.replace('|', "\\|")
            ));
        }
    }
    out
}
