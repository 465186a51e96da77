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
        summary: "no privileged containers and no privilege escalation",
        keywords: &["privileged", "privilege escalation"],
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
