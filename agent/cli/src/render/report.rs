//! A validation `Report` in, compiler-style text out: one block per finding, then a summary.

use berth_core::validate::{Report, Severity};
use console::style;
use std::fmt::Write;

pub fn human(report: &Report) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let head = match f.severity {
            Severity::Error => style(format!("error[{}]", f.rule)).red().bold(),
            Severity::Warning => style(format!("warning[{}]", f.rule)).yellow().bold(),
            Severity::Info => style(format!("info[{}]", f.rule)).cyan().bold(),
        };
        let _ = writeln!(out, "{head}: {}", style(&f.message).bold());
        let at = if f.line > 0 {
            format!("{}:{}:{}", f.file, f.line, f.column)
        } else {
            f.file.clone()
        };
        let what = match (&f.object, &f.path) {
            (Some(o), Some(p)) => format!(" ({o} {p})"),
            (Some(o), None) => format!(" ({o})"),
            (None, Some(p)) => format!(" ({p})"),
            (None, None) => String::new(),
        };
        let _ = writeln!(out, "  {} {at}{what}", style("-->").blue());
        if let Some(h) = &f.hint {
            let _ = writeln!(out, "  {} {h}", style("= hint:").blue());
        }
        out.push('\n');
    }
    out.push_str(&summary(report));
    out
}

/// The notices and the one-line count, for `--summary` and the end of the full report.
pub fn summary(report: &Report) -> String {
    let mut out = String::new();
    for n in &report.notices {
        let _ = writeln!(out, "{} {n}", style("note:").cyan().bold());
    }
    let errors = report.errors();
    let warnings = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Warning)
        .count();
    let summary = format!(
        "{} {}, {} {} in {} {} ({} {})",
        errors,
        if errors == 1 { "error" } else { "errors" },
        warnings,
        if warnings == 1 { "warning" } else { "warnings" },
        report.files,
        if report.files == 1 { "file" } else { "files" },
        report.objects,
        if report.objects == 1 {
            "Kubernetes object"
        } else {
            "Kubernetes objects"
        },
    );
    let _ = writeln!(
        out,
        "{}",
        if errors == 0 {
            style(summary).green().to_string()
        } else {
            style(summary).red().to_string()
        }
    );
    out
}
