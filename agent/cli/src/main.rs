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
    output::init_width();
    match commands::run(args) {
        Ok(code) => ExitCode::from(code.code()),
        Err(err) => {
            // The chain once, outermost first, like `error: ...: caused by`.
            let mut msg = String::new();
            for (i, e) in err.chain().enumerate() {
                let text = e.to_string();
                if i == 0 {
                    msg = format!("error: {text}");
                } else if !msg.contains(&text) {
                    msg.push_str(&format!("\n  caused by: {text}"));
                }
            }
            output::eprintln_safe(&msg);
            ExitCode::from(err.exit().code())
        }
    }
}
