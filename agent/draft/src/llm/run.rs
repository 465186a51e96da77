//! One planned artifact in, its accepted files out: the offline draft and the facts rendered into
//! a prompt, the answer taken from .berth/cache/ or berth.lock when the inputs are unchanged, or
//! else asked for; every answer checked (guard, then validate), sent back with its findings at
//! most `max_repairs` times, and replaced by the offline draft if it never passes.

use super::LlmDrafter;
use super::answer::{self, Extraction};
use super::cache::{self, ArtifactResult, ResultFile};
use super::check::{Judged, judge, vet};
use super::edits;
use super::error::LlmError;
use super::guard::Expect;
use super::lock::LockedFile;
use super::prompt::{ArtifactView, FileView, GateView, ItemView, PromptContext};
use super::settings::Form;
use super::summary::{ArtifactReport, Outcome, Reuse};
use super::transport::Message;
use crate::offline::OfflineDrafter;
use crate::{DraftError, DraftRequest, Drafter, ProposedFile, sha256_hex};
use berth_core::plan::{ArtifactKind, Service};
use berth_core::validate::Finding;
use std::collections::BTreeSet;
use std::time::Instant;

/// The paths an artifact's answer must hold, and the artifacts whose accepted files it is
/// validated with (what it builds on; the rest as the offline drafter wrote them).
pub(super) struct Expected {
    pub(super) builds_on: Vec<String>,
    pub(super) paths: Vec<String>,
    pub(super) folder: Option<String>,
    pub(super) required: Vec<String>,
}

/// A service's facts as the prompt shows them: without evidence (file:line), so editing code
/// that does not change a fact does not change the prompt.
fn facts(s: &Service) -> serde_json::Value {
    fn strip(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(o) => {
                o.remove("evidence");
                o.values_mut().for_each(strip);
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(s).unwrap_or_default();
    strip(&mut v);
    v
}

fn rules_of(findings: &[Finding]) -> String {
    let rules: BTreeSet<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
    rules.into_iter().collect::<Vec<_>>().join(", ")
}

pub(super) fn draft(d: &LlmDrafter, req: &DraftRequest) -> Result<Vec<ProposedFile>, DraftError> {
    let started = Instant::now();
    let artifact = req.artifact;
    let offline = OfflineDrafter.draft(req)?;
    d.ensure_context(req.plan)?;
    let generator = d.settings.generator();

    let gate_ids: BTreeSet<&str> = req.plan.gates.iter().map(|g| g.id.as_str()).collect();
    let items: Vec<ItemView> = req
        .sources
        .iter()
        .filter(|i| !gate_ids.contains(i.id.as_str()))
        .map(|i| ItemView {
            id: i.id.clone(),
            text: i.text.clone(),
        })
        .collect();
    let gates: Vec<GateView> = req
        .plan
        .gates
        .iter()
        .filter(|g| artifact.sources.contains(&g.id))
        .map(|g| GateView {
            id: g.id.clone(),
            text: g.text.clone(),
            rules: g.rules.clone(),
        })
        .collect();
    let service = req.service.map(facts);
    // App-wide artifacts see every service, except the Namespace, which needs none of them.
    let services: Vec<serde_json::Value> =
        if service.is_none() && artifact.kind != ArtifactKind::Namespace {
            req.plan.services.iter().map(facts).collect()
        } else {
            Vec::new()
        };
    let spec_hash = sha256_hex(
        serde_json::json!([
            items.iter().map(|i| [&i.id, &i.text]).collect::<Vec<_>>(),
            gates.iter().map(|g| [&g.id, &g.text]).collect::<Vec<_>>()
        ])
        .to_string()
        .as_bytes(),
    );
    let facts_hash = sha256_hex(
        serde_json::json!({"app": req.plan.app, "service": service, "services": services})
            .to_string()
            .as_bytes(),
    );
    let builds_on: Vec<String> = req
        .plan
        .artifacts
        .iter()
        .filter(|b| crate::builds_on(artifact, b))
        .map(|b| b.id.clone())
        .collect();
    let expected = if artifact.kind == ArtifactKind::HelmChart {
        let folder = artifact.path.trim_end_matches('/').to_string();
        Expected {
            builds_on: builds_on.clone(),
            paths: offline.iter().map(|f| f.path.clone()).collect(),
            required: vec![
                format!("{folder}/Chart.yaml"),
                format!("{folder}/values.yaml"),
            ],
            folder: Some(folder),
        }
    } else {
        let paths: Vec<String> = offline.iter().map(|f| f.path.clone()).collect();
        Expected {
            builds_on: builds_on.clone(),
            required: paths.clone(),
            paths,
            folder: None,
        }
    };
    let ctx = PromptContext {
        app: req.plan.app.clone(),
        namespace: req.plan.app.clone(),
        artifact: ArtifactView {
            id: artifact.id.clone(),
            kind: artifact.kind.as_str().to_string(),
            path: artifact.path.clone(),
        },
        service,
        services,
        spec_items: items,
        gates,
        registries: d.settings.allowed_registries.clone(),
        paths: expected.paths.clone(),
        folder: expected.folder.clone(),
        offline: offline
            .iter()
            .map(|f| FileView::new(&f.path, &f.contents))
            .collect(),
        form: d.settings.answer.as_str().to_string(),
        schema: serde_json::to_string(&match d.settings.answer {
            Form::Edits => edits::schema(),
            Form::Files => answer::schema(),
        })
        .unwrap_or_default(),
    };
    let first = d.prompts.first(artifact.kind.as_str(), &ctx, &d.secrets)?;
    let params = d.settings.key_params();
    let key0 = cache::key(&params, &first.templates, &first.messages);
    let result_key = sha256_hex(
        format!(
            "{key0}|{}|{}|{}|{}",
            d.settings.max_repairs,
            d.settings.allowed_registries.join(","),
            d.validator_id,
            builds_on.join(",")
        )
        .as_bytes(),
    );
    let mut report = ArtifactReport::new(&artifact.id);
    let lock_entry = |path: &str, contents: &str, generator: &str| LockedFile {
        path: path.to_string(),
        artifact: artifact.id.clone(),
        sha256: sha256_hex(contents.as_bytes()),
        generator: generator.to_string(),
        cache_key: key0.clone(),
        spec_items: spec_hash.clone(),
        service_facts: facts_hash.clone(),
    };
    let finish = |mut report: ArtifactReport, files: Vec<ResultFile>| {
        report.millis = started.elapsed().as_millis() as u64;
        d.record(
            report,
            files
                .iter()
                .map(|f| lock_entry(&f.path, &f.contents, &f.generator))
                .collect(),
            &files,
        );
        files
            .into_iter()
            .map(|f| ProposedFile {
                generator: (f.generator != generator).then(|| f.generator.clone()),
                path: f.path,
                contents: f.contents,
                notes: f.notes,
            })
            .collect()
    };

    // Unchanged inputs: the validated result, or the files berth.lock vouches for.
    if let Some(r) = d.cache.result(&result_key) {
        report.outcome = r.outcome;
        report.repairs = r.repairs;
        report.reason = r.reason;
        report.form = r.form;
        report.edits = r.edits;
        report.reused = Some(Reuse::Cache);
        return Ok(finish(report, r.files));
    }
    let expect = Expect {
        artifact: &artifact.id,
        paths: &expected.paths,
        folder: expected.folder.as_deref(),
        required: &expected.required,
    };
    let builds_on = &expected.builds_on;
    let mut baseline: Option<BTreeSet<String>> = None;
    if let Some(files) = d.locked_files(&artifact.id, &key0) {
        // berth.lock and the files it names come from the repository: checked like an answer.
        let candidate: Vec<answer::AnswerFile> = files
            .iter()
            .map(|f| answer::AnswerFile {
                path: f.path.clone(),
                contents: f.contents.clone(),
            })
            .collect();
        match vet(d, &candidate, &expect, &offline, builds_on, &mut baseline) {
            Ok(()) => {
                report.outcome = if files.iter().all(|f| f.generator == "offline") {
                    Outcome::Fallback
                } else {
                    Outcome::Drafted
                };
                report.reused = Some(Reuse::Lock);
                return Ok(finish(report, files));
            }
            Err(findings) => {
                let why = format!(
                    "the files berth.lock vouches for do not pass validation ({})",
                    rules_of(&findings)
                );
                if d.frozen {
                    return Err(LlmError::FrozenMiss {
                        artifact: artifact.id.clone(),
                        key: key0.clone(),
                        why,
                    }
                    .into());
                }
                report.events.push(format!("{why}: not reused"));
            }
        }
    }

    // The schema the server constrains its answer to: in the edits form, the starting point's
    // own files and lines (the prompt shows the plain schema, which reads better).
    let starting: Vec<(&str, &str)> = offline
        .iter()
        .map(|f| (f.path.as_str(), f.contents.as_str()))
        .collect();
    let schema = match d.settings.answer {
        Form::Edits => edits::schema_for(&starting, &d.secrets),
        Form::Files => answer::schema(),
    };
    let mut messages = first.messages;
    let mut templates = first.templates;
    let mut fixed: Vec<Finding> = Vec::new();
    loop {
        let key = if report.repairs == 0 {
            key0.clone()
        } else {
            cache::key(&params, &templates, &messages)
        };
        let exchange = match d.cache.exchange(&key) {
            Some(x) => {
                report.cache_hits += 1;
                x
            }
            None if d.frozen => {
                return Err(LlmError::FrozenMiss {
                    artifact: artifact.id.clone(),
                    key: key0.clone(),
                    why: d.why_changed(&artifact.id, &spec_hash, &facts_hash),
                }
                .into());
            }
            None => match d.ask(
                &artifact.id,
                &key,
                &templates,
                &messages,
                &schema,
                &mut report,
            )? {
                Ok(x) => x,
                Err(refusal) => {
                    // Not cached as a result: the next run asks again.
                    report.outcome = Outcome::Fallback;
                    report.reason = Some(format!("the server refused the request ({refusal})"));
                    report.millis = started.elapsed().as_millis() as u64;
                    let files = fallback(&offline, &generator, report.reason.as_deref());
                    d.record(
                        report,
                        files
                            .iter()
                            .map(|f| lock_entry(&f.path, &f.contents, "offline"))
                            .collect(),
                        &[],
                    );
                    return Ok(files
                        .into_iter()
                        .map(|f| ProposedFile {
                            generator: Some(f.generator),
                            path: f.path,
                            contents: f.contents,
                            notes: f.notes,
                        })
                        .collect());
                }
            },
        };
        report.mode = Some(exchange.mode);
        let findings = match judge(d, &exchange, &expected, &expect, &offline, &mut baseline) {
            Ok(Judged {
                files: accepted,
                how,
                rationale,
                edits,
            }) => {
                if how != Extraction::Json {
                    report.events.push(format!("answer read as {how:?}"));
                }
                report.form = Some(if edits.is_some() {
                    Form::Edits
                } else {
                    Form::Files
                });
                report.edits = edits;
                report.outcome = if report.repairs == 0 {
                    Outcome::Drafted
                } else {
                    Outcome::Repaired
                };
                let mut note = match report.repairs {
                    0 => format!("drafted by {generator}"),
                    n => format!(
                        "drafted by {generator} after {n} repair(s) (fixed: {})",
                        rules_of(&fixed)
                    ),
                };
                if report.repairs > 0 {
                    report.reason = Some(format!("fixed: {}", rules_of(&fixed)));
                }
                if !rationale.is_empty() {
                    let short: String = rationale.chars().take(300).collect();
                    note.push_str(&format!(": {short}"));
                }
                // Said once per artifact, on its first file (a chart has a dozen).
                let files = accepted
                    .into_iter()
                    .enumerate()
                    .map(|(i, f)| ResultFile {
                        path: f.path,
                        contents: f.contents,
                        generator: generator.clone(),
                        notes: if i == 0 { vec![note.clone()] } else { vec![] },
                    })
                    .collect::<Vec<_>>();
                d.cache.put_result(&result_key, &result(&report, &files))?;
                return Ok(finish(report, files));
            }
            Err(findings) => findings,
        };
        if report.repairs >= d.settings.max_repairs {
            report.outcome = Outcome::Fallback;
            let reason = format!(
                "{} finding(s) left after {} repair(s): {}",
                findings.len(),
                report.repairs,
                findings
                    .iter()
                    .take(3)
                    .map(|f| format!("{} {}", f.rule, f.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            );
            report.reason = Some(reason.clone());
            let files = fallback(&offline, &generator, Some(&reason));
            d.cache.put_result(&result_key, &result(&report, &files))?;
            return Ok(finish(report, files));
        }
        let (repair, version) =
            d.prompts
                .repair(&findings, d.settings.answer.as_str(), &d.secrets)?;
        messages.push(Message::new("assistant", exchange.reply));
        messages.push(Message::new("user", repair));
        if !templates.contains(&version) {
            templates = format!("{templates} {version}");
        }
        fixed.extend(findings);
        report.repairs += 1;
    }
}

/// What is cached of an artifact's drafting.
fn result(report: &ArtifactReport, files: &[ResultFile]) -> ArtifactResult {
    ArtifactResult {
        berth: env!("CARGO_PKG_VERSION").to_string(),
        outcome: report.outcome,
        repairs: report.repairs,
        reason: report.reason.clone(),
        files: files.to_vec(),
        form: report.form,
        edits: report.edits,
    }
}

/// The offline draft, noted as the fallback.
fn fallback(offline: &[ProposedFile], generator: &str, reason: Option<&str>) -> Vec<ResultFile> {
    offline
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let mut notes = Vec::new();
            if i == 0 {
                notes.push(format!(
                    "offline draft: {generator}'s answer was not accepted ({})",
                    reason.unwrap_or("no reason given")
                ));
            }
            notes.extend(f.notes.iter().cloned());
            ResultFile {
                path: f.path.clone(),
                contents: f.contents.clone(),
                generator: "offline".to_string(),
                notes,
            }
        })
        .collect()
}
