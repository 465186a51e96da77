//! What `berth diagnose` concludes: a cause with its evidence, the change that would mend it
//! (when berth can make one) and what a person should run otherwise.

use berth_cluster::apply::ObjectRef;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The image is not on the node and cannot be pulled.
    ImageMissing,
    /// A Secret or ConfigMap (or a key of one) the container reads is missing.
    ConfigMissing,
    /// Killed for going over its memory limit.
    OutOfMemory,
    /// It writes where the root filesystem is read-only.
    ReadOnlyFilesystem,
    /// It exits with an error, again and again.
    Crash,
    /// It runs, but its readiness probe fails.
    ProbeFailing,
    /// No node has room for what it requests.
    Unschedulable,
    /// Not ready, for no reason the rules know.
    NotReady,
}

impl Kind {
    /// The name people read (`OOMKilled`, `CrashLoopBackOff`, ...).
    pub fn title(self) -> &'static str {
        match self {
            Kind::ImageMissing => "image missing",
            Kind::ConfigMissing => "CreateContainerConfigError",
            Kind::OutOfMemory => "OOMKilled",
            Kind::ReadOnlyFilesystem => "read-only filesystem",
            Kind::Crash => "CrashLoopBackOff",
            Kind::ProbeFailing => "readiness probe failing",
            Kind::Unschedulable => "Unschedulable",
            Kind::NotReady => "not ready",
        }
    }
}

/// A change to an approved manifest that mends a cause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Fix {
    /// The container's `resources.limits.memory` (and its request, if above).
    MemoryLimit { to: String },
    /// The container's probes that point at `from` point at `port` (and `path`) instead.
    Probe {
        from: String,
        port: serde_json::Value,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        path: Option<String>,
    },
    /// The container's requests lowered to fit the largest node.
    Requests {
        #[serde(skip_serializing_if = "Option::is_none", default)]
        cpu: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none", default)]
        memory: Option<String>,
    },
    /// A writable `emptyDir` mounted at `path`.
    WritableDir { path: String },
    /// A key added to the Secret's `berth.dev/generate` list: `berth apply` generates it.
    GenerateSecretKey { secret: ObjectRef, key: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cause {
    pub kind: Kind,
    pub workload: ObjectRef,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub container: Option<String>,
    /// One line: what is wrong.
    pub summary: String,
    /// What shows it: states, exit codes, log lines, events, the manifest's values.
    pub evidence: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub fix: Option<Fix>,
    /// What a person runs when no file change mends it (or after one).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub next: Option<String>,
}
