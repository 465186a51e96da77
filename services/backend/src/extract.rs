//! Extractors whose rejections are JSON [`ApiError`]s instead of axum's plain text.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;

use crate::error::ApiError;

/// Like [`axum::Json`], but bad bodies are answered with a JSON error.
#[derive(Debug)]
pub struct AppJson<T>(pub T);

impl<S, T> FromRequest<S> for AppJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(ApiError::from(rejection)),
        }
    }
}

/// The `{id}` path segment, a non-negative integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ItemId(pub u64);

impl<S> FromRequestParts<S> for ItemId
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))?;
        raw.parse::<u64>().map(Self).map_err(|_| {
            ApiError::bad_request(format!(
                "item id must be a non-negative integer, got {raw:?}"
            ))
        })
    }
}
