//! berth-draft, the draft stage: a `Plan` in, `Proposal`s out (the contents of each file an artifact needs, with
//! the drafter and spec items behind it), staged under `.berth/staged/`, never written over the
//! tree. A `Drafter` turns one planned artifact into files; the offline drafter is the default.

#![forbid(unsafe_code)]

pub mod llm;
pub mod mirror;
pub mod offline;
mod schedule;

use berth_core::plan::{Artifact, ArtifactKind, Plan, Service};
pub use berth_core::record::{Proposal, STAGED_DIR, Staged, sha256_hex};
use berth_core::source::Location;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What can go wrong drafting. Every message names the artifact or file.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// The drafter cannot make this artifact.
    #[error("{artifact}: {message}")]
    Unsupported { artifact: String, message: String },
    /// A drafted path would land outside the project.
    #[error("{artifact}: the proposed path {path} is outside the project")]
    PathOutsideProject { artifact: String, path: String },
    /// The LLM drafter failed (configuration, server, `--frozen` miss).
    #[error(transparent)]
    Llm(llm::LlmError),
}

impl DraftError {
    /// An artifact left undrafted because another one failed: never the error to report.
    fn is_abandoned(&self) -> bool {
        matches!(self, DraftError::Llm(llm::LlmError::Abandoned { .. }))
    }
}

impl berth_core::Classify for DraftError {
    fn exit(&self) -> berth_core::Exit {
        match self {
            DraftError::Llm(e) => berth_core::Classify::exit(e),
            _ => berth_core::Exit::Usage,
        }
    }
}

/// A spec item behind an artifact, as a drafter sees it.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SourceItem {
    pub id: String,
    pub text: String,
    pub location: Option<Location>,
}

/// Everything a drafter gets for one artifact.
pub struct DraftRequest<'a> {
    pub plan: &'a Plan,
    pub artifact: &'a Artifact,
    pub service: Option<&'a Service>,
    pub sources: Vec<SourceItem>,
}

/// One file a drafter proposes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedFile {
    /// Relative to the project root, with forward slashes.
    pub path: String,
    pub contents: String,
    /// What a reviewer should know (an unknown stack, a guessed value).
    pub notes: Vec<String>,
    /// Who made it, when not the drafter itself (the offline fallback of the LLM drafter).
    pub generator: Option<String>,
}

/// Turns one planned artifact into files. Implementations: the offline templates, an LLM.
/// `Sync`: independent artifacts may be drafted on several threads at once.
pub trait Drafter: Sync {
    /// `offline`, or `openai/<model>`: recorded with every proposal.
    fn id(&self) -> String;
    fn draft(&self, request: &DraftRequest) -> Result<Vec<ProposedFile>, DraftError>;
    /// How many artifacts to draft at once; 1 drafts one after another.
    fn concurrency(&self) -> usize {
        1
    }
}

/// Where an artifact kind stands in the build-up of an app: what a later one refers to
/// (a Deployment to its image's port and its config, a Service to its Deployment's labels, the
/// chart to everything) comes earlier.
fn stage(kind: ArtifactKind) -> u8 {
    match kind {
        ArtifactKind::Namespace
        | ArtifactKind::Dockerignore
        | ArtifactKind::WebServerConfig
        | ArtifactKind::ConfigMap
        | ArtifactKind::Secret => 0,
        ArtifactKind::Dockerfile => 1,
        ArtifactKind::Deployment | ArtifactKind::StatefulSet => 2,
        ArtifactKind::Service => 3,
        ArtifactKind::HelmChart => 4,
    }
}

/// Whether `a` builds on `b`: `b` is of an earlier stage and of the same service, or one of
/// them is app-wide. `a` is drafted after `b` and checked with `b`'s accepted files; artifacts
/// that build on each other in neither direction are independent and may be drafted at once.
pub fn builds_on(a: &Artifact, b: &Artifact) -> bool {
    // Nothing checks a .dockerignore against another file.
    let leaf = |x: &Artifact| x.kind == ArtifactKind::Dockerignore;
    !leaf(a)
        && !leaf(b)
        && stage(b.kind) < stage(a.kind)
        && (a.service.is_none() || b.service.is_none() || a.service == b.service)
}

/// Settings every drafter's output goes through.
#[derive(Debug, Clone, Default)]
pub struct DraftOptions {
    /// Point the Dockerfiles' base images at this registry mirror.
    pub registry_mirror: Option<String>,
}

/// Drafts every artifact of `plan` with `drafter`, in plan order.
pub fn draft_all(
    plan: &Plan,
    spec_items: &[SourceItem],
    drafter: &dyn Drafter,
) -> Result<Vec<Proposal>, DraftError> {
    draft_all_with(plan, spec_items, drafter, &DraftOptions::default())
}

/// `draft_all`, with the options applied to what the drafter proposes. Artifacts are drafted
/// once what they build on is done, up to `drafter.concurrency()` at a time; the proposals
/// come out in plan order whatever finished first.
pub fn draft_all_with(
    plan: &Plan,
    spec_items: &[SourceItem],
    drafter: &dyn Drafter,
    options: &DraftOptions,
) -> Result<Vec<Proposal>, DraftError> {
    let requests: Vec<DraftRequest> = plan
        .artifacts
        .iter()
        .map(|artifact| DraftRequest {
            plan,
            artifact,
            service: artifact
                .service
                .as_ref()
                .and_then(|n| plan.services.iter().find(|s| &s.name == n)),
            sources: artifact
                .sources
                .iter()
                .filter_map(|id| spec_items.iter().find(|i| &i.id == id).cloned())
                .collect(),
        })
        .collect();
    let after: Vec<Vec<usize>> = plan
        .artifacts
        .iter()
        .map(|a| {
            (0..plan.artifacts.len())
                .filter(|&j| builds_on(a, &plan.artifacts[j]))
                .collect()
        })
        .collect();
    let mut drafted = schedule::run(&after, drafter.concurrency(), |i| {
        drafter.draft(&requests[i])
    });
    // The first real error in plan order (artifacts drafted alongside it may have given up).
    let failed = |r: &Option<Result<_, DraftError>>| matches!(r, Some(Err(e)) if !e.is_abandoned());
    if let Some(i) = drafted.iter().position(failed)
        && let Some(Err(e)) = drafted.swap_remove(i)
    {
        return Err(e);
    }
    let mut out = Vec::new();
    for (request, files) in requests.iter().zip(drafted) {
        let artifact = request.artifact;
        // The first error in plan order; artifacts after it may not have been drafted.
        let Some(files) = files else { break };
        for mut file in files? {
            check_path(&artifact.id, &file.path)?;
            if let (Some(m), ArtifactKind::Dockerfile) = (&options.registry_mirror, artifact.kind) {
                file.contents = mirror::rewrite(&file.contents, m);
            }
            out.push(Proposal {
                sha256: sha256_hex(file.contents.as_bytes()),
                path: file.path,
                artifact: artifact.id.clone(),
                generator: file.generator.unwrap_or_else(|| drafter.id()),
                sources: artifact.sources.clone(),
                notes: file.notes,
                base: None,
                contents: file.contents,
            });
        }
    }
    Ok(out)
}

/// The spec items a plan's artifacts can point at: tasks, requirements and gates.
pub fn spec_items(plan: &Plan) -> Vec<SourceItem> {
    let tasks = plan.tasks.iter().map(|t| SourceItem {
        id: t.id.clone(),
        text: t.title.clone(),
        location: t.location.clone(),
    });
    let reqs = plan.requirements.iter().map(|r| SourceItem {
        id: r.id.clone(),
        text: r.text.clone(),
        location: Some(r.location.clone()),
    });
    let gates = plan.gates.iter().map(|g| SourceItem {
        id: g.id.clone(),
        text: g.text.clone(),
        location: Some(g.location.clone()),
    });
    tasks.chain(reqs).chain(gates).collect()
}

/// Paths must be relative, inside the project, and never inside `.git` or `.berth`.
pub fn check_path(artifact: &str, path: &str) -> Result<(), DraftError> {
    if !berth_core::record::check_path(path) {
        return Err(DraftError::PathOutsideProject {
            artifact: artifact.to_string(),
            path: path.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_project() {
        for bad in [
            "../../etc/passwd",
            "/etc/passwd",
            "a/../../b",
            "",
            "a//b",
            ".git/config",
            "x/.berth/y",
            "a\\b",
        ] {
            assert!(check_path("x", bad).is_err(), "{bad}");
        }
        for good in [
            "services/web/Dockerfile",
            "manifests/chart/app/templates/_helpers.tpl",
            "services/web/.dockerignore",
        ] {
            assert!(check_path("x", good).is_ok(), "{good}");
        }
    }
}
