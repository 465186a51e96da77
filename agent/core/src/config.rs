//! `berth.toml` at the project root in, a `Config` out: the `[llm]` table typed (provider
//! settings as data, every field optional so the environment and flags can fill it in) and the
//! `[validate]` table kept raw for the validate stage. No file means the defaults.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// The configuration file's name, at the project root.
pub const CONFIG_FILE: &str = "berth.toml";

/// Everything `berth.toml` holds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// How the LLM drafter reaches a model.
    #[serde(default)]
    pub llm: LlmConfig,
    /// Settings of the validate stage, read by it (kept raw here).
    #[serde(default)]
    pub validate: toml::Table,
    /// Settings every drafter's output goes through.
    #[serde(default)]
    pub draft: DraftConfig,
    /// Settings of `berth build`.
    #[serde(default)]
    pub build: BuildConfig,
    /// The project's services by name, each with its folder; when present, the whole list
    /// (berth looks nowhere else).
    #[serde(default)]
    pub services: std::collections::BTreeMap<String, ServiceEntry>,
}

/// One `[services]` entry: `api = "backend"` or `[services.api] path = "backend"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ServiceEntry {
    Path(String),
    Table {
        /// The service's folder, relative to the project root.
        path: String,
    },
}

impl ServiceEntry {
    pub fn path(&self) -> &str {
        match self {
            ServiceEntry::Path(p) | ServiceEntry::Table { path: p } => p,
        }
    }
}

/// The `[build]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildConfig {
    /// The network RUN steps use (`docker build --network`: `host`, `none`, ...);
    /// BERTH_BUILD_NETWORK and `berth build --network` override it.
    pub network: Option<String>,
}

/// The `[draft]` table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DraftConfig {
    /// A registry mirror (`harbor.example.com/dockerhub`, `127.0.0.1:5000`) the drafted
    /// Dockerfiles pull their base images through; BERTH_REGISTRY_MIRROR overrides it.
    pub registry_mirror: Option<String>,
}

/// The `[llm]` table. Unset fields take the environment's value, then berth's default; flags
/// override both (see `draft::llm::Settings::resolve`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// A name for the provider, recorded in cache keys and in `berth.lock` (default `openai`).
    pub provider: Option<String>,
    /// The OpenAI-compatible endpoint, up to `/v1`.
    pub base_url: Option<String>,
    /// The environment variable holding the API key (default `OPENAI_API_KEY`).
    pub api_key_env: Option<String>,
    pub model: Option<String>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    /// Per request, such as `"120s"` or `"5m"`.
    pub timeout: Option<String>,
    /// Retries of one request after a 429, a 5xx, a timeout or a cut stream.
    pub retries: Option<u32>,
    /// The first wait between retries; it doubles each time.
    pub retry_backoff: Option<String>,
    /// The longest wait a 429's `Retry-After` may ask for before berth gives up.
    pub max_retry_wait: Option<String>,
    /// How many times an answer with findings is sent back for a fix (default 2).
    pub max_repairs: Option<u32>,
    /// Registries images may come from; an image without a registry is from `docker.io`.
    pub allowed_registries: Option<Vec<String>>,
    /// Stream answers (progress on a terminal); off for servers that stream badly.
    pub stream: Option<bool>,
    /// What the model is asked for: `edits` to the offline draft (the default: small models
    /// can give them) or `files`, every file of the artifact whole.
    pub answer: Option<String>,
    /// How many artifacts are drafted at once (default 4, or 1 for a server on this machine;
    /// 1 drafts one after another).
    pub concurrency: Option<u32>,
}

/// What can go wrong reading `berth.toml`.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file exists but cannot be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or holds a key berth does not know.
    #[error("{path}:{line}: {message}")]
    Parse {
        path: String,
        line: usize,
        message: String,
    },
}

/// Reads `berth.toml` at `root`; a missing file gives the defaults.
pub fn load(root: &Path) -> Result<Config, ConfigError> {
    let text = match std::fs::read_to_string(root.join(CONFIG_FILE)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
        Err(source) => {
            return Err(ConfigError::Read {
                path: CONFIG_FILE.into(),
                source,
            });
        }
    };
    parse(&text)
}

/// Parses the text of a `berth.toml`.
pub fn parse(text: &str) -> Result<Config, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        ConfigError::Parse {
            path: CONFIG_FILE.into(),
            line,
            message: e.message().trim().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_llm_and_keeps_validate_raw() {
        let c = parse(
            "[llm]\nmodel = \"m\"\nmax_repairs = 1\n[validate]\nkubernetes = \"1.36\"\n[validate.rules]\nx = \"off\"\n",
        )
        .unwrap();
        assert_eq!(c.llm.model.as_deref(), Some("m"));
        assert_eq!(c.llm.max_repairs, Some(1));
        assert_eq!(c.validate["kubernetes"].as_str(), Some("1.36"));
        assert!(c.validate["rules"].is_table());
    }

    #[test]
    fn a_typo_names_the_line() {
        let e = parse("[llm]\nmodel = \"m\"\nmax_repair = 1\n").unwrap_err();
        let text = e.to_string();
        assert!(text.starts_with("berth.toml:3: "), "{text}");
        assert!(text.contains("max_repair"), "{text}");
    }

    #[test]
    fn no_file_is_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(load(dir.path()).unwrap(), Config::default());
    }
}
