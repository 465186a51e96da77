//! Objects in, the cluster changed out: berth's inventory listed, a server-side dry run of
//! everything first (so conflicts and invalid objects are refused before anything changes),
//! then server-side apply phase by phase (namespaces, config, services, workloads, the rest),
//! the objects of a phase in parallel; and `--prune`'s deletions, in reverse order.

use super::cluster::{Cluster, Failure, conflicts, server_side_apply, unreachable};
use super::error::ApplyError;
use super::objects::{INVENTORY_LABEL, MANAGED_BY_LABEL, Object, ObjectRef, Phase};
use super::{Event, Sink};
use futures_util::stream::{self, StreamExt};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams};
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// How many requests are in flight at once.
pub const PARALLEL: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Created,
    Configured,
    Unchanged,
    /// It existed without berth's inventory label; berth now manages its fields.
    Adopted,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Applied {
    pub object: ObjectRef,
    pub path: String,
    pub action: Action,
    /// The object as the server returned it.
    #[serde(skip)]
    pub result: Value,
}

/// Objects of this app already in the cluster (carrying its inventory label), with their
/// resourceVersion: one list per kind, across namespaces.
pub async fn inventory(
    cluster: &Cluster,
    kinds: &BTreeSet<String>,
    app: &str,
) -> Result<BTreeMap<ObjectRef, String>, ApplyError> {
    let selector = format!("{MANAGED_BY_LABEL}=berth,{INVENTORY_LABEL}={app}");
    let lists = stream::iter(kinds.iter().cloned())
        .map(|kind_key| {
            let selector = selector.clone();
            async move {
                let (api_version, kind) = kind_key.rsplit_once('/').unwrap_or(("v1", &kind_key));
                let Some((ar, _)) = cluster.resolve(api_version, kind) else {
                    return Ok(vec![]);
                };
                let api: Api<DynamicObject> = Api::all_with(cluster.client.clone(), &ar);
                let list = api
                    .list_metadata(&ListParams::default().labels(&selector))
                    .await
                    .map_err(Failure::from_kube)?;
                Ok(list
                    .items
                    .into_iter()
                    .map(|m| {
                        let r = ObjectRef {
                            api_version: api_version.to_string(),
                            kind: kind.to_string(),
                            namespace: m.metadata.namespace.clone(),
                            name: m.metadata.name.clone().unwrap_or_default(),
                        };
                        (r, m.metadata.resource_version.unwrap_or_default())
                    })
                    .collect::<Vec<_>>())
            }
        })
        .buffer_unordered(PARALLEL)
        .collect::<Vec<Result<_, Failure>>>()
        .await;
    let mut out = BTreeMap::new();
    for l in lists {
        match l {
            Ok(items) => out.extend(items),
            Err(Failure::Transport(m)) => {
                return Err(unreachable(
                    &cluster.server,
                    "listing what berth applied before",
                    m,
                ));
            }
            Err(Failure::Api(s)) => {
                return Err(unreachable(
                    &cluster.server,
                    "listing what berth applied before",
                    s.message,
                ));
            }
        }
    }
    Ok(out)
}

/// Identity across apiVersions of one group (`apps/v1` and `apps/v1beta1` name one object).
pub fn identity(r: &ObjectRef) -> (String, String, Option<String>, String) {
    (
        r.group().to_string(),
        r.kind.clone(),
        r.namespace.clone(),
        r.name.clone(),
    )
}

/// Whether a failed dry run only means "its namespace does not exist yet" while that namespace
/// is itself in the set being applied.
fn namespace_pending(f: &Failure, r: &ObjectRef, new_namespaces: &BTreeSet<String>) -> bool {
    match (f, &r.namespace) {
        (Failure::Api(s), Some(ns)) => {
            s.code == 404 && new_namespaces.contains(ns) && s.message.contains("namespace")
        }
        _ => false,
    }
}

/// Sends every object through one round of server-side apply (dry run or not), phase by phase.
/// Returns what was applied, in phase and file order, and the error that stopped it, if any.
pub async fn apply_all(
    cluster: &Cluster,
    objects: &[Object],
    existing: &BTreeMap<ObjectRef, String>,
    dry_run: bool,
    force: bool,
    sink: Sink<'_>,
) -> (Vec<Applied>, Option<ApplyError>) {
    let new_namespaces: BTreeSet<String> = objects
        .iter()
        .filter(|o| o.reference().kind == "Namespace")
        .map(|o| o.reference().name)
        .collect();
    let mut done: Vec<Applied> = Vec::new();
    let mut found_conflicts = Vec::new();
    let total = objects.len();
    for phase in Phase::all() {
        let batch: Vec<(usize, &Object)> = objects
            .iter()
            .enumerate()
            .filter(|(_, o)| Phase::of(&o.reference().kind) == phase)
            .collect();
        if batch.is_empty() {
            continue;
        }
        let results = stream::iter(batch)
            .map(|(i, o)| {
                let new_namespaces = &new_namespaces;
                async move {
                    let r = o.reference();
                    let Some((api, _)) = cluster.api_for(&r, &cluster.client) else {
                        return (i, r, Err(None));
                    };
                    let filled = match super::secrets::fill(&api, &o.value).await {
                        Ok(filled) => filled,
                        Err(f) => return (i, r, Err(Some(f))),
                    };
                    match server_side_apply(&api, &filled.value, dry_run, force).await {
                        Ok(v) => {
                            if !dry_run && !filled.generated.is_empty() {
                                sink(&Event::SecretGenerated {
                                    object: r.clone(),
                                    keys: filled.generated,
                                });
                            }
                            if !filled.missing.is_empty() {
                                sink(&Event::SecretMissing {
                                    object: r.clone(),
                                    keys: filled.missing,
                                });
                            }
                            (i, r, Ok(Some(v)))
                        }
                        Err(f) if dry_run && namespace_pending(&f, &r, new_namespaces) => {
                            (i, r, Ok(None))
                        }
                        Err(f) => (i, r, Err(Some(f))),
                    }
                }
            })
            .buffer_unordered(PARALLEL)
            .collect::<Vec<_>>()
            .await;
        let mut results = results;
        results.sort_by_key(|(i, _, _)| *i);
        let mut error = None;
        for (i, r, res) in results {
            match res {
                Ok(v) => {
                    let result = v.unwrap_or_else(|| objects[i].value.clone());
                    let action = action_of(&r, existing, &result);
                    sink(&Event::Applied {
                        object: r.clone(),
                        action,
                        dry_run,
                    });
                    done.push(Applied {
                        object: r,
                        path: objects[i].path.clone(),
                        action,
                        result,
                    });
                }
                Err(None) => {
                    error.get_or_insert(ApplyError::UnknownKind {
                        path: objects[i].path.clone(),
                        api_version: r.api_version.clone(),
                        kind: r.kind.clone(),
                    });
                }
                Err(Some(Failure::Api(s))) => {
                    let c = conflicts(&r, &s);
                    if c.is_empty() {
                        error.get_or_insert(ApplyError::Rejected {
                            object: r,
                            message: s.message.clone(),
                        });
                    } else {
                        found_conflicts.extend(c);
                    }
                }
                Err(Some(Failure::Transport(m))) => {
                    error = Some(ApplyError::Unreachable {
                        server: cluster.server.clone(),
                        during: "applying".into(),
                        message: m,
                        done: 0,
                        total,
                    });
                }
            }
        }
        if let Some(ApplyError::Unreachable { done: d, .. }) = &mut error {
            *d = if dry_run { 0 } else { done.len() };
        }
        if error.is_none() && !found_conflicts.is_empty() {
            error = Some(ApplyError::Conflicts {
                conflicts: std::mem::take(&mut found_conflicts),
            });
        }
        if error.is_some() {
            return (done, error);
        }
    }
    (done, None)
}

fn action_of(r: &ObjectRef, existing: &BTreeMap<ObjectRef, String>, result: &Value) -> Action {
    let rv = result
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let before = existing
        .iter()
        .find(|(k, _)| identity(k) == identity(r))
        .map(|(_, v)| v);
    match before {
        Some(v) if v == rv => Action::Unchanged,
        Some(_) => Action::Configured,
        None => {
            let others = result
                .pointer("/metadata/managedFields")
                .and_then(Value::as_array)
                .is_some_and(|m| {
                    m.iter().any(|f| {
                        f.get("manager").and_then(Value::as_str)
                            != Some(super::cluster::FIELD_MANAGER)
                    })
                });
            if others {
                Action::Adopted
            } else {
                Action::Created
            }
        }
    }
}

/// Deletes objects of this app that the set no longer has, workloads first, namespaces last.
pub async fn prune(
    cluster: &Cluster,
    existing: &BTreeMap<ObjectRef, String>,
    keep: &[ObjectRef],
    dry_run: bool,
    sink: Sink<'_>,
) -> (Vec<ObjectRef>, Option<ApplyError>) {
    let keep: BTreeSet<_> = keep.iter().map(identity).collect();
    let mut gone: Vec<ObjectRef> = existing
        .keys()
        .filter(|r| !keep.contains(&identity(r)))
        .cloned()
        .collect();
    gone.sort_by_key(|r| (std::cmp::Reverse(Phase::of(&r.kind)), r.clone()));
    if !gone.is_empty() {
        // Said before anything is deleted, so a person sees it even if the run stops part-way.
        sink(&Event::Pruning {
            objects: gone.clone(),
            dry_run,
        });
    }
    let mut out = Vec::new();
    for phase in Phase::all().into_iter().rev() {
        let batch: Vec<&ObjectRef> = gone
            .iter()
            .filter(|r| Phase::of(&r.kind) == phase)
            .collect();
        let results = stream::iter(batch)
            .map(|r| async move {
                let Some((api, _)) = cluster.api_for(r, &cluster.client) else {
                    return (r, Ok(()));
                };
                let mut params = DeleteParams::background();
                params.dry_run = dry_run;
                match api.delete(&r.name, &params).await {
                    Ok(_) => (r, Ok(())),
                    Err(e) => match Failure::from_kube(e) {
                        f if f.is_not_found() => (r, Ok(())),
                        f => (r, Err(f)),
                    },
                }
            })
            .buffer_unordered(PARALLEL)
            .collect::<Vec<_>>()
            .await;
        let mut results = results;
        results.sort_by(|a, b| a.0.cmp(b.0));
        for (r, res) in results {
            match res {
                Ok(()) => {
                    sink(&Event::Pruned {
                        object: r.clone(),
                        dry_run,
                    });
                    out.push(r.clone());
                }
                Err(Failure::Transport(m)) => {
                    return (out, Some(unreachable(&cluster.server, "pruning", m)));
                }
                Err(Failure::Api(s)) => {
                    return (
                        out,
                        Some(ApplyError::Rejected {
                            object: r.clone(),
                            message: format!("cannot delete it: {}", s.message),
                        }),
                    );
                }
            }
        }
    }
    (out, None)
}
