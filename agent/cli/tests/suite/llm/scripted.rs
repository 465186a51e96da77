//! A scripted OpenAI-compatible server for the LLM drafter's tests: each request to
//! `/v1/chat/completions` is recorded and answered by the test's script, which sees the request
//! (artifact, starting point, messages) and returns a `Reply`. Listens on 127.0.0.1 only.

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Request {
    pub body: Value,
    pub authorization: Option<String>,
    /// 0-based position among all requests the server got.
    pub index: usize,
}

impl Request {
    /// The artifact id named in the system prompt (`backend/deployment`).
    pub fn artifact(&self) -> String {
        let system = self.message(0);
        system
            .split("artifact `")
            .nth(1)
            .and_then(|s| s.split('`').next())
            .unwrap_or("")
            .to_string()
    }

    pub fn message(&self, i: usize) -> String {
        self.body["messages"][i]["content"]
            .as_str()
            .unwrap_or("")
            .to_string()
    }

    pub fn messages(&self) -> usize {
        self.body["messages"].as_array().map_or(0, Vec::len)
    }

    /// A repair request: the previous answer and the findings were sent back.
    pub fn is_repair(&self) -> bool {
        self.messages() > 2
    }

    pub fn response_format(&self) -> Option<String> {
        self.body["response_format"]["type"]
            .as_str()
            .map(str::to_string)
    }

    /// The offline draft the prompt offers as the starting point: (path, contents).
    pub fn starting_point(&self) -> Vec<(String, String)> {
        let user = self.message(1);
        let mut out = Vec::new();
        for part in user.split("\n### ").skip(1) {
            let Some((path, rest)) = part.split_once("\n\n```") else {
                continue;
            };
            let Some((_, body)) = rest.split_once('\n') else {
                continue;
            };
            let contents = match body.find("```") {
                Some(end) => &body[..end],
                None => continue,
            };
            out.push((path.trim().to_string(), contents.to_string()));
        }
        out
    }

    /// The starting point as a JSON answer, each file changed by `edit`.
    pub fn echo(&self, edit: impl Fn(&str, &str) -> String) -> String {
        answer(
            self.starting_point()
                .iter()
                .map(|(p, c)| (p.clone(), edit(p, c)))
                .collect(),
        )
    }
}

/// A JSON answer holding `files`.
pub fn answer(files: Vec<(String, String)>) -> String {
    json!({
        "files": files.iter().map(|(p, c)| json!({"path": p, "contents": c})).collect::<Vec<_>>(),
        "rationale": "scripted",
    })
    .to_string()
}

/// An edits answer: (path, find, replace) for each edit.
pub fn edits(list: &[(&str, &str, &str)]) -> String {
    json!({
        "edits": list.iter().map(|(p, f, r)| json!({"path": p, "find": f, "replace": r})).collect::<Vec<_>>(),
        "rationale": "scripted edits",
    })
    .to_string()
}

/// What the server answers.
pub enum Reply {
    /// A chat completion (streamed if the request asked) with this message content.
    Answer(String),
    /// The same with a chosen finish_reason (`""` included).
    AnswerFinish(String, &'static str),
    /// An HTTP error: status, headers, body.
    Status(u16, Vec<(&'static str, String)>, String),
    /// A stream that breaks off after part of `content`, without [DONE].
    CutStream(String),
    /// A stream that ends with [DONE] after part of `content`, no chunk giving a finish
    /// reason: what llama-cpp-python's server sends when another request interrupts it.
    Interrupted(String),
    /// An answer that comes after this many milliseconds.
    Late(u64, String),
    /// A streamed answer whose last chunk (empty `choices`) carries these token counts, or
    /// that carries none, as llama-cpp-python 0.3.36 streams whatever `stream_options` says.
    Usage(String, Option<(u64, u64)>),
}

type Script = dyn Fn(&Request) -> Reply + Send + Sync;

#[derive(Clone)]
struct Shared {
    script: Arc<Script>,
    log: Arc<Mutex<Vec<Request>>>,
    /// Requests being answered now, and the most there ever were at once.
    in_flight: Arc<Mutex<(usize, usize)>>,
}

pub struct Server {
    pub url: String,
    log: Arc<Mutex<Vec<Request>>>,
    in_flight: Arc<Mutex<(usize, usize)>>,
    _runtime: tokio::runtime::Runtime,
}

impl Server {
    pub fn start(script: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let in_flight = Arc::new(Mutex::new((0, 0)));
        let shared = Shared {
            script: Arc::new(script),
            log: log.clone(),
            in_flight: in_flight.clone(),
        };
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/v1/chat/completions", axum::routing::post(handle))
            .with_state(shared);
        runtime.spawn(async move { axum::serve(listener, app).await });
        Server {
            url: format!("http://{addr}/v1"),
            log,
            in_flight,
            _runtime: runtime,
        }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.log.lock().unwrap().len()
    }

    /// The most requests the server was answering at once.
    pub fn most_at_once(&self) -> usize {
        self.in_flight.lock().unwrap().1
    }
}

/// Counts a request in flight until dropped.
struct InFlight(Arc<Mutex<(usize, usize)>>);

impl InFlight {
    fn new(counts: &Arc<Mutex<(usize, usize)>>) -> Self {
        let mut c = counts.lock().unwrap();
        c.0 += 1;
        c.1 = c.1.max(c.0);
        InFlight(counts.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.lock().unwrap().0 -= 1;
    }
}

async fn handle(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let _counted = InFlight::new(&s.in_flight);
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let req = {
        let mut log = s.log.lock().unwrap();
        let req = Request {
            body,
            authorization: headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            index: log.len(),
        };
        log.push(req.clone());
        req
    };
    let stream = req.body["stream"].as_bool().unwrap_or(false);
    match (s.script)(&req) {
        Reply::Answer(c) => completion(&c, "stop", stream),
        Reply::AnswerFinish(c, f) => completion(&c, f, stream),
        Reply::Status(code, hs, body) => {
            let mut r = (StatusCode::from_u16(code).unwrap(), body).into_response();
            for (k, v) in hs {
                r.headers_mut().insert(k, v.parse().unwrap());
            }
            r
        }
        Reply::Late(ms, c) => {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            completion(&c, "stop", stream)
        }
        Reply::Usage(c, usage) => {
            let mut text = sse(&chunk(&c, None));
            text.push_str(&sse(&chunk("", Some("stop"))));
            if let Some((i, o)) = usage {
                text.push_str(&sse(&json!({"id": "x", "object": "chat.completion.chunk",
                    "choices": [], "usage": {"prompt_tokens": i, "completion_tokens": o, "total_tokens": i + o}})));
            }
            text.push_str("data: [DONE]\n\n");
            sse_response(Body::from(text))
        }
        Reply::Interrupted(c) => {
            let half: String = c.chars().take(c.chars().count() / 2).collect();
            sse_response(Body::from(format!(
                "{}data: [DONE]\n\n",
                sse(&chunk(&half, None))
            )))
        }
        Reply::CutStream(c) => {
            let half: String = c.chars().take(c.chars().count() / 2).collect();
            let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
                Ok(Bytes::from(sse(&chunk(&half, None)))),
                Err(std::io::Error::other("connection cut")),
            ];
            sse_response(Body::from_stream(futures_util::stream::iter(chunks)))
        }
    }
}

fn chunk(content: &str, finish: Option<&str>) -> Value {
    json!({"id": "x", "object": "chat.completion.chunk", "model": "test-model",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": finish}]})
}

fn sse(v: &Value) -> String {
    format!("data: {v}\n\n")
}

fn sse_response(body: Body) -> Response {
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(body)
        .unwrap()
}

fn completion(content: &str, finish: &str, stream: bool) -> Response {
    let usage = json!({"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120});
    if !stream {
        return axum::Json(json!({
            "id": "x", "object": "chat.completion", "model": "test-model",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
            "usage": usage,
        }))
        .into_response();
    }
    let mut text = String::new();
    let chars: Vec<char> = content.chars().collect();
    for piece in chars.chunks(200) {
        text.push_str(&sse(&chunk(&piece.iter().collect::<String>(), None)));
    }
    text.push_str(&sse(&chunk("", Some(finish))));
    text.push_str(&sse(&json!({"id": "x", "choices": [], "usage": usage})));
    text.push_str("data: [DONE]\n\n");
    sse_response(Body::from(text))
}
