//! The events the pipeline emits as it runs, for the CLI to render as text or JSON lines.

use berth_cluster::apply;
use serde::Serialize;

/// Where the pipeline reports progress as it happens.
pub type Sink<'a> = &'a dyn Fn(&Event);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Plan,
    Draft,
    Diff,
    Validate,
    Approve,
    Build,
    Apply,
    Diagnose,
    Verify,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Plan => "plan",
            Stage::Draft => "draft",
            Stage::Diff => "diff",
            Stage::Validate => "validate",
            Stage::Approve => "approve",
            Stage::Build => "build",
            Stage::Apply => "apply",
            Stage::Diagnose => "diagnose",
            Stage::Verify => "verify",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    StageStarted {
        stage: Stage,
    },
    /// The plan is made and tasks.md written (or left as a person wrote it).
    Planned {
        spec: String,
        app: String,
        services: usize,
        artifacts: usize,
        tasks_md: String,
    },
    /// The drafts are staged under .berth/staged/.
    ProposalReady {
        files: usize,
        added: usize,
        modified: usize,
        removed: usize,
        unchanged: usize,
        conflicts: usize,
    },
    Validated {
        files: usize,
        errors: usize,
        warnings: usize,
    },
    /// The run waits for a person to decide on these files.
    NeedsApproval {
        files: Vec<String>,
    },
    Approved {
        approved: Vec<String>,
        declined: Vec<String>,
        /// Edited by hand and not overwritten.
        kept: Vec<String>,
        /// Not approved because validation found errors in them.
        invalid: Vec<String>,
    },
    Built {
        service: String,
        image: String,
        /// Already built with this content-derived tag: not built again.
        skipped: bool,
        command: String,
    },
    /// What the cluster side reported (target, applied, pruned, rollout, rolling back).
    Apply(apply::Event),
    /// A rollout failed: its causes were found, and the fixes berth can make staged.
    Diagnosed {
        causes: Vec<String>,
        staged: Vec<String>,
    },
    Verified {
        service: String,
        namespace: String,
        ready: usize,
        ok: bool,
    },
    /// No cluster to apply to: the files are written, and this is what to do next.
    NoCluster {
        reason: String,
        next: Vec<String>,
    },
    Finished {
        exit: berth_core::Exit,
    },
}
