//! The `[llm]` table of berth.toml, the environment (`OPENAI_API_KEY`, `OPENAI_BASE_URL`,
//! `BERTH_MODEL`) and the command line's flags in, in that order of precedence; the provider
//! `Settings` the LLM drafter runs with out. Pointing berth at another server is a config change.

use super::error::LlmError;
use berth_core::config::LlmConfig;
use serde::Serialize;
use std::time::Duration;

pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
pub const DEFAULT_KEY_ENV: &str = "OPENAI_API_KEY";
/// Registries the offline drafter's own images come from.
pub const DEFAULT_REGISTRIES: &[&str] = &["docker.io", "gcr.io"];

/// Flags from the command line: they win over berth.toml and the environment.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub model: Option<String>,
    pub base_url: Option<String>,
}

/// Resolved provider settings.
#[derive(Clone)]
pub struct Settings {
    pub provider: String,
    pub base_url: String,
    pub api_key_env: String,
    /// Read from `api_key_env`; never printed, never in a prompt, never in the cache.
    pub api_key: Option<String>,
    pub model: String,
    pub temperature: f32,
    pub max_tokens: u32,
    pub timeout: Duration,
    pub retries: u32,
    pub retry_backoff: Duration,
    pub max_retry_wait: Duration,
    pub max_repairs: u32,
    pub allowed_registries: Vec<String>,
    pub stream: bool,
    /// What the model is asked for: edits to the offline draft, or whole files.
    pub answer: Form,
    /// Artifacts drafted at once (1: one after another).
    pub concurrency: usize,
}

/// The shape of answer the model is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Form {
    /// Search-and-replace edits of the offline draft: what a small model can give.
    Edits,
    /// Every file of the artifact, whole.
    Files,
}

impl Form {
    pub fn as_str(self) -> &'static str {
        match self {
            Form::Edits => "edits",
            Form::Files => "files",
        }
    }
}

/// The default of `llm.concurrency` for a remote endpoint: a hosted model answers several
/// requests at once.
pub const DEFAULT_CONCURRENCY: usize = 4;

/// Whether `base_url` is a server on this machine (127.0.0.1, localhost, ::1). Such a server
/// (llama.cpp, Ollama by default) answers one request at a time and keeps its prompt cache
/// between consecutive requests: measured with llama-cpp-python, four at once took 1.36 times
/// as long as one after another. Its default concurrency is 1.
fn is_local(base_url: &str) -> bool {
    let rest = base_url.split_once("://").map_or(base_url, |(_, r)| r);
    let host = rest.split('/').next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let name = if host.starts_with('[') {
        host.split(']').next().unwrap_or("").trim_start_matches('[')
    } else {
        host.split(':').next().unwrap_or("")
    };
    name == "localhost" || name == "::1" || name.starts_with("127.")
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .field("api_key_env", &self.api_key_env)
            .field("api_key", &self.api_key.as_ref().map(|_| "<set>"))
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

/// The parameters that change an answer: part of every cache key.
#[derive(Debug, Serialize)]
pub struct KeyParams<'a> {
    pub provider: &'a str,
    pub model: &'a str,
    pub temperature: f32,
    pub max_tokens: u32,
}

impl Settings {
    /// berth.toml's `[llm]`, then the environment (read through `env`), then `flags`.
    pub fn resolve(
        file: &LlmConfig,
        env: &dyn Fn(&str) -> Option<String>,
        flags: &Overrides,
    ) -> Result<Self, LlmError> {
        let env_nonempty = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let api_key_env = file
            .api_key_env
            .clone()
            .unwrap_or_else(|| DEFAULT_KEY_ENV.to_string());
        let api_key = env_nonempty(&api_key_env).map(|k| k.trim().to_string());
        if let Some(k) = &api_key
            && k.chars().any(|c| c.is_control())
        {
            return Err(LlmError::config(
                &api_key_env,
                "the API key holds control characters",
            ));
        }
        let base_url = flags
            .base_url
            .clone()
            .or_else(|| env_nonempty("OPENAI_BASE_URL"))
            .or_else(|| file.base_url.clone())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let base_url = base_url.trim().trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(LlmError::config(
                "base_url",
                format!("{base_url:?} is not an http:// or https:// URL"),
            ));
        }
        let model = flags
            .model
            .clone()
            .or_else(|| env_nonempty("BERTH_MODEL"))
            .or_else(|| file.model.clone())
            .unwrap_or_else(|| DEFAULT_MODEL.to_string());
        if model.trim().is_empty() {
            return Err(LlmError::config("model", "is empty"));
        }
        let temperature = file.temperature.unwrap_or(0.0);
        if !(0.0..=2.0).contains(&temperature) {
            return Err(LlmError::config("temperature", "must be between 0 and 2"));
        }
        let max_tokens = file.max_tokens.unwrap_or(4096);
        if max_tokens == 0 {
            return Err(LlmError::config("max_tokens", "must be at least 1"));
        }
        let duration = |name: &str, v: &Option<String>, default: Duration| match v {
            None => Ok(default),
            Some(s) => humantime::parse_duration(s.trim())
                .map_err(|e| LlmError::config(name, format!("{s:?}: {e} (write e.g. \"90s\")"))),
        };
        let provider = file
            .provider
            .clone()
            .unwrap_or_else(|| "openai".to_string());
        if provider.is_empty() || provider.contains('/') {
            return Err(LlmError::config("provider", "must be a name without '/'"));
        }
        let local = is_local(&base_url);
        Ok(Settings {
            provider,
            base_url,
            api_key_env,
            api_key,
            model: model.trim().to_string(),
            temperature,
            max_tokens,
            timeout: duration("timeout", &file.timeout, Duration::from_secs(300))?,
            retries: file.retries.unwrap_or(3),
            retry_backoff: duration(
                "retry_backoff",
                &file.retry_backoff,
                Duration::from_millis(500),
            )?,
            max_retry_wait: duration(
                "max_retry_wait",
                &file.max_retry_wait,
                Duration::from_secs(60),
            )?,
            max_repairs: file.max_repairs.unwrap_or(2),
            allowed_registries: file
                .allowed_registries
                .clone()
                .unwrap_or_else(|| DEFAULT_REGISTRIES.iter().map(|s| s.to_string()).collect()),
            stream: file.stream.unwrap_or(true),
            answer: match file.answer.as_deref().map(str::trim) {
                None | Some("edits") => Form::Edits,
                Some("files") => Form::Files,
                Some(other) => {
                    return Err(LlmError::config(
                        "answer",
                        format!("{other:?} is neither \"edits\" nor \"files\""),
                    ));
                }
            },
            concurrency: match file.concurrency {
                None if local => 1,
                None => DEFAULT_CONCURRENCY,
                Some(0) => return Err(LlmError::config("concurrency", "must be at least 1")),
                Some(n) => n as usize,
            },
        })
    }

    /// `openai/<model>`: the generator recorded with each proposal.
    pub fn generator(&self) -> String {
        format!("{}/{}", self.provider, self.model)
    }

    pub fn key_params(&self) -> KeyParams<'_> {
        KeyParams {
            provider: &self.provider,
            model: &self.model,
            temperature: self.temperature,
            max_tokens: self.max_tokens,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn flags_beat_env_beat_file() {
        let file = LlmConfig {
            model: Some("file-model".into()),
            base_url: Some("http://file".into()),
            ..Default::default()
        };
        let s = Settings::resolve(&file, &env(&[]), &Overrides::default()).unwrap();
        assert_eq!(
            (s.model.as_str(), s.base_url.as_str()),
            ("file-model", "http://file")
        );
        let e = env(&[
            ("BERTH_MODEL", "env-model"),
            ("OPENAI_BASE_URL", "http://env/v1/"),
        ]);
        let s = Settings::resolve(&file, &e, &Overrides::default()).unwrap();
        assert_eq!(
            (s.model.as_str(), s.base_url.as_str()),
            ("env-model", "http://env/v1")
        );
        let flags = Overrides {
            model: Some("flag-model".into()),
            base_url: Some("http://flag".into()),
        };
        let s = Settings::resolve(&file, &e, &flags).unwrap();
        assert_eq!(
            (s.model.as_str(), s.base_url.as_str()),
            ("flag-model", "http://flag")
        );
        assert_eq!(s.max_repairs, 2);
        assert_eq!(s.generator(), "openai/flag-model");
    }

    #[test]
    fn the_key_comes_from_the_named_variable_and_is_never_printed() {
        let file = LlmConfig {
            api_key_env: Some("MY_KEY".into()),
            ..Default::default()
        };
        let s = Settings::resolve(
            &file,
            &env(&[("MY_KEY", "sk-secret")]),
            &Overrides::default(),
        )
        .unwrap();
        assert_eq!(s.api_key.as_deref(), Some("sk-secret"));
        assert!(!format!("{s:?}").contains("sk-secret"));
    }

    #[test]
    fn bad_values_name_the_setting() {
        let file = LlmConfig {
            timeout: Some("soon".into()),
            ..Default::default()
        };
        let e = Settings::resolve(&file, &env(&[]), &Overrides::default()).unwrap_err();
        assert!(e.to_string().starts_with("LLM setting timeout: "), "{e}");
        let flags = Overrides {
            base_url: Some("localhost:8080".into()),
            ..Default::default()
        };
        let e = Settings::resolve(&LlmConfig::default(), &env(&[]), &flags).unwrap_err();
        assert!(e.to_string().contains("base_url"), "{e}");
        for (file, want) in [
            (
                LlmConfig {
                    answer: Some("patch".into()),
                    ..Default::default()
                },
                "LLM setting answer: ",
            ),
            (
                LlmConfig {
                    concurrency: Some(0),
                    ..Default::default()
                },
                "LLM setting concurrency: ",
            ),
        ] {
            let e = Settings::resolve(&file, &env(&[]), &Overrides::default()).unwrap_err();
            assert!(e.to_string().starts_with(want), "{e}");
        }
        let s = Settings::resolve(&LlmConfig::default(), &env(&[]), &Overrides::default()).unwrap();
        assert_eq!(
            (s.answer, s.concurrency),
            (Form::Edits, DEFAULT_CONCURRENCY)
        );
        for (url, want) in [
            ("http://127.0.0.1:8080/v1", 1),
            ("http://localhost/v1", 1),
            ("http://[::1]:11434/v1", 1),
            ("https://llm.example.com/v1", DEFAULT_CONCURRENCY),
            ("http://10.0.0.5:8000/v1", DEFAULT_CONCURRENCY),
        ] {
            let file = LlmConfig {
                base_url: Some(url.into()),
                ..Default::default()
            };
            let s = Settings::resolve(&file, &env(&[]), &Overrides::default()).unwrap();
            assert_eq!(s.concurrency, want, "{url}");
        }
    }
}
