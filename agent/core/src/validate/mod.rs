//! Validate stage: files (manifests, Dockerfiles, Helm charts) in, a `Report` of findings out,
//! each with a rule id, severity, file:line:column, the object and JSON path it is about, and a
//! hint. Deterministic: it never drafts and never calls an LLM.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod consistency;
pub mod dockerfile;
pub mod helm;
pub mod inputs;
pub mod junit;
mod names;
pub mod openapi;
pub mod policy;
pub mod sarif;
pub mod schema;
pub mod yaml;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// One problem found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Finding {
    /// `schema/unknown-field`, `policy/probes`, `DL3007`, ...
    pub rule: String,
    pub severity: Severity,
    pub file: String,
    /// 1-based; 0 when the finding is about the whole file.
    pub line: usize,
    pub column: usize,
    /// `Deployment/backend` for Kubernetes objects.
    pub object: Option<String>,
    /// JSON path inside the object, such as `.spec.template.spec.containers[0].image`.
    pub path: Option<String>,
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Finding {
    /// An error about the node at JSON `pointer` in `doc`, placed at that node's line and column.
    pub(crate) fn at(
        rule: &str,
        file: &str,
        doc: &yaml::Document,
        pointer: &str,
        message: String,
        hint: Option<String>,
    ) -> Finding {
        let pos = doc.find(pointer);
        Finding {
            rule: rule.into(),
            severity: Severity::Error,
            file: file.into(),
            line: pos.line,
            column: pos.column,
            object: schema::object_name(&doc.value),
            path: Some(schema::display_path(&format!("{}{pointer}", doc.base))),
            message,
            hint,
        }
    }
}

/// What `berth validate` found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub files: usize,
    pub objects: usize,
    /// Checks that could not run (no helm on PATH, say): said, never passed silently.
    pub notices: Vec<String>,
}

impl Report {
    pub fn warnings(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count()
    }

    pub fn errors(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count()
    }

    /// Keeps the findings of these rule groups (`schema`, `policy`, `dockerfile`, ...) or ids;
    /// hadolint's `DL` rules are in the `dockerfile` group.
    pub fn only(&mut self, groups: &[String]) {
        if groups.is_empty() {
            return;
        }
        self.findings.retain(|f| {
            let group = if f.rule.starts_with("DL") {
                "dockerfile"
            } else {
                f.rule.split('/').next().unwrap_or("")
            };
            groups.iter().any(|g| g == group || *g == f.rule)
        });
    }

    pub fn is_clean(&self) -> bool {
        self.errors() == 0
    }
}

/// A file to check: its path as shown (relative to the project) and its text.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: String,
    pub contents: String,
}

/// How seriously to take a rule, from berth.toml's `[validate.rules]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Off,
    Warning,
    Error,
}

#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The options cannot be used (unknown Kubernetes version, a missing schema folder).
    #[error(transparent)]
    Schema(#[from] schema::SchemaError),
    /// berth.toml's [validate] table is malformed.
    #[error("berth.toml: [validate] {0}")]
    Config(String),
    /// A file or folder to validate could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// How to validate: which schemas, which rule levels, whether to run helm.
pub struct Options {
    pub schemas: std::sync::Arc<schema::Schemas>,
    /// By rule id (`policy/probes`) or group (`policy`).
    pub levels: std::collections::BTreeMap<String, Level>,
    /// The helm binary; None skips rendering (and the report says so).
    pub helm: Option<std::path::PathBuf>,
    /// Said in every report when the schemas are not the embedded ones.
    pub schema_notice: Option<String>,
    /// The files are a set someone named, not a whole project: a Service, workload or URL a
    /// cross-file check looks for may live elsewhere, so not finding it is a warning.
    pub partial: bool,
    /// A kind of an API group berth has no schema for (a custom resource) is an error, not a
    /// warning (`--strict-kinds`, or `strict_kinds = true` in berth.toml's `[validate]`).
    pub strict_kinds: bool,
    /// Values for rendering charts (`--values`, `--set`).
    pub chart_values: helm::ChartValues,
    /// A chart that cannot be rendered for want of helm is an error, not a notice.
    pub require_helm: bool,
    /// Files named one by one (not found by walking a folder): a document in them with neither
    /// apiVersion nor kind is a broken object, as kubeconform says, not another tool's data.
    pub named_files: Vec<String>,
    /// The registry mirror the project's base images must come through (`[draft]
    /// registry_mirror`, BERTH_REGISTRY_MIRROR): a `FROM` elsewhere is `dockerfile/mirror`.
    pub registry_mirror: Option<String>,
}

/// Where `berth schema refresh` keeps a cluster's schemas; `berth validate` prefers them.
pub const CLUSTER_SCHEMAS: &str = ".berth/schemas/cluster.json";

impl Default for Options {
    fn default() -> Self {
        Options::new(None, vec![], &toml::Table::new()).unwrap_or_else(|_| Options {
            schemas: std::sync::Arc::new(schema::Schemas::empty()),
            levels: Default::default(),
            helm: helm::find_helm(),
            schema_notice: None,
            partial: false,
            strict_kinds: false,
            chart_values: Default::default(),
            require_helm: false,
            named_files: vec![],
            registry_mirror: None,
        })
    }
}

impl Options {
    /// `version` pins the Kubernetes version; `schema_dirs` add CRD schemas; `table` is
    /// berth.toml's `[validate]` (`rules = { "policy/probes" = "warning" }`).
    pub fn new(
        version: Option<&str>,
        schema_dirs: Vec<std::path::PathBuf>,
        table: &toml::Table,
    ) -> Result<Options, ValidateError> {
        for d in &schema_dirs {
            schema::check_dir(d)?;
        }
        // The flag wins over berth.toml's `kubernetes_version`.
        let configured = match table.get("kubernetes_version") {
            None => None,
            Some(v) => Some(v.as_str().ok_or_else(|| {
                ValidateError::Config("kubernetes_version must be a string such as \"1.33\"".into())
            })?),
        };
        let base = schema::Schemas::embedded(version.or(configured))?;
        let schemas = std::sync::Arc::new(base.with_dirs(schema_dirs));
        let mut levels = std::collections::BTreeMap::new();
        if let Some(rules) = table.get("rules") {
            let rules = rules.as_table().ok_or_else(|| {
                ValidateError::Config(
                    "rules must be a table of rule = \"off\"|\"warning\"|\"error\"".into(),
                )
            })?;
            for (rule, level) in rules {
                let level = match level.as_str() {
                    Some("off") => Level::Off,
                    Some("warning") => Level::Warning,
                    Some("error") => Level::Error,
                    _ => {
                        return Err(ValidateError::Config(format!(
                            "rules.{rule:?} must be \"off\", \"warning\" or \"error\""
                        )));
                    }
                };
                levels.insert(rule.clone(), level);
            }
        }
        let strict_kinds = match table.get("strict_kinds") {
            None => false,
            Some(v) => v.as_bool().ok_or_else(|| {
                ValidateError::Config("strict_kinds must be true or false".into())
            })?,
        };
        Ok(Options {
            schemas,
            levels,
            helm: helm::find_helm(),
            schema_notice: None,
            partial: false,
            strict_kinds,
            chart_values: Default::default(),
            require_helm: false,
            named_files: vec![],
            registry_mirror: None,
        })
    }

    /// Validates against the schemas `berth schema refresh` fetched from a cluster.
    pub fn with_cluster_schemas(
        mut self,
        path: &std::path::Path,
        schema_dirs: Vec<std::path::PathBuf>,
    ) -> Result<Options, ValidateError> {
        let schemas = schema::Schemas::from_file(path, schema_dirs)?;
        let raw: serde_json::Value = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok())
            .unwrap_or_default();
        self.schema_notice = Some(format!(
            "validated against the schemas of cluster context {:?} (Kubernetes {}, fetched {}); delete {} to use the embedded ones",
            raw["context"].as_str().unwrap_or("?"),
            schemas.version,
            raw["fetched_at"].as_str().unwrap_or("?"),
            CLUSTER_SCHEMAS
        ));
        self.schemas = std::sync::Arc::new(schemas);
        Ok(self)
    }

    fn level(&self, rule: &str) -> Option<Level> {
        self.levels
            .get(rule)
            .or_else(|| rule.split('/').next().and_then(|g| self.levels.get(g)))
            .copied()
    }
}

/// What a file is, by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dockerfile,
    Manifest,
    ChartFile,
    /// A well-known file of another tool (what it is): skipped with a notice.
    NotKubernetes(&'static str),
    Other,
}

/// Files that end in .json or .yaml but belong to other tools, by name.
fn other_tool(name: &str) -> Option<&'static str> {
    let compose = ["docker-compose", "compose"]
        .iter()
        .any(|p| name.starts_with(p) && (name.ends_with(".yml") || name.ends_with(".yaml")));
    Some(match name {
        _ if compose => "a Docker Compose file, not a Kubernetes manifest",
        "package.json" | "package-lock.json" | "npm-shrinkwrap.json" => "an npm package file",
        "composer.json" | "composer.lock" => "a Composer file",
        "renovate.json" | ".renovaterc.json" => "a Renovate configuration",
        "pnpm-lock.yaml" | "pnpm-workspace.yaml" => "a pnpm file",
        "openapi.json" | "openapi.yaml" | "swagger.json" | "swagger.yaml" => "an OpenAPI document",
        _ if name.starts_with("tsconfig") && name.ends_with(".json") => {
            "a TypeScript configuration"
        }
        _ if name.starts_with("jsconfig") && name.ends_with(".json") => {
            "a JavaScript configuration"
        }
        _ if name.starts_with(".eslintrc") || name.starts_with(".prettierrc") => {
            "a linter configuration"
        }
        _ if name.starts_with(".pre-commit")
            || name == ".gitlab-ci.yml"
            || name == "mkdocs.yml" =>
        {
            "a tool's configuration"
        }
        _ => return None,
    })
}

fn kind_of(source: &inputs::Source, chart_roots: &[String]) -> Kind {
    let path = source.path();
    let name = path.rsplit('/').next().unwrap_or(path);
    if let (inputs::Source::Text(input), "<stdin>") = (source, path) {
        // Standard input has no name: a Dockerfile starts with FROM (or ARG before it).
        let first = input
            .contents
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("");
        let word = first.split_whitespace().next().unwrap_or("").to_uppercase();
        return if word == "FROM" || word == "ARG" {
            Kind::Dockerfile
        } else {
            Kind::Manifest
        };
    }
    if chart_roots
        .iter()
        .any(|r| path.starts_with(&format!("{r}/")))
    {
        Kind::ChartFile
    } else if let Some(what) = other_tool(name) {
        Kind::NotKubernetes(what)
    } else if path.contains("/.github/workflows/") || path.starts_with(".github/workflows/") {
        Kind::NotKubernetes("a GitHub Actions workflow")
    } else if name == "Dockerfile"
        || name.ends_with(".Dockerfile")
        || name.starts_with("Dockerfile.")
    {
        Kind::Dockerfile
    } else if [".yaml", ".yml", ".json"].iter().any(|x| name.ends_with(x)) {
        Kind::Manifest
    } else {
        Kind::Other
    }
}

/// Validates every input; cross-file checks run per folder of manifests, so memory stays
/// bounded by the largest folder.
pub fn validate(inputs: &[Input], options: &Options) -> Report {
    validate_sources(
        inputs
            .iter()
            .map(|i| inputs::Source::Text(std::borrow::Cow::Borrowed(i)))
            .collect(),
        options,
    )
}

/// Validates files, reading each manifest on disk only when its turn comes and keeping of it
/// only what the cross-file checks need.
pub fn validate_sources(sources: Vec<inputs::Source>, options: &Options) -> Report {
    let chart_roots: Vec<String> = sources
        .iter()
        .filter_map(|i| {
            let path = i.path();
            path.strip_suffix("/Chart.yaml")
                .map(str::to_string)
                .or_else(|| (path == "Chart.yaml").then(String::new))
        })
        .filter(|r| !r.is_empty())
        .collect();
    let mut report = Report {
        files: sources.len(),
        notices: options.schema_notice.iter().cloned().collect(),
        ..Report::default()
    };
    let mut findings = Vec::new();
    let mut exposed = Vec::new();
    let mut charts: Vec<std::borrow::Cow<Input>> = Vec::new();
    let mut manifests: std::collections::BTreeMap<&str, Vec<&inputs::Source>> = Default::default();
    for source in &sources {
        let kind = kind_of(source, &chart_roots);
        if kind == Kind::Manifest {
            let folder = source.path().rsplit_once('/').map_or("", |(d, _)| d);
            manifests.entry(folder).or_default().push(source);
            continue;
        }
        if let Kind::NotKubernetes(what) = kind {
            report
                .notices
                .push(format!("{}: {what}: skipped", source.path()));
            continue;
        }
        if kind == Kind::Other {
            continue;
        }
        let input = match load(source) {
            Ok(i) => i,
            Err(f) => {
                findings.push(f);
                continue;
            }
        };
        if kind == Kind::Dockerfile {
            dockerfile::check(
                &input.path,
                &input.contents,
                options.registry_mirror.as_deref(),
                &mut findings,
            );
            exposed.push(consistency::exposed(&input.path, &input.contents));
        } else {
            charts.push(input);
        }
    }
    // Folders are checked in parallel, each whole; a lone folder is split across the cores.
    let groups: Vec<&Vec<&inputs::Source>> = manifests.values().collect();
    let inner = groups.len() == 1;
    for (found, objects, notices) in parallel_map(&groups, !inner, |files| {
        check_folder(files, &exposed, options, inner)
    }) {
        findings.extend(found);
        report.objects += objects;
        report.notices.extend(notices);
    }
    for root in &chart_roots {
        let files: Vec<&Input> = charts
            .iter()
            .map(|c| c.as_ref())
            .filter(|i| i.path.starts_with(&format!("{root}/")))
            .collect();
        helm::check_values(root, &files, &mut findings);
        match &options.helm {
            Some(h) => {
                let docs = helm::render(h, root, &files, &options.chart_values, &mut findings);
                check_objects(&docs, &[], options, true, &mut findings);
                report.objects += docs.len();
            }
            None if options.require_helm => findings.push(Finding {
                rule: "helm/template".into(),
                severity: Severity::Error,
                file: format!("{root}/Chart.yaml"),
                line: 0,
                column: 0,
                object: None,
                path: None,
                message: "helm is not installed, so the chart's templates were not rendered or checked".into(),
                hint: Some("put helm on PATH (--require-helm asks for it)".into()),
            }),
            None => report.notices.push(format!("{root}: helm is not installed, so the chart's templates were not rendered or checked (its values were)")),
        }
    }
    findings.retain_mut(|f| match options.level(&f.rule) {
        Some(Level::Off) => false,
        Some(Level::Warning) => {
            f.severity = Severity::Warning;
            true
        }
        Some(Level::Error) => {
            f.severity = Severity::Error;
            true
        }
        None => true,
    });
    findings.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.rule).cmp(&(&b.file, b.line, b.column, &b.rule))
    });
    findings.dedup();
    report.findings = findings;
    report
}

/// `f` over `items`, in order; on every core when `parallel`.
fn parallel_map<T: Sync, R: Send>(
    items: &[T],
    parallel: bool,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let workers = if parallel {
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(items.len())
    } else {
        1
    };
    if workers <= 1 {
        return items.iter().map(f).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<(usize, R)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                s.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        mine.push((i, f(item)));
                    }
                    mine
                })
            })
            .collect();
        handles
            .into_iter()
            // A worker that panicked must not leave a report that looks clean.
            .flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// One folder of manifests: each file parsed and its objects checked (files in parallel),
/// keeping of each object only what the cross-file checks read; then the cross-file checks.
fn check_folder(
    files: &[&inputs::Source],
    exposed: &[consistency::Exposed],
    options: &Options,
    parallel: bool,
) -> (Vec<Finding>, usize, Vec<String>) {
    let mut findings = Vec::new();
    let mut notices = Vec::new();
    let mut kept: Vec<Vec<consistency::Kept>> = Vec::new();
    let mut objects = 0;
    for (found, docs, notes, n) in
        parallel_map(files, parallel, |i| check_file(i, exposed, options))
    {
        findings.extend(found);
        kept.push(docs);
        notices.extend(notes);
        objects += n;
    }
    // By reference: the files' records are not moved into one growing list (twice the memory
    // while it grows).
    let all: Vec<&consistency::Kept> = kept.iter().flatten().collect();
    consistency::check(&all, options.partial, &mut findings);
    (findings, objects, notices)
}

/// A file's findings, what is kept of its objects, its notices and how many objects it has.
type FileResult = (Vec<Finding>, Vec<consistency::Kept>, Vec<String>, usize);

/// A file's text, or why it cannot be read (as a finding: the other files are still checked).
fn load<'a>(source: &'a inputs::Source) -> Result<std::borrow::Cow<'a, Input>, Finding> {
    source.load().map_err(|e| Finding {
        rule: "yaml/syntax".into(),
        severity: Severity::Error,
        file: source.path().to_string(),
        line: 0,
        column: 0,
        object: None,
        path: None,
        message: match e {
            ValidateError::Read { source, .. } => format!("cannot read: {source}"),
            other => other.to_string(),
        },
        hint: None,
    })
}

/// One file: read, parsed, Lists expanded, other tools' data skipped, each object checked;
/// what is kept of its objects points back at the file on disk for positions, not at its text.
fn check_file(
    source: &inputs::Source,
    exposed: &[consistency::Exposed],
    options: &Options,
) -> FileResult {
    let mut findings = Vec::new();
    let mut notices = Vec::new();
    let mut docs: Vec<(String, yaml::Document)> = Vec::new();
    let on_disk = source.file().map(std::sync::Arc::<std::path::Path>::from);
    let input = match load(source) {
        Ok(i) => i,
        Err(f) => return (vec![f], vec![], vec![], 0),
    };
    let input: &Input = &input;
    let parsed = match parse_one(input) {
        Ok(d) => d,
        Err(f) => return (vec![f], vec![], vec![], 0),
    };
    let many = parsed.len() > 1;
    for (i, doc) in parsed.into_iter().enumerate() {
        // No apiVersion and no kind: data of some other tool (a dashboard, a values file), not
        // a broken object. One of the two alone is a broken object.
        let v = &doc.value;
        let named = options.named_files.iter().any(|f| *f == input.path);
        if !named && v.get("apiVersion").is_none() && v.get("kind").is_none() {
            let which = if many {
                format!(" (document {})", i + 1)
            } else {
                String::new()
            };
            notices.push(format!(
                "{}{which}: no apiVersion and no kind, so not a Kubernetes object: skipped",
                input.path
            ));
            continue;
        }
        expand_list(&input.path, doc, &mut docs, &mut findings);
    }
    for (file, doc) in &docs {
        check_object(options, file, doc, &mut findings);
        consistency::check_object(&consistency::Object { file, doc }, exposed, &mut findings);
    }
    let mut refs: Vec<&mut yaml::Document> = docs.iter_mut().map(|(_, d)| d).collect();
    yaml::Document::forget_positions(&mut refs, on_disk);
    // Every document of a file (the items of its Lists too) is of that file.
    let file: std::sync::Arc<str> = input.path.as_str().into();
    let kept = docs
        .iter()
        .filter_map(|(_, doc)| consistency::keep(&file, doc))
        .collect();
    (findings, kept, notices, docs.len())
}

/// Schema, name and policy checks of one object.
fn check_object(options: &Options, file: &str, doc: &yaml::Document, out: &mut Vec<Finding>) {
    schema::check(&options.schemas, options.strict_kinds, file, doc, out);
    names::check(file, doc, out);
    policy::check(file, doc, out);
}

/// A `v1` `List` is no object of its own: its items are checked one by one (Lists in Lists
/// too), with paths into the items; a document of any other kind is kept as it is.
fn expand_list(
    file: &str,
    doc: yaml::Document,
    docs: &mut Vec<(String, yaml::Document)>,
    findings: &mut Vec<Finding>,
) {
    let v = &doc.value;
    if !(v["kind"] == "List" && v["apiVersion"] == "v1") {
        docs.push((file.to_string(), doc));
        return;
    }
    schema::duplicates(file, &doc, findings);
    let items = match &v["items"] {
        Value::Array(items) => items.clone(),
        Value::Null => vec![],
        _ => {
            findings.push(Finding::at(
                "schema/wrong-type",
                file,
                &doc,
                "/items",
                "a List's items must be a list of objects".into(),
                Some("write `items:` as a YAML sequence".into()),
            ));
            return;
        }
    };
    for (i, item) in items.into_iter().enumerate() {
        let child = doc.child(&format!("/items/{i}"), item);
        expand_list(file, child, docs, findings);
    }
}

fn parse_one(input: &Input) -> Result<Vec<yaml::Document>, Finding> {
    let (docs, err) = yaml::parse(&input.contents);
    if let Some(e) = err {
        return Err(Finding {
            rule: "yaml/syntax".into(),
            severity: Severity::Error,
            file: input.path.clone(),
            line: e.pos.line,
            column: e.pos.column,
            object: None,
            path: None,
            message: format!("not valid YAML: {}", e.message),
            hint: None,
        });
    }
    Ok(docs.into_iter().filter(|d| !d.value.is_null()).collect())
}

/// Schema and policy checks per object, then the cross-file checks.
fn check_objects(
    docs: &[(String, yaml::Document)],
    exposed: &[consistency::Exposed],
    options: &Options,
    parallel: bool,
    findings: &mut Vec<Finding>,
) {
    let per_object = parallel_map(docs, parallel, |(file, doc)| {
        let mut out = Vec::new();
        check_object(options, file, doc, &mut out);
        consistency::check_object(&consistency::Object { file, doc }, exposed, &mut out);
        out
    });
    findings.extend(per_object.into_iter().flatten());
    let objects: Vec<consistency::Kept> = docs
        .iter()
        .filter_map(|(file, doc)| consistency::keep(&file.as_str().into(), doc))
        .collect();
    let objects: Vec<&consistency::Kept> = objects.iter().collect();
    consistency::check(&objects, options.partial, findings);
}

#[cfg(test)]
mod tests {
    use super::parallel_map;

    #[test]
    #[should_panic(expected = "worker broke on item 3")]
    fn a_panicking_validation_worker_fails_the_run_instead_of_dropping_its_findings() {
        let items: Vec<usize> = (0..8).collect();
        let _ = parallel_map(&items, true, |i| {
            assert!(*i != 3, "worker broke on item {i}");
            vec![*i]
        });
    }
}
