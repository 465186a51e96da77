//! `berth diagnose`: the app's workloads in the cluster now (or, when the cluster has rolled
//! back since, what the last failed apply saw) and the approved manifests in; the cause of each
//! failure with its evidence out, and a fix for each cause berth can mend staged under
//! `.berth/staged/` like any draft: shown by `berth diff`, validated, and applied only after a
//! person approves it. Nothing here changes the tree or the cluster.

pub mod cause;
mod fix;
pub mod model;
mod quantity;
pub mod rules;

pub use cause::{Cause, Fix, Kind};
pub use model::Model;

use berth_cluster::apply::objects::Object;
use berth_cluster::apply::{self, ApplyError, ApplyResult, ObjectRef, RolloutResult};
use berth_core::exit::Error;
use berth_core::fsutil::write_atomic;
use berth_core::plan::Plan;
use berth_core::record::{self, Proposal, RecordError, Staged, load_record, load_staged};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What the last failed apply found, kept for after its roll back.
pub const RECORD: &str = ".berth/diagnosis.json";

/// The generator named in a staged fix's provenance.
pub const GENERATOR: &str = "berth diagnose";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    /// When the apply that failed ended (RFC 3339).
    pub at: String,
    pub context: String,
    pub causes: Vec<Cause>,
}

/// Where the facts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Seen {
    /// The cluster, now.
    Cluster,
    /// The apply that just failed.
    Apply,
    /// The last failed apply's record: the cluster was rolled back since, or cannot be reached.
    Record,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diagnosed {
    pub seen: Seen,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    /// For `record`: when the failed apply ended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// Approved workloads that are ready now.
    pub ready: Vec<ObjectRef>,
    /// Approved workloads the cluster does not have.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub absent: Vec<ObjectRef>,
    pub causes: Vec<Cause>,
    /// The fixes staged, one per file.
    pub staged: Vec<StagedFix>,
    /// Why a fix could not be staged, or what else the reader should know.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// With an LLM configured: what it proposed for the causes the rules cannot mend.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<model::Asked>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StagedFix {
    pub path: String,
    /// What it mends, one line each.
    pub mends: Vec<String>,
    /// What validation says of the file as fixed.
    pub errors: usize,
    pub warnings: usize,
}

impl Diagnosed {
    /// Something failed.
    pub fn failed(&self) -> bool {
        !self.causes.is_empty()
    }
}

/// Diagnoses the app from the cluster, falling back to the last failed apply's record; with
/// `stage`, the fixes are staged (and, with a `model`, what it proposes for the causes the
/// rules cannot mend, once checked).
pub fn diagnose(
    root: &Path,
    plans: &[Plan],
    opts: &apply::Options,
    stage: bool,
    model: Option<&Model>,
) -> Result<Diagnosed, Error> {
    let approved = approved_objects(root)?;
    let refs: Vec<ObjectRef> = approved.iter().map(Object::reference).collect();
    let inspected = match apply::inspect(&refs, opts) {
        Ok(i) => i,
        Err(e) if unreachable(&e) => {
            return from_record(root, &approved, Some(e.to_string()), stage, model);
        }
        Err(e) => return Err(e.into()),
    };
    let failing: Vec<&RolloutResult> = inspected
        .rollouts
        .iter()
        .filter(|r| !r.rollout.is_ready())
        .collect();
    if failing.is_empty() && root.join(RECORD).is_file() {
        let mut d = from_record(root, &approved, None, stage, model)?;
        d.context = Some(inspected.context.clone());
        d.ready = ready(&inspected.rollouts);
        d.absent = inspected.absent;
        return Ok(d);
    }
    let causes = causes_of(&failing, &approved, plans);
    let mut d = Diagnosed {
        seen: Seen::Cluster,
        context: Some(inspected.context.clone()),
        at: None,
        ready: ready(&inspected.rollouts),
        absent: inspected.absent,
        causes,
        staged: vec![],
        notes: vec![],
        model: None,
    };
    if stage {
        stage_fixes(root, &approved, &mut d, model)?;
    }
    Ok(d)
}

/// What the last failed apply saw (RECORD), without asking any cluster; with `stage`, its
/// fixes are staged.
pub fn recorded(root: &Path, stage: bool) -> Result<Diagnosed, Error> {
    let approved = approved_objects(root)?;
    from_record(root, &approved, None, stage, None)
}

/// After an apply: the causes of its failed rollouts (kept in RECORD for after the roll
/// back), their fixes staged. A good rollout clears the record and gives None.
pub fn after_apply(
    root: &Path,
    plans: &[Plan],
    result: &ApplyResult,
    model: Option<&Model>,
) -> Result<Option<Diagnosed>, Error> {
    let failing: Vec<&RolloutResult> = result
        .rollouts
        .iter()
        .filter(|r| !r.rollout.is_ready())
        .collect();
    if failing.is_empty() {
        if !result.dry_run && root.join(RECORD).is_file() {
            let _ = std::fs::remove_file(root.join(RECORD));
        }
        return Ok(None);
    }
    let approved = approved_objects(root)?;
    let causes = causes_of(&failing, &approved, plans);
    let kept = Record {
        at: now(),
        context: result.target.context.clone(),
        causes: causes.clone(),
    };
    let text = serde_json::to_string_pretty(&kept).unwrap_or_default() + "\n";
    write_atomic(&root.join(RECORD), text.as_bytes()).map_err(|e| RecordError::Stage {
        path: RECORD.into(),
        source: e.into(),
    })?;
    let mut d = Diagnosed {
        seen: Seen::Apply,
        context: Some(result.target.context.clone()),
        at: Some(kept.at),
        ready: ready(&result.rollouts),
        absent: vec![],
        causes,
        staged: vec![],
        notes: vec![],
        model: None,
    };
    stage_fixes(root, &approved, &mut d, model)?;
    Ok(Some(d))
}

fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

fn ready(rollouts: &[RolloutResult]) -> Vec<ObjectRef> {
    rollouts
        .iter()
        .filter(|r| r.rollout.is_ready())
        .map(|r| r.object.clone())
        .collect()
}

fn unreachable(e: &ApplyError) -> bool {
    matches!(
        e,
        ApplyError::Kubeconfig { .. } | ApplyError::Unreachable { .. }
    )
}

/// Every object of the approved manifests that are as approved (what apply sent). Unlike
/// apply, files never approved or edited since are passed over, not refused: looking at what
/// failed must not depend on the tree being ready to apply.
fn approved_objects(root: &Path) -> Result<Vec<Object>, Error> {
    let record = load_record(root)?;
    let mut out = Vec::new();
    for (path, approved) in &record.files {
        if !apply::approved::is_applied(root, path) {
            continue;
        }
        let Ok(bytes) = std::fs::read(root.join(path)) else {
            continue;
        };
        if record::sha256_hex(&bytes) != approved.sha256 {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(objects) = apply::objects::parse(path, &text) {
            out.extend(objects);
        }
    }
    Ok(out)
}

fn causes_of(failing: &[&RolloutResult], approved: &[Object], plans: &[Plan]) -> Vec<Cause> {
    let loader = std::env::var(crate::build::LOAD_ENV)
        .ok()
        .filter(|c| !c.trim().is_empty());
    let facts = rules::Facts {
        approved,
        plans,
        loader: loader.as_deref(),
    };
    failing
        .iter()
        .flat_map(|r| rules::causes(r, &facts))
        .collect()
}

fn from_record(
    root: &Path,
    approved: &[Object],
    why: Option<String>,
    stage: bool,
    model: Option<&Model>,
) -> Result<Diagnosed, Error> {
    let path = root.join(RECORD);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(_) => {
            let why = why.unwrap_or_else(|| "no failed apply is on record".into());
            return Err(Error::new(
                berth_core::exit::Exit::External,
                format!("nothing to diagnose: {why}, and no failed apply is on record ({RECORD})"),
            ));
        }
    };
    let kept: Record = serde_json::from_str(&text).map_err(|e| RecordError::Staged {
        path: format!("{RECORD}:{}", e.line()),
        message: e.to_string(),
    })?;
    let mut d = Diagnosed {
        seen: Seen::Record,
        context: Some(kept.context),
        at: Some(kept.at),
        ready: vec![],
        absent: vec![],
        causes: kept.causes,
        staged: vec![],
        notes: why
            .map(|w| {
                format!(
                    "the cluster could not be read ({w}): this is what the last failed apply saw"
                )
            })
            .into_iter()
            .collect(),
        model: None,
    };
    if stage {
        stage_fixes(root, approved, &mut d, model)?;
    }
    Ok(d)
}

/// A file as the fixes leave it: its text, what mends it, and whether a model proposed any of it.
struct Pending {
    text: String,
    mends: Vec<String>,
    by_model: bool,
}

/// The file at `path` as the fixes so far leave it, read on first use.
fn pending<'a>(
    root: &Path,
    files: &'a mut BTreeMap<String, Pending>,
    path: &str,
) -> Result<&'a mut Pending, Error> {
    use std::collections::btree_map::Entry;
    Ok(match files.entry(path.to_string()) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(v) => {
            let text =
                std::fs::read_to_string(root.join(path)).map_err(|e| RecordError::Staged {
                    path: path.to_string(),
                    message: format!("cannot read: {e}"),
                })?;
            v.insert(Pending {
                text,
                mends: vec![],
                by_model: false,
            })
        }
    })
}

/// Stages the fixes of `d.causes`, merged into the staged set (a staged draft of the same file
/// is replaced; the rest stay), and validates them. With a `model`, each cause the rules cannot
/// mend is put to it after the rules' fixes are made, on the file as they leave it.
fn stage_fixes(
    root: &Path,
    approved: &[Object],
    d: &mut Diagnosed,
    model: Option<&Model>,
) -> Result<(), Error> {
    let mut files: BTreeMap<String, Pending> = BTreeMap::new();
    for c in &d.causes {
        let Some(f) = &c.fix else { continue };
        let target = match f {
            Fix::GenerateSecretKey { secret, .. } => secret,
            _ => &c.workload,
        };
        let Some(object) = rules::find(approved, target) else {
            d.notes.push(format!(
                "{}: no approved manifest holds {target}, so its fix is not staged",
                c.kind.title()
            ));
            continue;
        };
        let entry = pending(root, &mut files, &object.path)?;
        match fix::mend(
            &object.path,
            &entry.text,
            &c.workload,
            c.container.as_deref(),
            f,
        ) {
            Ok(text) => {
                entry.text = text;
                entry.mends.push(describe(c, f));
            }
            Err(e) => d.notes.push(format!("{}: {e}", c.kind.title())),
        }
    }
    if let Some(m) = model {
        d.model = Some(ask_model(root, approved, &d.causes, m, &mut files)?);
    }
    files.retain(|_, p| !p.mends.is_empty());
    if files.is_empty() {
        return Ok(());
    }
    let mut staged = match load_staged(root) {
        Ok(s) => s,
        Err(RecordError::NothingStaged { .. }) => Staged::default(),
        Err(e) => return Err(e.into()),
    };
    let by_model = model.map(|m| format!("{GENERATOR} (llm {})", m.generator()));
    for (path, p) in &files {
        staged.proposals.retain(|x| &x.path != path);
        staged.removed.retain(|x| x != path);
        staged.proposals.push(Proposal {
            path: path.clone(),
            artifact: format!("fix:{path}"),
            generator: match (&by_model, p.by_model) {
                (Some(g), true) => g.clone(),
                _ => GENERATOR.into(),
            },
            sources: vec![],
            sha256: record::sha256_hex(p.text.as_bytes()),
            notes: p.mends.clone(),
            base: None,
            contents: p.text.clone(),
        });
    }
    record::stage(root, &staged)?;
    let report = crate::validate::project(root)?;
    let paths: Vec<&str> = files.keys().map(String::as_str).collect();
    let stamps = crate::validate::stamps(&report, &paths);
    for (path, p) in files {
        let v = stamps.get(&path);
        d.staged.push(StagedFix {
            errors: v.map_or(0, |v| v.errors),
            warnings: v.map_or(0, |v| v.warnings),
            path,
            mends: p.mends,
        });
    }
    Ok(())
}

/// Puts each cause the rules cannot mend to the model; a proposal that passes is made in
/// `files`, one that does not is reported with its reason, and its cause stays as it was.
fn ask_model(
    root: &Path,
    approved: &[Object],
    causes: &[Cause],
    m: &Model,
    files: &mut BTreeMap<String, Pending>,
) -> Result<model::Asked, Error> {
    let secrets = model::secret_values(approved);
    let mut asked = model::Asked {
        generator: m.generator(),
        proposals: vec![],
    };
    for c in causes.iter().filter(|c| model::askable(c)) {
        let outcome = match rules::find(approved, &c.workload) {
            None => Err(format!("no approved manifest holds {}", c.workload)),
            Some(object) => {
                let entry = pending(root, files, &object.path)?;
                let mended = model::mend(root, m, c, &object.path, &entry.text, &secrets);
                mended.map(|(text, rationale)| {
                    entry.text = text;
                    entry.by_model = true;
                    entry.mends.push(format!(
                        "{}: {rationale} ({}, proposed by {})",
                        who(c),
                        c.kind.title(),
                        asked.generator
                    ));
                    rationale
                })
            }
        };
        asked.proposals.push(model::Proposal {
            kind: c.kind,
            workload: c.workload.clone(),
            container: c.container.clone(),
            kept: outcome.is_ok(),
            rationale: outcome.as_ref().ok().cloned(),
            why: outcome.err(),
        });
    }
    Ok(asked)
}

/// The workload, and its container when the cause names one.
fn who(c: &Cause) -> String {
    match &c.container {
        Some(name) => format!("{} container {name}", c.workload),
        None => c.workload.to_string(),
    }
}

/// One line on what a fix changes, for the staged file's notes and the output.
fn describe(c: &Cause, f: &Fix) -> String {
    let who = who(c);
    match f {
        Fix::MemoryLimit { to } => format!(
            "{who}: resources.limits.memory to {to} ({})",
            c.kind.title()
        ),
        Fix::Probe { from, port, path } => {
            let port = match port {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let mut s = format!("{who}: probes on port {from} to port {port}");
            if let Some(p) = path {
                s.push_str(&format!(", readiness path to {p}"));
            }
            s
        }
        Fix::Requests { cpu, memory } => {
            let parts: Vec<String> = [("cpu", cpu), ("memory", memory)]
                .into_iter()
                .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k} {v}")))
                .collect();
            format!(
                "{who}: resources.requests to {} (Unschedulable)",
                parts.join(", ")
            )
        }
        Fix::WritableDir { path } => format!("{who}: a writable emptyDir at {path}"),
        Fix::GenerateSecretKey { secret, key } => {
            format!("{secret}: berth apply generates its missing key {key}")
        }
    }
}

#[cfg(test)]
mod tests;
