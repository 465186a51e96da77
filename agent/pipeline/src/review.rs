//! What a person reviews beside the diffs: the staged set and the project in; each file's
//! provenance (the plan read again for the spec items' lines) and the validation of a file as
//! a partial approval would write it out.

use berth_core::exit::Error;
use berth_core::plan::Plan;
use berth_core::record::Staged;
use berth_core::review::provenance::{self, Provenance};
use berth_core::validate::{self, Report, inputs};
use std::collections::BTreeMap;
use std::path::Path;

/// The plan the staged set was drafted from, if its spec still reads (the provenance then
/// has no file:line, rather than the review failing).
pub fn plan_of(root: &Path, staged: &Staged) -> Option<Plan> {
    let spec = berth_core::spec::load(&root.join(&staged.spec), root).ok()?;
    berth_core::plan::build(&spec, root).ok()
}

/// The provenance of every staged file, by path.
pub fn provenance(root: &Path, staged: &Staged) -> BTreeMap<String, Provenance> {
    let plan = plan_of(root, staged);
    staged
        .proposals
        .iter()
        .map(|p| (p.path.clone(), provenance::of(p, staged, plan.as_ref())))
        .collect()
}

/// The project validated as it would be with `path` holding `contents` (the other staged
/// drafts and generated files as they are: cross-file checks see the whole set).
pub fn validate_with(root: &Path, path: &str, contents: &str) -> Result<Report, Error> {
    let options = crate::validate::options(root, None, vec![])?;
    let mut files = inputs::project(root)?;
    match files.iter_mut().find(|i| i.path == path) {
        Some(i) => i.contents = contents.to_string(),
        None => files.push(validate::Input {
            path: path.to_string(),
            contents: contents.to_string(),
        }),
    }
    Ok(validate::validate(&files, &options))
}
