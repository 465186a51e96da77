//! One berth at a time per project: a command name in, the project lock held (and whatever a
//! berth that did not finish left behind squared away) out. Held by every command that writes
//! the tree, `.berth/` or the cluster: draft, approve, build, apply, up and ci.

use berth_core::exit::{Error, Exit};
use berth_core::record::lock::{LockError, ProjectLock};
use berth_core::record::recover::recover;
use std::path::Path;
use std::time::Duration;

/// Takes the lock for `command`; `notice` hears who it waits for and what it squared away
/// after a berth that was killed while holding it.
pub fn take(
    root: &Path,
    command: &str,
    timeout: Duration,
    notice: &dyn Fn(&str),
) -> Result<ProjectLock, Error> {
    // Another berth past the timeout, or a lock file that cannot be had: exit 3, like any
    // outside system that is not there.
    let lock = ProjectLock::acquire(root, command, timeout, notice)
        .map_err(|e: LockError| Error::new(Exit::External, e))?;
    if let Some(left_by) = &lock.taken_over {
        let r = recover(root, left_by)?;
        let mut what = Vec::new();
        if !r.temp_files.is_empty() {
            what.push(format!(
                "removed its temporary files ({})",
                r.temp_files.join(", ")
            ));
        }
        if !r.settled.is_empty() {
            what.push(format!(
                "recorded its approval as the files on disk stand ({})",
                r.settled.join(", ")
            ));
        }
        if r.staging_restored {
            what.push("put the staged set it was replacing back".into());
        }
        let tail = if what.is_empty() {
            "nothing was left half-done".to_string()
        } else {
            what.join("; ")
        };
        notice(&format!("note: {left_by} did not finish: {tail}"));
    }
    Ok(lock)
}
