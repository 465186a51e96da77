//! The LLM drafter's failures in, messages for the person reading them out, each classified
//! (bad configuration, drift under `--frozen`, or an external system that failed) so the CLI can
//! pick the exit status.

use berth_core::exit::{Classify, Exit};
use std::time::Duration;

/// What can go wrong drafting with an LLM. Model answers that are merely wrong are not errors:
/// they are repaired or replaced by the offline draft.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// A setting in berth.toml, the environment or a flag is unusable.
    #[error("LLM setting {setting}: {message}")]
    Config { setting: String, message: String },
    /// A prompt template (built in, or the project's own under prompts/) does not render.
    #[error("prompt template {name}: {message}")]
    Template { name: String, message: String },
    /// `--frozen`: the answer is neither in berth.lock nor in .berth/cache/, and the network is off.
    #[error(
        "{artifact}: no recorded answer for these inputs ({why}); `--frozen` forbids asking the model: run `berth draft --provider openai` without --frozen and commit berth.lock (cache key {key})"
    )]
    FrozenMiss {
        artifact: String,
        key: String,
        why: String,
    },
    /// Nothing answers at the URL.
    #[error(
        "cannot reach the LLM server at {url}: {message}; is it running, and is llm.base_url (or OPENAI_BASE_URL) right?"
    )]
    Unreachable { url: String, message: String },
    /// The server kept answering 429.
    #[error(
        "the LLM server at {url} is rate limiting berth: {message}; wait and run again, or lower the load"
    )]
    RateLimited { url: String, message: String },
    /// The server kept failing (5xx) or timing out.
    #[error("the LLM server at {url} failed {attempts} times; last: {message}")]
    Server {
        url: String,
        attempts: u32,
        message: String,
    },
    /// The server refused the API key.
    #[error("the LLM server at {url} refused the API key ({status}): set {env} to a valid key")]
    Auth {
        url: String,
        status: u16,
        env: String,
    },
    /// The server refused the request itself (unknown model, bad parameters).
    #[error("the LLM server at {url} refused the request ({status}): {message}")]
    Refused {
        url: String,
        status: u16,
        message: String,
    },
    /// The cache, berth.lock or endpoint memory cannot be read or written.
    #[error("{path}: {message}")]
    Store { path: String, message: String },
    /// Not asked: a request for another artifact, drafted alongside, failed already (that
    /// failure is the one reported).
    #[error("{artifact}: not drafted, since a request for another artifact failed")]
    Abandoned { artifact: String },
}

impl Classify for LlmError {
    fn exit(&self) -> Exit {
        match self {
            LlmError::Config { .. } | LlmError::Template { .. } | LlmError::Auth { .. } => {
                Exit::Usage
            }
            LlmError::FrozenMiss { .. } => Exit::Findings,
            LlmError::Unreachable { .. }
            | LlmError::RateLimited { .. }
            | LlmError::Server { .. }
            | LlmError::Refused { .. }
            | LlmError::Store { .. }
            | LlmError::Abandoned { .. } => Exit::External,
        }
    }
}

impl LlmError {
    pub(crate) fn config(setting: &str, message: impl Into<String>) -> Self {
        LlmError::Config {
            setting: setting.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn store(path: impl Into<String>, message: impl std::fmt::Display) -> Self {
        LlmError::Store {
            path: path.into(),
            message: message.to_string(),
        }
    }
}

/// `1.5s`, `250ms`: for messages.
pub(crate) fn secs(d: Duration) -> String {
    if d.as_millis() < 1000 {
        format!("{}ms", d.as_millis())
    } else if d.as_millis().is_multiple_of(1000) {
        format!("{}s", d.as_secs())
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}
