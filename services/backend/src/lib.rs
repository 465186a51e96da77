//! Backend of berth's sample app: a small to-do list REST API kept in memory.
//!
//! [`app`] builds the whole HTTP surface as an axum [`Router`], so tests can
//! drive it without a socket; [`serve`] runs it with graceful shutdown.
#![forbid(unsafe_code)]

pub mod config;
pub mod error;
pub mod extract;
pub mod middleware;
pub mod model;
pub mod routes;
pub mod shutdown;
pub mod state;
pub mod store;
pub mod telemetry;

use std::future::{Future, IntoFuture};
use std::io;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower_http::catch_panic::CatchPanicLayer;

pub use state::AppState;

/// Largest request body accepted, in bytes; bigger bodies get 413.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Builds the router: every route, the JSON fallbacks, limits and the request log.
pub fn app(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(routes::healthz))
        .route("/readyz", get(routes::readyz))
        .route(
            "/api/items",
            get(routes::list_items).post(routes::create_item),
        )
        .route(
            "/api/items/{id}",
            get(routes::get_item)
                .patch(routes::update_item)
                .delete(routes::delete_item),
        )
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(middleware::request_timeout))
        .layer(CatchPanicLayer::custom(middleware::panic_response))
        .layer(axum::middleware::from_fn(middleware::log_request))
        .with_state(state)
}

/// Serves [`app`] on `listener` until `signal` completes, then stops accepting
/// connections, marks the state not ready and lets in-flight requests finish.
///
/// Returns an error if the listener fails, or if draining takes longer than
/// `drain_timeout` (the remaining connections are then dropped).
pub async fn serve<F>(
    listener: TcpListener,
    state: AppState,
    signal: F,
    drain_timeout: Duration,
) -> io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let (draining_tx, mut draining_rx) = watch::channel(false);
    let shutdown_state = state.clone();
    let shutdown = async move {
        signal.await;
        shutdown_state.set_ready(false);
        tracing::info!("shutdown signal received; draining in-flight requests");
        draining_tx.send_replace(true);
    };
    let deadline = async move {
        if draining_rx.wait_for(|draining| *draining).await.is_err() {
            // The server ended without a signal: nothing to time out.
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(drain_timeout).await;
    };
    let server = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .into_future();
    tokio::select! {
        result = server => result,
        () = deadline => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("connections still open {drain_timeout:?} after the shutdown signal"),
        )),
    }
}
