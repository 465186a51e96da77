//! One answer and what the artifact expects in; its files, or the findings to send back, out.
//! An edits answer is applied to the offline draft first; then the guard, then validation with
//! the files of the plan in place (the offline drafts, and the accepted files of what the
//! artifact builds on), where only errors the starting point does not have count.

use super::LlmDrafter;
use super::answer::{self, Extraction};
use super::cache::Exchange;
use super::edits;
use super::guard::{self, Expect};
use super::run::Expected;
use super::settings::Form;
use crate::ProposedFile;
use berth_core::validate::{Finding, Input, Severity};
use std::collections::BTreeSet;

pub(super) fn finding(rule: &str, file: &str, message: String, hint: &str) -> Finding {
    Finding {
        rule: rule.to_string(),
        severity: Severity::Error,
        file: file.to_string(),
        line: 0,
        column: 0,
        object: None,
        path: None,
        message,
        hint: Some(hint.to_string()),
    }
}

/// A finding without its position, to tell new findings from ones the starting point has too.
pub fn signature(f: &Finding) -> String {
    format!(
        "{}|{}|{:?}|{:?}|{}",
        f.rule, f.file, f.object, f.path, f.message
    )
}

/// An answer that passed: its files, how they were read, the rationale, and (for an edits
/// answer) how many edits changed something.
pub(super) struct Judged {
    pub(super) files: Vec<answer::AnswerFile>,
    pub(super) how: Extraction,
    pub(super) rationale: String,
    pub(super) edits: Option<usize>,
}

/// Reads and checks one answer, or gives the findings to send back. Asked for edits, a reply
/// holding whole files instead is taken as such (models stray from the shape asked for).
pub(super) fn judge(
    d: &LlmDrafter,
    x: &Exchange,
    expected: &Expected,
    expect: &Expect,
    offline: &[ProposedFile],
    baseline: &mut Option<BTreeSet<String>>,
) -> Result<Judged, Vec<Finding>> {
    let truncated = x.finish_reason.as_deref() == Some("length");
    let cut = |why: String| {
        if truncated {
            format!("{why}; the answer was cut at max_tokens")
        } else {
            why
        }
    };
    let where_ = expected
        .folder
        .clone()
        .unwrap_or_else(|| expected.paths.join(", "));
    if d.settings.answer == Form::Edits
        && let Some((answer, embedded)) = edits::parse(&x.reply)
    {
        let start: Vec<(String, String)> = offline
            .iter()
            .map(|f| (f.path.clone(), f.contents.clone()))
            .collect();
        let applied = edits::apply(&start, &answer.edits).map_err(|mut fs| {
            if truncated && let Some(f) = fs.first_mut() {
                f.message = cut(f.message.clone());
            }
            fs
        })?;
        vet(
            d,
            &applied.files,
            expect,
            offline,
            &expected.builds_on,
            baseline,
        )?;
        return Ok(Judged {
            files: applied.files,
            how: if embedded {
                Extraction::EmbeddedJson
            } else {
                Extraction::Json
            },
            rationale: answer.rationale,
            edits: Some(applied.changed),
        });
    }
    let shape = match d.settings.answer {
        Form::Edits => {
            "answer with one JSON object: {\"edits\": [{\"path\": ..., \"find\": ..., \"replace\": ...}], \"rationale\": ...}"
        }
        Form::Files => {
            "answer with one JSON object: {\"files\": [{\"path\": ..., \"contents\": ...}], \"rationale\": ...}"
        }
    };
    let (answer, how) = answer::parse(&x.reply, &expected.paths, expected.folder.as_deref())
        .map_err(|why| vec![finding("answer/unreadable", &where_, cut(why), shape)])?;
    vet(
        d,
        &answer.files,
        expect,
        offline,
        &expected.builds_on,
        baseline,
    )?;
    Ok(Judged {
        files: answer.files,
        how,
        rationale: answer.rationale,
        edits: None,
    })
}

/// The guard, then validation with `files` in place of the offline draft: only errors the
/// offline draft does not have count against them.
pub(super) fn vet(
    d: &LlmDrafter,
    files: &[answer::AnswerFile],
    expect: &Expect,
    offline: &[ProposedFile],
    builds_on: &[String],
    baseline: &mut Option<BTreeSet<String>>,
) -> Result<(), Vec<Finding>> {
    let mut rejected = guard::check(files, expect, &d.settings.allowed_registries);
    let starting: Vec<(&str, &str)> = offline
        .iter()
        .map(|f| (f.path.as_str(), f.contents.as_str()))
        .collect();
    rejected.extend(guard::kept_exclusions(files, &starting));
    if !rejected.is_empty() {
        return Err(rejected);
    }
    let own: BTreeSet<&str> = offline.iter().map(|f| f.path.as_str()).collect();
    let (inputs, base) = d.validation_inputs(&own, files, builds_on);
    let base_sigs = baseline.get_or_insert_with(|| {
        (d.validator)(&base)
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(signature)
            .collect()
    });
    let new: Vec<Finding> = (d.validator)(&inputs)
        .into_iter()
        .filter(|f| f.severity == Severity::Error && !base_sigs.contains(&signature(f)))
        .collect();
    if new.is_empty() { Ok(()) } else { Err(new) }
}

impl LlmDrafter {
    /// The files to validate with a candidate in place of the artifact's starting point, and
    /// the same set with the starting point (the baseline): every offline draft, with the
    /// accepted files of the artifacts it builds on in their place. Never the files of an
    /// artifact drafted alongside it, so the result does not depend on which finished first.
    fn validation_inputs(
        &self,
        own: &BTreeSet<&str>,
        candidate: &[answer::AnswerFile],
        builds_on: &[String],
    ) -> (Vec<Input>, Vec<Input>) {
        let state = self.state();
        let mut context = state
            .context
            .as_ref()
            .map(|c| c.offline.clone())
            .unwrap_or_default();
        for id in builds_on {
            for (path, contents) in state.results.get(id).into_iter().flatten() {
                context.insert(path.clone(), contents.clone());
            }
        }
        drop(state);
        let base: Vec<Input> = context
            .iter()
            .map(|(p, c)| Input {
                path: p.clone(),
                contents: c.clone(),
            })
            .collect();
        let mut with: Vec<Input> = context
            .into_iter()
            .filter(|(p, _)| !own.contains(p.as_str()))
            .map(|(path, contents)| Input { path, contents })
            .collect();
        with.extend(candidate.iter().map(|f| Input {
            path: f.path.clone(),
            contents: f.contents.clone(),
        }));
        (with, base)
    }
}
