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

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    output::init_color(args.color);
    output::init_width(args.output);
    match commands::run(args) {
        Ok(code) => ExitCode::from(code.code()),
        Err(err) => {
            let msg = output::error_message(&err);
            output::eprintln_safe(&msg);
            ExitCode::from(err.exit().code())
        }
    }
}
