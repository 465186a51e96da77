//! Objects in; what applying them would change in the cluster out: each object's live state
//! and the result of a server-side dry run, both stripped of what only the server writes
//! (managedFields, status, resourceVersion, uid, generation, creationTimestamp) and of defaults
//! that stay the same, then compared as YAML. Feeds `berth diff --live` and `apply --dry-run`.

use super::cluster::{Cluster, Failure, conflicts, server_side_apply, unreachable};
use super::error::ApplyError;
use super::objects::{Object, ObjectRef};
use super::ssa::{Action, PARALLEL};
use super::state::{self, Fingerprint};
use futures_util::stream::{self, StreamExt};
use serde::Serialize;
use serde_json::{Map, Value};
use similar::TextDiff;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveChange {
    pub object: ObjectRef,
    pub path: String,
    pub action: Action,
    /// Unified diff, live (`-`) to what apply makes of it (`+`); empty when unchanged.
    pub diff: String,
    /// Why the comparison is partial, or fields another manager owns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

const SERVER_ONLY: [&str; 6] = [
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
];

/// Removes what only the server writes.
pub fn strip_server_fields(v: &mut Value) {
    let Some(obj) = v.as_object_mut() else {
        return;
    };
    obj.remove("status");
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        for k in SERVER_ONLY {
            meta.remove(k);
        }
        if let Some(a) = meta.get_mut("annotations").and_then(Value::as_object_mut) {
            a.remove("kubectl.kubernetes.io/last-applied-configuration");
            if a.is_empty() {
                meta.remove("annotations");
            }
        }
    }
}

/// Keeps, in both trees, the fields the intent sets and the fields that differ; drops the rest
/// (defaults the server fills in identically on both sides).
pub fn drop_unchanged_defaults(live: &mut Value, dry: &mut Value, intent: &Value) {
    match (live, dry) {
        (Value::Object(l), Value::Object(d)) => {
            let empty = Map::new();
            let i = intent.as_object().unwrap_or(&empty);
            let keys: BTreeSet<String> = l.keys().chain(d.keys()).cloned().collect();
            for k in keys {
                match i.get(&k) {
                    Some(ik) => {
                        if let (Some(lv), Some(dv)) = (l.get_mut(&k), d.get_mut(&k)) {
                            drop_unchanged_defaults(lv, dv, ik);
                        }
                    }
                    None => {
                        if l.get(&k) == d.get(&k) {
                            l.remove(&k);
                            d.remove(&k);
                        }
                    }
                }
            }
        }
        (Value::Array(l), Value::Array(d)) => {
            if let Some(i) = intent.as_array()
                && l.len() == d.len()
                && d.len() == i.len()
            {
                for ((lv, dv), iv) in l.iter_mut().zip(d.iter_mut()).zip(i) {
                    drop_unchanged_defaults(lv, dv, iv);
                }
            }
        }
        _ => {}
    }
}

/// Keeps only what the intent sets (for a new object: its server defaults are noise).
pub fn only_intent(v: &mut Value, intent: &Value) {
    match (v, intent) {
        (Value::Object(m), Value::Object(i)) => {
            m.retain(|k, _| i.contains_key(k));
            for (k, val) in m.iter_mut() {
                if let Some(iv) = i.get(k) {
                    only_intent(val, iv);
                }
            }
        }
        (Value::Array(a), Value::Array(i)) if a.len() == i.len() => {
            for (val, iv) in a.iter_mut().zip(i) {
                only_intent(val, iv);
            }
        }
        _ => {}
    }
}

fn hide_values(v: &mut Value) {
    for field in ["data", "stringData"] {
        if let Some(Value::Object(m)) = v.get_mut(field) {
            m.values_mut()
                .for_each(|x| *x = Value::String("(hidden)".into()));
        }
    }
}

fn yaml(v: &Value) -> String {
    serde_saphyr::to_string(v).unwrap_or_default()
}

/// The change, from the live object (if any) and the dry-run result.
pub fn compare(object: &Object, live: Option<Value>, dry: Value) -> (Action, String) {
    let r = object.reference();
    let name = r.to_string();
    let mut dry = dry;
    strip_server_fields(&mut dry);
    let mut live = live;
    // A Secret's values are never shown: which keys change is enough for a review.
    if r.kind == "Secret" {
        hide_values(&mut dry);
        live.iter_mut().for_each(hide_values);
    }
    match live {
        None => {
            only_intent(&mut dry, &object.value);
            let text = TextDiff::from_lines("", yaml(&dry))
                .unified_diff()
                .context_radius(3)
                .header("/dev/null", &format!("applied: {name}"))
                .to_string();
            (Action::Created, text)
        }
        Some(mut live) => {
            strip_server_fields(&mut live);
            drop_unchanged_defaults(&mut live, &mut dry, &object.value);
            if live == dry {
                return (Action::Unchanged, String::new());
            }
            let text = TextDiff::from_lines(yaml(&live), yaml(&dry))
                .unified_diff()
                .context_radius(3)
                .header(&format!("live: {name}"), &format!("applied: {name}"))
                .to_string();
            (Action::Configured, text)
        }
    }
}

/// What applying each object would change, from the cluster itself.
///
/// An object whose fingerprint (what berth sent last time, and the fields it owned then) still
/// matches the live object is unchanged without a dry run: server-side apply of the same intent
/// over the same owned fields changes nothing. Everything else goes through the dry run.
pub async fn changes(
    cluster: &Cluster,
    objects: &[Object],
    known: &BTreeMap<String, Fingerprint>,
) -> Result<Vec<LiveChange>, ApplyError> {
    let new_namespaces: BTreeSet<String> = objects
        .iter()
        .filter(|o| o.reference().kind == "Namespace")
        .map(|o| o.reference().name)
        .collect();
    let results = stream::iter(objects.iter().enumerate())
        .map(|(i, o)| {
            let new_namespaces = &new_namespaces;
            async move {
                let r = o.reference();
                let Some((api, _)) = cluster.api_for(&r, &cluster.client) else {
                    return (
                        i,
                        Err(ApplyError::UnknownKind {
                            path: o.path.clone(),
                            api_version: r.api_version.clone(),
                            kind: r.kind.clone(),
                        }),
                    );
                };
                let live = match api.get_opt(&r.name).await {
                    Ok(l) => l.and_then(|l| serde_json::to_value(l).ok()),
                    Err(e) => return (i, Err(classify(cluster, &r, Failure::from_kube(e)))),
                };
                if let Some(l) = &live
                    && known.get(&state::key(&r)).is_some()
                    && known.get(&state::key(&r)) == state::fingerprint(&o.value, l).as_ref()
                {
                    let change = LiveChange {
                        object: r,
                        path: o.path.clone(),
                        action: Action::Unchanged,
                        diff: String::new(),
                        note: None,
                    };
                    return (i, Ok(change));
                }
                let mut note = None;
                let value = match super::secrets::fill(&api, &o.value).await {
                    Ok(filled) => {
                        if !filled.missing.is_empty() {
                            note = Some(format!(
                                "not in the cluster yet, and only you can provide: {}",
                                filled.missing.join(", ")
                            ));
                        }
                        filled.value
                    }
                    Err(f) => return (i, Err(classify(cluster, &r, f))),
                };
                let dry = match server_side_apply(&api, &value, true, false).await {
                    Ok(v) => v,
                    Err(Failure::Api(s)) if !conflicts(&r, &s).is_empty() => {
                        let fields: Vec<String> = conflicts(&r, &s)
                            .iter()
                            .map(|c| format!("{} (owned by {})", c.field, c.manager))
                            .collect();
                        note = Some(format!(
                            "apply needs --force-conflicts to take over: {}",
                            fields.join(", ")
                        ));
                        match server_side_apply(&api, &value, true, true).await {
                            Ok(v) => v,
                            Err(f) => return (i, Err(classify(cluster, &r, f))),
                        }
                    }
                    Err(Failure::Api(s))
                        if s.code == 404
                            && r.namespace
                                .as_ref()
                                .is_some_and(|n| new_namespaces.contains(n)) =>
                    {
                        note = Some(
                            "its namespace is created by this apply: not checked by the server yet"
                                .into(),
                        );
                        o.value.clone()
                    }
                    Err(f) => return (i, Err(classify(cluster, &r, f))),
                };
                let (action, diff) = compare(o, live, dry);
                (
                    i,
                    Ok(LiveChange {
                        object: r,
                        path: o.path.clone(),
                        action,
                        diff,
                        note,
                    }),
                )
            }
        })
        .buffer_unordered(PARALLEL)
        .collect::<Vec<_>>()
        .await;
    let mut results = results;
    results.sort_by_key(|(i, _)| (super::objects::Phase::of(&objects[*i].reference().kind), *i));
    results.into_iter().map(|(_, r)| r).collect()
}

fn classify(cluster: &Cluster, r: &ObjectRef, f: Failure) -> ApplyError {
    match f {
        Failure::Transport(m) => unreachable(&cluster.server, "comparing with the live objects", m),
        Failure::Api(s) => ApplyError::Rejected {
            object: r.clone(),
            message: s.message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        Object {
            path: "m.yaml".into(),
            value: v,
        }
    }

    #[test]
    fn only_real_changes_show_server_fields_and_same_defaults_do_not() {
        let intent = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n"}, "data": {"a": "2"}});
        let live = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "n", "uid": "u1",
            "resourceVersion": "5", "creationTimestamp": "2026-01-01T00:00:00Z", "managedFields": [{"manager": "berth"}], "labels": {"x": "y"}},
            "data": {"a": "1"}});
        let mut dry = live.clone();
        dry["data"]["a"] = json!("2");
        dry["metadata"]["resourceVersion"] = json!("6");
        let (action, diff) = compare(&obj(intent.clone()), Some(live.clone()), dry);
        assert_eq!(action, Action::Configured);
        insta::assert_snapshot!(diff, @r#"
        --- live: configmap/c -n n
        +++ applied: configmap/c -n n
        @@ -4,4 +4,4 @@
           name: c
           namespace: "n"
         data:
        -  a: "1"
        +  a: "2"
        "#);
        assert_eq!(
            compare(&obj(intent), Some(live.clone()), live),
            (Action::Unchanged, String::new())
        );
    }

    #[test]
    fn a_new_object_shows_what_was_written_without_server_defaults() {
        let intent = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}});
        let dry = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "uid": "x"},
            "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}], "clusterIP": "10.0.0.9", "type": "ClusterIP"}, "status": {}});
        let (action, diff) = compare(&obj(intent), None, dry);
        assert_eq!(action, Action::Created);
        assert!(
            !diff.contains("clusterIP") && !diff.contains("TCP") && diff.contains("+  - port: 80"),
            "{diff}"
        );
    }
}
