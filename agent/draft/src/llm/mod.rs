//! The LLM drafter: a planned artifact in, files from an OpenAI-compatible model out, never
//! trusted blindly. Each answer is parsed, guarded (paths, privileges, registries) and
//! validated; findings go back for a bounded number of repairs; what never passes is replaced by
//! the offline draft, and the run summary and the proposal say so. Exchanges are cached by
//! content under `.berth/cache/`, and `berth.lock` records what made each file, so unchanged
//! inputs cost no request (and `--frozen` never makes one). `mend` asks the same model, through
//! the same transport and guard, to mend a failure `berth diagnose` names but cannot fix.

mod answer;
mod cache;
mod check;
mod edits;
mod error;
mod guard;
mod lock;
pub mod mend;
mod prompt;
mod run;
mod scrub;
mod settings;
mod summary;
mod transport;

pub use answer::{Answer, AnswerFile};
pub use cache::CACHE_DIR;
pub use check::signature;
pub use error::LlmError;
pub use lock::{LOCK_FILE, Lock, LockedArtifact, LockedFile};
pub use lock::{load as load_lock, parse as parse_lock, save as save_lock};
pub use scrub::scrub;
pub use settings::{DEFAULT_CONCURRENCY, Form, Overrides, Settings};
pub use summary::{ArtifactReport, Outcome, Reuse, RunSummary};
pub use transport::Mode;

use super::{DraftError, DraftRequest, Drafter, ProposedFile};
use berth_core::plan::Plan;
use berth_core::validate::{self, Finding, Input};
use cache::{Cache, Exchange, ResultFile};
use prompt::Prompts;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::ThreadId;
use transport::{CallError, Message, Transport};

/// Checks a set of files: the validate stage, or a stand-in in tests. Called from several
/// threads when artifacts are drafted concurrently.
pub type Validator = Box<dyn Fn(&[Input]) -> Vec<Finding> + Send + Sync>;
/// Called with an artifact id and what happened to it; from several threads at once when
/// artifacts are drafted concurrently (each call names its artifact).
pub type Progress = Box<dyn Fn(&str, Step) + Send + Sync>;

/// A progress event of one artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The characters of its answer received so far.
    Received(usize),
    /// Its files are decided (drafted, repaired, fallback, or an error).
    Done,
}

impl From<LlmError> for DraftError {
    fn from(e: LlmError) -> Self {
        DraftError::Llm(e)
    }
}

/// The validate stage with berth.toml's `[validate]` table, made on first use (a run whose
/// answers all come from the cache never loads the schemas). A table the validate stage
/// refuses gives its defaults here; `berth validate` reports the table's error.
pub fn default_validator(table: toml::Table) -> Validator {
    let options: OnceLock<validate::Options> = OnceLock::new();
    Box::new(move |inputs| {
        let options = options
            .get_or_init(|| validate::Options::new(None, vec![], &table).unwrap_or_default());
        validate::validate(inputs, options).findings
    })
}

pub struct LlmDrafter {
    settings: Settings,
    root: PathBuf,
    frozen: bool,
    prompts: Prompts,
    cache: Cache,
    lock: Lock,
    secrets: Vec<String>,
    validator: Validator,
    /// Names the validator's configuration: a cached result validated otherwise is not reused.
    validator_id: String,
    progress: Option<Progress>,
    state: Mutex<State>,
    /// Held by the first request to an endpoint whose structured-output mode is not known yet,
    /// so a refused `response_format` is learned once, not by every artifact drafted at once.
    probe: Mutex<()>,
}

#[derive(Default)]
struct State {
    /// One client per drafting thread: each has its own runtime, and what a response said
    /// (status, Retry-After) is never read by another request.
    transports: std::collections::HashMap<ThreadId, Arc<Transport>>,
    /// Every file of the plan as the offline drafter writes it, and the artifacts in plan order.
    context: Option<Context>,
    /// The accepted files of each artifact drafted so far.
    results: BTreeMap<String, Vec<(String, String)>>,
    lock: Vec<LockedFile>,
    reports: Vec<ArtifactReport>,
    /// A request failed for good: artifacts not asked yet are not asked.
    failed: bool,
}

struct Context {
    offline: BTreeMap<String, String>,
    order: Vec<String>,
}

impl LlmDrafter {
    /// A drafter for the project at `root`. With `frozen`, nothing goes to the network: an
    /// answer not recorded in berth.lock or .berth/cache/ is an error.
    pub fn new(root: &Path, settings: Settings, frozen: bool) -> Result<Self, LlmError> {
        Ok(Self {
            prompts: Prompts::load(root)?,
            cache: Cache::new(root),
            lock: lock::load(root)?,
            secrets: scrub::known_secrets(settings.api_key.as_deref()),
            root: root.to_path_buf(),
            settings,
            frozen,
            validator: default_validator(toml::Table::new()),
            validator_id: String::new(),
            progress: None,
            state: Mutex::new(State::default()),
            probe: Mutex::new(()),
        })
    }

    /// Validates answers with `validator`; `id` names its configuration (berth.toml's
    /// `[validate]` table as text, say), so results validated otherwise are not reused.
    pub fn with_validator(mut self, validator: Validator, id: &str) -> Self {
        self.validator = validator;
        self.validator_id = id.to_string();
        self
    }

    pub fn with_progress(mut self, progress: Progress) -> Self {
        self.progress = Some(progress);
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A thread that panicked while drafting leaves nothing half-written worth refusing.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Call after the proposals were staged: writes berth.lock (not with `--frozen`) and
    /// returns the run summary.
    pub fn finish(&self) -> Result<RunSummary, LlmError> {
        let state = self.state();
        // Artifacts drafted concurrently finish in any order: the summary keeps the plan's.
        let order = |id: &str| {
            state
                .context
                .as_ref()
                .and_then(|c| c.order.iter().position(|a| a == id))
                .unwrap_or(usize::MAX)
        };
        let mut reports = state.reports.clone();
        reports.sort_by_key(|r| order(&r.artifact));
        let written = if self.frozen {
            false
        } else {
            lock::save(
                &self.root,
                &Lock {
                    files: state.lock.clone(),
                    // The inputs `berth ci --write` recorded stay until it records them again.
                    artifacts: self.lock.artifacts.clone(),
                    ..Lock::default()
                },
            )?
        };
        Ok(RunSummary::new(
            self.settings.generator(),
            self.settings.base_url.clone(),
            self.frozen,
            reports,
            written,
        ))
    }

    fn ensure_context(&self, plan: &Plan) -> Result<(), DraftError> {
        let mut state = self.state();
        if state.context.is_some() {
            return Ok(());
        }
        let all = super::draft_all(
            plan,
            &super::spec_items(plan),
            &super::offline::OfflineDrafter,
        )?;
        state.context = Some(Context {
            offline: all.into_iter().map(|p| (p.path, p.contents)).collect(),
            order: plan.artifacts.iter().map(|a| a.id.clone()).collect(),
        });
        Ok(())
    }

    fn record(&self, report: ArtifactReport, lock: Vec<LockedFile>, files: &[ResultFile]) {
        let mut state = self.state();
        // A fallback records no files: what builds on it sees the offline draft.
        if !files.is_empty() {
            state.results.insert(
                report.artifact.clone(),
                files
                    .iter()
                    .map(|f| (f.path.clone(), f.contents.clone()))
                    .collect(),
            );
        }
        state.lock.extend(lock);
        state.reports.push(report);
    }

    /// The files berth.lock records for `artifact`, if they came from the same inputs (`key`)
    /// and are still there, byte for byte, in the tree or the staged set.
    fn locked_files(&self, artifact: &str, key: &str) -> Option<Vec<ResultFile>> {
        let entries: Vec<&LockedFile> = self.lock.artifact(artifact).collect();
        if entries.is_empty() || entries.iter().any(|e| e.cache_key != key) {
            return None;
        }
        entries
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                let contents = [
                    self.root.join(&e.path),
                    self.root
                        .join(super::STAGED_DIR)
                        .join("files")
                        .join(&e.path),
                ]
                .iter()
                .filter_map(|p| std::fs::read_to_string(p).ok())
                .find(|c| super::sha256_hex(c.as_bytes()) == e.sha256)?;
                Some(ResultFile {
                    path: e.path.clone(),
                    contents,
                    generator: e.generator.clone(),
                    notes: if i == 0 {
                        vec![format!("unchanged since berth.lock ({})", e.generator)]
                    } else {
                        vec![]
                    },
                })
            })
            .collect()
    }

    /// Why `artifact`'s inputs differ from what berth.lock recorded, for a `--frozen` miss.
    fn why_changed(&self, artifact: &str, spec: &str, facts: &str) -> String {
        let Some(e) = self.lock.artifact(artifact).next() else {
            return "berth.lock has no entry for it".into();
        };
        let mut why = Vec::new();
        if e.spec_items != spec {
            why.push("its spec items changed");
        }
        if e.service_facts != facts {
            why.push("the service facts changed");
        }
        if why.is_empty() {
            why.push("the prompt, model or parameters changed, or the locked files were edited");
        }
        why.join(", ")
    }

    fn transport(&self) -> Result<Arc<Transport>, LlmError> {
        let me = std::thread::current().id();
        if let Some(t) = self.state().transports.get(&me) {
            return Ok(t.clone());
        }
        let t = Arc::new(Transport::new(&self.settings)?);
        self.state().transports.insert(me, t.clone());
        Ok(t)
    }

    /// Asks the model, degrading the structured-output mode when the server refuses one, and
    /// caches the exchange. `Ok(Err(reason))`: the server refused the request in every mode.
    fn ask(
        &self,
        artifact: &str,
        key: &str,
        templates: &str,
        messages: &[Message],
        schema: &serde_json::Value,
        report: &mut ArtifactReport,
    ) -> Result<Result<Exchange, String>, LlmError> {
        let transport = self.transport()?;
        let endpoint = format!("{} {}", self.settings.base_url, self.settings.model);
        let _probing = self
            .cache
            .mode(&endpoint)
            .is_none()
            .then(|| self.probe.lock().unwrap_or_else(|e| e.into_inner()));
        if self.state().failed {
            return Err(LlmError::Abandoned {
                artifact: artifact.to_string(),
            });
        }
        let mut mode = self.cache.mode(&endpoint).unwrap_or(Mode::JsonSchema);
        let progress = |n: usize| {
            if let Some(p) = &self.progress {
                p(artifact, Step::Received(n));
            }
        };
        loop {
            match transport.complete(messages, mode, schema, &progress) {
                Ok(c) => {
                    report.requests += c.requests;
                    report.tokens_in += c.tokens_in;
                    report.tokens_out += c.tokens_out;
                    report.tokens_reported &= c.usage_reported;
                    self.cache.remember_mode(&endpoint, mode)?;
                    let x = Exchange {
                        key: key.to_string(),
                        generator: self.settings.generator(),
                        templates: templates.to_string(),
                        messages: messages.to_vec(),
                        reply: c.content,
                        finish_reason: c.finish_reason,
                        tokens_in: c.tokens_in,
                        tokens_out: c.tokens_out,
                        mode,
                    };
                    self.cache.put_exchange(&x)?;
                    return Ok(Ok(x));
                }
                Err(CallError::Rejected {
                    status,
                    message,
                    requests,
                }) => {
                    report.requests += requests;
                    let Some(next) = mode.next() else {
                        return Ok(Err(format!("{status}: {message}")));
                    };
                    report.events.push(format!(
                        "the server refused response_format {} ({status}: {message}); trying {}",
                        mode.as_str(),
                        next.as_str()
                    ));
                    mode = next;
                }
                Err(CallError::Fatal(e)) => {
                    self.state().failed = true;
                    return Err(e);
                }
            }
        }
    }
}

impl Drafter for LlmDrafter {
    fn id(&self) -> String {
        self.settings.generator()
    }

    fn draft(&self, request: &DraftRequest) -> Result<Vec<ProposedFile>, DraftError> {
        let out = run::draft(self, request);
        if let Some(p) = &self.progress {
            p(&request.artifact.id, Step::Done);
        }
        out
    }

    fn concurrency(&self) -> usize {
        self.settings.concurrency
    }
}
