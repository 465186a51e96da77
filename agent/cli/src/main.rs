//! The `berth` binary: arguments in, a command run against berth-core, an exit status out.
//! Exit status: 0 success; 1 findings or drift; 2 bad usage, config or input; 3 an external
//! system (disk, cluster, LLM) failed.
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod output;
mod render;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    output::init_color(args.color);
    match commands::run(args) {
        Ok(code) => code.into(),
        Err(err) => {
            // The chain once, outermost first, like `error: ...: caused by`.
            let mut msg = format!("error: {err}");
            let mut source = std::error::Error::source(err.as_ref());
            while let Some(s) = source {
                let text = s.to_string();
                if !msg.contains(&text) {
                    msg.push_str(&format!("\n  caused by: {text}"));
                }
                source = s.source();
            }
            output::eprintln_safe(&msg);
            err.exit_code().into()
        }
    }
}
