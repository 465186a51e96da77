//! Services in, the artifacts to draft out: per service a Dockerfile, .dockerignore, Deployment
//! and Service (a ConfigMap for a web frontend, a Secret for one that reads credentials), per app a Namespace and a Helm chart; each
//! linked to the spec items that ask for it.

use super::model::{Artifact, ArtifactKind, Dependency, Gate, Service, Stack};
use crate::spec::Spec;

/// Words that tie a line of the spec to a kind of artifact.
fn keywords(kind: ArtifactKind) -> &'static [&'static str] {
    match kind {
        ArtifactKind::Dockerfile => &[
            "dockerfile",
            "container design",
            "containeriz",
            "docker image",
            "multi-stage",
            "image size",
        ],
        ArtifactKind::Dockerignore => &[".dockerignore"],
        ArtifactKind::Namespace => &["namespace"],
        ArtifactKind::Deployment => &[
            "deployment yaml",
            "deployment manifest",
            "deployment design",
            "probe",
            "health check",
            "resource limit",
        ],
        ArtifactKind::Service => &[
            "service yaml",
            "service manifest",
            "clusterip",
            "nodeport",
            "loadbalancer",
            "service exposure",
            "expose",
        ],
        ArtifactKind::ConfigMap => &[
            "configmap",
            "environment variable",
            "kubernetes dns",
            "service discovery",
            "communicate with backend",
        ],
        ArtifactKind::HelmChart => &["helm", "chart", "values.yaml"],
        ArtifactKind::StatefulSet => &[
            "statefulset",
            "database",
            "postgres",
            "mysql",
            "redis",
            "mongodb",
            "persist",
            "stored",
        ],
        ArtifactKind::Secret => &["secret", "credential", "password"],
        ArtifactKind::WebServerConfig => &["nginx", "web server", "proxy"],
    }
}

/// The rules whose gates stand behind each kind.
fn gate_rules(kind: ArtifactKind) -> &'static [&'static str] {
    match kind {
        ArtifactKind::Dockerfile => &[
            "dockerfile/best-practice",
            "policy/image-tag",
            "policy/run-as-non-root",
        ],
        ArtifactKind::Deployment => &[
            "policy/resources",
            "policy/probes",
            "policy/run-as-non-root",
            "policy/no-privileged",
            "policy/no-host-access",
            "policy/image-tag",
            "schema/strict",
        ],
        ArtifactKind::Service => &["consistency/ports", "schema/strict"],
        ArtifactKind::ConfigMap => &["consistency/service-discovery"],
        ArtifactKind::HelmChart => &["helm/chart"],
        ArtifactKind::WebServerConfig => &["consistency/service-discovery"],
        ArtifactKind::StatefulSet => &[
            "policy/resources",
            "policy/run-as-non-root",
            "policy/no-privileged",
            "policy/image-tag",
            "schema/strict",
        ],
        ArtifactKind::Namespace | ArtifactKind::Dockerignore | ArtifactKind::Secret => &[],
    }
}

pub fn plan(
    app: &str,
    services: &[Service],
    deps: &[Dependency],
    spec: &Spec,
    gates: &[Gate],
) -> Vec<Artifact> {
    let has_backend = services.iter().any(|s| !s.web_frontend);
    let mut out = vec![artifact(
        app,
        ArtifactKind::Namespace,
        None,
        "manifests/k8s/namespace.yaml".into(),
    )];
    for s in services {
        let dir = &s.path;
        // The authors' own Dockerfile is built as it is: berth drafts what runs it.
        let own = s.own_dockerfile.is_some();
        if !own {
            out.push(artifact(
                &s.name,
                ArtifactKind::Dockerfile,
                Some(s),
                super::in_dir(dir, "Dockerfile"),
            ));
        }
        if s.stack != Stack::Unknown && !own {
            out.push(artifact(
                &s.name,
                ArtifactKind::Dockerignore,
                Some(s),
                super::in_dir(dir, ".dockerignore"),
            ));
        }
        if s.is_static_site() && !own {
            out.push(artifact(
                &s.name,
                ArtifactKind::WebServerConfig,
                Some(s),
                super::in_dir(dir, "nginx/default.conf.template"),
            ));
        }
        out.push(artifact(
            &s.name,
            ArtifactKind::Deployment,
            Some(s),
            format!("manifests/k8s/{}-deployment.yaml", s.name),
        ));
        out.push(artifact(
            &s.name,
            ArtifactKind::Service,
            Some(s),
            format!("manifests/k8s/{}-service.yaml", s.name),
        ));
        if s.web_frontend && has_backend {
            out.push(artifact(
                &s.name,
                ArtifactKind::ConfigMap,
                Some(s),
                format!("manifests/k8s/{}-configmap.yaml", s.name),
            ));
        }
        if !s.secrets.is_empty() {
            out.push(artifact(
                &s.name,
                ArtifactKind::Secret,
                Some(s),
                format!("manifests/k8s/{}-secret.yaml", s.name),
            ));
        }
    }
    // A dependency: its StatefulSet, its Service, and the Secret apply fills in (none for
    // one that runs without credentials).
    for d in deps {
        for (kind, file) in [
            (ArtifactKind::StatefulSet, "statefulset"),
            (ArtifactKind::Service, "service"),
            (ArtifactKind::Secret, "secret"),
        ] {
            if kind == ArtifactKind::Secret && !d.kind.has_credentials() {
                continue;
            }
            let mut a = artifact(
                &d.name,
                kind,
                None,
                format!("manifests/k8s/{}-{file}.yaml", d.name),
            );
            a.service = Some(d.name.clone());
            out.push(a);
        }
    }
    out.push(artifact(
        app,
        ArtifactKind::HelmChart,
        None,
        format!("manifests/chart/{app}"),
    ));
    for a in &mut out {
        let service = a
            .service
            .as_ref()
            .and_then(|n| services.iter().find(|s| &s.name == n));
        a.sources = sources(a.kind, service, services, spec, gates);
    }
    out
}

fn artifact(owner: &str, kind: ArtifactKind, service: Option<&Service>, path: String) -> Artifact {
    Artifact {
        id: format!("{owner}/{}", kind.as_str()),
        kind,
        service: service.map(|s| s.name.clone()),
        path,
        sources: vec![],
    }
}

/// Spec items behind an artifact: tasks and requirements whose lines ask for this kind (for
/// this service), and gates whose rule applies to it.
fn sources(
    kind: ArtifactKind,
    service: Option<&Service>,
    all: &[Service],
    spec: &Spec,
    gates: &[Gate],
) -> Vec<String> {
    let mut ids = Vec::new();
    for task in &spec.tasks {
        let title_names = named_services(&task.title, all);
        let lines = std::iter::once(&task.title)
            .chain(task.description.iter())
            .chain(task.checklist.iter().map(|c| &c.text));
        for line in lines {
            if asks_for(line, kind, service, all, &title_names) {
                ids.push(task.id.clone());
                break;
            }
        }
    }
    for r in &spec.requirements {
        if asks_for(&r.text, kind, service, all, &[]) {
            ids.push(r.id.clone());
        }
    }
    let rules = gate_rules(kind);
    ids.extend(
        gates
            .iter()
            .filter(|g| g.rules.iter().any(|r| rules.contains(&r.as_str())))
            .map(|g| g.id.clone()),
    );
    ids
}

fn asks_for(
    line: &str,
    kind: ArtifactKind,
    service: Option<&Service>,
    all: &[Service],
    fallback: &[String],
) -> bool {
    let lower = line.to_lowercase();
    if !keywords(kind)
        .iter()
        .any(|k| crate::rules::mentions(&lower, k))
    {
        return false;
    }
    let Some(service) = service else { return true };
    let named = named_services(line, all);
    // A line that names no service speaks for the services its task's title names, or all.
    let named = if named.is_empty() { fallback } else { &named };
    named.is_empty() || named.contains(&service.name)
}

/// Services a line mentions, by name or by role ("frontend", "backend").
fn named_services(line: &str, all: &[Service]) -> Vec<String> {
    let words: Vec<String> = line
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric() && c != '-')
        .map(String::from)
        .collect();
    let has = |w: &str| words.iter().any(|x| x == w);
    all.iter()
        .filter(|s| {
            has(&s.name.to_lowercase())
                || if s.web_frontend {
                    has("frontend") || has("ui")
                } else {
                    has("backend") || has("api")
                }
        })
        .map(|s| s.name.clone())
        .collect()
}
