//! The router driven in-process with `oneshot`: every route and every class of bad request.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use backend::{AppState, MAX_BODY_BYTES, app};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
}

async fn call(app: &Router, method: &str, uri: &str, ctype: Option<&str>, body: &str) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ctype) = ctype {
        req = req.header(header::CONTENT_TYPE, ctype);
    }
    let req = req.body(Body::from(body.to_owned())).unwrap();
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?}",
                String::from_utf8_lossy(&bytes)
            )
        })
    };
    Reply {
        status,
        headers,
        body,
    }
}

async fn json(app: &Router, method: &str, uri: &str, body: Value) -> Reply {
    call(
        app,
        method,
        uri,
        Some("application/json"),
        &body.to_string(),
    )
    .await
}

async fn get(app: &Router, uri: &str) -> Reply {
    call(app, "GET", uri, None, "").await
}

/// Asserts a JSON error answer with a non-empty message and returns the message.
fn error(reply: &Reply, status: StatusCode) -> String {
    assert_eq!(reply.status, status, "body: {}", reply.body);
    let message = reply.body["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error message: {}", reply.body));
    assert!(!message.is_empty());
    assert_eq!(reply.headers[header::CONTENT_TYPE], "application/json");
    message.to_owned()
}

fn fresh() -> Router {
    app(AppState::new(100))
}

#[tokio::test]
async fn health_and_readiness() {
    let state = AppState::new(10);
    let router = app(state.clone());
    let reply = get(&router, "/healthz").await;
    assert_eq!(
        (reply.status, reply.body),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    assert_eq!(get(&router, "/readyz").await.status, StatusCode::OK);
    state.set_ready(false);
    let reply = get(&router, "/readyz").await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.body, json!({"status": "shutting down"}));
    assert_eq!(
        get(&router, "/healthz").await.status,
        StatusCode::OK,
        "alive while draining"
    );
}

#[tokio::test]
async fn create_list_get_update_delete() {
    let app = fresh();
    let list = get(&app, "/api/items").await;
    assert_eq!((list.status, list.body), (StatusCode::OK, json!([])));

    let created = json(&app, "POST", "/api/items", json!({"title": "  buy milk  "})).await;
    assert_eq!(created.status, StatusCode::CREATED);
    assert_eq!(created.body["id"], 1);
    assert_eq!(created.body["title"], "buy milk");
    assert_eq!(created.body["done"], false);
    assert!(created.body["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(created.headers[header::LOCATION], "/api/items/1");
    json(&app, "POST", "/api/items", json!({"title": "walk dog"})).await;

    let list = get(&app, "/api/items").await;
    let titles: Vec<_> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].clone())
        .collect();
    assert_eq!(titles, vec![json!("buy milk"), json!("walk dog")]);
    assert_eq!(get(&app, "/api/items/1").await.body, created.body);

    let done = json(&app, "PATCH", "/api/items/1", json!({"done": true})).await;
    assert_eq!(done.status, StatusCode::OK);
    assert_eq!(
        (done.body["done"].clone(), done.body["title"].clone()),
        (json!(true), json!("buy milk"))
    );
    let renamed = json(
        &app,
        "PATCH",
        "/api/items/1",
        json!({"title": " oat milk "}),
    )
    .await;
    assert_eq!(
        (renamed.body["title"].clone(), renamed.body["done"].clone()),
        (json!("oat milk"), json!(true))
    );
    let noop = json(&app, "PATCH", "/api/items/1", json!({})).await;
    assert_eq!(
        (noop.status, noop.body),
        (StatusCode::OK, renamed.body.clone())
    );
    let ctype = "application/merge-patch+json";
    let merge = call(
        &app,
        "PATCH",
        "/api/items/1",
        Some(ctype),
        r#"{"done":false}"#,
    )
    .await;
    assert_eq!(merge.body["done"], false);

    let deleted = call(&app, "DELETE", "/api/items/1", None, "").await;
    assert_eq!(
        (deleted.status, deleted.body),
        (StatusCode::NO_CONTENT, Value::Null)
    );
    let list = get(&app, "/api/items").await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn missing_items_are_404() {
    let app = fresh();
    assert!(error(&get(&app, "/api/items/7").await, StatusCode::NOT_FOUND).contains("item 7"));
    let patch = json(&app, "PATCH", "/api/items/7", json!({"done": true})).await;
    assert!(error(&patch, StatusCode::NOT_FOUND).contains("item 7"));
    let delete = call(&app, "DELETE", "/api/items/7", None, "").await;
    error(&delete, StatusCode::NOT_FOUND);
    json(&app, "POST", "/api/items", json!({"title": "a"})).await;
    assert_eq!(
        call(&app, "DELETE", "/api/items/1", None, "").await.status,
        StatusCode::NO_CONTENT
    );
    error(
        &call(&app, "DELETE", "/api/items/1", None, "").await,
        StatusCode::NOT_FOUND,
    );
}

#[tokio::test]
async fn bad_ids_are_400() {
    let app = fresh();
    for id in ["abc", "-1", "1.5", "18446744073709551616", "%FF"] {
        let uri = format!("/api/items/{id}");
        error(
            &call(&app, "DELETE", &uri, None, "").await,
            StatusCode::BAD_REQUEST,
        );
        let patch = json(&app, "PATCH", &uri, json!({"done": true})).await;
        error(&patch, StatusCode::BAD_REQUEST);
    }
}

#[tokio::test]
async fn invalid_titles_are_400() {
    let app = fresh();
    let long = "x".repeat(201);
    for title in ["", "   ", long.as_str(), "two\nlines"] {
        let reply = json(&app, "POST", "/api/items", json!({ "title": title })).await;
        assert!(error(&reply, StatusCode::BAD_REQUEST).contains("title"));
    }
    let ok = json(
        &app,
        "POST",
        "/api/items",
        json!({"title": "é".repeat(200)}),
    )
    .await;
    assert_eq!(ok.status, StatusCode::CREATED);
    let reply = json(&app, "PATCH", "/api/items/1", json!({"title": " "})).await;
    error(&reply, StatusCode::BAD_REQUEST);
    assert_eq!(
        get(&app, "/api/items").await.body.as_array().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = fresh();
    for body in [
        "{",
        "not json",
        "",
        r#"{"title": "a",}"#,
        r#"{"title":"a"} trailing"#,
    ] {
        let reply = call(&app, "POST", "/api/items", Some("application/json"), body).await;
        assert!(
            error(&reply, StatusCode::BAD_REQUEST).contains("not valid JSON"),
            "{body:?}"
        );
    }
    let reply = call(&app, "PATCH", "/api/items/1", Some("application/json"), "{").await;
    error(&reply, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn wrong_shapes_are_422() {
    let app = fresh();
    json(&app, "POST", "/api/items", json!({"title": "a"})).await;
    let cases = [
        ("POST", "/api/items", json!({"title": 5}), "invalid type"),
        ("POST", "/api/items", json!({"title": null}), "invalid type"),
        ("POST", "/api/items", json!({}), "missing field `title`"),
        (
            "POST",
            "/api/items",
            json!({"title": "a", "done": true}),
            "unknown field `done`",
        ),
        ("POST", "/api/items", json!("title"), "invalid type"),
        ("POST", "/api/items", json!([]), "invalid length 0"),
        (
            "PATCH",
            "/api/items/1",
            json!({"done": "yes"}),
            "invalid type",
        ),
        (
            "PATCH",
            "/api/items/1",
            json!({"id": 9}),
            "unknown field `id`",
        ),
    ];
    for (method, uri, body, expected) in cases {
        let reply = json(&app, method, uri, body.clone()).await;
        let message = error(&reply, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(message.contains(expected), "{body}: {message}");
    }
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = fresh();
    let body = r#"{"title":"a"}"#;
    for ctype in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
    ] {
        let reply = call(&app, "POST", "/api/items", ctype, body).await;
        assert!(error(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE).contains("application/json"));
    }
    let reply = call(
        &app,
        "PATCH",
        "/api/items/1",
        Some("text/plain"),
        r#"{"done":true}"#,
    )
    .await;
    error(&reply, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = fresh();
    let big = json!({"title": "x".repeat(MAX_BODY_BYTES)}).to_string();
    let reply = call(&app, "POST", "/api/items", Some("application/json"), &big).await;
    assert!(error(&reply, StatusCode::PAYLOAD_TOO_LARGE).contains("16384"));
    let megabyte = "a".repeat(1 << 20);
    let reply = call(
        &app,
        "POST",
        "/api/items",
        Some("application/json"),
        &megabyte,
    )
    .await;
    error(&reply, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(get(&app, "/api/items").await.body, json!([]));
}

#[tokio::test]
async fn unknown_routes_are_404_json() {
    let app = fresh();
    for (method, uri) in [
        ("GET", "/"),
        ("GET", "/api"),
        ("GET", "/api/items/"),
        ("POST", "/nope"),
        ("GET", "/api/items/1/x"),
    ] {
        let reply = call(&app, method, uri, None, "").await;
        assert!(
            error(&reply, StatusCode::NOT_FOUND).contains("no route"),
            "{method} {uri}"
        );
    }
}

#[tokio::test]
async fn wrong_methods_are_405_json() {
    let app = fresh();
    for (method, uri) in [
        ("PUT", "/api/items"),
        ("DELETE", "/api/items"),
        ("POST", "/api/items/1"),
        ("POST", "/healthz"),
    ] {
        let reply = call(&app, method, uri, None, "").await;
        assert!(
            error(&reply, StatusCode::METHOD_NOT_ALLOWED).contains(method),
            "{method} {uri}"
        );
    }
    let reply = call(&app, "PUT", "/api/items", None, "").await;
    let allow = reply
        .headers
        .get(header::ALLOW)
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        allow.as_deref().is_some_and(|a| a.contains("POST")),
        "Allow: {allow:?}"
    );
}

#[tokio::test]
async fn item_cap_is_507() {
    let app = app(AppState::new(2));
    for title in ["a", "b"] {
        assert_eq!(
            json(&app, "POST", "/api/items", json!({"title": title}))
                .await
                .status,
            StatusCode::CREATED
        );
    }
    let reply = json(&app, "POST", "/api/items", json!({"title": "c"})).await;
    assert!(error(&reply, StatusCode::INSUFFICIENT_STORAGE).contains("full"));
    call(&app, "DELETE", "/api/items/1", None, "").await;
    let reply = json(&app, "POST", "/api/items", json!({"title": "c"})).await;
    assert_eq!(reply.status, StatusCode::CREATED);
}

#[tokio::test(start_paused = true)]
async fn stalled_bodies_get_408() {
    use http_body_util::channel::Channel;
    let (_sender, body) = Channel::<axum::body::Bytes, std::convert::Infallible>::new(1);
    let req = Request::post("/api/items")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::new(body))
        .unwrap();
    let res = fresh().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("10 seconds"),
        "{body}"
    );
}
