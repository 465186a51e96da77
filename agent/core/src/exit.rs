//! Error classification: every stage's error in, the documented exit status out. Each crate
//! implements `Classify` for its own errors, so the CLI maps any of them the same way.

use serde::Serialize;

/// Exit statuses, as documented in the README and docs/exit-codes.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Exit {
    /// Success.
    Ok = 0,
    /// Findings: validation errors, drift, approval or apply refused, a failed rollout.
    Findings = 1,
    /// Bad usage, configuration or input.
    Usage = 2,
    /// An external system failed: disk, cluster, LLM.
    External = 3,
}

impl Exit {
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// What exit status an error means.
pub trait Classify {
    fn exit(&self) -> Exit;
}

/// Any stage's error, with the exit status it means: what the CLI prints once and exits with.
/// (Not a `std::error::Error` itself, so that every classified error converts into it.)
#[derive(Debug)]
pub struct Error {
    source: Box<dyn std::error::Error + Send + Sync>,
    exit: Exit,
}

impl Error {
    pub fn new(exit: Exit, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error {
            source: source.into(),
            exit,
        }
    }
    /// Bad usage or input, with a message for the person.
    pub fn usage(message: impl Into<String>) -> Self {
        Error::new(Exit::Usage, message.into())
    }
    pub fn exit(&self) -> Exit {
        self.exit
    }
    /// The error and its causes, outermost first.
    pub fn chain(&self) -> impl Iterator<Item = &(dyn std::error::Error + 'static)> {
        let first: &(dyn std::error::Error + 'static) = self.source.as_ref();
        std::iter::successors(Some(first), |e| e.source())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.source.fmt(f)
    }
}

impl<E: Classify + std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(e: E) -> Self {
        Error::new(e.exit(), e)
    }
}

impl Classify for crate::spec::SpecError {
    fn exit(&self) -> Exit {
        Exit::Usage
    }
}

impl Classify for crate::plan::PlanError {
    fn exit(&self) -> Exit {
        match self {
            crate::plan::PlanError::Write { .. } => Exit::External,
            _ => Exit::Usage,
        }
    }
}

impl Classify for crate::config::ConfigError {
    fn exit(&self) -> Exit {
        Exit::Usage
    }
}

impl Classify for crate::diff::DiffError {
    fn exit(&self) -> Exit {
        match self {
            crate::diff::DiffError::Pattern { .. } => Exit::Usage,
            _ => Exit::External,
        }
    }
}

impl Classify for crate::record::RecordError {
    fn exit(&self) -> Exit {
        use crate::record::RecordError::*;
        match self {
            NothingStaged { .. } | Staged { .. } | Approval { .. } => Exit::Usage,
            Stage { .. } | Write { .. } => Exit::External,
        }
    }
}

impl Classify for crate::approve::ApproveError {
    fn exit(&self) -> Exit {
        match self {
            crate::approve::ApproveError::Record(e) => e.exit(),
            crate::approve::ApproveError::Write { .. } => Exit::External,
        }
    }
}

impl Classify for crate::validate::ValidateError {
    fn exit(&self) -> Exit {
        Exit::Usage
    }
}

impl Classify for crate::build::BuildError {
    fn exit(&self) -> Exit {
        match self {
            crate::build::BuildError::Untrusted { .. } => Exit::Findings,
            _ => Exit::Usage,
        }
    }
}
