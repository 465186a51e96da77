//! The project lock `.berth/lock`: a command that writes (draft, approve, build, apply, up, ci)
//! in, a guard held until it finishes out. The OS lock (flock) goes with the process, so a
//! killed berth never blocks the next one; the holder written into the file says who waits on
//! whom, and a holder still named after the lock was freed is one that did not finish.

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

pub const LOCK_FILE: &str = ".berth/lock";
/// How often a waiting berth tries the lock again.
const POLL: Duration = Duration::from_millis(100);

/// Who holds (or held) the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    /// The berth command, e.g. `apply`.
    pub command: String,
    /// RFC 3339, UTC.
    pub since: String,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`berth {}` (pid {}, since {})",
            self.command, self.pid, self.since
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "{LOCK_FILE}: another berth is working on this project: {holder}; gave up after {}s (wait longer with --lock-timeout or BERTH_LOCK_TIMEOUT)",
        waited.as_secs()
    )]
    Busy { holder: String, waited: Duration },
    #[error("{LOCK_FILE}: cannot lock the project: {source}")]
    Io {
        #[source]
        source: std::io::Error,
    },
}

/// Held while a command runs; dropping it clears the holder and frees the lock.
#[derive(Debug)]
pub struct ProjectLock {
    file: File,
    /// The holder that left the lock without finishing (killed, or the machine stopped): its
    /// half-done work is for the new holder to settle.
    pub taken_over: Option<Holder>,
}

impl ProjectLock {
    /// Takes the project's lock for `command`, waiting up to `timeout` while another berth
    /// holds it; `waiting` is told once who that is.
    pub fn acquire(
        root: &Path,
        command: &str,
        timeout: Duration,
        waiting: &dyn Fn(&str),
    ) -> Result<ProjectLock, LockError> {
        let io = |source| LockError::Io { source };
        let path = root.join(LOCK_FILE);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        let start = Instant::now();
        let mut told = false;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    let holder = describe(read_holder(&mut file));
                    if start.elapsed() >= timeout {
                        return Err(LockError::Busy {
                            holder,
                            waited: start.elapsed(),
                        });
                    }
                    if !told {
                        waiting(&format!(
                            "waiting for {holder} to finish (it holds {LOCK_FILE})"
                        ));
                        told = true;
                    }
                    std::thread::sleep(POLL);
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        let taken_over = read_holder(&mut file);
        write_holder(&mut file, command).map_err(io)?;
        Ok(ProjectLock { file, taken_over })
    }
}

impl Drop for ProjectLock {
    fn drop(&mut self) {
        // An empty file means the last holder finished; the OS frees the lock on close.
        let _ = self.file.set_len(0);
    }
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.rewind().ok()?;
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

fn describe(holder: Option<Holder>) -> String {
    holder.map_or_else(
        || "a berth that has not said who it is".into(),
        |h| h.to_string(),
    )
}

fn write_holder(file: &mut File, command: &str) -> std::io::Result<()> {
    let holder = Holder {
        pid: std::process::id(),
        command: command.into(),
        since: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
    };
    file.set_len(0)?;
    file.rewind()?;
    file.write_all(
        serde_json::to_string(&holder)
            .unwrap_or_default()
            .as_bytes(),
    )?;
    file.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn a_second_holder_waits_names_the_first_and_gives_up_after_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let first = ProjectLock::acquire(dir.path(), "apply", Duration::ZERO, &|_| {}).unwrap();
        let told = RefCell::new(Vec::new());
        let err = ProjectLock::acquire(dir.path(), "approve", Duration::from_millis(250), &|m| {
            told.borrow_mut().push(m.to_string())
        })
        .unwrap_err();
        let pid = std::process::id();
        assert!(
            err.to_string()
                .contains(&format!("`berth apply` (pid {pid}")),
            "{err}"
        );
        assert_eq!(told.borrow().len(), 1, "told once: {:?}", told.borrow());
        drop(first);
        let second = ProjectLock::acquire(dir.path(), "approve", Duration::ZERO, &|_| {}).unwrap();
        assert_eq!(second.taken_over, None, "the first finished cleanly");
    }

    #[test]
    fn a_holder_left_in_the_file_is_reported_as_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".berth")).unwrap();
        let left = r#"{"pid":4242,"command":"approve","since":"2026-12-01T00:00:00Z"}"#;
        std::fs::write(dir.path().join(LOCK_FILE), left).unwrap();
        let lock = ProjectLock::acquire(dir.path(), "apply", Duration::ZERO, &|_| {}).unwrap();
        assert_eq!(lock.taken_over.as_ref().map(|h| h.pid), Some(4242));
        drop(lock);
        assert_eq!(std::fs::read(dir.path().join(LOCK_FILE)).unwrap(), b"");
    }
}
