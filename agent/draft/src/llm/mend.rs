//! A failure `berth diagnose` names but cannot mend in (the cause, its evidence, and the failing
//! object's document from its approved manifest); that document as the model would change it
//! out, or the plain reason its answer cannot be used. The prompt is scrubbed like every prompt,
//! the request goes through the drafter's transport (its retries, a cut stream asked again), and
//! the answer is the search-and-replace edits of `edits.rs`, applied to that one document and
//! held to the drafter's guard. Validation, staging and approval are the caller's: what comes
//! out is untrusted until a person approves it.

use super::edits;
use super::error::LlmError;
use super::guard::{self, Expect};
use super::prompt::{FileView, Prompts};
use super::scrub;
use super::settings::Settings;
use super::transport::{CallError, Completion, Message, Mode, Transport};
use berth_core::validate::Finding;
use serde::Serialize;
use std::path::Path;

/// What the model is told of one failure.
pub struct Failure<'a> {
    /// The cause's title (`CrashLoopBackOff`, `not ready`).
    pub cause: &'a str,
    /// The workload (`deployment.apps/backend -n todo`).
    pub workload: &'a str,
    pub container: Option<&'a str>,
    pub summary: &'a str,
    /// Container states, exit codes, last log lines, Warning events: scrubbed before sending.
    pub evidence: &'a [String],
    /// The approved manifest that holds the object.
    pub path: &'a str,
    /// The object's document in it: the only text the edits may change.
    pub document: &'a str,
    /// Values that must never reach the model (the approved Secrets'), beside the ones berth
    /// always scrubs.
    pub secrets: &'a [String],
}

/// The document as the model would change it.
#[derive(Debug)]
pub struct Mended {
    pub document: String,
    /// What the model says it changed, and why (one line, at most 300 characters).
    pub rationale: String,
    /// HTTP requests it took, retries included.
    pub requests: u32,
}

/// Asks a model to mend failures; one request (and its retries) per failure, nothing cached:
/// the evidence differs from one failure to the next.
pub struct Mender {
    settings: Settings,
    prompts: Prompts,
    secrets: Vec<String>,
    transport: Transport,
}

/// What the diagnosis prompt is rendered from.
#[derive(Serialize)]
struct Context<'a> {
    cause: &'a str,
    workload: &'a str,
    container: Option<&'a str>,
    summary: &'a str,
    evidence: &'a [String],
    file: FileView,
    registries: &'a [String],
}

impl Mender {
    /// A mender for the project at `root` (whose `prompts/` may override the built-in ones).
    pub fn new(root: &Path, settings: Settings) -> Result<Self, LlmError> {
        Ok(Self {
            prompts: Prompts::load(root)?,
            secrets: scrub::known_secrets(settings.api_key.as_deref()),
            transport: Transport::new(&settings)?,
            settings,
        })
    }

    /// `openai/<model>`.
    pub fn generator(&self) -> String {
        self.settings.generator()
    }

    /// The model's change to `f.document`, checked by the guard; Err says why there is none.
    pub fn propose(&self, f: &Failure) -> Result<Mended, String> {
        let mut secrets = self.secrets.clone();
        secrets.extend(f.secrets.iter().filter(|s| !s.trim().is_empty()).cloned());
        secrets.sort_by_key(|v| std::cmp::Reverse(v.len()));
        let ctx = Context {
            cause: f.cause,
            workload: f.workload,
            container: f.container,
            summary: f.summary,
            evidence: f.evidence,
            file: FileView::new(f.path, f.document),
            registries: &self.settings.allowed_registries,
        };
        let messages = self
            .prompts
            .diagnose(&ctx, &secrets)
            .map_err(|e| e.to_string())?;
        let schema = edits::schema_for(&[(f.path, f.document)], &secrets);
        let reply = self.ask(&messages, &schema)?;
        let mended = self.judge(f, &reply)?;
        Ok(Mended {
            requests: reply.requests,
            ..mended
        })
    }

    /// Sends the messages, degrading the structured-output mode when the server refuses one.
    fn ask(&self, messages: &[Message], schema: &serde_json::Value) -> Result<Completion, String> {
        let mut mode = Mode::JsonSchema;
        let mut requests = 0;
        loop {
            match self.transport.complete(messages, mode, schema, &|_| {}) {
                Ok(mut c) => {
                    c.requests += requests;
                    return Ok(c);
                }
                Err(CallError::Rejected {
                    status,
                    message,
                    requests: n,
                }) => {
                    requests += n;
                    mode = mode.next().ok_or_else(|| {
                        format!("the LLM server refused the request ({status}: {message})")
                    })?;
                }
                Err(CallError::Fatal(e)) => return Err(e.to_string()),
            }
        }
    }

    /// The edits of `reply` applied to the document, then the guard.
    fn judge(&self, f: &Failure, reply: &Completion) -> Result<Mended, String> {
        let cut = if reply.finish_reason.as_deref() == Some("length") {
            " (the answer was cut at llm.max_tokens)"
        } else {
            ""
        };
        let (answer, _) = edits::parse(&reply.content)
            .ok_or_else(|| format!("its answer holds no edits in the JSON shape asked for{cut}"))?;
        let start = [(f.path.to_string(), ensure_newline(f.document))];
        let applied = edits::apply(&start, &answer.edits)
            .map_err(|fs| format!("its edits do not apply{cut}: {}", messages(&fs)))?;
        if applied.changed == 0 {
            let why = one_line(&answer.rationale);
            return Err(if why.is_empty() {
                "it proposes no change".to_string()
            } else {
                format!("it proposes no change: {why}")
            });
        }
        let paths = [f.path.to_string()];
        let expect = Expect {
            artifact: f.workload,
            paths: &paths,
            folder: None,
            required: &paths,
        };
        let mut rejected = guard::check(&applied.files, &expect, &self.settings.allowed_registries);
        let document = applied
            .files
            .iter()
            .find(|a| a.path == f.path)
            .map(|a| a.contents.clone())
            .unwrap_or_default();
        rejected.extend(guard::same_images(f.path, f.document, &document));
        if !rejected.is_empty() {
            return Err(format!("the guard rejects it: {}", messages(&rejected)));
        }
        Ok(Mended {
            document,
            rationale: one_line(&answer.rationale),
            requests: 0,
        })
    }
}

/// The findings' messages on one line, the first three.
fn messages(fs: &[Finding]) -> String {
    let mut out: Vec<String> = fs
        .iter()
        .take(3)
        .map(|f| format!("{} ({})", f.message, f.rule))
        .collect();
    if fs.len() > 3 {
        out.push(format!("and {} more", fs.len() - 3));
    }
    out.join("; ")
}

fn ensure_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

/// At most 300 characters, on one line.
fn one_line(s: &str) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 300 {
        flat.chars().take(300).collect::<String>() + "..."
    } else {
        flat
    }
}
