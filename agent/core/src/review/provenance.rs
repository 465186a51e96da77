//! A staged proposal (and the plan it came from) in; its provenance out: the artifact, who
//! drafted it (offline, or a model and the rationale it gave), the spec items behind it with
//! their file:line, and whether the model's answer was repaired or replaced by the offline
//! draft, and why.

use crate::plan::Plan;
use crate::record::{Proposal, Staged};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Drafting {
    /// berth's own templates.
    Offline,
    /// A model's answer, accepted as it came.
    Model,
    /// A model's answer, accepted after repairs.
    Repaired,
    /// The model's answer was not accepted; this is the offline draft.
    Fallback,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecItem {
    pub id: String,
    pub text: Option<String>,
    /// `specs/app/spec.md:12`; none for an id the plan no longer has.
    pub at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provenance {
    pub artifact: String,
    pub generator: String,
    pub drafting: Drafting,
    /// The model that was asked (for a fallback, the one whose answer was refused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Why it was repaired (the rules fixed) or fell back (what was left).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rationale: Option<String>,
    pub spec_items: Vec<SpecItem>,
    /// The drafter's other notes on this file.
    pub notes: Vec<String>,
}

/// The provenance of `p`. The drafter says how an artifact was drafted once, on its first
/// file, so the notes of the artifact's other files in `staged` are read too.
pub fn of(p: &Proposal, staged: &Staged, plan: Option<&Plan>) -> Provenance {
    let artifact_notes = staged
        .proposals
        .iter()
        .filter(|q| q.artifact == p.artifact)
        .flat_map(|q| q.notes.iter());
    let mut out = Provenance {
        artifact: p.artifact.clone(),
        generator: p.generator.clone(),
        drafting: Drafting::Offline,
        model: None,
        why: None,
        rationale: None,
        spec_items: p.sources.iter().map(|id| spec_item(plan, id)).collect(),
        notes: p
            .notes
            .iter()
            .filter(|n| !is_drafting_note(n))
            .cloned()
            .collect(),
    };
    if let Some(note) = artifact_notes.into_iter().find(|n| is_drafting_note(n)) {
        read_drafting_note(note, &mut out);
    }
    out
}

fn is_drafting_note(n: &str) -> bool {
    n.starts_with("drafted by ") || n.starts_with("offline draft: ")
}

/// Reads what the LLM drafter wrote: `drafted by M[ after N repair(s) (fixed: R)][: rationale]`
/// or `offline draft: M's answer was not accepted (reason)`.
fn read_drafting_note(note: &str, out: &mut Provenance) {
    if let Some(rest) = note.strip_prefix("offline draft: ") {
        out.drafting = Drafting::Fallback;
        if let Some((model, reason)) = rest.split_once("'s answer was not accepted (") {
            out.model = Some(model.to_string());
            out.why = Some(reason.strip_suffix(')').unwrap_or(reason).to_string());
        }
        return;
    }
    let Some(mut rest) = note.strip_prefix("drafted by ") else {
        return;
    };
    let model_end = [rest.find(" after "), rest.find(": ")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(rest.len());
    out.model = Some(rest[..model_end].to_string());
    out.drafting = Drafting::Model;
    rest = &rest[model_end..];
    if let Some(after) = rest.strip_prefix(" after ") {
        out.drafting = Drafting::Repaired;
        let (count, fixed) = after.split_once(" (fixed: ").unwrap_or((after, ""));
        let (rules, tail) = fixed.split_once(')').unwrap_or((fixed, ""));
        out.why = Some(format!("{count}, fixed: {rules}"));
        rest = tail;
    }
    if let Some(r) = rest.strip_prefix(": ").filter(|r| !r.trim().is_empty()) {
        out.rationale = Some(r.trim().to_string());
    }
}

/// A spec item by id, with the text and line the plan read it from.
pub fn spec_item(plan: Option<&Plan>, id: &str) -> SpecItem {
    let found = plan.and_then(|plan| {
        if let Some(t) = plan.tasks.iter().find(|t| t.id == id) {
            return Some((t.title.clone(), t.location.as_ref().map(|l| l.to_string())));
        }
        if let Some(r) = plan.requirements.iter().find(|r| r.id == id) {
            return Some((r.text.clone(), Some(r.location.to_string())));
        }
        plan.gates
            .iter()
            .find(|g| g.id == id)
            .map(|g| (g.text.clone(), Some(g.location.to_string())))
    });
    SpecItem {
        id: id.to_string(),
        text: found.as_ref().map(|f| f.0.clone()),
        at: found.and_then(|f| f.1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proposal(artifact: &str, generator: &str, notes: &[&str]) -> Proposal {
        Proposal {
            path: format!("{artifact}.yaml"),
            artifact: artifact.into(),
            generator: generator.into(),
            sources: vec!["FR-001".into()],
            sha256: String::new(),
            notes: notes.iter().map(|n| n.to_string()).collect(),
            base: None,
            contents: String::new(),
        }
    }

    fn read(p: &Proposal) -> Provenance {
        let staged = Staged {
            proposals: vec![p.clone()],
            ..Staged::default()
        };
        of(p, &staged, None)
    }

    #[test]
    fn a_repaired_answer_says_what_was_fixed_and_why_it_was_drafted_so() {
        let p = proposal(
            "web/deployment",
            "openai:smol",
            &[
                "drafted by openai:smol after 2 repair(s) (fixed: DL3007, policy/probes): pinned the image",
            ],
        );
        let v = read(&p);
        assert_eq!(v.drafting, Drafting::Repaired);
        assert_eq!(v.model.as_deref(), Some("openai:smol"));
        assert_eq!(
            v.why.as_deref(),
            Some("2 repair(s), fixed: DL3007, policy/probes")
        );
        assert_eq!(v.rationale.as_deref(), Some("pinned the image"));
        assert_eq!(v.spec_items[0].at, None);
    }

    #[test]
    fn a_fallback_names_the_model_and_the_reason() {
        let p = proposal(
            "web/deployment",
            "offline",
            &[
                "offline draft: openai:smol's answer was not accepted (1 finding(s) left after 2 repair(s): x)",
                "other",
            ],
        );
        let v = read(&p);
        assert_eq!(v.drafting, Drafting::Fallback);
        assert_eq!(
            v.why.as_deref(),
            Some("1 finding(s) left after 2 repair(s): x")
        );
        assert_eq!(v.notes, ["other"]);
    }

    #[test]
    fn a_model_answer_with_a_rationale_and_an_offline_draft() {
        let v = read(&proposal("a/b", "m", &["drafted by m: because"]));
        assert_eq!(
            (v.drafting, v.rationale.as_deref()),
            (Drafting::Model, Some("because"))
        );
        assert_eq!(
            read(&proposal("a/b", "offline", &[])).drafting,
            Drafting::Offline
        );
    }
}
