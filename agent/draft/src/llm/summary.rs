//! Per-artifact records of a run in, the run summary out: what each artifact ended as (drafted,
//! repaired, the offline fallback, or reused), the requests, cache hits, tokens and time it took.

use serde::{Deserialize, Serialize};

/// How an artifact's files were arrived at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The model's first answer was accepted.
    Drafted,
    /// Accepted after one or more repairs.
    Repaired,
    /// The model's answers were not accepted: the offline draft is used.
    Fallback,
}

/// Where an unchanged artifact's files were taken from, without asking the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reuse {
    /// The validated result in .berth/cache/.
    Cache,
    /// The files berth.lock vouches for (the tree or the staged set).
    Lock,
}

impl Reuse {
    pub fn as_str(self) -> &'static str {
        match self {
            Reuse::Cache => "unchanged (cache)",
            Reuse::Lock => "unchanged (berth.lock)",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ArtifactReport {
    pub artifact: String,
    pub outcome: Outcome,
    /// Set when the inputs did not change and nothing was asked.
    pub reused: Option<Reuse>,
    pub repairs: u32,
    /// HTTP requests sent, retries included.
    pub requests: u32,
    /// Answers taken from .berth/cache/ instead of the network.
    pub cache_hits: u32,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// False when an answer came without token counts (llama.cpp's streams give none).
    pub tokens_reported: bool,
    pub millis: u64,
    /// The structured-output mode the last answer was asked in.
    pub mode: Option<super::transport::Mode>,
    /// The shape of the accepted answer: edits to the offline draft, or whole files.
    pub form: Option<super::settings::Form>,
    /// For an accepted edits answer: how many edits changed something (0: the model kept the
    /// offline draft as it is).
    pub edits: Option<usize>,
    /// Why the offline draft was used, or what the repairs fixed.
    pub reason: Option<String>,
    /// Things that happened on the way (a mode refused, an answer read from prose).
    pub events: Vec<String>,
}

impl ArtifactReport {
    pub fn new(artifact: &str) -> Self {
        Self {
            artifact: artifact.to_string(),
            outcome: Outcome::Drafted,
            reused: None,
            repairs: 0,
            requests: 0,
            cache_hits: 0,
            tokens_in: 0,
            tokens_out: 0,
            tokens_reported: true,
            millis: 0,
            mode: None,
            form: None,
            edits: None,
            reason: None,
            events: Vec::new(),
        }
    }
}

/// The run summary `berth draft --provider openai` prints.
#[derive(Debug, Clone, Serialize)]
pub struct RunSummary {
    pub generator: String,
    pub base_url: String,
    pub frozen: bool,
    pub artifacts: Vec<ArtifactReport>,
    pub requests: u32,
    pub cache_hits: u32,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// False when some answer came without token counts: the totals are then too low.
    pub tokens_reported: bool,
    pub millis: u64,
    /// Artifacts taken unchanged from the cache or berth.lock.
    pub reused: usize,
    /// Artifacts that ended as the offline draft.
    pub fallbacks: usize,
    pub repaired: usize,
    /// Whether berth.lock was written.
    pub lock_written: bool,
}

impl RunSummary {
    pub fn new(
        generator: String,
        base_url: String,
        frozen: bool,
        artifacts: Vec<ArtifactReport>,
        lock_written: bool,
    ) -> Self {
        Self {
            generator,
            base_url,
            frozen,
            requests: artifacts.iter().map(|a| a.requests).sum(),
            cache_hits: artifacts.iter().map(|a| a.cache_hits).sum(),
            tokens_in: artifacts.iter().map(|a| a.tokens_in).sum(),
            tokens_out: artifacts.iter().map(|a| a.tokens_out).sum(),
            tokens_reported: artifacts.iter().all(|a| a.tokens_reported),
            millis: artifacts.iter().map(|a| a.millis).sum(),
            reused: artifacts.iter().filter(|a| a.reused.is_some()).count(),
            fallbacks: artifacts
                .iter()
                .filter(|a| a.outcome == Outcome::Fallback)
                .count(),
            repaired: artifacts
                .iter()
                .filter(|a| a.outcome == Outcome::Repaired)
                .count(),
            artifacts,
            lock_written,
        }
    }
}
