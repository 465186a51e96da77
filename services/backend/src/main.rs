#![forbid(unsafe_code)]

use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;

use backend::config::Config;
use backend::{AppState, shutdown, telemetry};
use tokio::net::TcpListener;

/// Port the server listens on when `PORT` is not set.
const DEFAULT_PORT: u16 = 8080;
/// Address the server binds when `HOST` is not set: every interface.
const DEFAULT_HOST: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

#[tokio::main]
async fn main() -> ExitCode {
    telemetry::init();
    let config = match Config::from_env(DEFAULT_HOST, DEFAULT_PORT) {
        Ok(config) => config,
        Err(err) => {
            tracing::error!(error = %err, "invalid configuration");
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind((config.host, config.port)).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(error = %err, host = %config.host, port = config.port, "cannot bind");
            return ExitCode::from(1);
        }
    };
    let signal = shutdown::signal();
    match listener.local_addr() {
        Ok(addr) => tracing::info!(addr = %addr, max_items = config.max_items, "listening"),
        Err(err) => tracing::warn!(error = %err, "listening on an unknown address"),
    }
    let state = AppState::new(config.max_items);
    match backend::serve(listener, state, signal, config.drain_timeout).await {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(err) => {
            tracing::error!(error = %err, "server stopped with an error");
            ExitCode::from(1)
        }
    }
}
