//! Runs a parsed command line: finds the project, calls the core, renders what it returns.

mod apply;
mod approve;
mod build;
mod ci;
mod diagnose;
mod diff;
mod diff_live;
mod draft;
mod mcp;
mod plan;
mod prompt;
mod prompt_hunks;
mod schema;
mod status;
mod up;
mod validate;

use crate::cli::{Cli, Command};
use std::path::{Path, PathBuf};

pub use berth_core::exit::{Error, Exit};

/// An external system (disk, a builder, the cluster) failed: exit 3.
pub fn external(message: impl Into<String>) -> Error {
    Error::new(Exit::External, message.into())
}

pub fn run(cli: Cli) -> Result<Exit, Error> {
    let cwd = std::env::current_dir()
        .map_err(|e| Error::usage(format!("cannot read the current folder: {e}")))?;
    let root = match &cli.project {
        Some(p) => {
            let p = cwd.join(p);
            if !p.is_dir() {
                return Err(Error::usage(format!(
                    "{}: no such project folder",
                    p.display()
                )));
            }
            p
        }
        None => find_root(&cwd),
    };
    // Every command that writes the tree, .berth/ or the cluster holds the project lock.
    let writes = match &cli.command {
        Command::Draft(_) => Some("draft"),
        Command::Approve(_) => Some("approve"),
        Command::Apply(_) => Some("apply"),
        Command::Build(_) => Some("build"),
        Command::Up(_) => Some("up"),
        Command::Diagnose(a) if !a.no_stage => Some("diagnose"),
        // Without --write or --apply, ci writes nothing, so it may run beside anything.
        Command::Ci(a) if a.write || a.apply => Some("ci"),
        _ => None,
    };
    let _lock = match writes {
        Some(command) => Some(berth_pipeline::lock::take(
            &root,
            command,
            cli.lock_timeout,
            &|m| crate::output::eprintln_safe(m),
        )?),
        None => None,
    };
    match &cli.command {
        Command::Plan(args) => plan::run(&cli, args, &cwd, &root),
        Command::Draft(args) => draft::run(&cli, args, &cwd, &root),
        Command::Diff(args) => diff::run(&cli, args, &root),
        Command::Approve(args) => approve::run(&cli, args, &root),
        Command::Validate(args) => validate::run(&cli, args, &cwd, &root),
        Command::Schema(args) => schema::run(&cli, args, &root),
        Command::Apply(args) => apply::run(&cli, args, &root),
        Command::Build(args) => build::run(&cli, args, &cwd, &root),
        Command::Up(args) => up::run(&cli, args, &cwd, &root),
        Command::Ci(args) => ci::run(&cli, args, &cwd, &root),
        Command::Status(args) => status::run(&cli, args, &cwd, &root),
        Command::Diagnose(args) => diagnose::run(&cli, args, &cwd, &root),
        Command::Mcp => mcp::run(&cli, &root),
        Command::Completions(args) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(args.shell, &mut cmd, "berth", &mut out);
            crate::output::print(&String::from_utf8_lossy(&out));
            Ok(Exit::Ok)
        }
        Command::Man => {
            let mut out = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut out)
                .map_err(|e| external(e.to_string()))?;
            crate::output::print(&String::from_utf8_lossy(&out));
            Ok(Exit::Ok)
        }
    }
}

/// The nearest folder upwards holding berth.toml or specs/, as cargo finds Cargo.toml.
fn find_root(cwd: &Path) -> PathBuf {
    cwd.ancestors()
        .find(|d| d.join("berth.toml").is_file() || d.join("specs").is_dir())
        .unwrap_or(cwd)
        .to_path_buf()
}
