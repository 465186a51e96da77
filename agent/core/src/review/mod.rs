//! Review: what a person needs beside each change to decide on it. Diffs, the staged set, the
//! plan and the validation report in; hunks to take one by one, each file's provenance (who
//! drafted it, why, from which spec lines), its findings and the overview of the whole
//! proposal out. No terminal: the CLI renders these.

pub mod hunk;
pub mod overview;
pub mod provenance;

use crate::validate::{Finding, Report};

/// The findings `report` has on `path` (a chart's rendered templates included), errors
/// first, then by line.
pub fn findings_for(report: &Report, path: &str) -> Vec<Finding> {
    let mut out: Vec<Finding> = report
        .findings
        .iter()
        .filter(|f| f.file.trim_end_matches(" (rendered)") == path)
        .cloned()
        .collect();
    out.sort_by_key(|f| (f.severity, f.line, f.column));
    out
}
