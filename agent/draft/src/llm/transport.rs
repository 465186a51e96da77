//! Chat messages and a structured-output mode in, the model's reply (text, finish reason, token
//! counts) out, through async-openai with berth's own types (`byot`: servers that answer
//! `finish_reason: ""` still parse). berth retries itself instead of async-openai: a 429 waits
//! as its `Retry-After` says (up to a limit), 5xx, timeouts and cut streams back off and retry,
//! a refused connection says which URL it tried.

use super::error::{LlmError, secs};
use super::settings::Settings;
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One chat message, as sent and as cached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub role: String,
    pub content: String,
}

impl Message {
    pub fn new(role: &str, content: impl Into<String>) -> Self {
        Self {
            role: role.to_string(),
            content: content.into(),
        }
    }
}

/// How the answer's shape is asked for; servers that refuse one get the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    JsonSchema,
    /// `json_object`, with the schema beside it (llama.cpp honours it; others ignore it).
    JsonObject,
    /// No `response_format`: the answer is read from prose and fences.
    Text,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::JsonSchema => "json_schema",
            Mode::JsonObject => "json_object",
            Mode::Text => "text",
        }
    }

    pub fn next(self) -> Option<Mode> {
        match self {
            Mode::JsonSchema => Some(Mode::JsonObject),
            Mode::JsonObject => Some(Mode::Text),
            Mode::Text => None,
        }
    }

    fn response_format(self, schema: &serde_json::Value) -> Option<serde_json::Value> {
        match self {
            Mode::JsonSchema => Some(serde_json::json!({
                "type": "json_schema",
                "json_schema": {"name": "berth_answer", "strict": true, "schema": schema},
            })),
            Mode::JsonObject => Some(serde_json::json!({"type": "json_object", "schema": schema})),
            Mode::Text => None,
        }
    }
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [Message],
    temperature: f32,
    max_tokens: u32,
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<serde_json::Value>,
}

#[derive(Deserialize, Default)]
struct ChatResponse {
    #[serde(default)]
    choices: Vec<Choice>,
    usage: Option<Usage>,
}

#[derive(Deserialize, Default)]
struct Choice {
    message: Option<Content>,
    delta: Option<Content>,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
struct Content {
    content: Option<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct Usage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

/// A reply.
#[derive(Debug, Clone, Default)]
pub struct Completion {
    pub content: String,
    /// `stop`, `length`, ...; none (or empty) when the server did not say.
    pub finish_reason: Option<String>,
    pub tokens_in: u64,
    pub tokens_out: u64,
    /// Whether the server gave token counts.
    pub usage_reported: bool,
    /// HTTP requests it took, retries included.
    pub requests: u32,
}

/// Why a request failed.
pub enum CallError {
    /// 400 or 422: the server refused the request's shape (often `response_format`).
    Rejected {
        status: u16,
        message: String,
        requests: u32,
    },
    Fatal(LlmError),
}

/// What the last HTTP response said, read before async-openai consumes it.
#[derive(Debug, Clone, Copy, Default)]
struct Meta {
    status: u16,
    retry_after: Option<Duration>,
}

enum Failure {
    RateLimited(Option<Duration>, String),
    Transient(String),
    Unreachable(String),
    Auth(u16),
    Rejected(u16, String),
    Refused(u16, String),
}

/// The plain reqwest transport, recording each response's status and `Retry-After`.
#[derive(Clone)]
struct Recording {
    http: reqwest::Client,
    last: Arc<Mutex<Option<Meta>>>,
}

type HttpFuture = Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send>>;

impl tower::Service<HttpRequestFactory> for Recording {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = HttpFuture;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequestFactory) -> Self::Future {
        let http = self.http.clone();
        let last = self.last.clone();
        Box::pin(async move {
            let request = request.build().await?;
            let response = http.execute(request).await.map_err(OpenAIError::Reqwest)?;
            let meta = Meta {
                status: response.status().as_u16(),
                retry_after: retry_after(response.headers()),
            };
            if let Ok(mut slot) = last.lock() {
                *slot = Some(meta);
            }
            Ok(response)
        })
    }
}

/// `retry-after-ms`, or `Retry-After` in seconds or as an HTTP date.
fn retry_after(h: &reqwest::header::HeaderMap) -> Option<Duration> {
    let get = |k: &str| h.get(k).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(ms.max(0.0) / 1000.0));
    }
    let v = get("retry-after")?;
    if let Ok(s) = v.parse::<f64>() {
        return Some(Duration::from_secs_f64(s.max(0.0)));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

/// A client for one endpoint, with its own small runtime (the drafter is synchronous).
pub struct Transport {
    client: Client<OpenAIConfig>,
    last: Arc<Mutex<Option<Meta>>>,
    runtime: tokio::runtime::Runtime,
    settings: Settings,
}

impl Transport {
    pub fn new(settings: &Settings) -> Result<Self, LlmError> {
        let http = reqwest::Client::builder()
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .timeout(settings.timeout)
            .build()
            .map_err(|e| {
                LlmError::config("base_url", format!("cannot make an HTTP client: {e}"))
            })?;
        let config = OpenAIConfig::new()
            .with_api_base(settings.base_url.clone())
            .with_api_key(settings.api_key.clone().unwrap_or_default());
        let last = Arc::new(Mutex::new(None));
        let client = Client::build(http.clone(), config).with_http_service(Recording {
            http,
            last: last.clone(),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| LlmError::store("tokio runtime", e))?;
        Ok(Self {
            client,
            last,
            runtime,
            settings: settings.clone(),
        })
    }

    fn url(&self) -> String {
        format!("{}/chat/completions", self.settings.base_url)
    }

    /// Sends `messages`, retrying as the settings allow. `progress` gets the characters
    /// received so far while an answer streams.
    pub fn complete(
        &self,
        messages: &[Message],
        mode: Mode,
        schema: &serde_json::Value,
        progress: &dyn Fn(usize),
    ) -> Result<Completion, CallError> {
        let s = &self.settings;
        let request = ChatRequest {
            model: &s.model,
            messages,
            temperature: s.temperature,
            max_tokens: s.max_tokens,
            stream: s.stream,
            stream_options: s.stream.then(|| serde_json::json!({"include_usage": true})),
            response_format: mode.response_format(schema),
        };
        let mut backoff = s.retry_backoff;
        let mut requests = 0u32;
        loop {
            requests += 1;
            let gave_up = requests > s.retries;
            let failure = match self.runtime.block_on(self.once(&request, progress)) {
                Ok(mut c) => {
                    c.requests = requests;
                    return Ok(c);
                }
                Err(f) => f,
            };
            let wait = match failure {
                Failure::RateLimited(asked, message) => {
                    let wait = asked.unwrap_or(backoff);
                    if gave_up || wait > s.max_retry_wait {
                        let message = if wait > s.max_retry_wait {
                            format!(
                                "it asks to wait {}, longer than llm.max_retry_wait ({})",
                                secs(wait),
                                secs(s.max_retry_wait)
                            )
                        } else {
                            format!("{requests} requests answered 429 ({message})")
                        };
                        return Err(CallError::Fatal(LlmError::RateLimited {
                            url: self.url(),
                            message,
                        }));
                    }
                    if asked.is_none() {
                        backoff = backoff.saturating_mul(2);
                    }
                    wait
                }
                Failure::Transient(message) => {
                    if gave_up {
                        return Err(CallError::Fatal(LlmError::Server {
                            url: self.url(),
                            attempts: requests,
                            message,
                        }));
                    }
                    let wait = backoff;
                    backoff = backoff.saturating_mul(2);
                    wait
                }
                Failure::Unreachable(message) => {
                    if gave_up {
                        return Err(CallError::Fatal(LlmError::Unreachable {
                            url: self.url(),
                            message,
                        }));
                    }
                    let wait = backoff;
                    backoff = backoff.saturating_mul(2);
                    wait
                }
                Failure::Auth(status) => {
                    return Err(CallError::Fatal(LlmError::Auth {
                        url: self.url(),
                        status,
                        env: s.api_key_env.clone(),
                    }));
                }
                Failure::Rejected(status, message) => {
                    return Err(CallError::Rejected {
                        status,
                        message,
                        requests,
                    });
                }
                Failure::Refused(status, message) => {
                    return Err(CallError::Fatal(LlmError::Refused {
                        url: self.url(),
                        status,
                        message,
                    }));
                }
            };
            std::thread::sleep(wait);
        }
    }

    async fn once(
        &self,
        request: &ChatRequest<'_>,
        progress: &dyn Fn(usize),
    ) -> Result<Completion, Failure> {
        if let Ok(mut slot) = self.last.lock() {
            *slot = None;
        }
        let chat = self.client.chat();
        if !request.stream {
            let r: ChatResponse = chat
                .create_byot(request)
                .await
                .map_err(|e| self.classify(e))?;
            let choice = r.choices.into_iter().next().unwrap_or_default();
            let usage = r.usage.unwrap_or_default();
            return Ok(Completion {
                content: choice.message.and_then(|m| m.content).unwrap_or_default(),
                finish_reason: choice.finish_reason,
                tokens_in: usage.prompt_tokens.unwrap_or(0),
                tokens_out: usage.completion_tokens.unwrap_or(0),
                usage_reported: usage.prompt_tokens.is_some(),
                requests: 0,
            });
        }
        let mut stream = chat
            .create_stream_byot::<_, ChatResponse>(request)
            .await
            .map_err(|e| self.classify(e))?;
        let mut out = Completion::default();
        // Whether some chunk said how the answer ended (`""` counts: some servers send that).
        let mut ended = false;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                Failure::Transient(format!(
                    "the answer stream was cut after {} characters: {}",
                    out.content.len(),
                    one_line(&e.to_string())
                ))
            })?;
            if let Some(u) = chunk.usage {
                out.usage_reported |= u.prompt_tokens.is_some();
                out.tokens_in = u.prompt_tokens.unwrap_or(out.tokens_in);
                out.tokens_out = u.completion_tokens.unwrap_or(out.tokens_out);
            }
            if let Some(c) = chunk.choices.into_iter().next() {
                if let Some(text) = c.delta.or(c.message).and_then(|d| d.content) {
                    out.content.push_str(&text);
                    progress(out.content.len());
                }
                if let Some(r) = c.finish_reason {
                    ended = true;
                    if !r.is_empty() {
                        out.finish_reason = Some(r);
                    }
                }
            }
        }
        if !ended {
            // llama-cpp-python's server ends a stream this way (`[DONE]`, no finish reason)
            // when another request arrives, unless started with --interrupt_requests false.
            return Err(Failure::Transient(format!(
                "the answer stream ended after {} characters without a finish reason: the server cut it (llama-cpp-python does when another request arrives: start it with --interrupt_requests false, or set llm.concurrency = 1; a server that does not stream at all needs llm.stream = false)",
                out.content.len()
            )));
        }
        Ok(out)
    }

    fn classify(&self, e: OpenAIError) -> Failure {
        let meta = self.last.lock().ok().and_then(|m| *m).unwrap_or_default();
        let message = match &e {
            OpenAIError::ApiError(api) => api.api_error.message.clone(),
            OpenAIError::JSONDeserialize(_, body) => body.clone(),
            other => other.to_string(),
        };
        let message = one_line(&message);
        // llama.cpp's Python server refuses `json_schema` with a 500 naming the field.
        let about_format = message.contains("response_format") || message.contains("json_schema");
        match (meta.status, &e) {
            (429, _) => Failure::RateLimited(meta.retry_after, message),
            (400 | 422 | 500, _) if about_format => Failure::Rejected(meta.status, message),
            (401 | 403, _) => Failure::Auth(meta.status),
            (400 | 422, _) => Failure::Rejected(meta.status, message),
            (s, _) if s >= 500 => Failure::Transient(format!("HTTP {s}: {message}")),
            (408, _) => Failure::Transient(format!("HTTP 408: {message}")),
            (s, _) if s >= 300 => Failure::Refused(s, message),
            (_, OpenAIError::Reqwest(r)) if r.is_timeout() => Failure::Transient(format!(
                "no answer within {} (llm.timeout)",
                secs(self.settings.timeout)
            )),
            (_, OpenAIError::Reqwest(r)) if r.is_connect() => Failure::Unreachable(root_cause(r)),
            (_, OpenAIError::Reqwest(r)) => Failure::Transient(one_line(&error_chain(r))),
            (_, OpenAIError::JSONDeserialize(err, _)) => {
                Failure::Transient(format!("the answer is not a chat completion: {err}"))
            }
            _ => Failure::Transient(message),
        }
    }
}

/// The innermost cause (`Connection refused (os error 111)`): the URL is said already.
fn root_cause(e: &dyn std::error::Error) -> String {
    let mut last = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        last = inner.to_string();
        src = inner.source();
    }
    one_line(&last)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(inner) = src {
        let t = inner.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        src = inner.source();
    }
    s
}

/// The first 300 characters of a message, on one line.
fn one_line(s: &str) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 300 {
        flat.chars().take(300).collect::<String>() + "..."
    } else {
        flat
    }
}
