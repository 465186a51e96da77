//! The catalog of validation rule ids: a constitution check's text in, the rule that enforces it
//! out. Validation (a later stage) implements these ids; the plan only names them.

/// A rule berth can check by itself, and the words in a constitution check that ask for it.
pub struct RuleInfo {
    pub id: &'static str,
    pub summary: &'static str,
    /// Lowercase phrases; a check mentioning any of them maps to this rule.
    keywords: &'static [&'static str],
}

pub const RULES: &[RuleInfo] = &[
    RuleInfo {
        id: "policy/resources",
        summary: "every container sets CPU and memory requests and limits",
        keywords: &[
            "resource limit",
            "resource request",
            "requests and limits",
            "limits and requests",
            "resource allocation",
        ],
    },
    RuleInfo {
        id: "policy/probes",
        summary: "every container has liveness and readiness probes",
        keywords: &["health check", "probe", "liveness", "readiness"],
    },
    RuleInfo {
        id: "policy/run-as-non-root",
        summary: "containers run as a non-root user",
        keywords: &[
            "non-root",
            "nonroot",
            "run as root",
            "root user",
            "least privilege",
        ],
    },
    RuleInfo {
        id: "policy/no-privileged",
        summary: "no privileged containers",
        keywords: &["privileged"],
    },
    RuleInfo {
        id: "policy/no-privilege-escalation",
        summary: "containers set allowPrivilegeEscalation: false",
        keywords: &["privilege escalation"],
    },
    RuleInfo {
        id: "policy/no-host-access",
        summary: "no hostPath volumes, hostNetwork or hostPID",
        keywords: &[
            "hostpath",
            "host path",
            "hostnetwork",
            "host network",
            "hostpid",
        ],
    },
    RuleInfo {
        id: "policy/image-tag",
        summary: "images are pinned to a tag, never latest or untagged",
        keywords: &[":latest", "latest tag", "pinned", "pin image", "image tag"],
    },
    RuleInfo {
        id: "dockerfile/best-practice",
        summary: "Dockerfiles pass berth's lint rules (multi-stage, non-root USER, exec-form CMD)",
        keywords: &[
            "multi-stage",
            "dockerfile",
            "image optimization",
            "optimization best practices",
            "docker images must",
        ],
    },
    RuleInfo {
        id: "schema/strict",
        summary: "manifests validate strictly against the Kubernetes schemas",
        keywords: &[
            "valid manifest",
            "schema valid",
            "strict schema",
            "validate against schema",
        ],
    },
    RuleInfo {
        id: "helm/chart",
        summary: "the Helm chart lints, renders, and its values match values.schema.json",
        keywords: &[
            "helm chart",
            "helm charts",
            "configurable parameters",
            "chart",
        ],
    },
    RuleInfo {
        id: "consistency/ports",
        summary: "EXPOSE, containerPort, Service targetPort and probe ports agree",
        keywords: &[
            "port",
            "network connectivity",
            "inter-service communication",
        ],
    },
    RuleInfo {
        id: "consistency/service-discovery",
        summary: "the frontend reaches the backend through a Service that exists, by DNS name",
        keywords: &[
            "service discovery",
            "kubernetes dns",
            "communicate with backend",
        ],
    },
    RuleInfo {
        id: "consistency/selector",
        summary: "every Service selects the pods of a workload",
        keywords: &["selector"],
    },
    RuleInfo {
        id: "schema/unknown-field",
        summary: "no field the Kubernetes API does not know",
        keywords: &[],
    },
    RuleInfo {
        id: "schema/wrong-type",
        summary: "every field has the type the Kubernetes API expects",
        keywords: &[],
    },
    RuleInfo {
        id: "schema/missing-field",
        summary: "required fields are present",
        keywords: &[],
    },
    RuleInfo {
        id: "schema/invalid-value",
        summary: "values are among those the API allows",
        keywords: &[],
    },
    RuleInfo {
        id: "schema/duplicate-key",
        summary: "no key is given twice in one mapping",
        keywords: &[],
    },
    RuleInfo {
        id: "schema/unknown-kind",
        summary: "apiVersion and kind name a type the cluster serves",
        keywords: &[],
    },
    RuleInfo {
        id: "schema/invalid",
        summary: "the object matches its schema",
        keywords: &[],
    },
    RuleInfo {
        id: "schema/invalid-name",
        summary: "the object's name is one the API server accepts (RFC 1123, RFC 1035 for Services)",
        keywords: &[],
    },
    RuleInfo {
        id: "schema/invalid-label",
        summary: "label keys and values have the syntax the API server accepts",
        keywords: &[],
    },
    RuleInfo {
        id: "berth/drift",
        summary: "the committed file is what berth generates from the specs (berth ci)",
        keywords: &[],
    },
    RuleInfo {
        id: "yaml/syntax",
        summary: "the file is valid YAML or JSON",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3000",
        summary: "WORKDIR is an absolute path (hadolint DL3000)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3002",
        summary: "the last USER is not root (hadolint DL3002)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3003",
        summary: "RUN does not cd; WORKDIR switches directory (hadolint DL3003)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3004",
        summary: "RUN does not use sudo (hadolint DL3004)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3006",
        summary: "base images are tagged (hadolint DL3006)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3007",
        summary: "base images do not use latest (hadolint DL3007)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3008",
        summary: "apt-get install pins package versions (hadolint DL3008)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3009",
        summary: "apt lists are deleted after apt-get update (hadolint DL3009)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3013",
        summary: "pip install pins package versions (hadolint DL3013)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3014",
        summary: "apt-get install runs with -y (hadolint DL3014)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3015",
        summary: "apt-get install uses --no-install-recommends (hadolint DL3015)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3016",
        summary: "npm install pins package versions (hadolint DL3016)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3018",
        summary: "apk add pins package versions (hadolint DL3018)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3019",
        summary: "apk add uses --no-cache (hadolint DL3019)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3020",
        summary: "COPY, not ADD, for local files (hadolint DL3020)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3022",
        summary: "COPY --from names an earlier stage (hadolint DL3022)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3023",
        summary: "COPY --from does not name its own stage (hadolint DL3023)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3024",
        summary: "stage names are unique (hadolint DL3024)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3025",
        summary: "CMD and ENTRYPOINT in exec form (hadolint DL3025)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3027",
        summary: "RUN uses apt-get, not apt (hadolint DL3027)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3042",
        summary: "pip install uses --no-cache-dir (hadolint DL3042)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3045",
        summary: "COPY to a relative destination comes after a WORKDIR (hadolint DL3045)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3047",
        summary: "wget runs with a progress option or quietly (hadolint DL3047)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL3059",
        summary: "no consecutive single-command RUNs (hadolint DL3059)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL4000",
        summary: "no MAINTAINER (hadolint DL4000)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL4001",
        summary: "a stage uses wget or curl, not both (hadolint DL4001)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL4003",
        summary: "one CMD per stage (hadolint DL4003)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL4004",
        summary: "one ENTRYPOINT per stage (hadolint DL4004)",
        keywords: &[],
    },
    RuleInfo {
        id: "DL4006",
        summary: "SHELL sets -o pipefail before a RUN with a pipe (hadolint DL4006)",
        keywords: &[],
    },
    RuleInfo {
        id: "dockerfile/no-user",
        summary: "the final stage sets a non-root USER",
        keywords: &[],
    },
    RuleInfo {
        id: "dockerfile/mirror",
        summary: "base images come through the configured registry mirror",
        keywords: &["mirror"],
    },
    RuleInfo {
        id: "dockerfile/unknown-instruction",
        summary: "every line starts with a Dockerfile instruction",
        keywords: &[],
    },
    RuleInfo {
        id: "dockerfile/secret",
        summary: "no secrets in ENV or ARG",
        keywords: &["secret"],
    },
    RuleInfo {
        id: "helm/values-schema",
        summary: "values.yaml matches values.schema.json",
        keywords: &[],
    },
    RuleInfo {
        id: "helm/lint",
        summary: "helm lint finds no errors",
        keywords: &[],
    },
    RuleInfo {
        id: "helm/template",
        summary: "the chart renders with helm template",
        keywords: &[],
    },
];

/// The rules a constitution check or gate asks for; empty when only a person can check it.
pub fn rules_for(text: &str) -> Vec<&'static RuleInfo> {
    let lower = text.to_lowercase();
    RULES
        .iter()
        .filter(|r| r.keywords.iter().any(|k| mentions(&lower, k)))
        .collect()
}

/// True when `phrase` starts a word in `lower` ("port" is in "ports", not in "support").
pub(crate) fn mentions(lower: &str, phrase: &str) -> bool {
    lower.match_indices(phrase).any(|(i, _)| {
        let starts_word = !phrase.starts_with(char::is_alphanumeric)
            || lower[..i]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric());
        starts_word
    })
}

pub fn find(id: &str) -> Option<&'static RuleInfo> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_map_to_rules_by_meaning() {
        let ids = |t| rules_for(t).iter().map(|r| r.id).collect::<Vec<_>>();
        assert_eq!(
            ids("Resource limits and health checks must be defined"),
            ["policy/resources", "policy/probes"]
        );
        assert_eq!(ids("Liveness probes on every container"), ["policy/probes"]);
        assert_eq!(ids("Images never use :latest"), ["policy/image-tag"]);
        assert!(ids("Infrastructure must be reviewed by a person").is_empty());
        assert!(
            ids("Charts support easy scaling")
                .iter()
                .all(|r| *r != "consistency/ports")
        );
    }

    #[test]
    fn rule_ids_are_unique() {
        let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), RULES.len());
    }
}
