//! Runs a parsed command line: finds the project, calls the core, renders what it returns.

mod apply;
mod approve;
mod build;
mod diff;
mod diff_live;
mod draft;
mod plan;
mod schema;
mod validate;

use crate::cli::{Cli, Command};
use berth_core::{PlanError, SpecError};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit statuses, as documented in the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Ok = 0,
    Findings = 1,
    Usage = 2,
    External = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// An error with the exit status it means.
#[derive(Debug)]
pub struct Error {
    inner: anyhow::Error,
    code: Exit,
}

impl Error {
    pub fn usage(msg: impl Into<String>) -> Self {
        Self {
            inner: anyhow::anyhow!(msg.into()),
            code: Exit::Usage,
        }
    }
    pub fn external(inner: anyhow::Error) -> Self {
        Self {
            inner,
            code: Exit::External,
        }
    }
    pub fn exit_code(&self) -> Exit {
        self.code
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.inner.fmt(f)
    }
}

impl AsRef<dyn std::error::Error> for Error {
    fn as_ref(&self) -> &(dyn std::error::Error + 'static) {
        self.inner.as_ref()
    }
}

impl From<SpecError> for Error {
    fn from(e: SpecError) -> Self {
        Self {
            inner: e.into(),
            code: Exit::Usage,
        }
    }
}

impl From<berth_core::draft::llm::LlmError> for Error {
    fn from(e: berth_core::draft::llm::LlmError) -> Self {
        use berth_core::draft::llm::ErrorClass;
        let code = match e.class() {
            ErrorClass::Usage => Exit::Usage,
            ErrorClass::Drift => Exit::Findings,
            ErrorClass::External => Exit::External,
        };
        Self {
            inner: e.into(),
            code,
        }
    }
}

impl From<berth_core::config::ConfigError> for Error {
    fn from(e: berth_core::config::ConfigError) -> Self {
        Self {
            inner: e.into(),
            code: Exit::Usage,
        }
    }
}

impl From<berth_core::draft::DraftError> for Error {
    fn from(e: berth_core::draft::DraftError) -> Self {
        if let berth_core::draft::DraftError::Llm(e) = e {
            return e.into();
        }
        let code = if matches!(e, berth_core::draft::DraftError::Stage { .. }) {
            Exit::External
        } else {
            Exit::Usage
        };
        Self {
            inner: e.into(),
            code,
        }
    }
}

impl From<berth_core::diff::DiffError> for Error {
    fn from(e: berth_core::diff::DiffError) -> Self {
        let code = if matches!(e, berth_core::diff::DiffError::Pattern { .. }) {
            Exit::Usage
        } else {
            Exit::External
        };
        Self {
            inner: e.into(),
            code,
        }
    }
}

impl From<berth_core::approve::ApproveError> for Error {
    fn from(e: berth_core::approve::ApproveError) -> Self {
        Self {
            inner: e.into(),
            code: Exit::Usage,
        }
    }
}

impl From<berth_core::validate::ValidateError> for Error {
    fn from(e: berth_core::validate::ValidateError) -> Self {
        Self {
            inner: e.into(),
            code: Exit::Usage,
        }
    }
}

impl From<berth_core::apply::ApplyError> for Error {
    fn from(e: berth_core::apply::ApplyError) -> Self {
        use berth_core::apply::ErrorClass;
        let code = match e.class() {
            ErrorClass::Usage => Exit::Usage,
            ErrorClass::Refused => Exit::Findings,
            ErrorClass::External => Exit::External,
        };
        Self {
            inner: e.into(),
            code,
        }
    }
}

impl From<berth_core::build::BuildError> for Error {
    fn from(e: berth_core::build::BuildError) -> Self {
        Self {
            inner: e.into(),
            code: Exit::Usage,
        }
    }
}

impl From<PlanError> for Error {
    fn from(e: PlanError) -> Self {
        let code = if matches!(e, PlanError::Write { .. }) {
            Exit::External
        } else {
            Exit::Usage
        };
        Self {
            inner: e.into(),
            code,
        }
    }
}

pub fn run(cli: Cli) -> Result<Exit, Error> {
    let cwd = std::env::current_dir()
        .map_err(|e| Error::usage(format!("cannot read the current folder: {e}")))?;
    let root = match &cli.project {
        Some(p) => {
            let p = cwd.join(p);
            if !p.is_dir() {
                return Err(Error::usage(format!(
                    "{}: no such project folder",
                    p.display()
                )));
            }
            p
        }
        None => find_root(&cwd),
    };
    match &cli.command {
        Command::Plan(args) => plan::run(&cli, args, &cwd, &root),
        Command::Draft(args) => draft::run(&cli, args, &cwd, &root),
        Command::Diff(args) => diff::run(&cli, args, &root),
        Command::Approve(args) => approve::run(&cli, args, &root),
        Command::Validate(args) => validate::run(&cli, args, &cwd, &root),
        Command::Schema(args) => schema::run(&cli, args, &root),
        Command::Apply(args) => apply::run(&cli, args, &root),
        Command::Build(args) => build::run(&cli, args, &cwd, &root),
    }
}

/// The nearest folder upwards holding berth.toml or specs/, as cargo finds Cargo.toml.
fn find_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|d| d.join("berth.toml").is_file() || d.join("specs").is_dir())
        .unwrap_or(cwd)
        .to_path_buf()
}
