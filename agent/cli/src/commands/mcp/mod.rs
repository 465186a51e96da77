//! `berth mcp`: the project root in; berth's tools (plan, draft, diff, validate, status, and
//! approve and apply that always refuse) served to a coding agent over the Model Context
//! Protocol on stdin/stdout until the client closes them. Stdout carries only the protocol:
//! anything else berth says goes to stderr.

mod calls;
mod paths;
mod server;

use super::{Error, Exit, external};
use crate::cli::Cli;
use rmcp::ServiceExt;
use std::path::Path;

pub fn run(cli: &Cli, root: &Path) -> Result<Exit, Error> {
    // Answers are read by a program: no colour codes in the text.
    console::set_colors_enabled(false);
    console::set_colors_enabled_stderr(false);
    let root = root
        .canonicalize()
        .map_err(|e| Error::usage(format!("{}: {e}", root.display())))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| external(format!("cannot start the MCP server: {e}")))?;
    crate::output::eprintln_safe(&format!(
        "berth mcp: serving {} over stdio (approve and apply stay with a person)",
        root.display()
    ));
    runtime.block_on(async {
        let service = server::Berth::new(root, cli.lock_timeout)
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| external(format!("MCP handshake failed: {e}")))?;
        service
            .waiting()
            .await
            .map_err(|e| external(format!("MCP server stopped: {e}")))?;
        Ok(Exit::Ok)
    })
}
