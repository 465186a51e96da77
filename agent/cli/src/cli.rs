//! Command-line arguments (clap types only; commands/ runs them).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(name = "berth", version, about = "From spec markdown to a running deployment on a local Kubernetes cluster")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Output format.
    #[arg(long, short = 'o', global = true, value_enum, default_value_t = Output::Human)]
    pub output: Output,
    /// When to use colour (NO_COLOR turns it off for `auto`).
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
    /// The project root (default: the nearest folder upwards holding berth.toml or specs/).
    #[arg(long = "project", short = 'C', global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Read the spec and the services, print the plan, and write tasks.md beside the spec.
    Plan(PlanArgs),
    /// Print the JSON schema of one of berth's documents.
    Schema(SchemaArgs),
}

#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// A spec folder (holding spec.md, plan.md or tasks.md) or one markdown file; default: every
    /// folder under specs/.
    pub path: Option<PathBuf>,
    /// Don't write tasks.md.
    #[arg(long)]
    pub no_write: bool,
    /// Write nothing; exit 1 if tasks.md is not up to date (for CI).
    #[arg(long, conflicts_with = "no_write")]
    pub check: bool,
}

#[derive(Debug, clap::Args)]
pub struct SchemaArgs {
    #[arg(value_enum)]
    pub document: SchemaDoc,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaDoc {
    /// The output of `berth plan --output json`.
    Plan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Human,
    Json,
    Yaml,
    Sarif,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}
