//! `berth ci`: the specs in, never a prompt; everything regenerated in memory, validated, and
//! compared with the committed files and berth.lock. Out: a report naming each drifted file,
//! why it drifted (the inputs that changed, a hand edit, or berth's own drafter), and the diff;
//! with `--write`, the files and the lock brought up to date.

use crate::draft::{Drafting, with_proposals};
use crate::inputs::{self, Changed};
use crate::project;
use berth_core::diff::{Change, compare, unified};
use berth_core::exit::{Error, Exit};
use berth_core::fsutil::write_atomic;
use berth_core::plan::{self, Plan};
use berth_core::record::{Proposal, sha256_hex};
use berth_core::spec::Spec;
use berth_core::validate::{self, Input, Report};
use berth_draft::llm::{Lock, LockedArtifact, LockedFile, Overrides, load_lock, save_lock};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

pub struct Options {
    /// Write the regenerated files and berth.lock instead of only checking.
    pub write: bool,
    /// Never ask a model: what berth.lock and the cache hold, or an error.
    pub frozen: bool,
    pub overrides: Overrides,
}

/// Why one file drifted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cause {
    /// An input behind it changed: a spec item or a service fact.
    Input(Changed),
    /// The committed file is not what berth last generated (berth.lock), and no input changed.
    HandEdit,
    /// berth.lock has no entry for it, so berth cannot tell a hand edit from an input change.
    NotLocked,
    /// No input changed and the file is as berth last generated it: berth's drafter changed.
    Drafter,
    /// The plan's tasks changed (tasks.md is regenerated from the spec).
    Plan,
}

fn input(c: &Changed) -> String {
    let name = c
        .input
        .strip_prefix("spec:")
        .map(|id| format!("spec item {id}"));
    let at =
        c.at.as_deref()
            .map(|a| format!(" ({a})"))
            .unwrap_or_default();
    match (name, &c.was, &c.now) {
        (Some(item), Some(_), Some(_)) => format!("{item} changed{at}"),
        (Some(item), None, Some(_)) => format!("{item} is new{at}"),
        (Some(item), _, None) => format!("{item} is gone"),
        (None, Some(was), Some(now)) => format!("{}: {was} -> {now}{at}", c.input),
        (None, None, Some(now)) => format!("{}: new, {now}{at}", c.input),
        (None, Some(was), None) => format!("{}: was {was}, now gone", c.input),
        (None, None, None) => c.input.clone(),
    }
}

impl Cause {
    /// The cause in words, for reports.
    pub fn describe(&self) -> String {
        match self {
        Cause::Input(c) => input(c),
        Cause::HandEdit => {
            "edited by hand: the committed file is not what berth generated (berth.lock), and no input changed".into()
        }
        Cause::NotLocked => "berth.lock has no entry for it: run `berth ci --write` and commit".into(),
        Cause::Drafter => "berth's drafter changed (no input did): `berth ci --write` takes the new draft".into(),
        Cause::Plan => "the plan changed (regenerated from the spec)".into(),
        }
    }
}

/// One file that is not what berth generates now.
#[derive(Debug, Clone, Serialize)]
pub struct Drift {
    pub path: String,
    pub artifact: String,
    pub change: Change,
    pub causes: Vec<Cause>,
    pub added_lines: usize,
    pub removed_lines: usize,
    pub diff: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CiReport {
    pub spec: String,
    pub app: String,
    /// `offline`, or `openai/<model>` when berth.lock says a model drafted the files.
    pub generator: String,
    pub frozen: bool,
    /// Files berth generates, checked.
    pub checked: usize,
    pub drift: Vec<Drift>,
    /// berth.lock does not record the current inputs (or files) although the files match.
    pub lock_stale: bool,
    pub validation: Report,
    /// With `--write`: the files written (and removed), and whether berth.lock changed.
    pub written: Vec<String>,
    pub lock_written: bool,
}

impl CiReport {
    pub fn exit(&self, write: bool) -> Exit {
        let drifted = !write && (!self.drift.is_empty() || self.lock_stale);
        if drifted || !self.validation.is_clean() {
            Exit::Findings
        } else {
            Exit::Ok
        }
    }
}

/// Runs `berth ci` on one spec.
pub fn run(root: &Path, spec: &Spec, plan: &Plan, opts: Options) -> Result<CiReport, Error> {
    let lock = load_lock(root)?;
    let model = drafted_by_model(&lock);
    let drafting = drafting(&lock, opts.overrides, opts.frozen);
    let (proposals, summary) = with_proposals(root, plan, drafting, Ok)?;
    let generator = summary
        .map(|s| s.generator.clone())
        .unwrap_or_else(|| "offline".into());
    // The LLM drafter may have rewritten the lock's file entries: read it again.
    let lock = if model.is_some() {
        load_lock(root)?
    } else {
        lock
    };

    let mirror = crate::draft::registry_mirror(root)?;
    let now: BTreeMap<&str, inputs::Inputs> = plan
        .artifacts
        .iter()
        .map(|a| (a.id.as_str(), inputs::of(plan, a, mirror.as_deref())))
        .collect();
    let mut drift = Vec::new();
    for p in &proposals {
        let on_disk = read(root, &p.path)?;
        let d = compare(&p.path, on_disk.clone(), Some(p.contents.clone()));
        if d.change == Change::Unchanged {
            continue;
        }
        let causes = causes(&lock, p, on_disk.as_deref(), now.get(p.artifact.as_str()));
        drift.push(Drift {
            path: p.path.clone(),
            artifact: p.artifact.clone(),
            change: d.change,
            causes,
            added_lines: d.added_lines,
            removed_lines: d.removed_lines,
            diff: unified(&d, 3),
        });
    }
    // Files berth generated before that no artifact proposes any more.
    for f in &lock.files {
        if proposals.iter().any(|p| p.path == f.path) {
            continue;
        }
        if let Some(old) = read(root, &f.path)? {
            let d = compare(&f.path, Some(old), None);
            drift.push(Drift {
                path: f.path.clone(),
                artifact: f.artifact.clone(),
                change: Change::Removed,
                causes: vec![Cause::Plan],
                added_lines: d.added_lines,
                removed_lines: d.removed_lines,
                diff: unified(&d, 3),
            });
        }
    }
    if let Some(tasks) = tasks_drift(root, spec, plan)? {
        drift.push(tasks);
    }

    let new_lock = locked(&proposals, &lock, &now, &generator);
    let lock_stale = sorted(&lock) != new_lock;
    let validation = validate(root, &proposals)?;
    let mut report = CiReport {
        spec: plan.spec.clone(),
        app: plan.app.clone(),
        generator,
        frozen: opts.frozen,
        checked: proposals.len(),
        drift,
        lock_stale,
        validation,
        written: vec![],
        lock_written: false,
    };
    if opts.write {
        write(root, spec, plan, &proposals, &mut report)?;
        report.lock_written = save_lock(root, &new_lock)?;
    }
    Ok(report)
}

/// The model berth.lock says drafted the files, if one did.
fn drafted_by_model(lock: &Lock) -> Option<String> {
    lock.files
        .iter()
        .find(|f| f.generator.starts_with("openai/"))
        .map(|f| f.generator.clone())
}

/// The drafter berth.lock calls for: the LLM drafter when a model drafted the files.
fn drafting(lock: &Lock, overrides: Overrides, frozen: bool) -> Drafting {
    match drafted_by_model(lock) {
        Some(_) => Drafting::Llm {
            overrides,
            frozen,
            progress: None,
        },
        None => Drafting::Offline,
    }
}

/// `berth ci --apply`: stages the regenerated drafts, approves those that validate (the
/// command line asked for exactly that), and applies what is approved. Never asks a model.
pub fn apply(
    root: &Path,
    plan: &Plan,
    opts: &berth_cluster::apply::Options,
) -> Result<berth_cluster::apply::Outcome, Error> {
    let lock = load_lock(root)?;
    let drafted = crate::draft::draft(root, plan, drafting(&lock, Overrides::default(), true))?;
    let report = crate::validate::project(root)?;
    let mut record = berth_core::record::load_record(root)?;
    let pending = crate::approve::pending(&drafted.diffs);
    let (_, failure) = crate::approve::run(
        root,
        &mut record,
        &pending,
        &report,
        crate::approve::ApprovalPolicy::ApproveValid,
        false,
        &mut crate::approve::NoOne,
    );
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(berth_cluster::apply::apply(root, opts, &|_| {})?)
}

/// The report as SARIF: validation findings, and one `berth/drift` result per drifted file.
pub fn sarif(report: &CiReport, version: &str) -> serde_json::Value {
    let mut findings = report.validation.clone();
    for d in &report.drift {
        findings.findings.push(berth_core::validate::Finding {
            rule: "berth/drift".into(),
            severity: berth_core::validate::Severity::Error,
            file: d.path.clone(),
            line: 0,
            column: 0,
            object: None,
            path: None,
            message: format!(
                "not what berth generates from the specs: {}",
                d.causes
                    .iter()
                    .map(Cause::describe)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            hint: Some(
                "run `berth ci --write`, review the diff, and commit it with berth.lock".into(),
            ),
        });
    }
    berth_core::validate::sarif::to_sarif(&findings, version)
}

fn read(root: &Path, rel: &str) -> Result<Option<String>, Error> {
    match std::fs::read(root.join(rel)) {
        Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::new(
            Exit::External,
            format!("{rel}: cannot read: {e}"),
        )),
    }
}

/// Why `p` differs from the committed file.
fn causes(
    lock: &Lock,
    p: &Proposal,
    on_disk: Option<&str>,
    now: Option<&inputs::Inputs>,
) -> Vec<Cause> {
    let locked_inputs = lock.artifacts.iter().find(|a| a.id == p.artifact);
    let changed: Vec<Cause> = match (locked_inputs, now) {
        (Some(was), Some(now)) => inputs::changed(&was.inputs, now)
            .into_iter()
            .map(Cause::Input)
            .collect(),
        _ => vec![],
    };
    let Some(entry) = lock.files.iter().find(|f| f.path == p.path) else {
        return if changed.is_empty() {
            vec![Cause::NotLocked]
        } else {
            changed
        };
    };
    let mut out = Vec::new();
    if on_disk.is_some_and(|t| sha256_hex(t.as_bytes()) != entry.sha256) {
        out.push(Cause::HandEdit);
    }
    out.extend(changed);
    if out.is_empty() {
        // Deleted by hand, or berth's templates moved on with every input the same.
        out.push(if on_disk.is_none() {
            Cause::HandEdit
        } else {
            Cause::Drafter
        });
    }
    out
}

/// tasks.md, when it is berth's and not what the spec gives now.
fn tasks_drift(root: &Path, spec: &Spec, plan: &Plan) -> Result<Option<Drift>, Error> {
    let Some(shown) = project::tasks_out_of_date(plan, spec, root) else {
        return Ok(None);
    };
    let old = read(root, &shown)?;
    let d = compare(&shown, old, Some(plan::render_tasks(plan, spec)));
    Ok(Some(Drift {
        path: shown,
        artifact: "tasks".into(),
        change: d.change,
        causes: vec![Cause::Plan],
        added_lines: d.added_lines,
        removed_lines: d.removed_lines,
        diff: unified(&d, 3),
    }))
}

/// The lock as `--write` leaves it: every generated file, and every artifact's inputs.
fn locked(
    proposals: &[Proposal],
    old: &Lock,
    now: &BTreeMap<&str, inputs::Inputs>,
    generator: &str,
) -> Lock {
    let files = proposals
        .iter()
        .map(|p| {
            let prior = old
                .files
                .iter()
                .find(|f| f.path == p.path && f.sha256 == p.sha256);
            prior.cloned().unwrap_or_else(|| LockedFile {
                path: p.path.clone(),
                artifact: p.artifact.clone(),
                sha256: p.sha256.clone(),
                generator: if p.generator.is_empty() {
                    generator.into()
                } else {
                    p.generator.clone()
                },
                cache_key: String::new(),
                spec_items: String::new(),
                service_facts: String::new(),
            })
        })
        .collect();
    let artifacts = now
        .iter()
        .map(|(id, inputs)| LockedArtifact {
            id: id.to_string(),
            inputs: inputs::values(inputs),
        })
        .collect();
    sorted(&Lock {
        files,
        artifacts,
        ..Lock::default()
    })
}

/// The lock in the order `locked` writes it, for comparison.
fn sorted(lock: &Lock) -> Lock {
    let mut l = lock.clone();
    l.files.sort_by(|a, b| a.path.cmp(&b.path));
    l.artifacts.sort_by(|a, b| a.id.cmp(&b.id));
    l
}

/// The regenerated files, validated as they would be committed.
fn validate(root: &Path, proposals: &[Proposal]) -> Result<Report, Error> {
    let options = crate::validate::options(root, None, vec![])?;
    let files: Vec<Input> = proposals
        .iter()
        .map(|p| Input {
            path: p.path.clone(),
            contents: p.contents.clone(),
        })
        .collect();
    Ok(validate::validate(&files, &options))
}

/// `--write`: the drifted files written atomically (removed ones deleted), and tasks.md.
fn write(
    root: &Path,
    spec: &Spec,
    plan: &Plan,
    proposals: &[Proposal],
    report: &mut CiReport,
) -> Result<(), Error> {
    for d in &report.drift {
        let target = root.join(&d.path);
        let result = match d.change {
            Change::Removed => std::fs::remove_file(&target),
            _ if d.artifact == "tasks" => plan::write_tasks(plan, spec, root)
                .map(|_| ())
                .map_err(|e| std::io::Error::other(e.to_string())),
            _ => match proposals.iter().find(|p| p.path == d.path) {
                Some(p) => write_atomic(&target, p.contents.as_bytes()),
                None => Ok(()),
            },
        };
        result.map_err(|e| {
            Error::new(
                Exit::External,
                format!(
                    "{}: cannot write: {e} (written before it: {})",
                    d.path,
                    if report.written.is_empty() {
                        "nothing".into()
                    } else {
                        report.written.join(", ")
                    }
                ),
            )
        })?;
        report.written.push(d.path.clone());
    }
    Ok(())
}
