//! berth-pipeline: the stages in order. A spec goes in; a plan, staged proposals, a validation
//! report, approved files, built images and an applied, verified app come out, each step
//! reported as an `Event`. `berth up`, `berth ci` and `berth status` are built here, and the
//! single-stage commands call the same functions, so the CLI only parses and renders.
//!
//! Crates by weight: berth-core (spec, plan, validate, records; no network), berth-draft (the
//! only one that reaches a model), berth-cluster (the only one that reaches Kubernetes). This
//! crate is where they meet; draft and cluster never see each other.
#![forbid(unsafe_code)]

pub mod approve;
pub mod build;
pub mod ci;
pub mod diagnose;
pub mod draft;
pub mod event;
pub mod hunks;
pub mod inputs;
pub mod lock;
pub mod project;
pub mod review;
pub mod status;
pub mod up;
pub mod validate;

pub use berth_core::exit::{Error, Exit};
pub use event::{Event, Sink, Stage};
