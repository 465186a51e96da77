//! The handlers.

use std::time::SystemTime;

use axum::Json;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::error::ApiError;
use crate::extract::{AppJson, ItemId};
use crate::model::{Item, ItemPatch, NewItem, validate_title};
use crate::state::AppState;

/// `GET /healthz`: the process is alive.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 while serving, 503 once shutdown has started.
pub async fn readyz(State(state): State<AppState>) -> Response {
    if state.is_ready() {
        Json(json!({ "status": "ready" })).into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "shutting down" })),
        )
            .into_response()
    }
}

/// `GET /api/items`: every item, oldest first.
pub async fn list_items(State(state): State<AppState>) -> Json<Vec<Item>> {
    let items = state.read().list();
    Json(items)
}

/// `GET /api/items/{id}`.
pub async fn get_item(
    State(state): State<AppState>,
    ItemId(id): ItemId,
) -> Result<Json<Item>, ApiError> {
    let item = state.read().get(id);
    item.map(Json).ok_or_else(|| ApiError::item_not_found(id))
}

/// `POST /api/items` `{"title": "..."}`: 201 with the new item.
pub async fn create_item(
    State(state): State<AppState>,
    AppJson(body): AppJson<NewItem>,
) -> Result<Response, ApiError> {
    let title = validate_title(&body.title).map_err(|e| ApiError::bad_request(e.to_string()))?;
    let created_at = humantime::format_rfc3339_millis(SystemTime::now()).to_string();
    let inserted = state.write().insert(title, created_at);
    let item = inserted.map_err(|full| {
        ApiError::new(
            StatusCode::INSUFFICIENT_STORAGE,
            format!(
                "the list is full ({} items); delete some first",
                full.max_items
            ),
        )
    })?;
    let location = format!("/api/items/{}", item.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(item),
    )
        .into_response())
}

/// `PATCH /api/items/{id}` `{"title"?: "...", "done"?: bool}`.
pub async fn update_item(
    State(state): State<AppState>,
    ItemId(id): ItemId,
    AppJson(patch): AppJson<ItemPatch>,
) -> Result<Json<Item>, ApiError> {
    let title = match patch.title.as_deref() {
        Some(raw) => Some(validate_title(raw).map_err(|e| ApiError::bad_request(e.to_string()))?),
        None => None,
    };
    let updated = state.write().update(id, title, patch.done);
    updated
        .map(Json)
        .ok_or_else(|| ApiError::item_not_found(id))
}

/// `DELETE /api/items/{id}`: 204.
pub async fn delete_item(
    State(state): State<AppState>,
    ItemId(id): ItemId,
) -> Result<StatusCode, ApiError> {
    let removed = state.write().remove(id);
    if removed {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::item_not_found(id))
    }
}

/// Any path without a route.
pub async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no route for {method} {}", uri.path()))
}

/// A known path with a method it does not have.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {method} is not allowed on {}", uri.path()),
    )
}
