//! A workload as the API server reports it in; whether its rollout is done, still going or
//! failed out, by the rules of `kubectl rollout status` (observedGeneration first, then
//! updated, available and ready replicas) and, for Jobs, `kubectl wait --for=condition=complete`.

use k8s_openapi::api::apps::v1::{DaemonSet, Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::Job;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", content = "message", rename_all = "lowercase")]
pub enum Rollout {
    /// Still rolling out: what it waits for.
    Pending(String),
    Ready(String),
    /// It will not get there by itself (progress deadline exceeded, Job failed).
    Failed(String),
}

impl Rollout {
    pub fn is_ready(&self) -> bool {
        matches!(self, Rollout::Ready(_))
    }
    pub fn message(&self) -> &str {
        match self {
            Rollout::Pending(m) | Rollout::Ready(m) | Rollout::Failed(m) => m,
        }
    }
}

pub fn deployment(d: &Deployment) -> Rollout {
    let generation = d.metadata.generation.unwrap_or(0);
    let Some(status) = &d.status else {
        return Rollout::Pending("waiting for the deployment controller".into());
    };
    if generation > status.observed_generation.unwrap_or(0) {
        return Rollout::Pending("waiting for the new spec to be observed".into());
    }
    let progressing = status
        .conditions
        .iter()
        .flatten()
        .find(|c| c.type_ == "Progressing");
    if let Some(c) = progressing
        && c.reason.as_deref() == Some("ProgressDeadlineExceeded")
    {
        return Rollout::Failed(format!(
            "exceeded its progress deadline: {}",
            c.message.clone().unwrap_or_default()
        ));
    }
    let want = d.spec.as_ref().and_then(|s| s.replicas).unwrap_or(1);
    let updated = status.updated_replicas.unwrap_or(0);
    let replicas = status.replicas.unwrap_or(0);
    let available = status.available_replicas.unwrap_or(0);
    if updated < want {
        return Rollout::Pending(format!(
            "{updated} out of {want} new replicas have been updated"
        ));
    }
    if replicas > updated {
        return Rollout::Pending(format!(
            "{} old replicas are pending termination",
            replicas - updated
        ));
    }
    if available < updated {
        return Rollout::Pending(format!(
            "{available} of {updated} updated replicas are available"
        ));
    }
    Rollout::Ready(format!("{available} of {want} replicas available"))
}

pub fn statefulset(s: &StatefulSet) -> Rollout {
    let generation = s.metadata.generation.unwrap_or(0);
    let Some(status) = &s.status else {
        return Rollout::Pending("waiting for the statefulset controller".into());
    };
    let observed = status.observed_generation.unwrap_or(0);
    if observed == 0 || generation > observed {
        return Rollout::Pending("waiting for the new spec to be observed".into());
    }
    let spec = s.spec.as_ref();
    let want = spec.and_then(|s| s.replicas).unwrap_or(1);
    let ready = status.ready_replicas.unwrap_or(0);
    if ready < want {
        return Rollout::Pending(format!("{ready} of {want} pods are ready"));
    }
    let strategy = spec.and_then(|s| s.update_strategy.as_ref());
    let kind = strategy
        .and_then(|u| u.type_.clone())
        .unwrap_or_else(|| "RollingUpdate".into());
    if kind != "RollingUpdate" {
        return Rollout::Ready(format!(
            "{ready} pods ready ({kind}: not waiting for updates)"
        ));
    }
    let partition = strategy
        .and_then(|u| u.rolling_update.as_ref())
        .and_then(|r| r.partition)
        .unwrap_or(0);
    let updated = status.updated_replicas.unwrap_or(0);
    if partition > 0 {
        if updated < want - partition {
            return Rollout::Pending(format!(
                "{updated} of {} new pods are updated (partition {partition})",
                want - partition
            ));
        }
        return Rollout::Ready(format!("partitioned roll out complete: {updated} new pods"));
    }
    if status.update_revision.is_some() && status.update_revision != status.current_revision {
        return Rollout::Pending(format!("{updated} of {want} pods are updated"));
    }
    Rollout::Ready(format!("{ready} of {want} pods ready"))
}

pub fn daemonset(d: &DaemonSet) -> Rollout {
    let generation = d.metadata.generation.unwrap_or(0);
    let Some(status) = &d.status else {
        return Rollout::Pending("waiting for the daemonset controller".into());
    };
    if generation > status.observed_generation.unwrap_or(0) {
        return Rollout::Pending("waiting for the new spec to be observed".into());
    }
    let want = status.desired_number_scheduled;
    let updated = status.updated_number_scheduled.unwrap_or(0);
    let available = status.number_available.unwrap_or(0);
    if updated < want {
        return Rollout::Pending(format!("{updated} of {want} updated pods are scheduled"));
    }
    if available < want {
        return Rollout::Pending(format!("{available} of {want} updated pods are available"));
    }
    Rollout::Ready(format!("{available} of {want} pods available"))
}

pub fn job(j: &Job) -> Rollout {
    let conditions = j
        .status
        .as_ref()
        .and_then(|s| s.conditions.clone())
        .unwrap_or_default();
    let holds = |t: &str| {
        conditions
            .iter()
            .find(|c| c.type_ == t && c.status == "True")
    };
    if let Some(c) = holds("Failed") {
        return Rollout::Failed(format!(
            "failed: {} {}",
            c.reason.clone().unwrap_or_default(),
            c.message.clone().unwrap_or_default()
        ));
    }
    if holds("Complete").is_some() {
        let n = j.status.as_ref().and_then(|s| s.succeeded).unwrap_or(0);
        return Rollout::Ready(format!("complete ({n} succeeded)"));
    }
    let active = j.status.as_ref().and_then(|s| s.active).unwrap_or(0);
    Rollout::Pending(format!("{active} pods active, not complete yet"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dep(v: serde_json::Value) -> Deployment {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn a_deployment_is_ready_only_once_its_new_generation_is_observed_and_available() {
        let stale = dep(
            json!({"metadata": {"generation": 2}, "spec": {"replicas": 2, "selector": {}, "template": {}},
            "status": {"observedGeneration": 1, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}}),
        );
        assert_eq!(
            deployment(&stale),
            Rollout::Pending("waiting for the new spec to be observed".into())
        );
        let partial = dep(
            json!({"metadata": {"generation": 2}, "spec": {"replicas": 2, "selector": {}, "template": {}},
            "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 2, "availableReplicas": 1}}),
        );
        assert_eq!(
            deployment(&partial).message(),
            "1 old replicas are pending termination"
        );
        let done = dep(
            json!({"metadata": {"generation": 2}, "spec": {"replicas": 2, "selector": {}, "template": {}},
            "status": {"observedGeneration": 2, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2}}),
        );
        assert!(deployment(&done).is_ready());
        let stuck = dep(
            json!({"metadata": {"generation": 2}, "spec": {"selector": {}, "template": {}},
            "status": {"observedGeneration": 2, "conditions": [{"type": "Progressing", "status": "False",
            "reason": "ProgressDeadlineExceeded", "message": "ReplicaSet \"w-1\" has timed out progressing."}]}}),
        );
        assert!(matches!(deployment(&stuck), Rollout::Failed(m) if m.contains("timed out")));
    }

    #[test]
    fn statefulsets_and_jobs_follow_kubectl() {
        let s: StatefulSet = serde_json::from_value(json!({"metadata": {"generation": 1},
            "spec": {"replicas": 2, "selector": {}, "serviceName": "s", "template": {}},
            "status": {"observedGeneration": 1, "replicas": 2, "readyReplicas": 2, "updatedReplicas": 2,
            "currentRevision": "a", "updateRevision": "b"}})).unwrap();
        assert_eq!(statefulset(&s).message(), "2 of 2 pods are updated");
        let j: Job = serde_json::from_value(json!({"status": {"conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "Job has reached the specified backoff limit"}]}})).unwrap();
        assert!(matches!(job(&j), Rollout::Failed(_)));
    }
}
