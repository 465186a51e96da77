//! berth-core: the stages that need neither a model nor a cluster. Spec markdown and project
//! files go in; plans, validation reports, diffs and the records (staged proposals, approvals)
//! come out. No network and no terminal: the drafters (berth-draft) and the cluster side
//! (berth-cluster) build on it, and the CLI renders what they return.
#![forbid(unsafe_code)]

pub mod approve;
pub mod build;
pub mod config;
pub mod diff;
pub mod exit;
pub mod fsutil;
pub mod plan;
pub mod record;
pub mod review;
pub mod rules;
pub mod source;
pub mod spec;
pub mod validate;

pub use exit::{Classify, Exit};
pub use plan::{Plan, PlanError};
pub use source::Location;
pub use spec::{Spec, SpecError};
