//! Exchanges and results in, files under `.berth/cache/` out, and back: every exchange with the
//! model stored by the sha256 of (provider, model, parameters, template versions, rendered
//! messages); the validated result of each artifact stored by the key of its first exchange;
//! and, per endpoint, the structured-output mode that worked.

use super::error::LlmError;
use super::settings::KeyParams;
use super::summary::Outcome;
use super::transport::{Message, Mode};
use crate::sha256_hex;
use berth_core::fsutil::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const CACHE_DIR: &str = ".berth/cache";

/// The cache key of one exchange.
pub fn key(params: &KeyParams, templates: &str, messages: &[Message]) -> String {
    let doc = serde_json::json!({
        "params": params,
        "templates": templates,
        "messages": messages,
    });
    sha256_hex(doc.to_string().as_bytes())
}

/// One request and its answer, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    pub key: String,
    pub generator: String,
    pub templates: String,
    pub messages: Vec<Message>,
    pub reply: String,
    pub finish_reason: Option<String>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub mode: Mode,
}

/// One file of a validated result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultFile {
    pub path: String,
    pub contents: String,
    pub generator: String,
    pub notes: Vec<String>,
}

/// What an artifact's drafting ended with, keyed by its first exchange: a second run with the
/// same inputs takes it as is (no request, no validation).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArtifactResult {
    /// The berth version that validated it: another version validates again.
    pub berth: String,
    pub outcome: Outcome,
    pub repairs: u32,
    pub reason: Option<String>,
    pub files: Vec<ResultFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<super::settings::Form>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edits: Option<usize>,
}

pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    pub fn new(root: &Path) -> Self {
        Self {
            dir: root.join(CACHE_DIR),
        }
    }

    fn exchange_path(&self, key: &str) -> PathBuf {
        self.dir.join("exchanges").join(format!("{key}.json"))
    }

    fn result_path(&self, key: &str) -> PathBuf {
        self.dir.join("results").join(format!("{key}.json"))
    }

    /// A stored exchange; an unreadable entry counts as a miss.
    pub fn exchange(&self, key: &str) -> Option<Exchange> {
        let text = std::fs::read_to_string(self.exchange_path(key)).ok()?;
        serde_json::from_str::<Exchange>(&text)
            .ok()
            .filter(|x| x.key == key)
    }

    pub fn put_exchange(&self, x: &Exchange) -> Result<(), LlmError> {
        write_json(&self.exchange_path(&x.key), x)
    }

    pub fn result(&self, key: &str) -> Option<ArtifactResult> {
        let text = std::fs::read_to_string(self.result_path(key)).ok()?;
        serde_json::from_str::<ArtifactResult>(&text)
            .ok()
            .filter(|r| r.berth == env!("CARGO_PKG_VERSION"))
    }

    pub fn put_result(&self, key: &str, result: &ArtifactResult) -> Result<(), LlmError> {
        write_json(&self.result_path(key), result)
    }

    fn endpoints_path(&self) -> PathBuf {
        self.dir.join("endpoints.json")
    }

    /// The structured-output mode that last worked for this endpoint and model.
    pub fn mode(&self, endpoint: &str) -> Option<Mode> {
        let text = std::fs::read_to_string(self.endpoints_path()).ok()?;
        let map: BTreeMap<String, Mode> = serde_json::from_str(&text).ok()?;
        map.get(endpoint).copied()
    }

    pub fn remember_mode(&self, endpoint: &str, mode: Mode) -> Result<(), LlmError> {
        let mut map: BTreeMap<String, Mode> = std::fs::read_to_string(self.endpoints_path())
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        if map.get(endpoint) == Some(&mode) {
            return Ok(());
        }
        map.insert(endpoint.to_string(), mode);
        write_json(&self.endpoints_path(), &map)
    }
}

fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), LlmError> {
    let shown = path.to_string_lossy().into_owned();
    let text = serde_json::to_string_pretty(value).map_err(|e| LlmError::store(&shown, e))?;
    write_atomic(path, (text + "\n").as_bytes()).map_err(|e| LlmError::store(shown, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(model: &str) -> KeyParams<'_> {
        KeyParams {
            provider: "openai",
            model,
            temperature: 0.0,
            max_tokens: 100,
        }
    }

    #[test]
    fn the_key_covers_model_templates_and_messages() {
        let m = vec![Message::new("user", "hi")];
        let k = key(&params("a"), "t@1", &m);
        assert_eq!(k, key(&params("a"), "t@1", &m));
        assert_ne!(k, key(&params("b"), "t@1", &m));
        assert_ne!(k, key(&params("a"), "t@2", &m));
        assert_ne!(k, key(&params("a"), "t@1", &[Message::new("user", "hi!")]));
    }

    #[test]
    fn exchanges_results_and_modes_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::new(dir.path());
        assert!(c.exchange("k").is_none());
        let x = Exchange {
            key: "k".into(),
            generator: "openai/m".into(),
            templates: "t@1".into(),
            messages: vec![],
            reply: "r".into(),
            finish_reason: Some("stop".into()),
            tokens_in: 1,
            tokens_out: 2,
            mode: Mode::JsonObject,
        };
        c.put_exchange(&x).unwrap();
        assert_eq!(c.exchange("k").unwrap().reply, "r");
        let r = ArtifactResult {
            berth: env!("CARGO_PKG_VERSION").into(),
            outcome: Outcome::Fallback,
            repairs: 2,
            reason: None,
            files: vec![],
            form: None,
            edits: None,
        };
        c.put_result("k", &r).unwrap();
        assert!(c.result("k").is_some());
        assert_eq!(c.mode("e"), None);
        c.remember_mode("e", Mode::Text).unwrap();
        assert_eq!(c.mode("e"), Some(Mode::Text));
    }
}
