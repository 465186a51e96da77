//! berth-core: the pipeline as a library. Spec markdown goes in; plans, proposals, reports and
//! applied changes come out. Nothing here talks to a terminal: the CLI renders what it returns.
#![forbid(unsafe_code)]

pub mod apply;
pub mod approve;
pub mod build;
pub mod config;
pub mod diff;
pub mod draft;
pub mod fsutil;
pub mod plan;
pub mod rules;
pub mod source;
pub mod spec;
pub mod validate;

pub use plan::{Plan, PlanError};
pub use source::Location;
pub use spec::{Spec, SpecError};
