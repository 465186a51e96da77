//! A `Plan` in, the text `berth plan` prints for a person out.

use super::table;
use berth_core::plan::{Plan, Service, Stack, TaskOrigin};
use console::style;
use std::fmt::Write;

pub fn human(plans: &[&Plan]) -> String {
    plans.iter().map(|p| one(p)).collect::<Vec<_>>().join("\n")
}

/// `US1  P1  Send a message  2 tasks, 1 done  specs/x/spec.md:5`
fn story_row(plan: &Plan, story: &berth_core::spec::Story) -> Vec<String> {
    let done = plan
        .tasks
        .iter()
        .filter(|t| t.done && story.tasks.contains(&t.id))
        .count();
    let tasks = match story.tasks.len() {
        0 => "no tasks".to_string(),
        1 => format!("1 task, {done} done"),
        n => format!("{n} tasks, {done} done"),
    };
    vec![
        story.id.clone(),
        story.priority.clone().unwrap_or_else(|| "-".into()),
        story.title.clone(),
        tasks,
        style(story.location.to_string()).dim().to_string(),
    ]
}

fn one(plan: &Plan) -> String {
    let mut out = String::new();
    let title = plan
        .title
        .as_deref()
        .map(|t| format!(": {t}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{} {} ({}){title}",
        style("Plan").bold(),
        style(&plan.app).bold(),
        plan.spec
    );

    let _ = writeln!(
        out,
        "\n{} ({})",
        style("Services").bold(),
        plan.services.len()
    );
    if plan.services.is_empty() {
        let _ = writeln!(
            out,
            "  none found (the warning below says where berth looked)"
        );
    }
    let rows: Vec<Vec<String>> = plan.services.iter().map(service_row).collect();
    out.push_str(&table(&rows, "  "));

    if !plan.dependencies.is_empty() {
        let _ = writeln!(
            out,
            "\n{} ({})",
            style("Dependencies").bold(),
            plan.dependencies.len()
        );
        let rows: Vec<Vec<String>> = plan
            .dependencies
            .iter()
            .map(|d| {
                let from: Vec<&str> = d.evidence.iter().map(|e| e.source.as_str()).collect();
                vec![
                    d.name.clone(),
                    d.kind.as_str().to_string(),
                    d.image.clone(),
                    format!("used by {}", d.used_by.join(", ")),
                    style(format!("({})", from.join(", "))).dim().to_string(),
                ]
            })
            .collect();
        out.push_str(&table(&rows, "  "));
    }

    let _ = writeln!(
        out,
        "\n{} ({})",
        style("Artifacts").bold(),
        plan.artifacts.len()
    );
    let rows: Vec<Vec<String>> = plan
        .artifacts
        .iter()
        .map(|a| {
            let from = if a.sources.is_empty() {
                String::new()
            } else {
                format!("from {}", a.sources.join(", "))
            };
            vec![a.id.clone(), a.path.clone(), style(from).dim().to_string()]
        })
        .collect();
    out.push_str(&table(&rows, "  "));

    if !plan.gates.is_empty() {
        let auto = plan.gates.iter().filter(|g| !g.rules.is_empty()).count();
        let _ = writeln!(
            out,
            "\n{} ({}): {auto} checked by berth, {} for a person",
            style("Gates").bold(),
            plan.gates.len(),
            plan.gates.len() - auto
        );
        let rows: Vec<Vec<String>> = plan
            .gates
            .iter()
            .map(|g| {
                let rule = if g.rules.is_empty() {
                    "manual".into()
                } else {
                    g.rules.join(", ")
                };
                let mark = if g.checked { "[x]" } else { "[ ]" };
                vec![
                    mark.into(),
                    g.id.clone(),
                    rule,
                    g.text.clone(),
                    style(g.location.to_string()).dim().to_string(),
                ]
            })
            .collect();
        out.push_str(&table(&rows, "  "));
    }

    if !plan.stories.is_empty() {
        let _ = writeln!(
            out,
            "\n{} ({})",
            style("Stories").bold(),
            plan.stories.len()
        );
        let rows: Vec<Vec<String>> = plan.stories.iter().map(|s| story_row(plan, s)).collect();
        out.push_str(&table(&rows, "  "));
    }

    let spec_tasks: Vec<_> = plan
        .tasks
        .iter()
        .filter(|t| t.origin == TaskOrigin::Spec)
        .collect();
    let berth_tasks: Vec<_> = plan
        .tasks
        .iter()
        .filter(|t| t.origin == TaskOrigin::Berth)
        .collect();
    let done = |ts: &[&berth_core::plan::Task]| ts.iter().filter(|t| t.done).count();
    let _ = writeln!(
        out,
        "\n{} ({}): spec {} of {} done, berth {} of {} done",
        style("Tasks").bold(),
        plan.tasks.len(),
        done(&spec_tasks),
        spec_tasks.len(),
        done(&berth_tasks),
        berth_tasks.len()
    );
    let rows: Vec<Vec<String>> = plan
        .tasks
        .iter()
        .map(|t| {
            let mark = if t.done { "[x]" } else { "[ ]" };
            let progress = if t.checklist.is_empty() {
                String::new()
            } else {
                format!(
                    "{}/{}",
                    t.checklist.iter().filter(|c| c.done).count(),
                    t.checklist.len()
                )
            };
            let at = t
                .location
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_default();
            vec![
                mark.into(),
                t.id.clone(),
                t.title.clone(),
                progress,
                style(at).dim().to_string(),
            ]
        })
        .collect();
    out.push_str(&table(&rows, "  "));

    if !plan.warnings.is_empty() {
        let _ = writeln!(
            out,
            "\n{} ({})",
            style("Warnings").yellow().bold(),
            plan.warnings.len()
        );
        for w in &plan.warnings {
            let at = w
                .location
                .as_ref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default();
            let _ = writeln!(out, "  {} {}{at}", style("!").yellow(), w.message);
        }
    }
    out
}

fn service_row(s: &Service) -> Vec<String> {
    let stack = if s.stack == Stack::Unknown {
        style("unknown stack").yellow().to_string()
    } else if s.frameworks.is_empty() {
        s.stack.as_str().to_string()
    } else {
        format!("{} ({})", s.stack.as_str(), s.frameworks.join(", "))
    };
    let port = match &s.port {
        Some(p) => format!(
            "port {} {}",
            p.number,
            style(format!("({})", p.evidence.source)).dim()
        ),
        None if s.web_frontend => "static files".to_string(),
        None => style("port unknown").yellow().to_string(),
    };
    let role = if s.web_frontend {
        "web frontend"
    } else {
        "backend"
    };
    vec![s.name.clone(), stack, role.into(), port]
}
