//! Human text for the pipeline's events (`berth up`): one line per stage as it ends (rollouts as they move), and what
//! to do next when there is no cluster. Stage starts are shown on a terminal only.

use berth_cluster::apply;
use berth_pipeline::Event;
use console::style;

fn label(stage: &str) -> String {
    style(format!("{stage:<9}")).bold().to_string()
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// The line for one event, or None for events the summary covers.
pub fn line(e: &Event) -> Option<String> {
    Some(match e {
        Event::StageStarted { .. } | Event::Finished { .. } => return None,
        Event::Planned {
            spec,
            app,
            services,
            artifacts,
            tasks_md,
        } => format!(
            "{}{spec}: app {app}, {}, {} ({tasks_md})",
            label("plan"),
            plural(*services, "service"),
            plural(*artifacts, "artifact")
        ),
        Event::ProposalReady {
            files,
            added,
            modified,
            removed,
            unchanged,
            conflicts,
        } => {
            let mut parts = vec![];
            for (n, what) in [(added, "new"), (modified, "changed"), (removed, "removed")] {
                if *n > 0 {
                    parts.push(format!("{n} {what}"));
                }
            }
            parts.push(format!("{unchanged} unchanged"));
            if *conflicts > 0 {
                parts.push(
                    style(format!("{conflicts} edited by hand"))
                        .red()
                        .to_string(),
                );
            }
            format!(
                "{}{} staged in .berth/staged/: {}",
                label("draft"),
                plural(*files, "file"),
                parts.join(", ")
            )
        }
        Event::Validated {
            files,
            errors,
            warnings,
        } => {
            let errors = match errors {
                0 => style("no errors".to_string()).green().to_string(),
                n => style(plural(*n, "error")).red().bold().to_string(),
            };
            format!(
                "{}{}: {errors}, {}",
                label("validate"),
                plural(*files, "file"),
                plural(*warnings, "warning")
            )
        }
        Event::NeedsApproval { files } => format!(
            "{}{} to review (y approve, n skip, d diff, q stop)",
            label("approve"),
            plural(files.len(), "file")
        ),
        Event::Approved {
            approved,
            declined,
            kept,
            invalid,
        } if approved.is_empty()
            && declined.is_empty()
            && kept.is_empty()
            && invalid.is_empty() =>
        {
            format!(
                "{}nothing to approve: every file is as approved",
                label("approve")
            )
        }
        Event::Approved {
            approved,
            declined,
            kept,
            invalid,
        } => {
            let mut parts = vec![format!("{} approved and written", approved.len())];
            if !declined.is_empty() {
                parts.push(format!("{} declined", declined.len()));
            }
            if !kept.is_empty() {
                parts.push(format!("{} kept as edited by hand", kept.len()));
            }
            if !invalid.is_empty() {
                parts.push(format!(
                    "{} not approved (validation errors: {})",
                    invalid.len(),
                    invalid.join(", ")
                ));
            }
            format!("{}{}", label("approve"), parts.join(", "))
        }
        Event::Built {
            service,
            image,
            skipped,
            command,
        } => {
            if *skipped {
                format!("{}{service}: {image} (already built)", label("build"))
            } else {
                format!("{}{service}: {command}", label("build"))
            }
        }
        // Objects applied are listed in the result; the wait is what takes long.
        Event::Apply(
            e @ (apply::Event::Rollout { .. }
            | apply::Event::RollingBack { .. }
            | apply::Event::Pruning { .. }
            | apply::Event::SecretGenerated { .. }
            | apply::Event::SecretMissing { .. }),
        ) => {
            format!(
                "{}{}",
                label("apply"),
                super::apply::progress(e).trim_start()
            )
        }
        Event::Apply(_) => return None,
        Event::Diagnosed { causes, staged } => {
            let mut text = format!("{}{}", label("diagnose"), plural(causes.len(), "cause"));
            for c in causes {
                text.push_str(&format!("\n  {c}"));
            }
            if !staged.is_empty() {
                text.push_str(&format!(
                    "\n  {} staged for approval: {}",
                    if staged.len() == 1 {
                        "1 fix".to_string()
                    } else {
                        format!("{} fixes", staged.len())
                    },
                    staged.join(", ")
                ));
            }
            text
        }
        Event::Verified {
            service,
            namespace,
            ready,
            ok,
        } => {
            let what = if *ok {
                style(format!("{} ready", plural(*ready, "endpoint")))
                    .green()
                    .to_string()
            } else {
                style("no ready endpoint".to_string())
                    .red()
                    .bold()
                    .to_string()
            };
            format!("{}Service {namespace}/{service}: {what}", label("verify"))
        }
        Event::NoCluster { reason, next } => {
            let mut out = format!(
                "{}no cluster to apply to ({reason})\nThe approved files are written. To deploy, start a cluster and run berth up again:\n",
                style("stopped  ").yellow().bold()
            );
            for step in next {
                out.push_str(&format!("  {step}\n"));
            }
            out.trim_end().to_string()
        }
    })
}
