//! Draft stage for the pipeline: a plan and the drafter to use in; the proposals staged under
//! .berth/staged/ and their diffs against the tree out (plus the LLM run's summary).

use berth_core::diff::{Change, FileDiff, diff};
use berth_core::exit::Error;
use berth_core::plan::Plan;
use berth_core::record::{self, Staged, load_record};
use berth_draft::llm::{LlmDrafter, Overrides, Progress, RunSummary, Settings};
use berth_draft::offline::OfflineDrafter;
use berth_draft::{DraftOptions, Drafter, Proposal};
use std::path::Path;

/// Who drafts.
pub enum Drafting {
    /// berth's built-in templates: deterministic, no network.
    Offline,
    /// An OpenAI-compatible model, each answer checked, repaired or replaced by the offline draft.
    Llm {
        overrides: Overrides,
        /// Never ask a model: answers come from berth.lock or .berth/cache/.
        frozen: bool,
        progress: Option<Progress>,
    },
}

/// What the draft stage produced.
pub struct Drafted {
    pub staged: Staged,
    pub diffs: Vec<FileDiff>,
    pub llm: Option<RunSummary>,
}

impl Drafted {
    pub fn count(&self, change: Change) -> usize {
        self.diffs.iter().filter(|d| d.change == change).count()
    }
    pub fn conflicts(&self) -> usize {
        self.diffs.iter().filter(|d| d.conflict.is_some()).count()
    }
}

/// The registry mirror: BERTH_REGISTRY_MIRROR, else berth.toml's `[draft] registry_mirror`.
pub fn registry_mirror(root: &Path) -> Result<Option<String>, Error> {
    Ok(mirror_of(&berth_core::config::load(root)?))
}

pub(crate) fn mirror_of(config: &berth_core::config::Config) -> Option<String> {
    std::env::var(berth_draft::mirror::MIRROR_ENV)
        .ok()
        .filter(|m| !m.trim().is_empty())
        .or_else(|| config.draft.registry_mirror.clone())
}

/// The LLM drafter, configured by berth.toml, then the environment, then the flags.
fn llm_drafter(
    root: &Path,
    config: &berth_core::config::Config,
    overrides: &Overrides,
    frozen: bool,
    progress: Option<Progress>,
) -> Result<LlmDrafter, Error> {
    let mut settings = Settings::resolve(&config.llm, &|k| std::env::var(k).ok(), overrides)?;
    // Drafts pull through the mirror, so an answer naming it is from an allowed registry.
    if let Some(m) = mirror_of(config) {
        settings.allowed_registries.push(m);
    }
    let drafter = LlmDrafter::new(root, settings, frozen)?.with_validator(
        berth_draft::llm::default_validator(config.validate.clone()),
        &config.validate.to_string(),
    );
    Ok(match progress {
        Some(p) => drafter.with_progress(p),
        None => drafter,
    })
}

/// Drafts every artifact of `plan`, hands the proposals to `then` (which stages or compares
/// them), and only after that finishes the LLM run (writing berth.lock), so a failed staging
/// leaves the lock as it was.
pub fn with_proposals<T>(
    root: &Path,
    plan: &Plan,
    drafting: Drafting,
    then: impl FnOnce(Vec<Proposal>) -> Result<T, Error>,
) -> Result<(T, Option<RunSummary>), Error> {
    let items = berth_draft::spec_items(plan);
    let config = berth_core::config::load(root)?;
    let options = DraftOptions {
        registry_mirror: mirror_of(&config),
    };
    match drafting {
        Drafting::Offline => {
            let drafted = berth_draft::draft_all_with(plan, &items, &OfflineDrafter, &options)?;
            Ok((then(drafted)?, None))
        }
        Drafting::Llm {
            overrides,
            frozen,
            progress,
        } => {
            let d = llm_drafter(root, &config, &overrides, frozen, progress)?;
            let drafted = berth_draft::draft_all_with(plan, &items, &d as &dyn Drafter, &options)?;
            let out = then(drafted)?;
            Ok((out, Some(d.finish()?)))
        }
    }
}

/// Drafts every artifact of `plan` and stages the result (the tree is not touched).
pub fn draft(root: &Path, plan: &Plan, drafting: Drafting) -> Result<Drafted, Error> {
    let record = load_record(root)?;
    let ((staged, diffs), llm) = with_proposals(root, plan, drafting, |mut proposals| {
        based_on_the_authors(root, &record, &mut proposals);
        let removed = record
            .files
            .keys()
            .filter(|p| !proposals.iter().any(|x| &x.path == *p))
            .cloned()
            .collect();
        let staged = Staged {
            app: plan.app.clone(),
            spec: plan.spec.clone(),
            proposals,
            removed,
        };
        record::stage(root, &staged)?;
        let diffs = diff(root, &staged, &record)?;
        Ok((staged, diffs))
    })?;
    Ok(Drafted { staged, diffs, llm })
}

/// Shows each new manifest that replaces an object the project's authors wrote as a change to
/// their document. berth's own files (approved or proposed) are not the authors'.
fn based_on_the_authors(
    root: &Path,
    record: &berth_core::record::ApprovalRecord,
    proposals: &mut [Proposal],
) {
    let ours: std::collections::BTreeSet<String> = record
        .files
        .keys()
        .cloned()
        .chain(proposals.iter().map(|p| p.path.clone()))
        .collect();
    let theirs = berth_core::diff::authors::find(root, &ours);
    berth_core::diff::authors::rebase(root, proposals, &theirs);
}
