//! `berth up`: a spec in; the stages in order (plan, draft, diff, validate, approve, build,
//! apply, verify) out as events, stopping at the approval gate for a person. With no cluster
//! to reach, it ends after writing the approved files and says what to do next.

use crate::approve::{self, ApprovalPolicy, Approver};
use crate::build;
use crate::diagnose::{self, Diagnosed};
use crate::draft::{self, Drafting};
use crate::event::{Event, Sink, Stage};
use crate::validate;
use berth_cluster::apply::{self, ApplyError, ApplyResult};
use berth_core::build::Builder;
use berth_core::diff::diff;
use berth_core::exit::{Classify, Error, Exit};
use berth_core::plan::{self, Plan, TasksFile};
use berth_core::record::{load_record, load_staged};
use berth_core::source::display_path;
use berth_core::spec::Spec;
use std::path::Path;

pub struct Options {
    pub drafting: Drafting,
    pub policy: ApprovalPolicy,
    /// Stop after approval (the approved files are written).
    pub no_apply: bool,
    /// Build the images (else the manifests' images are used as they are).
    pub build: bool,
    /// Where to build; default: Minikube's for a Minikube context, else Docker.
    pub builder: Option<Builder>,
    pub cluster: apply::Options,
    /// A context was named (`--context`, `--allow-context`): a missing cluster is an error.
    pub explicit_cluster: bool,
}

/// Everything `berth up` did, for the final summary.
#[derive(Debug, serde::Serialize)]
pub struct UpResult {
    pub app: String,
    pub spec: String,
    pub approval: approve::Outcome,
    pub built: Vec<build::Built>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applied: Option<ApplyResult>,
    /// When a rollout failed: its causes and the fixes staged for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosed>,
    /// When fixes were approved and applied again: the apply that failed (`applied` is the
    /// one after the fixes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed_apply: Option<ApplyResult>,
    /// Why nothing was applied, when nothing was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    pub exit: Exit,
}

/// Runs `berth up` on one spec. Errors before anything changed come back as `Err`; an error
/// once files or the cluster changed comes back in the second place, beside what was done.
pub fn run(
    root: &Path,
    spec: &Spec,
    mut plan: Plan,
    opts: Options,
    approver: &mut dyn Approver,
    sink: Sink<'_>,
) -> Result<(UpResult, Option<Error>), Error> {
    let stage = |s: Stage| sink(&Event::StageStarted { stage: s });
    stage(Stage::Plan);
    let tasks = write_tasks(root, spec, &plan)?;
    sink(&Event::Planned {
        spec: plan.spec.clone(),
        app: plan.app.clone(),
        services: plan.services.len(),
        artifacts: plan.artifacts.len(),
        tasks_md: tasks,
    });

    stage(Stage::Draft);
    // The model that drafted is the one asked about a failure the rules cannot mend; answers
    // frozen in berth.lock mean no model is asked, after the rollout either.
    let model = match &opts.drafting {
        Drafting::Llm {
            overrides,
            frozen: false,
            ..
        } => Some(overrides.clone()),
        _ => None,
    };
    let drafted = draft::draft(root, &plan, opts.drafting)?;
    stage(Stage::Diff);
    sink(&Event::ProposalReady {
        files: drafted.staged.proposals.len(),
        added: drafted.count(berth_core::diff::Change::Added),
        modified: drafted.count(berth_core::diff::Change::Modified),
        removed: drafted.count(berth_core::diff::Change::Removed),
        unchanged: drafted.count(berth_core::diff::Change::Unchanged),
        conflicts: drafted.conflicts(),
    });

    stage(Stage::Validate);
    let report = validate::project(root)?;
    sink(&Event::Validated {
        files: report.files,
        errors: report.errors(),
        warnings: report.warnings(),
    });
    let invalid = validate::files_with_errors(&report);
    if invalid.is_empty() {
        plan::tick(&mut plan, &["validate"]);
    }

    stage(Stage::Approve);
    let mut record = load_record(root)?;
    let pending = approve::pending(&drafted.diffs);
    if !pending.is_empty() && opts.policy == ApprovalPolicy::Ask {
        sink(&Event::NeedsApproval {
            files: pending.iter().map(|d| d.path.clone()).collect(),
        });
    }
    let (approval, failure) = approve::run(
        root,
        &mut record,
        &pending,
        &report,
        opts.policy,
        false,
        approver,
    );
    sink(&Event::Approved {
        approved: approval.approved.clone(),
        declined: approval.declined.clone(),
        kept: approval.kept.clone(),
        invalid: approval.invalid.clone(),
    });
    let mut result = UpResult {
        app: plan.app.clone(),
        spec: plan.spec.clone(),
        approval,
        built: vec![],
        applied: None,
        diagnosis: None,
        failed_apply: None,
        stopped: None,
        exit: Exit::Ok,
    };
    if let Some(e) = failure {
        return Ok((finish(result, e.exit(), sink), Some(e)));
    }
    if result.approval.refused() {
        result.stopped = Some(
            "some files were not approved, so nothing was applied: review them with `berth diff` and `berth approve`, then run `berth up` again".into(),
        );
        return Ok((finish(result, Exit::Findings, sink), None));
    }
    plan::tick(&mut plan, &["approve"]);
    write_tasks(root, spec, &plan)?;
    if opts.no_apply {
        result.stopped =
            Some("--no-apply: the approved files are written; nothing was built or applied".into());
        return Ok((finish(result, Exit::Ok, sink), None));
    }

    // Is there a cluster? Only a cluster asked for by name makes its absence an error.
    if let Err(e) = apply::probe(&opts.cluster) {
        if opts.explicit_cluster || !no_cluster(&e) {
            let exit = e.exit();
            return Ok((finish(result, exit, sink), Some(e.into())));
        }
        let next = next_steps(root, spec);
        sink(&Event::NoCluster {
            reason: e.to_string(),
            next: next.clone(),
        });
        result.stopped =
            Some("no cluster: the approved files are written; nothing was built or applied".into());
        return Ok((finish(result, Exit::Ok, sink), None));
    }

    if opts.build {
        stage(Stage::Build);
        let builder = opts
            .builder
            .clone()
            .unwrap_or_else(|| build::builder_for(opts.cluster.context.as_deref()));
        let options = match build::options(root, None) {
            Ok(o) => o,
            Err(e) => return Ok((finish(result, e.exit(), sink), Some(e))),
        };
        match build::run(root, &plan, &builder, &options, false, false, sink) {
            Ok(b) => result.built = b,
            Err(e) => return Ok((finish(result, e.exit(), sink), Some(e))),
        }
    }

    stage(Stage::Apply);
    let cluster = apply::Options {
        wait: true,
        verify: true,
        ..opts.cluster.clone()
    };
    let mut outcome = match apply::apply(root, &cluster, &|e| sink(&Event::Apply(e.clone()))) {
        Ok(o) => o,
        Err(e) => {
            let exit = e.exit();
            return Ok((finish(result, exit, sink), Some(e.into())));
        }
    };
    if outcome.error.is_none() && outcome.result.rollout_failed() {
        let mended = match mend(
            root,
            &plan,
            model.as_ref(),
            &outcome.result,
            opts.policy,
            &cluster,
            approver,
            sink,
        ) {
            Ok(m) => m,
            Err(e) => {
                result.applied = Some(outcome.result);
                return Ok((finish(result, e.exit(), sink), Some(e)));
            }
        };
        result.diagnosis = mended.diagnosis;
        if let Some(again) = mended.again {
            result.failed_apply = Some(std::mem::replace(&mut outcome, again).result);
        }
    }
    if !outcome.result.verified.is_empty() {
        stage(Stage::Verify);
        for v in &outcome.result.verified {
            sink(&Event::Verified {
                service: v.service.clone(),
                namespace: v.namespace.clone(),
                ready: v.ready,
                ok: v.ok,
            });
        }
    }
    let failed = outcome.result.rollout_failed() || outcome.result.verify_failed();
    if outcome.error.is_none() && !outcome.result.rollout_failed() {
        plan::tick(&mut plan, &["apply"]);
        if !outcome.result.verified.is_empty() && !outcome.result.verify_failed() {
            plan::tick(&mut plan, &["verify"]);
        }
        write_tasks(root, spec, &plan)?;
    }
    result.applied = Some(outcome.result);
    let error = outcome.error.map(Error::from);
    let exit = match &error {
        Some(e) => e.exit(),
        None if failed => Exit::Findings,
        None => Exit::Ok,
    };
    Ok((finish(result, exit, sink), error))
}

struct Mended {
    diagnosis: Option<Diagnosed>,
    /// The apply after the approved fixes, if any was approved.
    again: Option<apply::Outcome>,
}

/// A failed rollout's causes; the fixes berth can make staged and put to the same approval as
/// the drafts; the approved ones applied and waited for once more (never more: a fix that
/// fails again is diagnosed again and left for the person).
#[allow(clippy::too_many_arguments)]
fn mend(
    root: &Path,
    plan: &Plan,
    model: Option<&berth_draft::llm::Overrides>,
    failed: &ApplyResult,
    policy: ApprovalPolicy,
    cluster: &apply::Options,
    approver: &mut dyn Approver,
    sink: Sink<'_>,
) -> Result<Mended, Error> {
    sink(&Event::StageStarted {
        stage: Stage::Diagnose,
    });
    let plans = std::slice::from_ref(plan);
    let model = model.map(|o| diagnose::Model::new(root, o)).transpose()?;
    let Some(d) = diagnose::after_apply(root, plans, failed, model.as_ref())? else {
        return Ok(Mended {
            diagnosis: None,
            again: None,
        });
    };
    sink(&Event::Diagnosed {
        causes: d
            .causes
            .iter()
            .map(|c| format!("{} {}: {}", c.workload, c.kind.title(), c.summary))
            .collect(),
        staged: d.staged.iter().map(|f| f.path.clone()).collect(),
    });
    let fixes: Vec<String> = d.staged.iter().map(|f| f.path.clone()).collect();
    let mut out = Mended {
        diagnosis: Some(d),
        again: None,
    };
    if fixes.is_empty() {
        return Ok(out);
    }
    sink(&Event::StageStarted {
        stage: Stage::Approve,
    });
    let staged = load_staged(root)?;
    let mut record = load_record(root)?;
    let diffs: Vec<_> = diff(root, &staged, &record)?
        .into_iter()
        .filter(|d| fixes.contains(&d.path))
        .collect();
    let pending = approve::pending(&diffs);
    if policy == ApprovalPolicy::Ask {
        sink(&Event::NeedsApproval {
            files: pending.iter().map(|d| d.path.clone()).collect(),
        });
    }
    let report = validate::project(root)?;
    let (approval, failure) = approve::run(
        root,
        &mut record,
        &pending,
        &report,
        policy,
        false,
        approver,
    );
    sink(&Event::Approved {
        approved: approval.approved.clone(),
        declined: approval.declined.clone(),
        kept: approval.kept.clone(),
        invalid: approval.invalid.clone(),
    });
    if let Some(e) = failure {
        return Err(e);
    }
    if approval.approved.is_empty() {
        return Ok(out);
    }
    sink(&Event::StageStarted {
        stage: Stage::Apply,
    });
    let again = apply::apply(root, cluster, &|e| sink(&Event::Apply(e.clone())))?;
    // A good rollout clears the record; a failed one is diagnosed (and its fixes staged) anew.
    if let Some(d) = diagnose::after_apply(root, plans, &again.result, None)? {
        out.diagnosis = Some(d);
    }
    out.again = Some(again);
    Ok(out)
}

fn finish(mut result: UpResult, exit: Exit, sink: Sink<'_>) -> UpResult {
    result.exit = exit;
    sink(&Event::Finished { exit });
    result
}

fn write_tasks(root: &Path, spec: &Spec, plan: &Plan) -> Result<String, Error> {
    Ok(match plan::write_tasks(plan, spec, root)? {
        TasksFile::Written(p) | TasksFile::Unchanged(p) | TasksFile::HandWritten(p) => {
            display_path(&p, root)
        }
    })
}

/// An error that means "there is no cluster here" rather than "this cluster said no".
fn no_cluster(e: &ApplyError) -> bool {
    matches!(
        e,
        ApplyError::Kubeconfig { .. }
            | ApplyError::Unreachable { .. }
            | ApplyError::ContextRefused { .. }
    )
}

/// What to run to get a cluster and go on.
fn next_steps(root: &Path, spec: &Spec) -> Vec<String> {
    let again = format!("berth up {}", spec.path);
    let mut steps = vec!["minikube start".to_string(), again.clone()];
    for script in ["tests/testenv/node-up.sh", "tests/testenv/k8s-up.sh"] {
        if root.join(script).is_file() {
            steps.push(format!(
                "or, with this repository's own test cluster: env=\"$({script})\" && eval \"$env\" && {again}"
            ));
            break;
        }
    }
    steps
}
