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
    /// How long to wait while another berth works on the project (it holds .berth/lock), e.g.
    /// 30s, 5m; 0 gives up at once.
    #[arg(
        long,
        global = true,
        value_name = "DURATION",
        env = "BERTH_LOCK_TIMEOUT",
        default_value = "5m",
        value_parser = parse_lock_timeout
    )]
    pub lock_timeout: std::time::Duration,
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
    /// Check manifests, Dockerfiles and Helm charts against strict schemas, policy and each other.
    Validate(ValidateArgs),
    /// Print the JSON schema of one of berth's documents.
    Schema(SchemaArgs),
    /// Apply the approved manifests to a local cluster: server-side apply, prune, wait, roll back.
    Apply(ApplyArgs),
    /// Build each service's image with a content-derived tag, into Minikube or a Docker daemon.
    Build(BuildArgs),
    /// Plan, draft, diff, validate, stop for approval, then build, apply, wait and verify.
    Up(UpArgs),
    /// For CI: regenerate everything from the specs, validate, and fail on drift (never prompts).
    Ci(CiArgs),
    /// Where each spec stands: tasks, drafts not approved, approvals not applied, the cluster.
    Status(StatusArgs),
    /// Why the app did not roll out: each cause with its evidence, and the fixes berth can make
    /// staged for `berth diff` and `berth approve` (nothing is applied).
    Diagnose(DiagnoseArgs),
    /// Serve plan, draft (staging only), diff, validate and status to coding agents over the
    /// Model Context Protocol on stdio; it never approves or applies.
    Mcp,
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(CompletionsArgs),
    /// Print berth's man page (roff), e.g. `berth man > berth.1`.
    Man,
}

#[derive(Debug, clap::Args)]
pub struct UpArgs {
    /// The spec folder or file (default: the only folder under specs/).
    pub path: Option<PathBuf>,
    /// Approve every file that validates without asking (files with errors, and files edited
    /// by hand, are not approved, and nothing is applied then).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Stop after approval: write the approved files, build and apply nothing.
    #[arg(long)]
    pub no_apply: bool,
    /// Use the images the manifests name as they are: build nothing.
    #[arg(long)]
    pub no_build: bool,
    /// Where to build (default: minikube for a Minikube context, else docker).
    #[arg(long, value_enum)]
    pub builder: Option<BuilderKind>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// How long to wait for rollouts, e.g. 90s, 5m.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    #[command(flatten)]
    pub drafting: DraftingArgs,
}

/// Who drafts (shared by up and ci).
#[derive(Debug, Clone, clap::Args)]
pub struct DraftingArgs {
    /// Who drafts.
    #[arg(long, value_enum, default_value_t = Provider::Offline)]
    pub provider: Provider,
    /// Never ask a model: answers must come from berth.lock or .berth/cache/ (exit 1 if not).
    #[arg(long)]
    pub frozen: bool,
    /// The model (over BERTH_MODEL and llm.model in berth.toml).
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// The OpenAI-compatible endpoint, up to /v1 (over OPENAI_BASE_URL and llm.base_url).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CiArgs {
    /// The spec folder or file (default: the only folder under specs/).
    pub path: Option<PathBuf>,
    /// Exit 1 on drift or validation errors, writing nothing (the default).
    #[arg(long, conflicts_with = "write")]
    pub check: bool,
    /// Write the regenerated files and berth.lock.
    #[arg(long)]
    pub write: bool,
    /// Never ask a model: what berth.lock and .berth/cache/ hold, or exit 1 naming what changed.
    #[arg(long)]
    pub frozen: bool,
    /// The model, when berth.lock says a model drafted the files (over BERTH_MODEL).
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// The OpenAI-compatible endpoint (over OPENAI_BASE_URL and llm.base_url).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Then approve what validates and apply it; needs --allow-context.
    #[arg(long, requires = "allow_context")]
    pub apply: bool,
    /// The context --apply may use (repeatable).
    #[arg(long, value_name = "NAME")]
    pub allow_context: Vec<String>,
    /// The kubeconfig context for --apply (default: the current one).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// A spec folder or file (default: every folder under specs/).
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Debug, clap::Args)]
pub struct DiagnoseArgs {
    /// A spec folder or file, for the ports and health paths berth found in the code (default:
    /// every folder under specs/, if any).
    pub path: Option<PathBuf>,
    /// Say what is wrong, but stage no fix.
    #[arg(long)]
    pub no_stage: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Who proposes fixes for the causes berth's rules cannot mend (a crash, a rollout stuck
    /// for no reason the rules know): nobody, or an OpenAI-compatible model configured as for
    /// `berth draft` (its proposals are checked and staged for review like any fix).
    #[arg(long, value_enum, default_value_t = Provider::Offline)]
    pub provider: Provider,
    /// The model (over BERTH_MODEL and llm.model in berth.toml).
    #[arg(long, value_name = "M")]
    pub model: Option<String>,
    /// The OpenAI-compatible endpoint, up to /v1 (over OPENAI_BASE_URL and llm.base_url).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Which cluster, and whether a non-local one is allowed (shared by apply and diff --live).
#[derive(Debug, Clone, clap::Args)]
pub struct ClusterArgs {
    /// The kubeconfig context (default: the current one).
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Allow this context although it does not look like a local cluster (Minikube, kind, k3d, Docker Desktop, Rancher Desktop) (repeatable).
    #[arg(long, value_name = "NAME")]
    pub allow_context: Vec<String>,
    /// The namespace for objects that name none (default: the context's, else `default`).
    #[arg(long, short = 'n', value_name = "NS")]
    pub namespace: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub cluster: ClusterArgs,
    /// Send everything as a server-side dry run and show what would change; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Delete objects berth applied for this app before that the approved set no longer has.
    #[arg(long)]
    pub prune: bool,
    /// Wait for Deployments, StatefulSets, DaemonSets and Jobs to roll out (the default).
    #[arg(long, overrides_with = "no_wait")]
    pub wait: bool,
    /// Do not wait for rollouts (nothing is rolled back then).
    #[arg(long)]
    pub no_wait: bool,
    /// How long to wait for rollouts, e.g. 90s, 5m.
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub timeout: std::time::Duration,
    /// Take over fields another field manager owns.
    #[arg(long)]
    pub force_conflicts: bool,
    /// On a failed rollout, leave the objects as applied instead of re-applying the last good set.
    #[arg(long)]
    pub no_rollback: bool,
    /// Apply files approved although validation found errors in them (or before berth recorded
    /// validation); the output lists them.
    #[arg(long)]
    pub force: bool,
    /// After the rollout, verify every Service: ready endpoints, its health endpoint through
    /// the API server's service proxy, and the backend URLs ConfigMaps give (`berth up` always
    /// verifies).
    #[arg(long)]
    pub verify: bool,
}

fn parse_lock_timeout(s: &str) -> Result<std::time::Duration, String> {
    if s.trim() == "0" {
        return Ok(std::time::Duration::ZERO);
    }
    parse_duration(s)
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s).map_err(|e| format!("{e} (try 90s, 5m or 1h)"))
}

#[derive(Debug, clap::Args)]
pub struct BuildArgs {
    /// The spec folder or file (default: the only folder under specs/).
    pub path: Option<PathBuf>,
    /// Where to build (default: minikube for a Minikube context, else docker).
    #[arg(long, value_enum)]
    pub builder: Option<BuilderKind>,
    /// The kubeconfig context, to pick the builder and Minikube profile.
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
    /// Print the commands without running them.
    #[arg(long)]
    pub print: bool,
    /// The network the builds' RUN steps use (`docker build --network`: host, none, ...);
    /// default: BERTH_BUILD_NETWORK, then berth.toml's `[build] network`.
    #[arg(long, value_name = "NETWORK")]
    pub network: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BuilderKind {
    /// `minikube image build` into the cluster's runtime.
    Minikube,
    /// `docker build` against the daemon of `minikube docker-env`.
    MinikubeDockerEnv,
    /// `docker build` against the local Docker daemon.
    Docker,
    /// `docker build`, then `kind load docker-image` (the cluster named by the kind-NAME context).
    Kind,
    /// `docker build`, then `k3d image import` (the cluster named by the k3d-NAME context).
    K3d,
    /// `nerdctl --namespace k8s.io build`, into Rancher Desktop's containerd.
    RancherDesktop,
}

#[derive(Debug, Default, clap::Args)]
pub struct ValidateArgs {
    /// Files or folders (walked recursively), or `-` for standard input; default: the staged
    /// drafts and the generated files (manifests/, services/*/Dockerfile).
    pub paths: Vec<String>,
    /// The Kubernetes version to validate against: 1.31 to 1.37 are embedded (default 1.36, or
    /// berth.toml's `[validate] kubernetes_version`).
    #[arg(long, value_name = "X.Y")]
    pub kubernetes_version: Option<String>,
    /// A folder of extra JSON schemas in kubeconform's layout (for custom resources); repeatable.
    #[arg(long, value_name = "DIR")]
    pub schema_dir: Vec<PathBuf>,
    /// A custom resource with no schema is an error (default: a warning that says it was not
    /// checked).
    #[arg(long)]
    pub strict_kinds: bool,
    /// Report only these rule groups or ids (schema, yaml, policy, consistency, dockerfile,
    /// helm, or an id such as DL3007); comma-separated or repeated.
    #[arg(long, value_name = "GROUP", value_delimiter = ',')]
    pub rules: Vec<String>,
    /// Print only the summary line, not each finding (human output).
    #[arg(long)]
    pub summary: bool,
    /// A values file for rendering charts, as `helm template --values` (repeatable).
    #[arg(long = "values", short = 'f', value_name = "FILE")]
    pub values: Vec<PathBuf>,
    /// A value for rendering charts, as `helm template --set key=value` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Exit 1 when a chart cannot be rendered because helm is not installed.
    #[arg(long)]
    pub require_helm: bool,
}

#[derive(Debug, clap::Args)]
pub struct DraftArgs {
    /// The spec folder or file (default: the only folder under specs/).
    pub path: Option<PathBuf>,
    #[command(flatten)]
    pub drafting: DraftingArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    /// berth's built-in templates: deterministic, no network.
    Offline,
    /// An OpenAI-compatible model (OpenAI, Ollama, vLLM, llama.cpp); every answer is
    /// validated, repaired or replaced by the offline draft.
    Openai,
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
    /// Compare the approved manifests with the cluster (a server-side dry run against the live
    /// objects) instead of the staged drafts with the files.
    #[arg(long)]
    pub live: bool,
    #[command(flatten)]
    pub cluster: ClusterArgs,
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
    /// With `refresh`: the kube context to read (default: the current one).
    #[arg(long)]
    pub context: Option<String>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemaDoc {
    /// The output of `berth plan --output json`.
    Plan,
    /// Not a print: fetch the Kubernetes schemas of a live cluster (custom resources included)
    /// into .berth/schemas/cluster.json, which `berth validate` then uses.
    Refresh,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Human,
    Json,
    Yaml,
    Sarif,
    Markdown,
    Junit,
    // One self-contained page: `berth diff` only.
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}
