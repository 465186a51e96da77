//! Apply stage: approved manifests in (only files whose sha256 matches `.berth/approved.json`),
//! a local cluster changed out: server-side apply in dependency order, prune, rollout waits by
//! watch, and a roll back to the last good set on failure. The core reports through `Event`s
//! and returns an `ApplyResult`; the CLI renders both.

pub mod approved;
pub mod cluster;
pub mod context;
pub mod diagnose;
pub mod error;
pub mod inspect;
pub mod live;
pub mod logs;
pub mod objects;
pub mod openapi;
pub mod rollout;
mod run;
pub mod running;
pub mod secrets;
pub mod ssa;
pub mod state;
pub mod verify;
pub mod wait;

pub use context::Target;
pub use error::{ApplyError, Conflict, Refusal};
pub use inspect::{Inspected, inspect};
pub use objects::{ImageSet, ObjectRef};
pub use rollout::Rollout;
pub use run::{apply, diff_live, probe};
pub use running::{LiveObject, Running, running};
pub use ssa::{Action, Applied};
pub use verify::Verified;
pub use wait::RolloutResult;

use live::LiveChange;
use serde::Serialize;
use std::time::Duration;

/// Where the core reports progress as it happens.
pub type Sink<'a> = &'a dyn Fn(&Event);

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The context passed the guard.
    Target {
        context: String,
        server: String,
        trusted_because: String,
    },
    Applied {
        object: ObjectRef,
        action: Action,
        dry_run: bool,
    },
    /// A Secret the cluster did not have got generated values for these keys (never shown).
    SecretGenerated {
        object: ObjectRef,
        keys: Vec<String>,
    },
    /// A Secret lacks keys that only a person can provide (an API key): the containers that
    /// read them start without them.
    SecretMissing {
        object: ObjectRef,
        keys: Vec<String>,
    },
    /// About to delete these objects: no approved file holds them any more.
    Pruning {
        objects: Vec<ObjectRef>,
        dry_run: bool,
    },
    Pruned {
        object: ObjectRef,
        dry_run: bool,
    },
    /// A workload's rollout moved on.
    Rollout {
        object: ObjectRef,
        rollout: Rollout,
    },
    /// A rollout failed: the last good set is going back.
    RollingBack {
        to: String,
        objects: usize,
    },
}

#[derive(Debug, Clone)]
pub struct Options {
    pub context: Option<String>,
    /// Contexts allowed although they do not look local.
    pub allow_contexts: Vec<String>,
    /// For namespaced objects that name none (else the context's, else `default`).
    pub namespace: Option<String>,
    pub dry_run: bool,
    pub prune: bool,
    pub wait: bool,
    pub timeout: Duration,
    pub force_conflicts: bool,
    /// Apply files approved with validation errors, or before berth recorded validation.
    pub force: bool,
    pub rollback: bool,
    /// After a good rollout, check that every Service has ready endpoints.
    pub verify: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            context: None,
            allow_contexts: vec![],
            namespace: None,
            dry_run: false,
            prune: false,
            wait: true,
            timeout: Duration::from_secs(300),
            force_conflicts: false,
            force: false,
            rollback: true,
            verify: false,
        }
    }
}

/// A way to reach a Service from the machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Access {
    pub service: String,
    pub namespace: String,
    pub node_port: i32,
    /// `http://<node address>:<nodePort>` when the node's address is known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// For Minikube: `minikube service <name> -n <ns> --url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollback {
    /// When the set gone back to was applied; None when there was none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    pub reapplied: Vec<ObjectRef>,
    /// Objects this apply created that the last good set did not have.
    pub deleted: Vec<ObjectRef>,
    pub rollouts: Vec<RolloutResult>,
    /// Why nothing was rolled back, or what went wrong doing it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApplyResult {
    pub target: Target,
    pub app: String,
    pub dry_run: bool,
    /// With `--force`: files applied although they were not approved with a clean validation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unvalidated: Vec<Refusal>,
    pub images: Vec<ImageSet>,
    pub applied: Vec<Applied>,
    /// With `--dry-run`: what would change, from a server-side dry run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<LiveChange>,
    pub pruned: Vec<ObjectRef>,
    pub rollouts: Vec<RolloutResult>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Rollback>,
    /// After a good rollout: whether each Service has ready endpoints.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub verified: Vec<Verified>,
    pub access: Vec<Access>,
}

impl ApplyResult {
    pub fn rollout_failed(&self) -> bool {
        self.rollouts.iter().any(|r| !r.rollout.is_ready())
    }
    /// A Service without a ready endpoint after a good rollout.
    pub fn verify_failed(&self) -> bool {
        self.verified.iter().any(|v| !v.ok)
    }
    /// Objects the server changed (created, configured or adopted).
    pub fn changed(&self) -> usize {
        self.applied
            .iter()
            .filter(|a| a.action != Action::Unchanged)
            .count()
    }
}

/// What an apply did, and the error that stopped it part-way, if any: everything in `result`
/// happened even when `error` is set.
#[derive(Debug)]
pub struct Outcome {
    pub result: ApplyResult,
    pub error: Option<ApplyError>,
}
