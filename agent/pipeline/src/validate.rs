//! Validate stage for the pipeline: which schemas to use (a version asked for, else a live
//! cluster's from `berth schema refresh`, else the embedded ones) and what to check (named
//! paths, else the staged drafts and the generated files) in; a `Report` out. Never drafts.

use berth_core::exit::Error;
use berth_core::validate::{self, Options, Report, inputs};
use std::path::{Path, PathBuf};

/// The validation options for this project.
pub fn options(
    root: &Path,
    kubernetes_version: Option<&str>,
    schema_dirs: Vec<PathBuf>,
) -> Result<Options, Error> {
    let config = berth_core::config::load(root)?;
    let mut options = Options::new(kubernetes_version, schema_dirs.clone(), &config.validate)?;
    options.registry_mirror = crate::draft::mirror_of(&config);
    // A cluster's own schemas (`berth schema refresh`) win, unless a version is asked for.
    let cluster = root.join(validate::CLUSTER_SCHEMAS);
    if kubernetes_version.is_none() && cluster.is_file() {
        return Ok(options.with_cluster_schemas(&cluster, schema_dirs)?);
    }
    Ok(options)
}

/// The files to check: `paths` (relative to `cwd`, read as their turn comes), else the
/// project's staged and generated files.
pub fn files(
    paths: &[String],
    cwd: &Path,
    root: &Path,
) -> Result<Vec<inputs::Source<'static>>, Error> {
    let files = if paths.is_empty() {
        inputs::project(root)?
            .into_iter()
            .map(|i| inputs::Source::Text(std::borrow::Cow::Owned(i)))
            .collect()
    } else {
        inputs::sources(paths, cwd)?
    };
    if files.is_empty() {
        return Err(Error::usage(
            "nothing to validate: name files or folders, or run `berth draft` first",
        ));
    }
    Ok(files)
}

/// The project's staged drafts and generated files, checked with the project's options.
pub fn project(root: &Path) -> Result<Report, Error> {
    let options = options(root, None, vec![])?;
    Ok(validate::validate(&inputs::project(root)?, &options))
}

/// What the report says of each of `paths` (no finding: 0 and 0), for the approval record.
pub fn stamps(
    report: &Report,
    paths: &[&str],
) -> std::collections::BTreeMap<String, berth_core::record::Validation> {
    let mut out: std::collections::BTreeMap<String, berth_core::record::Validation> = paths
        .iter()
        .map(|p| {
            let v = berth_core::record::Validation {
                rules: env!("CARGO_PKG_VERSION").to_string(),
                errors: 0,
                warnings: 0,
            };
            (p.to_string(), v)
        })
        .collect();
    for f in &report.findings {
        let Some(v) = out.get_mut(f.file.trim_end_matches(" (rendered)")) else {
            continue;
        };
        match f.severity {
            validate::Severity::Error => v.errors += 1,
            _ => v.warnings += 1,
        }
    }
    out
}

/// Files with at least one error finding.
pub fn files_with_errors(report: &Report) -> std::collections::BTreeSet<String> {
    report
        .findings
        .iter()
        .filter(|f| f.severity == validate::Severity::Error)
        .map(|f| f.file.trim_end_matches(" (rendered)").to_string())
        .collect()
}
