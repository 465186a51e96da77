//! The apply pipeline from end to end: approved objects and options in, an `Outcome` out.
//! Order: refuse unapproved files, guard the context, connect, dry-run everything, apply phase
//! by phase, prune, wait, and on a failed rollout go back to the last good set.

use super::cluster::{self, Cluster};
use super::objects::{self, Object, ObjectRef};
use super::ssa::{self, Action, Applied};
use super::{
    Access, ApplyError, ApplyResult, Event, Options, Outcome, Rollback, Sink, approved, context,
    live, state, wait,
};
use k8s_openapi::api::core::v1::Node;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use tokio::time::Instant;

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, ApplyError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| ApplyError::State {
            path: "tokio runtime".into(),
            message: e.to_string(),
        })
}

/// The app the objects belong to: their `app.kubernetes.io/part-of` label, else the folder name.
fn app_name(objects: &[Object], root: &Path) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for o in objects {
        if let Some(p) = o
            .value
            .pointer("/metadata/labels/app.kubernetes.io~1part-of")
            .and_then(Value::as_str)
        {
            *counts.entry(p).or_default() += 1;
        }
    }
    match counts.into_iter().max_by_key(|(_, n)| *n) {
        Some((name, _)) => name.to_string(),
        None => berth_core::plan::slug(
            &root
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "app".into()),
        ),
    }
}

/// Namespaces, labels and built images: the objects exactly as they will be sent.
fn prepare(
    cluster: &Cluster,
    objects: &mut [Object],
    namespace: &str,
    forced_namespace: bool,
    app: &str,
    built: &BTreeMap<String, String>,
) -> Result<Vec<objects::ImageSet>, ApplyError> {
    let mut images = Vec::new();
    for o in objects.iter_mut() {
        let r = o.reference();
        let namespaced = cluster
            .is_namespaced(&r.api_version, &r.kind)
            .ok_or_else(|| ApplyError::UnknownKind {
                path: o.path.clone(),
                api_version: r.api_version.clone(),
                kind: r.kind.clone(),
            })?;
        if namespaced {
            match &r.namespace {
                Some(ns) if forced_namespace && ns != namespace => {
                    return Err(ApplyError::Manifest {
                        path: o.path.clone(),
                        message: format!(
                            "{r} names namespace {ns}, not --namespace {namespace}: drop one of them"
                        ),
                    });
                }
                Some(_) => {}
                None => o.value["metadata"]["namespace"] = Value::String(namespace.into()),
            }
        }
        objects::label(&mut o.value, app);
        images.extend(objects::set_images(&mut o.value, built));
    }
    Ok(images)
}

/// Reads what is approved and checks the context; nothing is sent before both pass.
fn load(root: &Path, opts: &Options) -> Result<Loaded, ApplyError> {
    let record = berth_core::record::load_record(root)?;
    let (objects, unvalidated) = approved::load(root, &record, opts.force)?;
    let target = context::guard(opts.context.as_deref(), &opts.allow_contexts)?;
    Ok(Loaded {
        objects,
        unvalidated,
        target,
    })
}

struct Loaded {
    objects: Vec<Object>,
    unvalidated: Vec<super::error::Refusal>,
    target: context::Target,
}

struct Prepared {
    cluster: Cluster,
    objects: Vec<Object>,
    app: String,
    images: Vec<objects::ImageSet>,
}

async fn connect(
    root: &Path,
    opts: &Options,
    target: &context::Target,
    mut objects: Vec<Object>,
) -> Result<Prepared, ApplyError> {
    let cluster = cluster::connect(target).await?;
    let app = app_name(&objects, root);
    let namespace = opts
        .namespace
        .clone()
        .or(target.namespace.clone())
        .unwrap_or_else(|| "default".into());
    let built = berth_core::build::verified_built(root)?;
    let images = prepare(
        &cluster,
        &mut objects,
        &namespace,
        opts.namespace.is_some(),
        &app,
        &built,
    )?;
    Ok(Prepared {
        cluster,
        objects,
        app,
        images,
    })
}

/// Checks that the context passes the guard and its API server answers (discovery), without
/// reading or sending any object: for `berth up`, to know whether there is a cluster at all.
pub fn probe(opts: &Options) -> Result<context::Target, ApplyError> {
    let target = context::guard(opts.context.as_deref(), &opts.allow_contexts)?;
    runtime()?.block_on(cluster::connect(&target))?;
    Ok(target)
}

/// `berth diff --live`: what applying the approved set would change.
pub fn diff_live(
    root: &Path,
    opts: &Options,
) -> Result<(context::Target, Vec<live::LiveChange>), ApplyError> {
    // Nothing is sent: what would change is shown whatever validation said.
    let opts = &Options {
        force: true,
        ..opts.clone()
    };
    let Loaded {
        objects, target, ..
    } = load(root, opts)?;
    runtime()?.block_on(async {
        let p = connect(root, opts, &target, objects).await?;
        let st = state::load(root, &target.context, &p.app)?;
        let changes = live::changes(&p.cluster, &p.objects, &st.fingerprints).await?;
        Ok((target.clone(), changes))
    })
}

/// `berth apply`.
pub fn apply(root: &Path, opts: &Options, sink: Sink<'_>) -> Result<Outcome, ApplyError> {
    let loaded = load(root, opts)?;
    let target = loaded.target.clone();
    sink(&Event::Target {
        context: target.context.clone(),
        server: target.server.clone(),
        trusted_because: target.trusted_because.clone(),
    });
    runtime()?.block_on(run(root, opts, loaded, sink))
}

fn kind_key(r: &ObjectRef) -> String {
    format!("{}/{}", r.api_version, r.kind)
}

async fn run(
    root: &Path,
    opts: &Options,
    loaded: Loaded,
    sink: Sink<'_>,
) -> Result<Outcome, ApplyError> {
    let Loaded {
        objects,
        unvalidated,
        target,
    } = loaded;
    let p = connect(root, opts, &target, objects).await?;
    let mut st = state::load(root, &target.context, &p.app)?;
    let refs: Vec<ObjectRef> = p.objects.iter().map(Object::reference).collect();
    let kinds: BTreeSet<String> = st
        .kinds
        .iter()
        .cloned()
        .chain(refs.iter().map(kind_key))
        .collect();
    let mut result = ApplyResult {
        target: target.clone(),
        app: p.app.clone(),
        dry_run: opts.dry_run,
        unvalidated,
        images: p.images.clone(),
        applied: vec![],
        changes: vec![],
        pruned: vec![],
        rollouts: vec![],
        rollback: None,
        verified: vec![],
        access: vec![],
    };
    let existing = ssa::inventory(&p.cluster, &kinds, &p.app).await?;
    if opts.dry_run {
        result.changes = live::changes(&p.cluster, &p.objects, &st.fingerprints).await?;
        if opts.prune {
            let (pruned, error) = ssa::prune(&p.cluster, &existing, &refs, true, sink).await;
            result.pruned = pruned;
            return Ok(Outcome { result, error });
        }
        return Ok(Outcome {
            result,
            error: None,
        });
    }
    // Everything through a server-side dry run first: conflicts and invalid objects are
    // refused before anything changes.
    let (_, error) = ssa::apply_all(
        &p.cluster,
        &p.objects,
        &existing,
        true,
        opts.force_conflicts,
        &|_| {},
    )
    .await;
    if let Some(e) = error {
        return Err(e);
    }
    // Remember the kinds before changing anything, so an interrupted run can still be pruned.
    if st.kinds != kinds {
        st.kinds = kinds;
        state::save(root, &st)?;
    }
    let (applied, error) = ssa::apply_all(
        &p.cluster,
        &p.objects,
        &existing,
        false,
        opts.force_conflicts,
        sink,
    )
    .await;
    result.applied = applied;
    remember(&mut st, &p.objects, &result.applied);
    state::save(root, &st)?;
    if error.is_some() {
        return Ok(Outcome { result, error });
    }
    if opts.prune {
        let (pruned, error) = ssa::prune(&p.cluster, &existing, &refs, false, sink).await;
        result.pruned = pruned;
        if error.is_some() {
            return Ok(Outcome { result, error });
        }
    }
    result.access = access(&p.cluster, &target, &result.applied).await;
    if !opts.wait {
        return Ok(Outcome {
            result,
            error: None,
        });
    }
    let workloads: Vec<ObjectRef> = refs
        .iter()
        .filter(|r| wait::waits_for(&r.kind))
        .cloned()
        .collect();
    let deadline = Instant::now() + opts.timeout;
    match wait::wait(&p.cluster, &workloads, &p.app, deadline, sink).await {
        Err(mut e) => {
            if let ApplyError::Unreachable { done, total, .. } = &mut e {
                (*done, *total) = (result.applied.len(), result.applied.len());
            }
            return Ok(Outcome {
                result,
                error: Some(e),
            });
        }
        Ok(rollouts) => result.rollouts = rollouts,
    }
    if !result.rollout_failed() {
        st.last_good = Some(state::AppliedSet {
            applied_at: state::now(),
            objects: p.objects.iter().map(|o| o.value.clone()).collect(),
        });
        state::save(root, &st)?;
        state::vouch(root, &st)?;
        if opts.verify {
            // Endpoints follow the rollout within seconds; a minute is plenty on a slow node.
            let until = deadline.max(Instant::now() + std::time::Duration::from_secs(60));
            let sent: Vec<Value> = p.objects.iter().map(|o| o.value.clone()).collect();
            result.verified = super::verify::verify(&p.cluster, &sent, until).await;
        }
    } else if opts.rollback {
        let (rollback, error) = if st.last_good.is_some() && !state::vouched(root, &st) {
            // Not the set berth rolled out (edited, or from an older berth): never re-applied.
            let note = format!(
                "not rolling back: {} does not match the hash berth noted in .berth/approved.json when it rolled that set out; the objects stay as applied",
                state::path(root, &st.context, &st.app)
                    .strip_prefix(root)
                    .unwrap_or(Path::new(""))
                    .display()
            );
            (rollback_refused(note), None)
        } else {
            roll_back(&p.cluster, &mut st, &result.applied, opts, &p.app, sink).await
        };
        result.rollback = Some(rollback);
        state::save(root, &st)?;
        return Ok(Outcome { result, error });
    }
    Ok(Outcome {
        result,
        error: None,
    })
}

/// Records the fingerprint of each object applied.
fn remember(st: &mut state::State, sent: &[Object], applied: &[Applied]) {
    for a in applied {
        let Some(o) = sent.iter().find(|o| o.reference() == a.object) else {
            continue;
        };
        match state::fingerprint(&o.value, &a.result) {
            Some(f) => st.fingerprints.insert(state::key(&a.object), f),
            None => st.fingerprints.remove(&state::key(&a.object)),
        };
    }
}

/// Re-applies the last good set (taking its fields back), deletes what this apply created that
/// the set did not have, and waits for that rollout too.
fn rollback_refused(note: String) -> Rollback {
    Rollback {
        to: None,
        reapplied: vec![],
        deleted: vec![],
        rollouts: vec![],
        note: Some(note),
    }
}

async fn roll_back(
    cluster: &Cluster,
    st: &mut state::State,
    applied: &[Applied],
    opts: &Options,
    app: &str,
    sink: Sink<'_>,
) -> (Rollback, Option<ApplyError>) {
    let mut rollback = Rollback {
        to: None,
        reapplied: vec![],
        deleted: vec![],
        rollouts: vec![],
        note: None,
    };
    let Some(good) = st.last_good.clone() else {
        rollback.note = Some(format!(
            "nothing to roll back to: no earlier apply of {app} to this context rolled out; the objects stay as applied"
        ));
        return (rollback, None);
    };
    rollback.to = Some(good.applied_at.clone());
    sink(&Event::RollingBack {
        to: good.applied_at.clone(),
        objects: good.objects.len(),
    });
    let objects: Vec<Object> = good
        .objects
        .iter()
        .map(|v| Object {
            path: format!("the set applied at {}", good.applied_at),
            value: v.clone(),
        })
        .collect();
    let now: BTreeMap<ObjectRef, String> = applied
        .iter()
        .map(|a| {
            let rv = a
                .result
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            (a.object.clone(), rv)
        })
        .collect();
    let (reapplied, error) = ssa::apply_all(cluster, &objects, &now, false, true, sink).await;
    remember(st, &objects, &reapplied);
    rollback.reapplied = reapplied.into_iter().map(|a| a.object).collect();
    if error.is_some() {
        return (rollback, error);
    }
    let good_refs: Vec<ObjectRef> = objects.iter().map(Object::reference).collect();
    let created: BTreeMap<ObjectRef, String> = applied
        .iter()
        .filter(|a| a.action == Action::Created)
        .map(|a| (a.object.clone(), String::new()))
        .collect();
    let (deleted, error) = ssa::prune(cluster, &created, &good_refs, false, sink).await;
    rollback.deleted = deleted;
    if error.is_some() {
        return (rollback, error);
    }
    let workloads: Vec<ObjectRef> = good_refs
        .into_iter()
        .filter(|r| wait::waits_for(&r.kind))
        .collect();
    match wait::wait(
        cluster,
        &workloads,
        app,
        Instant::now() + opts.timeout,
        sink,
    )
    .await
    {
        Ok(rollouts) => rollback.rollouts = rollouts,
        Err(e) => return (rollback, Some(e)),
    }
    (rollback, None)
}

/// NodePort Services, and how to reach them: Minikube's command, or the node's address.
async fn access(cluster: &Cluster, target: &context::Target, applied: &[Applied]) -> Vec<Access> {
    let mut out = Vec::new();
    for a in applied.iter().filter(|a| a.object.kind == "Service") {
        let ports = a
            .result
            .pointer("/spec/ports")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for port in ports {
            if let Some(np) = port.get("nodePort").and_then(Value::as_i64) {
                out.push(Access {
                    service: a.object.name.clone(),
                    namespace: a.object.namespace.clone().unwrap_or_default(),
                    node_port: np as i32,
                    url: None,
                    command: None,
                });
            }
        }
    }
    if out.is_empty() {
        return out;
    }
    if let Some(profile) = &target.minikube_profile {
        for a in &mut out {
            let p = if profile == "minikube" {
                String::new()
            } else {
                format!(" -p {profile}")
            };
            a.command = Some(format!(
                "minikube{p} service {} -n {} --url",
                a.service, a.namespace
            ));
        }
    }
    let nodes: kube::Api<Node> = kube::Api::all(cluster.client.clone());
    if let Ok(list) = nodes.list(&Default::default()).await {
        let ip = list.items.iter().find_map(|n| {
            n.status
                .as_ref()?
                .addresses
                .as_ref()?
                .iter()
                .find(|a| a.type_ == "InternalIP")
                .map(|a| a.address.clone())
        });
        if let Some(ip) = ip {
            for a in &mut out {
                a.url = Some(format!("http://{ip}:{}", a.node_port));
            }
        }
    }
    out
}
