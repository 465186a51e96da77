//! The kubeconfig and the flags in; the target context out, with whether it is a local cluster
//! (Minikube detected as Skaffold does: the context name, a Minikube profile of that name,
//! certificates under the Minikube home, or a profile's server address) or was allowed by name.
//! Anything else is refused before a single request is sent.

use super::error::ApplyError;
use kube::config::{KubeConfigOptions, Kubeconfig};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The cluster berth is about to talk to.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Target {
    pub context: String,
    pub server: String,
    /// The namespace the context names, if any.
    #[serde(skip)]
    pub namespace: Option<String>,
    /// Why berth considers it local, or that it was allowed by `--allow-context`.
    pub trusted_because: String,
    /// The Minikube profile, when the cluster is Minikube.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub minikube_profile: Option<String>,
    #[serde(skip)]
    pub kubeconfig: Kubeconfig,
}

/// What the kubeconfig says about one context.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextFacts {
    pub name: String,
    pub server: String,
    pub certificate_files: Vec<String>,
}

/// Minikube's home: `$MINIKUBE_HOME` (itself if named `.minikube`, else its `.minikube`), or
/// `~/.minikube`, as minikube's localpath.MiniPath does.
pub fn minikube_home() -> Option<PathBuf> {
    match std::env::var_os("MINIKUBE_HOME").filter(|v| !v.is_empty()) {
        Some(h) => {
            let h = PathBuf::from(h);
            if h.file_name().is_some_and(|n| n == ".minikube") {
                Some(h)
            } else {
                Some(h.join(".minikube"))
            }
        }
        None => std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".minikube")),
    }
}

/// The `IP:port` of each node of a Minikube profile (`profiles/<name>/config.json`).
fn profile_addresses(home: &Path, profile: &str) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(home.join("profiles").join(profile).join("config.json"))
    else {
        return vec![];
    };
    let Ok(v) = serde_json::from_str::<serde_json::Value>(&text) else {
        return vec![];
    };
    v.get("Nodes")
        .and_then(serde_json::Value::as_array)
        .map(|nodes| {
            nodes
                .iter()
                .filter_map(|n| {
                    let ip = n.get("IP")?.as_str()?;
                    let port = n.get("Port")?.as_u64()?;
                    Some(format!("{ip}:{port}"))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn host_port(server: &str) -> &str {
    let s = server
        .trim_start_matches("https://")
        .trim_start_matches("http://");
    s.split('/').next().unwrap_or(s)
}

/// A local cluster berth recognises from its context, as Skaffold does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Local {
    Minikube { profile: String },
    Kind { cluster: String },
    K3d { cluster: String },
    DockerDesktop,
    RancherDesktop,
}

/// Addresses that are this machine: the servers kind, k3d and the desktop apps listen on.
fn on_this_machine(server: &str) -> bool {
    let hp = host_port(server);
    let host = match hp.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => hp.rsplit_once(':').map_or(hp, |(h, _)| h),
    };
    [
        "127.0.0.1",
        "localhost",
        "::1",
        "0.0.0.0",
        "kubernetes.docker.internal",
    ]
    .contains(&host)
}

/// Why this context is a local cluster, and which; `Err` lists what was checked. Minikube is
/// found as `detect_minikube` does; kind, k3d, Docker Desktop and Rancher Desktop by their
/// context names (`kind-NAME`, `k3d-NAME`, `docker-desktop`, `rancher-desktop`), and only when
/// the server is on this machine, so a remote cluster named like one is not trusted.
pub fn detect_local(facts: &ContextFacts, home: Option<&Path>) -> Result<(String, Local), String> {
    let minikube = match detect_minikube(facts, home) {
        Ok((why, profile)) => return Ok((why, Local::Minikube { profile })),
        Err(reasons) => reasons,
    };
    let name = facts.name.as_str();
    let local = if let Some(c) = name.strip_prefix("kind-") {
        Some(Local::Kind { cluster: c.into() })
    } else if let Some(c) = name.strip_prefix("k3d-") {
        Some(Local::K3d { cluster: c.into() })
    } else if name == "docker-desktop" || name == "docker-for-desktop" {
        Some(Local::DockerDesktop)
    } else if name == "rancher-desktop" {
        Some(Local::RancherDesktop)
    } else {
        None
    };
    match local {
        Some(l) if on_this_machine(&facts.server) => Ok((
            format!(
                "the context is named {name} and its server {} is on this machine",
                facts.server
            ),
            l,
        )),
        Some(_) => Err(format!(
            "named {name}, but its server {} is not on this machine",
            facts.server
        )),
        None => Err(format!(
            "{minikube}; nor a kind-NAME, k3d-NAME, docker-desktop or rancher-desktop context"
        )),
    }
}

/// Why this context is a local Minikube cluster, and its profile; `Err` lists what was checked.
pub fn detect_minikube(
    facts: &ContextFacts,
    home: Option<&Path>,
) -> Result<(String, String), String> {
    if facts.name == "minikube" {
        return Ok(("the context is named minikube".into(), "minikube".into()));
    }
    if let Some(home) = home {
        if home
            .join("profiles")
            .join(&facts.name)
            .join("config.json")
            .is_file()
        {
            return Ok((
                format!("a Minikube profile is named {}", facts.name),
                facts.name.clone(),
            ));
        }
        let home_text = home.to_string_lossy();
        if let Some(f) = facts
            .certificate_files
            .iter()
            .find(|f| Path::new(f).starts_with(home))
        {
            let profile = Path::new(f)
                .strip_prefix(home.join("profiles"))
                .ok()
                .and_then(|p| p.components().next())
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .unwrap_or_else(|| "minikube".into());
            return Ok((format!("its certificate {f} is under {home_text}"), profile));
        }
        if let Ok(entries) = std::fs::read_dir(home.join("profiles")) {
            for e in entries.filter_map(Result::ok) {
                let profile = e.file_name().to_string_lossy().into_owned();
                if profile_addresses(home, &profile)
                    .iter()
                    .any(|a| a == host_port(&facts.server))
                {
                    return Ok((
                        format!("its server is Minikube profile {profile}'s address"),
                        profile,
                    ));
                }
            }
        }
    }
    let home = home
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_else(|| "~/.minikube".into());
    Err(format!(
        "not named minikube, no Minikube profile named {name}, no certificate under {home}, and the server is no profile's address",
        name = facts.name
    ))
}

/// Reads the kubeconfig (`$KUBECONFIG`, or `~/.kube/config`) and picks the context.
pub fn load(
    context: Option<&str>,
) -> Result<(Kubeconfig, ContextFacts, Option<String>), ApplyError> {
    let kubeconfig = Kubeconfig::read().map_err(|e| ApplyError::Kubeconfig {
        message: format!(
            "cannot read it ({e}); set KUBECONFIG or start Minikube (`minikube start`)"
        ),
    })?;
    let name = match context
        .map(str::to_string)
        .or(kubeconfig.current_context.clone())
    {
        Some(n) if !n.is_empty() => n,
        _ => {
            return Err(ApplyError::Kubeconfig {
                message: "no current context; name one with --context".into(),
            });
        }
    };
    let ctx = kubeconfig
        .contexts
        .iter()
        .find(|c| c.name == name)
        .and_then(|c| c.context.clone())
        .ok_or_else(|| {
            let known: Vec<&str> = kubeconfig
                .contexts
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            ApplyError::Kubeconfig {
                message: format!("no context named \"{name}\" (known: {})", known.join(", ")),
            }
        })?;
    let cluster = kubeconfig
        .clusters
        .iter()
        .find(|c| c.name == ctx.cluster)
        .and_then(|c| c.cluster.clone())
        .unwrap_or_default();
    let user = kubeconfig
        .auth_infos
        .iter()
        .find(|u| Some(&u.name) == ctx.user.as_ref())
        .and_then(|u| u.auth_info.clone())
        .unwrap_or_default();
    let certificate_files = [
        cluster.certificate_authority.clone(),
        user.client_certificate.clone(),
        user.client_key.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    let facts = ContextFacts {
        name,
        server: cluster.server.clone().unwrap_or_default(),
        certificate_files,
    };
    Ok((kubeconfig, facts, ctx.namespace))
}

/// The target, if local or allowed by name; else the refusal naming the context seen.
pub fn guard(context: Option<&str>, allow: &[String]) -> Result<Target, ApplyError> {
    let (kubeconfig, facts, namespace) = load(context)?;
    let home = minikube_home();
    let (trusted_because, minikube_profile) = match detect_local(&facts, home.as_deref()) {
        Ok((why, Local::Minikube { profile })) => (why, Some(profile)),
        Ok((why, _)) => (why, None),
        Err(_) if allow.contains(&facts.name) => {
            (format!("allowed by --allow-context {}", facts.name), None)
        }
        Err(reasons) => {
            return Err(ApplyError::ContextRefused {
                context: facts.name,
                server: facts.server,
                reasons,
            });
        }
    };
    Ok(Target {
        context: facts.name,
        server: facts.server,
        namespace,
        trusted_because,
        minikube_profile,
        kubeconfig,
    })
}

/// Options for building a client for the target.
pub fn options(target: &Target) -> KubeConfigOptions {
    KubeConfigOptions {
        context: Some(target.context.clone()),
        cluster: None,
        user: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(name: &str, server: &str, certs: &[&str]) -> ContextFacts {
        ContextFacts {
            name: name.into(),
            server: server.into(),
            certificate_files: certs.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn kind_k3d_and_the_desktop_clusters_are_local_only_on_this_machine() {
        let local = |name: &str, server: &str| detect_local(&facts(name, server, &[]), None);
        assert_eq!(
            local("kind-dev", "https://127.0.0.1:40123").unwrap().1,
            Local::Kind {
                cluster: "dev".into()
            }
        );
        assert_eq!(
            local("k3d-shop", "https://0.0.0.0:6550").unwrap().1,
            Local::K3d {
                cluster: "shop".into()
            }
        );
        assert_eq!(
            local("docker-desktop", "https://kubernetes.docker.internal:6443")
                .unwrap()
                .1,
            Local::DockerDesktop
        );
        assert_eq!(
            local("rancher-desktop", "https://[::1]:6443").unwrap().1,
            Local::RancherDesktop
        );
        // Named like a local cluster, but elsewhere: refused, and the message says why.
        let err = local("kind-prod", "https://10.20.0.4:6443").unwrap_err();
        assert!(err.contains("not on this machine"), "{err}");
        assert!(local("prod-eu", "https://127.0.0.1:6443").is_err());
    }

    #[test]
    fn minikube_is_found_by_name_profile_certificates_and_address() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        assert!(detect_minikube(&facts("minikube", "https://10.0.0.9:443", &[]), Some(h)).is_ok());
        std::fs::create_dir_all(h.join("profiles/dev")).unwrap();
        std::fs::write(
            h.join("profiles/dev/config.json"),
            r#"{"Nodes": [{"IP": "192.168.49.2", "Port": 8443}]}"#,
        )
        .unwrap();
        let (why, profile) = detect_minikube(&facts("dev", "https://x:1", &[]), Some(h)).unwrap();
        assert_eq!(
            (why.as_str(), profile.as_str()),
            ("a Minikube profile is named dev", "dev")
        );
        let cert = h.join("profiles/dev/client.crt");
        let cert = cert.to_string_lossy();
        let (_, profile) =
            detect_minikube(&facts("other", "https://x:1", &[&cert]), Some(h)).unwrap();
        assert_eq!(profile, "dev");
        let (why, _) =
            detect_minikube(&facts("renamed", "https://192.168.49.2:8443", &[]), Some(h)).unwrap();
        assert_eq!(why, "its server is Minikube profile dev's address");
        let err = detect_minikube(
            &facts("prod", "https://prod.example:443", &["/etc/ca.crt"]),
            Some(h),
        )
        .unwrap_err();
        assert!(
            err.starts_with("not named minikube, no Minikube profile named prod"),
            "{err}"
        );
    }
}
