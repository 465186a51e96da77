//! Kubernetes objects in, policy findings out: the constitution's checks as rules (requests and
//! limits, probes, non-root, no privilege, no host access, pinned images). Each rule has an id
//! from `crate::rules`, is on by default, and can be turned off or down in berth.toml.

use super::Finding;
use super::yaml::Document;
use serde_json::Value;

/// Where the pod spec sits in each workload kind (apply uses it too, to swap in built images).
pub fn pod_spec_pointer(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" => Some("/spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "Job"
        | "ReplicationController" => Some("/spec/template/spec"),
        "CronJob" => Some("/spec/jobTemplate/spec/template/spec"),
        _ => None,
    }
}

/// Workloads that run until stopped, so probes matter.
fn long_running(kind: &str) -> bool {
    !matches!(kind, "Job" | "CronJob")
}

pub fn check(file: &str, doc: &Document, out: &mut Vec<Finding>) {
    let v = &doc.value;
    let Some(kind) = v["kind"].as_str() else {
        return;
    };
    let Some(pod_ptr) = pod_spec_pointer(kind) else {
        return;
    };
    let Some(pod) = v.pointer(pod_ptr) else {
        return;
    };
    let mut add = |rule: &str, pointer: String, message: String, hint: &str| {
        out.push(Finding::at(
            rule,
            file,
            doc,
            &pointer,
            message,
            Some(hint.into()),
        ));
    };

    for (field, what) in [
        ("hostNetwork", "the host's network"),
        ("hostPID", "the host's process ids"),
        ("hostIPC", "the host's IPC"),
    ] {
        if pod[field] == Value::Bool(true) {
            add(
                "policy/no-host-access",
                format!("{pod_ptr}/{field}"),
                format!("{field}: true shares {what} with the pod"),
                "remove it; a pod needs its own namespaces",
            );
        }
    }
    for (i, vol) in pod["volumes"].as_array().into_iter().flatten().enumerate() {
        if vol.get("hostPath").is_some() {
            add(
                "policy/no-host-access",
                format!("{pod_ptr}/volumes/{i}/hostPath"),
                format!(
                    "volume {:?} mounts a path of the host",
                    vol["name"].as_str().unwrap_or("")
                ),
                "use an emptyDir, a ConfigMap or a PersistentVolumeClaim",
            );
        }
    }
    let pod_non_root = pod["securityContext"]["runAsNonRoot"] == Value::Bool(true);
    let pod_uid = pod["securityContext"]["runAsUser"].as_i64();
    if pod_uid == Some(0) {
        add(
            "policy/run-as-non-root",
            format!("{pod_ptr}/securityContext/runAsUser"),
            "runAsUser: 0 runs as root".into(),
            "use the image's non-root numeric user",
        );
    }

    for group in ["initContainers", "containers"] {
        for (i, c) in pod[group].as_array().into_iter().flatten().enumerate() {
            let at = format!("{pod_ptr}/{group}/{i}");
            let unnamed = format!("{group}[{i}]");
            let name = c["name"].as_str().unwrap_or(&unnamed);
            let sc = &c["securityContext"];
            // Resources, for every container.
            let missing: Vec<&str> = [
                ("requests", "cpu"),
                ("requests", "memory"),
                ("limits", "cpu"),
                ("limits", "memory"),
            ]
            .iter()
            .filter(|(k, r)| c["resources"][k][r].is_null())
            .map(|(k, r)| match (*k, *r) {
                ("requests", "cpu") => "requests.cpu",
                ("requests", _) => "requests.memory",
                (_, "cpu") => "limits.cpu",
                _ => "limits.memory",
            })
            .collect();
            if !missing.is_empty() {
                let ptr = if c.get("resources").is_some() {
                    format!("{at}/resources")
                } else {
                    format!("{at}/name")
                };
                add(
                    "policy/resources",
                    ptr,
                    format!("container {name:?} sets no {}", missing.join(", ")),
                    "set CPU and memory requests and limits so the scheduler and the kubelet can protect the node",
                );
            }
            if group == "containers" && long_running(kind) {
                for probe in ["livenessProbe", "readinessProbe"] {
                    if c.get(probe).is_none_or(Value::is_null) {
                        add(
                            "policy/probes",
                            format!("{at}/name"),
                            format!("container {name:?} has no {probe}"),
                            "probe the service's health endpoint (httpGet) or its port (tcpSocket)",
                        );
                    }
                }
            }
            if sc["privileged"] == Value::Bool(true) {
                add(
                    "policy/no-privileged",
                    format!("{at}/securityContext/privileged"),
                    format!(
                        "container {name:?} is privileged: it has the host's devices and capabilities"
                    ),
                    "remove privileged; add only the capabilities it needs",
                );
            }
            if sc["allowPrivilegeEscalation"] != Value::Bool(false) {
                let ptr = if sc.get("allowPrivilegeEscalation").is_some() {
                    format!("{at}/securityContext/allowPrivilegeEscalation")
                } else {
                    format!("{at}/name")
                };
                add(
                    "policy/no-privilege-escalation",
                    ptr,
                    format!(
                        "container {name:?} may gain privileges (allowPrivilegeEscalation is not false)"
                    ),
                    "set securityContext.allowPrivilegeEscalation: false",
                );
            }
            let non_root = sc["runAsNonRoot"] == Value::Bool(true)
                || (pod_non_root && sc["runAsNonRoot"] != Value::Bool(false));
            if sc["runAsUser"].as_i64() == Some(0) {
                add(
                    "policy/run-as-non-root",
                    format!("{at}/securityContext/runAsUser"),
                    format!("container {name:?} runs as root (runAsUser: 0)"),
                    "use the image's non-root numeric user",
                );
            } else if !non_root {
                add(
                    "policy/run-as-non-root",
                    format!("{at}/name"),
                    format!("container {name:?} may run as root: runAsNonRoot is not set"),
                    "set securityContext.runAsNonRoot: true (on the pod or the container)",
                );
            }
            if let Some(image) = c["image"].as_str() {
                if let Some(problem) = image_problem(image) {
                    add(
                        "policy/image-tag",
                        format!("{at}/image"),
                        format!("image {image:?} {problem}"),
                        "pin a version tag (or a digest) so every rollout runs the same image",
                    );
                }
            }
        }
    }
}

/// What is wrong with an image reference's tag, if anything.
pub fn image_problem(image: &str) -> Option<&'static str> {
    if image.contains('@') {
        return None;
    }
    // The tag is after the last ':' that comes after the last '/' (a registry may have a port).
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        None => Some("has no tag, so it means :latest"),
        Some((_, "latest")) => Some("uses the :latest tag"),
        Some((_, "")) => Some("has an empty tag"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::image_problem;

    #[test]
    fn image_tags() {
        assert!(image_problem("nginx").is_some());
        assert!(image_problem("nginx:latest").is_some());
        assert!(image_problem("registry.local:5000/team/app").is_some());
        assert!(image_problem("registry.local:5000/team/app:1.2").is_none());
        assert!(image_problem("app@sha256:abc").is_none());
    }
}
