//! The project's specs in (a named one, or those under specs/), their plans out; and whether
//! each tasks.md is what `berth plan` would write.

use berth_core::exit::Error;
use berth_core::plan::{self, Plan};
use berth_core::source::display_path;
use berth_core::spec::{self, Spec};
use std::path::{Path, PathBuf};

/// The spec paths to read: `path` (relative to `cwd`), else every folder under specs/.
pub fn specs(path: Option<&Path>, cwd: &Path, root: &Path) -> Result<Vec<PathBuf>, Error> {
    Ok(match path {
        Some(p) => vec![cwd.join(p)],
        None => spec::discover(&root.join("specs"), root)?,
    })
}

/// Reads the one spec a command is for and makes its plan.
pub fn one_plan(path: Option<&Path>, cwd: &Path, root: &Path) -> Result<(Spec, Plan), Error> {
    let mut found = specs(path, cwd, root)?;
    if found.len() > 1 {
        let names: Vec<String> = found.iter().map(|p| display_path(p, root)).collect();
        return Err(Error::usage(format!(
            "several specs found ({}): name the one to use",
            names.join(", ")
        )));
    }
    let spec = spec::load(&found.remove(0), root)?;
    let plan = plan::build(&spec, root)?;
    Ok((spec, plan))
}

/// Every spec's plan, all read before anything is written, so bad input changes nothing.
pub fn plans(path: Option<&Path>, cwd: &Path, root: &Path) -> Result<Vec<(Spec, Plan)>, Error> {
    specs(path, cwd, root)?
        .iter()
        .map(|p| {
            let spec = spec::load(p, root)?;
            let plan = plan::build(&spec, root)?;
            Ok((spec, plan))
        })
        .collect()
}

/// The tasks.md path when its bytes differ from what `berth plan` would write.
pub fn tasks_out_of_date(plan: &Plan, spec: &Spec, root: &Path) -> Option<String> {
    let hand_written = spec
        .files
        .iter()
        .any(|f| f.kind == spec::SpecFileKind::Tasks && !f.generated);
    if hand_written {
        return None;
    }
    let path = plan::tasks_path(spec, root);
    let want = plan::render_tasks(plan, spec);
    let have = std::fs::read(&path).unwrap_or_default();
    (have != want.as_bytes()).then(|| display_path(&path, root))
}
