//! Spec tasks and artifacts in, the plan's tasks out (the spec's own, then berth's: draft each
//! artifact, validate, approve, apply), and the tasks.md berth keeps beside the spec, which keeps
//! the boxes a person ticked.

use super::PlanError;
use super::model::{Artifact, ChecklistItem, Plan, Task, TaskOrigin};
use crate::spec::{GENERATED_MARKER, Spec, SpecFileKind, TASKS_FILE};
use std::fmt::Write;
use std::path::{Path, PathBuf};

pub fn plan(spec: &Spec, artifacts: &[Artifact], root: &Path) -> Vec<Task> {
    let ticked = |id: &str| spec.ticks.get(id).is_some_and(|t| t.done);
    let mut tasks: Vec<Task> = spec
        .tasks
        .iter()
        .map(|t| {
            let item_tick = |text: &str| {
                spec.ticks
                    .get(&t.id)
                    .and_then(|k| k.items.get(text))
                    .copied()
                    .unwrap_or(false)
            };
            let checklist: Vec<ChecklistItem> = t
                .checklist
                .iter()
                .map(|c| ChecklistItem {
                    text: c.text.clone(),
                    done: c.checked || item_tick(&c.text),
                    location: c.location.clone(),
                })
                .collect();
            let all_items = !checklist.is_empty() && checklist.iter().all(|c| c.done);
            Task {
                id: t.id.clone(),
                title: t.title.clone(),
                origin: TaskOrigin::Spec,
                phase: t.phase.clone(),
                story: t.story.clone(),
                parallel: t.parallel,
                done: t.checked.unwrap_or(all_items) || ticked(&t.id),
                depends_on: t.depends_on.clone(),
                artifacts: artifacts
                    .iter()
                    .filter(|a| a.sources.contains(&t.id))
                    .map(|a| a.id.clone())
                    .collect(),
                checklist,
                location: Some(t.location.clone()),
            }
        })
        .collect();

    let berth_task = |id: String,
                      title: String,
                      depends_on: Vec<String>,
                      artifacts: Vec<String>,
                      exists: bool| Task {
        done: exists || ticked(&id),
        id,
        title,
        origin: TaskOrigin::Berth,
        phase: None,
        story: None,
        parallel: depends_on.is_empty(),
        depends_on,
        artifacts,
        checklist: vec![],
        location: None,
    };
    let mut drafts = Vec::new();
    for a in artifacts {
        let id = format!("draft/{}", a.id);
        let from = if a.sources.is_empty() {
            String::new()
        } else {
            format!(" (from {})", a.sources.join(", "))
        };
        // A draft is done once the approved file is in the tree.
        let exists = root.join(&a.path).exists();
        tasks.push(berth_task(
            id.clone(),
            format!("Draft {}{from}", a.path),
            vec![],
            vec![a.id.clone()],
            exists,
        ));
        drafts.push(id);
    }
    let all: Vec<String> = artifacts.iter().map(|a| a.id.clone()).collect();
    tasks.push(berth_task(
        "validate".into(),
        "Validate every draft against schemas and policy".into(),
        drafts,
        all.clone(),
        false,
    ));
    tasks.push(berth_task(
        "approve".into(),
        "Review the diffs and approve the files".into(),
        vec!["validate".into()],
        all.clone(),
        false,
    ));
    tasks.push(berth_task(
        "apply".into(),
        "Apply the approved files to the local cluster".into(),
        vec!["approve".into()],
        all.clone(),
        false,
    ));
    tasks.push(berth_task(
        "verify".into(),
        "Verify that every Service has ready endpoints".into(),
        vec!["apply".into()],
        all,
        false,
    ));
    tasks
}

/// Marks berth's own tasks done (validate, approve, apply, verify) as the pipeline gets there;
/// `write_tasks` then ticks their boxes. Ticks are never taken back here.
pub fn tick(plan: &mut Plan, ids: &[&str]) {
    for t in plan
        .tasks
        .iter_mut()
        .filter(|t| t.origin == TaskOrigin::Berth && ids.contains(&t.id.as_str()))
    {
        t.done = true;
    }
}

/// What happened to tasks.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TasksFile {
    Written(PathBuf),
    Unchanged(PathBuf),
    /// A tasks.md a person wrote: berth reads it and leaves it alone.
    HandWritten(PathBuf),
}

/// Where tasks.md goes: in the spec folder, or beside a single spec file.
pub fn tasks_path(spec: &Spec, root: &Path) -> PathBuf {
    let p = root.join(&spec.path);
    if p.is_dir() {
        p.join(TASKS_FILE)
    } else {
        p.parent().unwrap_or(root).join(TASKS_FILE)
    }
}

/// Writes tasks.md for `plan` atomically, unless its bytes would not change or a person wrote it.
pub fn write_tasks(plan: &Plan, spec: &Spec, root: &Path) -> Result<TasksFile, PlanError> {
    let path = tasks_path(spec, root);
    let shown = crate::source::display_path(&path, root);
    let hand_written = spec
        .files
        .iter()
        .any(|f| f.kind == SpecFileKind::Tasks && !f.generated && f.path == shown);
    if hand_written {
        return Ok(TasksFile::HandWritten(path));
    }
    let text = render_tasks(plan, spec);
    match std::fs::read(&path) {
        Ok(old) if old == text.as_bytes() => return Ok(TasksFile::Unchanged(path)),
        Ok(old)
            if !String::from_utf8_lossy(&old)
                .trim_start()
                .starts_with(GENERATED_MARKER) =>
        {
            return Ok(TasksFile::HandWritten(path));
        }
        _ => {}
    }
    crate::fsutil::write_atomic(&path, text.as_bytes()).map_err(|e| PlanError::Write {
        path: shown,
        source: e,
    })?;
    Ok(TasksFile::Written(path))
}

/// tasks.md in Spec-Kit's format: `- [ ] ID [P] [US1] title`, grouped by phase, checklists nested.
pub fn render_tasks(plan: &Plan, spec: &Spec) -> String {
    let mut out = String::new();
    let sources: Vec<&str> = spec
        .files
        .iter()
        .filter(|f| !f.generated)
        .map(|f| f.path.as_str())
        .collect();
    let _ = writeln!(
        out,
        "{GENERATED_MARKER} by `berth plan` from {}: edit those, not this file. Ticked boxes are kept. -->",
        sources.join(", ")
    );
    let _ = writeln!(
        out,
        "# Tasks: {}\n",
        plan.title.as_deref().map(strip_prefix).unwrap_or(&plan.app)
    );
    let _ = writeln!(out, "**Input**: {}", sources.join(", "));
    let _ = writeln!(
        out,
        "**Format**: `[ID] [P?] [Story] Description`; [P] can run in parallel.\n"
    );

    let mut phases: Vec<(Option<String>, String)> = spec
        .phases
        .iter()
        .map(|p| (Some(p.id.clone()), phase_title(&p.id, &p.title)))
        .collect();
    phases.dedup_by(|a, b| a.0 == b.0);
    if plan
        .tasks
        .iter()
        .any(|t| t.origin == TaskOrigin::Spec && t.phase.is_none())
    {
        phases.push((None, "Tasks".to_string()));
    }
    for (id, title) in &phases {
        let tasks: Vec<&Task> = plan
            .tasks
            .iter()
            .filter(|t| t.origin == TaskOrigin::Spec && &t.phase == id)
            .collect();
        if tasks.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {title}\n");
        for t in tasks {
            task_line(&mut out, t);
        }
        out.push('\n');
    }
    let _ = writeln!(out, "## berth: draft, validate, approve, apply\n");
    for t in plan.tasks.iter().filter(|t| t.origin == TaskOrigin::Berth) {
        task_line(&mut out, t);
    }
    out
}

fn task_line(out: &mut String, t: &Task) {
    let mut line = format!("- [{}] {}", if t.done { 'x' } else { ' ' }, t.id);
    if t.parallel {
        line.push_str(" [P]");
    }
    if let Some(story) = &t.story {
        let _ = write!(line, " [{story}]");
    }
    let _ = write!(line, " {}", t.title);
    if t.origin == TaskOrigin::Berth && !t.depends_on.is_empty() && t.depends_on.len() <= 3 {
        let _ = write!(line, " (depends on {})", t.depends_on.join(", "));
    } else if t.origin == TaskOrigin::Berth && !t.depends_on.is_empty() {
        line.push_str(" (depends on every draft)");
    }
    if let Some(loc) = &t.location {
        let _ = write!(line, " <!-- {loc} -->");
    }
    let _ = writeln!(out, "{line}");
    for c in &t.checklist {
        let _ = writeln!(out, "  - [{}] {}", if c.done { 'x' } else { ' ' }, c.text);
    }
}

fn phase_title(id: &str, title: &str) -> String {
    if title.is_empty() {
        format!("Phase {id}")
    } else {
        format!("Phase {id}: {title}")
    }
}

/// "Implementation Plan: Shop" reads better as "Shop" in a task list's title.
fn strip_prefix(title: &str) -> &str {
    title
        .split_once(':')
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty())
        .unwrap_or(title)
}
