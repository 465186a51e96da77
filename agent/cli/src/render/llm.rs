//! The LLM drafter's run summary in, what `berth draft --provider openai` shows a person out:
//! per artifact its outcome, requests, cache hits, tokens and time; and, on a terminal only, a
//! progress line while an answer streams.

use super::table;
use berth_draft::llm::{Outcome, RunSummary};
use console::{Term, style};

fn seconds(ms: u64) -> String {
    format!("{:.1}s", ms as f64 / 1000.0)
}

pub fn run_summary(s: &RunSummary) -> String {
    let mut rows = Vec::new();
    let mut reasons = Vec::new();
    for a in &s.artifacts {
        let mut outcome = match a.outcome {
            Outcome::Drafted => style("drafted".to_string()).green(),
            Outcome::Repaired => style(format!("repaired ({})", a.repairs)).yellow(),
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

/// Shows how much of an answer has arrived, on a terminal only.
pub fn progress(artifact: &str, chars: usize) {
    let term = Term::stderr();
    if term.is_term() {
        let _ = term.clear_line();
        let _ = term.write_str(&format!("drafting {artifact}: {chars} characters received"));
    }
}

pub fn clear_progress() {
    let term = Term::stderr();
    if term.is_term() {
        let _ = term.clear_line();
    }
}
