//! Human text for `berth status`: per spec, its tasks with their boxes, what waits for a
//! review or an apply, and what the cluster runs.

use berth_pipeline::status::Status;
use console::style;

pub fn human(list: &[Status]) -> String {
    let mut out = String::new();
    for s in list {
        let done = s.tasks.iter().filter(|t| t.done).count();
        out.push_str(&format!(
            "{} {} (app {}): {done} of {} tasks done\n",
            style("Spec").bold(),
            s.spec,
            s.app,
            s.tasks.len()
        ));
        for t in &s.tasks {
            let mark = if t.done { "[x]" } else { "[ ]" };
            out.push_str(&format!("  {mark} {} {}\n", style(&t.id).dim(), t.title));
        }
        section(
            &mut out,
            "Drafted, not approved (`berth diff`, `berth approve`)",
            &s.drafted_not_approved,
        );
        section(
            &mut out,
            "Approved, not applied since (`berth apply`)",
            &s.approved_not_applied,
        );
        match (&s.cluster, &s.cluster_note) {
            (Some(r), _) => {
                let when = r.last_applied.as_deref().unwrap_or("never rolled out");
                out.push_str(&format!(
                    "{} (context {}, last good apply {when}):\n",
                    style("Running").bold(),
                    r.context
                ));
                if r.objects.is_empty() {
                    out.push_str("  nothing of this app\n");
                }
                for o in &r.objects {
                    let ready = o
                        .ready
                        .map(|(r, d)| format!(" {r}/{d} ready"))
                        .unwrap_or_default();
                    out.push_str(&format!("  {}{ready}\n", o.object));
                }
            }
            (None, Some(note)) => out.push_str(&format!(
                "{} no cluster answered ({note})\n",
                style("Running").bold()
            )),
            (None, None) => {}
        }
        out.push('\n');
    }
    out.trim_end().to_string() + "\n"
}

fn section(out: &mut String, title: &str, files: &[String]) {
    if files.is_empty() {
        return;
    }
    out.push_str(&format!("{} ({}):\n", style(title).bold(), files.len()));
    for f in files {
        out.push_str(&format!("  {f}\n"));
    }
}
