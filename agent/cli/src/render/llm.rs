//! The LLM drafter's run summary in, what `berth draft --provider openai` shows a person out:
//! per artifact its outcome, requests, cache hits, tokens and time; and, on a terminal only, a
//! progress line while answers stream (several at once when artifacts are drafted
//! concurrently: one line naming each artifact in flight).

use super::table;
use berth_draft::llm::{Outcome, RunSummary, Step};
use console::{Term, style};
use std::collections::BTreeMap;
use std::sync::Mutex;

fn seconds(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

pub fn run_summary(s: &RunSummary) -> String {
    let mut rows = Vec::new();
    let mut reasons = Vec::new();
    for a in &s.artifacts {
        // An edits answer says how much it changed: "no change" keeps the offline draft.
        let edits = match a.edits {
            Some(0) => ", no change".to_string(),
            Some(1) => ", 1 edit".to_string(),
            Some(n) => format!(", {n} edits"),
            None => String::new(),
        };
        let mut outcome = match a.outcome {
            Outcome::Drafted => style(format!("drafted{edits}")).green(),
            Outcome::Repaired => style(format!("repaired ({}){edits}", a.repairs)).yellow(),
            Outcome::Fallback => style("offline fallback".to_string()).red(),
        }
        .to_string();
        if let Some(r) = a.reused {
            outcome.push_str(&format!(", {}", style(r.as_str()).dim()));
        }
        let tokens = if a.tokens_reported {
            format!("{}/{} tok", a.tokens_in, a.tokens_out)
        } else {
            "tok n/a".to_string()
        };
        rows.push(vec![
            a.artifact.clone(),
            outcome,
            format!("{} req", a.requests),
            format!("{} cached", a.cache_hits),
            tokens,
            seconds(a.millis),
        ]);
        if let Some(r) = a.reason.as_ref().filter(|_| a.reused.is_none()) {
            reasons.push(format!("  {} {}: {r}", style("!").yellow(), a.artifact));
        }
    }
    let mut out = format!(
        "{} {} at {}{}\n",
        style("LLM").bold(),
        s.generator,
        s.base_url,
        if s.frozen { " (frozen)" } else { "" }
    );
    out.push_str(&table(&rows, "  "));
    if !reasons.is_empty() {
        out.push_str(&reasons.join("\n"));
        out.push('\n');
    }
    let tokens = if s.tokens_reported {
        format!("{} tokens in, {} out", s.tokens_in, s.tokens_out)
    } else {
        format!(
            "{} tokens in, {} out (the server did not count them all)",
            s.tokens_in, s.tokens_out
        )
    };
    out.push_str(&format!(
        "{} requests, {} cache hits, {tokens}, {}; {} unchanged, {} repaired, {} offline fallback{}\n",
        s.requests,
        s.cache_hits,
        seconds(s.millis),
        s.reused,
        s.repaired,
        s.fallbacks,
        if s.lock_written {
            "; berth.lock updated"
        } else {
            ""
        }
    ));
    out
}

/// The artifacts whose answers are streaming, and the characters received of each.
static IN_FLIGHT: Mutex<BTreeMap<String, usize>> = Mutex::new(BTreeMap::new());

/// The progress line: every artifact in flight, in name order.
fn progress_line(in_flight: &BTreeMap<String, usize>) -> String {
    let parts: Vec<String> = in_flight
        .iter()
        .map(|(a, n)| format!("{a} ({n} chars)"))
        .collect();
    format!("drafting {}", parts.join(", "))
}

/// Shows how much of each answer has arrived, on a terminal only.
pub fn progress(artifact: &str, step: Step) {
    let term = Term::stderr();
    if !term.is_term() {
        return;
    }
    let mut in_flight = IN_FLIGHT.lock().unwrap_or_else(|e| e.into_inner());
    match step {
        Step::Received(n) => {
            in_flight.insert(artifact.to_string(), n);
        }
        Step::Done => {
            in_flight.remove(artifact);
        }
    }
    let _ = term.clear_line();
    if !in_flight.is_empty() {
        let mut line = progress_line(&in_flight);
        let width = term.size().1 as usize;
        if width > 4 && line.chars().count() >= width {
            line = line.chars().take(width - 4).collect::<String>() + "...";
        }
        let _ = term.write_str(&line);
    }
}

pub fn clear_progress() {
    let term = Term::stderr();
    if term.is_term() {
        let _ = term.clear_line();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_progress_line_names_every_artifact_in_flight() {
        let mut m = BTreeMap::new();
        m.insert("frontend/dockerfile".to_string(), 90);
        m.insert("backend/deployment".to_string(), 812);
        assert_eq!(
            progress_line(&m),
            "drafting backend/deployment (812 chars), frontend/dockerfile (90 chars)"
        );
    }
}
