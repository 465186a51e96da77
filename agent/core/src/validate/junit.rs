//! A `Report` in, JUnit XML out, for CI systems that show test reports (GitLab, Jenkins,
//! Azure): one test case per file with findings (errors as failures, warnings as output),
//! and one for the files that passed.

use super::{Report, Severity};
use std::collections::BTreeMap;
use std::fmt::Write;

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

pub fn to_junit(report: &Report) -> String {
    let mut by_file: BTreeMap<&str, Vec<&super::Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_file.entry(f.file.as_str()).or_default().push(f);
    }
    let failing = by_file
        .values()
        .filter(|fs| fs.iter().any(|f| f.severity == Severity::Error))
        .count();
    let clean = report.files.saturating_sub(by_file.len());
    let cases = by_file.len() + usize::from(clean > 0);
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"berth validate\" tests=\"{cases}\" failures=\"{failing}\">\n  <testsuite name=\"berth validate\" tests=\"{cases}\" failures=\"{failing}\" errors=\"0\">"
    );
    for (file, findings) in &by_file {
        let _ = writeln!(
            out,
            "    <testcase classname=\"berth.validate\" name=\"{}\">",
            escape(file)
        );
        for f in findings.iter().filter(|f| f.severity == Severity::Error) {
            let _ = writeln!(
                out,
                "      <failure type=\"{}\" message=\"{}\">{}:{}:{} {}{}</failure>",
                escape(&f.rule),
                escape(&f.message),
                escape(file),
                f.line,
                f.column,
                escape(f.object.as_deref().unwrap_or("")),
                escape(
                    &f.hint
                        .as_ref()
                        .map(|h| format!(" (hint: {h})"))
                        .unwrap_or_default()
                )
            );
        }
        let others: Vec<String> = findings
            .iter()
            .filter(|f| f.severity != Severity::Error)
            .map(|f| {
                format!(
                    "{:?}[{}] {}:{} {}",
                    f.severity, f.rule, file, f.line, f.message
                )
            })
            .collect();
        if !others.is_empty() {
            let _ = writeln!(
                out,
                "      <system-out>{}</system-out>",
                escape(&others.join("\n"))
            );
        }
        out.push_str("    </testcase>\n");
    }
    if clean > 0 {
        let _ = writeln!(
            out,
            "    <testcase classname=\"berth.validate\" name=\"{clean} other file{} without findings\"/>",
            if clean == 1 { "" } else { "s" }
        );
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}
