//! The signals that start a graceful shutdown.

use std::future::Future;

/// Listens for SIGTERM and SIGINT (Ctrl-C) and returns a future that completes
/// on the first of them.
///
/// The handlers are installed by this call, not when the future is first
/// polled, so call it before announcing that the server is up: a signal that
/// arrives afterwards always starts a graceful shutdown. Must be called inside
/// a Tokio runtime.
#[cfg(unix)]
pub fn signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let sigterm = signal(SignalKind::terminate());
    let sigint = signal(SignalKind::interrupt());
    async move {
        let term = async {
            match sigterm {
                Ok(mut stream) => stream.recv().await,
                Err(err) => {
                    tracing::error!(error = %err, "cannot listen for SIGTERM");
                    std::future::pending().await
                }
            }
        };
        let int = async {
            match sigint {
                Ok(mut stream) => stream.recv().await,
                Err(err) => {
                    tracing::error!(error = %err, "cannot listen for SIGINT");
                    std::future::pending().await
                }
            }
        };
        tokio::select! {
            _ = term => tracing::info!(signal = "SIGTERM", "signal received"),
            _ = int => tracing::info!(signal = "SIGINT", "signal received"),
        }
    }
}

/// Completes on Ctrl-C.
#[cfg(not(unix))]
pub fn signal() -> impl Future<Output = ()> + Send + 'static {
    async {
        match tokio::signal::ctrl_c().await {
            Ok(()) => tracing::info!(signal = "ctrl-c", "signal received"),
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
        }
    }
}
