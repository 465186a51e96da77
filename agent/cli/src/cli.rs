//! Command-line arguments (clap types only; commands/ runs them).

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "berth",
    version,
    about = "From spec markdown to a running deployment on a local Kubernetes cluster"
)]
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
    /// Draft every planned file and stage it under .berth/staged/ (the tree is not touched).
    Draft(DraftArgs),
    /// Show how the staged drafts differ from the files on disk.
    Diff(DiffArgs),
    /// Review the staged drafts file by file and write the ones you approve.
    Approve(ApproveArgs),
    /// Print the JSON schema of one of berth's documents.
    Schema(SchemaArgs),
}

#[derive(Debug, clap::Args)]
pub struct DraftArgs {
    /// The spec folder or file (default: the only folder under specs/).
    pub path: Option<PathBuf>,
    /// Who drafts.
    #[arg(long, value_enum, default_value_t = Provider::Offline)]
    pub provider: Provider,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    /// berth's built-in templates: deterministic, no network.
    Offline,
}

#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// Only these files (paths or globs).
    pub paths: Vec<String>,
    /// Show a line count per file instead of the diffs.
    #[arg(long)]
    pub stat: bool,
    /// Exit with status 1 when there is a difference, like `git diff --exit-code`.
    #[arg(long)]
    pub exit_code: bool,
}

#[derive(Debug, clap::Args)]
pub struct ApproveArgs {
    /// Approve every staged file without asking (files edited by hand are still kept; see --force).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Only files matching this glob (repeatable), e.g. `manifests/**`.
    #[arg(long, value_name = "GLOB")]
    pub only: Vec<String>,
    /// With --yes, also overwrite files edited by hand since berth wrote them.
    #[arg(long)]
    pub force: bool,
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
