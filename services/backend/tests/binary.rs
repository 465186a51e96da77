//! Starts the real binary on a free loopback port, talks HTTP to it over TCP,
//! and stops it with signals.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

const WAIT: Duration = Duration::from_secs(15);

struct Server {
    child: Child,
    addr: SocketAddr,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Server {
    fn start(env: &[(&str, &str)]) -> Self {
        let mut child = spawn(env);
        let stdout = child.stdout.take().expect("stdout is piped");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel();
        let sink = Arc::clone(&logs);
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(event) = serde_json::from_str::<Value>(&line)
                    && event["message"] == "listening"
                {
                    let addr = event["addr"]
                        .as_str()
                        .unwrap_or_default()
                        .parse::<SocketAddr>();
                    let _ = tx.send(addr);
                }
                sink.lock().unwrap().push(line);
            }
        });
        let addr = match rx.recv_timeout(WAIT) {
            Ok(Ok(addr)) => addr,
            other => {
                let _ = child.kill();
                panic!(
                    "server did not announce its address: {other:?}; logs: {:?}",
                    logs.lock().unwrap()
                );
            }
        };
        assert!(addr.ip().is_loopback(), "{addr}");
        Self { child, addr, logs }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{name} failed");
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                thread::sleep(Duration::from_millis(100)); // let the reader take the last lines
                return status;
            }
            assert!(
                started.elapsed() < WAIT,
                "server still running {WAIT:?} after the signal"
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    fn events(&self) -> Vec<Value> {
        let lines = self.logs.lock().unwrap();
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.running() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn spawn(env: &[(&str, &str)]) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_backend"));
    command
        .env_remove("RUST_LOG")
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("LOG_LEVEL", "info")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    command.spawn().expect("binary starts")
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(WAIT)).unwrap();
    stream.set_write_timeout(Some(WAIT)).unwrap();
    stream
}

fn head(method: &str, path: &str, body_len: Option<usize>) -> String {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    if let Some(len) = body_len {
        head.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {len}\r\n"
        ));
    }
    head + "\r\n"
}

/// Reads a whole `Connection: close` response: (status, body).
fn read_response(mut stream: TcpStream) -> (u16, String) {
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("read response");
    let (head, body) = raw
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {raw:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line: {head:?}"));
    (status, body.to_owned())
}

fn request(addr: SocketAddr, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut stream = connect(addr);
    let mut bytes = head(method, path, body.map(str::len)).into_bytes();
    bytes.extend_from_slice(body.unwrap_or_default().as_bytes());
    stream.write_all(&bytes).expect("send request");
    read_response(stream)
}

fn error_message(body: &str) -> String {
    let value: Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"));
    value["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error field: {body}"))
        .to_owned()
}

#[test]
fn serves_http_logs_requests_and_exits_0_on_sigterm() {
    let mut server = Server::start(&[]);
    let addr = server.addr;
    assert_eq!(request(addr, "GET", "/healthz", None).0, 200);
    assert_eq!(request(addr, "GET", "/readyz", None).0, 200);
    let (status, body) = request(addr, "POST", "/api/items", Some(r#"{"title":" first "}"#));
    assert_eq!(status, 201, "{body}");
    let item: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (item["id"].as_u64(), item["title"].as_str()),
        (Some(1), Some("first"))
    );
    let (status, body) = request(addr, "GET", "/api/items", None);
    assert_eq!(
        (status, serde_json::from_str::<Value>(&body).unwrap()),
        (200, Value::Array(vec![item]))
    );
    let (status, body) = request(addr, "POST", "/api/items", Some("{not json"));
    assert_eq!(status, 400);
    assert!(error_message(&body).contains("not valid JSON"));
    let (status, body) = request(addr, "PATCH", "/api/items/1", Some(r#"{"done":"yes"}"#));
    assert_eq!(status, 422);
    assert!(error_message(&body).contains("invalid type"));
    let (status, body) = request(addr, "GET", "/nowhere", None);
    assert_eq!(status, 404);
    assert!(error_message(&body).contains("/nowhere"));
    assert_eq!(request(addr, "DELETE", "/api/items/1", None).0, 204);
    assert_eq!(
        request(addr, "GET", "/healthz", None).0,
        200,
        "still serving after errors"
    );

    server.signal("TERM");
    let status = server.wait_exit();
    assert_eq!(status.code(), Some(0), "{status}");
    assert!(
        TcpStream::connect(addr).is_err(),
        "port still open after exit"
    );

    let events = server.events();
    let requests: Vec<&Value> = events
        .iter()
        .filter(|e| e["message"] == "request")
        .collect();
    assert_eq!(requests.len(), 9, "one log line per request: {events:?}");
    let post = requests
        .iter()
        .find(|e| e["method"] == "POST" && e["status"] == 201)
        .expect("POST logged");
    assert_eq!(post["path"], "/api/items");
    assert_eq!(post["level"], "INFO");
    assert!(
        post["latency_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{post}"
    );
    assert!(post["timestamp"].is_string());
    let messages: Vec<&str> = events
        .iter()
        .filter_map(|e| e["message"].as_str())
        .collect();
    assert!(
        messages.contains(&"shutdown signal received; draining in-flight requests"),
        "{messages:?}"
    );
    assert_eq!(messages.last(), Some(&"stopped"));
}

#[test]
fn in_flight_request_finishes_after_sigterm_and_new_connections_are_refused() {
    let mut server = Server::start(&[]);
    let body = r#"{"title":"sent across the shutdown"}"#;
    let (first, rest) = body.split_at(10);
    let mut stream = connect(server.addr);
    stream
        .write_all(head("POST", "/api/items", Some(body.len())).as_bytes())
        .unwrap();
    stream.write_all(first.as_bytes()).unwrap();
    thread::sleep(Duration::from_millis(300)); // the handler is now waiting for the body

    server.signal("TERM");
    thread::sleep(Duration::from_millis(500));
    assert!(server.running(), "exited with a request in flight");
    assert!(
        TcpStream::connect(server.addr).is_err(),
        "still accepting after SIGTERM"
    );

    stream.write_all(rest.as_bytes()).unwrap();
    let (status, reply) = read_response(stream);
    assert_eq!(status, 201, "{reply}");
    assert!(reply.contains("sent across the shutdown"));
    assert_eq!(server.wait_exit().code(), Some(0));
}

#[test]
fn ctrl_c_also_stops_cleanly() {
    // RUST_LOG (directive syntax) wins over LOG_LEVEL; here it hides the request lines.
    let filter = "warn,backend=info,backend::middleware=warn";
    let mut server = Server::start(&[("LOG_LEVEL", "debug"), ("RUST_LOG", filter)]);
    assert_eq!(request(server.addr, "GET", "/healthz", None).0, 200);
    server.signal("INT");
    assert_eq!(server.wait_exit().code(), Some(0));
    assert!(
        server.events().iter().all(|e| e["message"] != "request"),
        "request lines hidden"
    );
}

#[test]
fn drain_timeout_bounds_shutdown() {
    let mut server = Server::start(&[("SHUTDOWN_TIMEOUT_SECS", "1")]);
    let mut stream = connect(server.addr);
    stream
        .write_all(head("POST", "/api/items", Some(100)).as_bytes())
        .unwrap();
    thread::sleep(Duration::from_millis(300));
    let signalled = Instant::now();
    server.signal("TERM");
    let status = server.wait_exit();
    assert_eq!(status.code(), Some(1), "{status}");
    let waited = signalled.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

#[test]
fn bad_configuration_exits_2_with_a_message() {
    let output = Command::new(env!("CARGO_BIN_EXE_backend"))
        .env("PORT", "eighty")
        .env("HOST", "127.0.0.1")
        .env_remove("RUST_LOG")
        .output()
        .expect("binary runs");
    assert_eq!(output.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("invalid configuration") && stdout.contains("PORT=\\\"eighty\\\""),
        "{stdout}"
    );
}
