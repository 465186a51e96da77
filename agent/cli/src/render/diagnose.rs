//! A diagnosis in; the text a person reads out: where the facts came from, each cause with its
//! evidence and its fix, what a model proposed (kept, or why not), the staged files, and what to
//! run next.

use berth_pipeline::diagnose::model::Asked;
use berth_pipeline::diagnose::{Cause, Diagnosed, Seen};

pub fn human(d: &Diagnosed) -> String {
    let mut out = heading(d);
    if d.causes.is_empty() {
        out.push_str(&format!(
            "nothing failed: {} approved workload{} ready\n",
            d.ready.len(),
            if d.ready.len() == 1 { " is" } else { "s are" }
        ));
    }
    for c in &d.causes {
        out.push_str(&cause(c));
    }
    for a in &d.absent {
        out.push_str(&format!("not in the cluster: {a}\n"));
    }
    for n in &d.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    if let Some(a) = &d.model {
        out.push_str(&asked(a));
    }
    out.push_str(&staged(d));
    out
}

fn heading(d: &Diagnosed) -> String {
    let context = d.context.as_deref().unwrap_or("?");
    match (d.seen, &d.at) {
        (Seen::Cluster, _) => format!("diagnosis (context {context}, now):\n"),
        (Seen::Apply, _) => "diagnosis of the failed rollout:\n".into(),
        (Seen::Record, Some(at)) => format!(
            "diagnosis of the apply that failed at {at} (context {context}; what it saw, kept in .berth/diagnosis.json):\n"
        ),
        (Seen::Record, None) => "diagnosis of the last failed apply:\n".into(),
    }
}

fn cause(c: &Cause) -> String {
    let mut out = format!("  {}  {}", c.workload, c.kind.title());
    if let Some(name) = &c.container {
        out.push_str(&format!("  container {name}"));
    }
    out.push_str(&format!("\n    cause: {}\n", c.summary));
    if !c.evidence.is_empty() {
        out.push_str("    evidence:\n");
        for e in &c.evidence {
            out.push_str(&format!("      {e}\n"));
        }
    }
    if c.fix.is_some() {
        out.push_str("    fix: staged (below)\n");
    }
    if let Some(n) = &c.next {
        out.push_str(&format!("    run: {n}\n"));
    }
    out
}

/// What the model proposed for each cause the rules cannot mend: kept and staged, or not kept
/// and why, the cause and its evidence above being what is known.
fn asked(a: &Asked) -> String {
    if a.proposals.is_empty() {
        return format!(
            "{} not asked: berth's rules have a fix or a next step for every cause above\n",
            a.generator
        );
    }
    let mut out = format!(
        "asked {} about {} cause{} the rules cannot mend:\n",
        a.generator,
        a.proposals.len(),
        if a.proposals.len() == 1 { "" } else { "s" }
    );
    for p in &a.proposals {
        out.push_str(&format!("  {}  {}", p.workload, p.kind.title()));
        if let Some(name) = &p.container {
            out.push_str(&format!("  container {name}"));
        }
        match (&p.why, &p.rationale) {
            (Some(why), _) => out.push_str(&format!(
                "\n    not kept: {why}\n    here is what we know: the cause and its evidence above\n"
            )),
            (None, Some(r)) => out.push_str(&format!("\n    kept (staged below): {r}\n")),
            (None, None) => out.push_str("\n    kept (staged below)\n"),
        }
    }
    out
}

fn staged(d: &Diagnosed) -> String {
    if d.staged.is_empty() {
        return String::new();
    }
    let mut out = format!(
        "staged {} fix{} under .berth/staged/ (nothing is applied until you approve):\n",
        d.staged.len(),
        if d.staged.len() == 1 { "" } else { "es" }
    );
    for f in &d.staged {
        out.push_str(&format!(
            "  {}  ({} error{}, {} warning{})\n",
            f.path,
            f.errors,
            if f.errors == 1 { "" } else { "s" },
            f.warnings,
            if f.warnings == 1 { "" } else { "s" }
        ));
        for m in &f.mends {
            out.push_str(&format!("    {m}\n"));
        }
    }
    out.push_str("next: berth diff, then berth approve, then berth apply\n");
    out
}
