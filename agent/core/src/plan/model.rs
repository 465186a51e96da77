//! The `Plan` types: services found, artifacts to produce, gates to check, and tasks to do.
//! This is what `berth plan --output json` prints and `berth schema plan` describes.

use crate::source::Location;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The version of the Plan's JSON shape; bumped when a field changes meaning.
pub const PLAN_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub schema_version: u32,
    /// The app's name, from the spec folder's name; also the Helm chart's name.
    pub app: String,
    /// The spec folder (or file) this plan was made from.
    pub spec: String,
    pub title: Option<String>,
    pub services: Vec<Service>,
    pub artifacts: Vec<Artifact>,
    pub gates: Vec<Gate>,
    pub tasks: Vec<Task>,
    /// Requirements from the spec, for provenance.
    pub requirements: Vec<RequirementRef>,
    /// The spec's user stories (`US1` for "User Story 1"), with their priority and acceptance
    /// scenarios.
    #[serde(default)]
    pub stories: Vec<crate::spec::Story>,
    /// Databases and caches the services need (PostgreSQL, MySQL, Redis, MongoDB), found in
    /// the compose file, the services' dependencies and the spec; berth runs one of each.
    #[serde(default)]
    pub dependencies: Vec<Dependency>,
    /// Things a person should know: unknown stacks, ports not found, open clarifications.
    pub warnings: Vec<Warning>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Stack {
    Node,
    Python,
    Go,
    Rust,
    Java,
    /// A folder of HTML files with no build: served as it is by nginx.
    Static,
    Php,
    Ruby,
    /// ASP.NET Core and other .NET projects (`*.csproj`, `*.sln`).
    Dotnet,
    Deno,
    /// JavaScript run by Bun (its lock file, or `packageManager: bun@...`), not Node.
    Bun,
    /// No build file berth knows was found: the service needs a person's help.
    Unknown,
}

impl Stack {
    pub fn as_str(self) -> &'static str {
        match self {
            Stack::Node => "node",
            Stack::Python => "python",
            Stack::Go => "go",
            Stack::Rust => "rust",
            Stack::Java => "java",
            Stack::Static => "static",
            Stack::Php => "php",
            Stack::Ruby => "ruby",
            Stack::Dotnet => "dotnet",
            Stack::Deno => "deno",
            Stack::Bun => "bun",
            Stack::Unknown => "unknown",
        }
    }
}

/// A fact and where it was read, so a reviewer can check it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// `services/backend/src/main.rs:12`, or a description such as "vite's default".
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Port {
    pub number: u16,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// A DNS label: the name of its Deployment and Service (the folder's, or the one berth.toml
    /// or the compose file gives it).
    pub name: String,
    /// Its folder, relative to the project root.
    pub path: String,
    pub stack: Stack,
    /// Frameworks found, most specific first: `react`, `vite`, `axum`, `fastapi`, `spring-boot`.
    pub frameworks: Vec<String>,
    /// The package manager or build tool: npm, pnpm, yarn, bun, pip, poetry, cargo, go, maven,
    /// gradle, composer, bundler, dotnet, deno.
    pub tool: Option<String>,
    /// The dependency lock file, when there is one (package-lock.json, Cargo.lock, go.sum, ...).
    pub lock_file: Option<String>,
    /// The version of the language or runtime the project asks for, when it says.
    pub runtime_version: Option<String>,
    /// The service's own version (package.json, Cargo.toml), used to tag its image.
    pub version: Option<String>,
    /// The port it listens on, where code or config shows it.
    pub port: Option<Port>,
    pub build_command: Option<String>,
    pub start_command: Option<String>,
    /// A browser app (its build output is served as static files or by its own server).
    pub web_frontend: bool,
    /// The binary or entry point the image runs.
    pub entrypoint: Option<String>,
    /// HTTP health endpoints found in the code.
    pub health: Health,
    /// Environment variables the code reads.
    pub env: Vec<String>,
    /// Those its build reads (Next's next.config: rewrites are fixed when `next build` runs),
    /// so they are given at build time too.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub build_env: Vec<String>,
    /// Next's `output: 'standalone'`: the build writes a `server.js` with only the modules it
    /// traced, so the image needs neither node_modules nor the sources.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub standalone: bool,
    /// Files that told berth what this is.
    pub evidence: Vec<Evidence>,
    /// Environment values the project's own files give it (its compose service's
    /// `environment:`), set on the container; credentials and `${...}` values are not.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env_values: Vec<EnvValue>,
    /// The project's own Dockerfile (one berth did not generate): built as it is, not drafted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own_dockerfile: Option<String>,
    /// The dependencies it connects to, and by which variables (`DATABASE_URL`, `PGHOST`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub connects_to: Vec<Connection>,
    /// Credentials it reads (`OPENAI_API_KEY`, `SECRET_KEY`), set from its own Secret
    /// `<name>-secrets`: berth generates the ones the app only needs to be random, the person
    /// deploying provides the others. No value is ever in a file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretEnv>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SecretEnv {
    pub name: String,
    /// Generated at apply when the cluster has none (a signing key); else provided by a person.
    pub generate: bool,
    /// Where berth saw that the service needs it.
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Connection {
    /// The dependency's name.
    pub dependency: String,
    /// The variables berth sets, each from the dependency's Service and Secret.
    pub env: Vec<String>,
    /// The URL scheme the authors use (`postgresql+asyncpg`), when their compose file says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
}

/// A database, cache or message broker the app needs, run beside it as a StatefulSet with its own volume.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    /// A DNS label: its StatefulSet's and Service's name (the compose service's, else the kind).
    pub name: String,
    pub kind: DependencyKind,
    /// The image it runs: the compose file's when it names a version, else berth's pin.
    pub image: String,
    /// The database and user the app connects as (the compose file's, else the app's name).
    pub database: String,
    pub user: String,
    /// The services that connect to it.
    pub used_by: Vec<String>,
    /// Where berth read that the app needs it: compose file, a client library, the spec.
    pub evidence: Vec<Evidence>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DependencyKind {
    Postgres,
    Mysql,
    Redis,
    Mongodb,
    Rabbitmq,
    Kafka,
    Nats,
}

impl DependencyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DependencyKind::Postgres => "postgres",
            DependencyKind::Mysql => "mysql",
            DependencyKind::Redis => "redis",
            DependencyKind::Mongodb => "mongodb",
            DependencyKind::Rabbitmq => "rabbitmq",
            DependencyKind::Kafka => "kafka",
            DependencyKind::Nats => "nats",
        }
    }

    /// Whether berth runs it with a password from a generated Secret. The single-node Kafka
    /// berth drafts has no authentication, so no Secret.
    pub fn has_credentials(self) -> bool {
        !matches!(self, DependencyKind::Kafka)
    }

    /// A message broker rather than a database or cache.
    pub fn is_broker(self) -> bool {
        matches!(
            self,
            DependencyKind::Rabbitmq | DependencyKind::Kafka | DependencyKind::Nats
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvValue {
    pub name: String,
    pub value: String,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Health {
    pub liveness: Option<String>,
    pub readiness: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum ArtifactKind {
    Dockerfile,
    Dockerignore,
    Namespace,
    Deployment,
    Service,
    ConfigMap,
    /// The web server's config for a static frontend (nginx, proxying /api to the backend).
    WebServerConfig,
    /// A dependency's StatefulSet (a database or cache, with its volume).
    StatefulSet,
    /// A Secret whose values `berth apply` generates when the cluster has none (no value is
    /// ever written into a file).
    Secret,
    HelmChart,
}

impl ArtifactKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ArtifactKind::Dockerfile => "dockerfile",
            ArtifactKind::Dockerignore => "dockerignore",
            ArtifactKind::Namespace => "namespace",
            ArtifactKind::Deployment => "deployment",
            ArtifactKind::Service => "service",
            ArtifactKind::ConfigMap => "configmap",
            ArtifactKind::WebServerConfig => "web-server-config",
            ArtifactKind::StatefulSet => "statefulset",
            ArtifactKind::Secret => "secret",
            ArtifactKind::HelmChart => "helm-chart",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// Stable id: `<service>/<kind>`, or `<app>/<kind>` for app-wide artifacts.
    pub id: String,
    pub kind: ArtifactKind,
    pub service: Option<String>,
    /// Where the approved file goes, relative to the project root (a folder for the chart).
    pub path: String,
    /// Spec items (task, requirement and gate ids) this artifact answers.
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Stable id: `C<n>` for constitution checks, `G<n>` for gates, in spec order.
    pub id: String,
    pub group: Option<String>,
    pub text: String,
    /// The validation rules that check it; empty when a person must.
    pub rules: Vec<String>,
    pub checked: bool,
    pub location: Location,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskOrigin {
    /// Written in the spec.
    Spec,
    /// Added by berth for an artifact or pipeline step.
    Berth,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub origin: TaskOrigin,
    pub phase: Option<String>,
    pub story: Option<String>,
    pub parallel: bool,
    pub done: bool,
    pub depends_on: Vec<String>,
    /// Artifact ids this task produces or checks.
    pub artifacts: Vec<String>,
    pub checklist: Vec<ChecklistItem>,
    /// Where it is written; none for berth's own tasks.
    pub location: Option<Location>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistItem {
    pub text: String,
    pub done: bool,
    pub location: Location,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequirementRef {
    pub id: String,
    pub text: String,
    pub needs_clarification: bool,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Warning {
    pub message: String,
    /// The file (and line) it is about.
    pub location: Option<String>,
}
