//! Every error answer is JSON: `{"error": "<message for a person>"}`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::MAX_BODY_BYTES;

/// An HTTP error status with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: &'a str,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn item_not_found(id: u64) -> Self {
        Self::not_found(format!("item {id} not found"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(ErrorBody {
                error: &self.message,
            }),
        )
            .into_response()
    }
}

impl From<JsonRejection> for ApiError {
    /// Keeps axum's status (400 bad syntax, 422 wrong shape, 415 wrong content
    /// type, 413 too large) and says what was wrong.
    fn from(rejection: JsonRejection) -> Self {
        let status = rejection.status();
        let message = match &rejection {
            JsonRejection::JsonSyntaxError(_) => {
                format!(
                    "request body is not valid JSON: {}",
                    source_text(&rejection)
                )
            }
            JsonRejection::JsonDataError(_) => {
                format!(
                    "request body has the wrong shape: {}",
                    source_text(&rejection)
                )
            }
            JsonRejection::MissingJsonContentType(_) => {
                "expected a JSON body with `Content-Type: application/json`".to_owned()
            }
            _ if status == StatusCode::PAYLOAD_TOO_LARGE => {
                format!("request body is larger than the limit of {MAX_BODY_BYTES} bytes")
            }
            _ => rejection.body_text(),
        };
        Self::new(status, message)
    }
}

/// The serde detail after axum's generic prefix ("Failed to ...: detail").
fn source_text(rejection: &JsonRejection) -> String {
    let text = rejection.body_text();
    match text.split_once(": ") {
        Some((_, detail)) if !detail.is_empty() => detail.to_owned(),
        _ => text,
    }
}
