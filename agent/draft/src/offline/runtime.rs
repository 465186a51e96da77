//! A planned service in, how it runs in the cluster out: image, port, user, probes, resources,
//! writable paths and environment. Dockerfile, manifests and chart all read this one answer,
//! so they cannot disagree.

use berth_core::plan::{Plan, Service, Stack};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// An HTTP path, or None for a TCP check on the port.
    pub path: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resources {
    pub cpu_request: &'static str,
    pub memory_request: &'static str,
    pub cpu_limit: &'static str,
    pub memory_limit: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Runtime {
    pub name: String,
    pub namespace: String,
    pub image_repository: String,
    pub image_tag: String,
    pub port: u16,
    /// The numeric user and group the image runs as.
    pub uid: u32,
    /// Paths the app (or its web server) writes to: emptyDir volumes under a read-only root.
    pub writable: Vec<&'static str>,
    pub liveness: Probe,
    pub readiness: Probe,
    pub resources: Resources,
    /// Plain environment variables set on the container.
    pub env: Vec<(String, String)>,
    /// Variables from Secrets, set before the plain ones so those can reference them as
    /// `$(NAME)`.
    pub secret_env: Vec<SecretRef>,
    /// The ConfigMap the container reads its environment from (a web frontend's backend URL).
    pub config_map: Option<String>,
    /// What that ConfigMap holds.
    pub config_env: Vec<(String, String)>,
    pub service_type: &'static str,
    /// The port the Service exposes.
    pub service_port: u16,
    pub component: &'static str,
}

/// A variable set from a key of a Secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRef {
    pub name: String,
    pub secret: String,
    pub key: String,
    /// The container starts without it until a person provides it.
    pub optional: bool,
}

/// nginx-unprivileged listens here.
pub const STATIC_PORT: u16 = 8080;

impl Runtime {
    pub fn of(plan: &Plan, s: &Service) -> Runtime {
        let static_site = s.is_static_site();
        let port = if static_site {
            STATIC_PORT
        } else {
            s.port.as_ref().map_or(8080, |p| p.number)
        };
        let uid = uid(s);
        let health = |path: &Option<String>| Probe {
            path: path
                .clone()
                .or_else(|| static_site.then(|| "/healthz".to_string())),
        };
        let mut env = Vec::new();
        if s.env.iter().any(|e| e == "PORT") {
            env.push(("PORT".to_string(), port.to_string()));
        }
        // Interpreters and their libraries write caches under $HOME (pip, npm, matplotlib,
        // model downloads): under a read-only root, point it at the writable /tmp.
        if !matches!(
            s.stack,
            Stack::Go | Stack::Rust | Stack::Java | Stack::Static
        ) && !static_site
        {
            env.push(("HOME".to_string(), "/tmp".to_string()));
        }
        // What the project's compose file gives it; after PORT, by name, as the chart orders them.
        env.extend(
            s.env_values
                .iter()
                .map(|e| (e.name.clone(), e.value.clone())),
        );
        let connections = super::depend::connection_env(plan, s);
        env.retain(|(k, _)| !connections.plain.iter().any(|(c, _)| c == k));
        env.extend(connections.plain);
        let after_port = usize::from(env.first().is_some_and(|(k, _)| k == "PORT"));
        env[after_port..].sort_by(|a, b| a.0.cmp(&b.0));
        let config_map =
            (s.web_frontend && backend(plan).is_some()).then(|| format!("{}-config", s.name));
        // Only a frontend has one: asking a backend for its URL here would recurse.
        let config_env: Vec<(String, String)> = config_map
            .as_ref()
            .and_then(|_| backend_url(plan))
            .map(|url| vec![(s.backend_url_var(), url)])
            .unwrap_or_default();
        // The backend's URL is the ConfigMap's (its Service's cluster name), not the compose
        // file's: a value set here would hide it.
        env.retain(|(k, _)| !config_env.iter().any(|(c, _)| c == k));
        Runtime {
            name: s.name.clone(),
            namespace: plan.app.clone(),
            image_repository: format!("{}-{}", plan.app, s.name),
            image_tag: s.version.clone().unwrap_or_else(|| "0.1.0".to_string()),
            port,
            uid,
            writable: if static_site {
                vec!["/tmp", "/etc/nginx/conf.d"]
            } else {
                vec!["/tmp"]
            },
            liveness: health(&s.health.liveness),
            // Ready when alive, if the service has no readiness endpoint of its own.
            readiness: health(
                &s.health
                    .readiness
                    .clone()
                    .or_else(|| s.health.liveness.clone()),
            ),
            resources: resources(s.stack, static_site),
            env,
            secret_env: connections
                .secret
                .into_iter()
                .map(|(name, secret, key)| SecretRef {
                    name,
                    secret,
                    key: key.to_string(),
                    optional: false,
                })
                .chain(s.secrets.iter().map(|x| SecretRef {
                    name: x.name.clone(),
                    secret: berth_core::plan::secret_name(&s.name),
                    key: x.name.clone(),
                    optional: !x.generate,
                }))
                .collect(),
            config_env,
            config_map,
            service_type: if s.web_frontend {
                "NodePort"
            } else {
                "ClusterIP"
            },
            service_port: if s.web_frontend { 80 } else { port },
            component: if s.web_frontend {
                "frontend"
            } else {
                "backend"
            },
        }
    }

    pub fn image(&self) -> String {
        format!("{}:{}", self.image_repository, self.image_tag)
    }
}

/// The user each runtime image runs as: distroless `nonroot`, the node image's `node`, nginx's
/// `nginx`, Bun's `bun`, Deno's `deno`, the aspnet image's `app`, or an unnamed high uid for
/// images without one.
pub fn uid(s: &Service) -> u32 {
    if s.is_static_site() {
        return 101;
    }
    match s.stack {
        Stack::Go | Stack::Rust => 65532,
        Stack::Node | Stack::Bun => 1000,
        Stack::Deno => 1993,
        Stack::Dotnet => 1654,
        Stack::Python | Stack::Java | Stack::Php | Stack::Ruby | Stack::Static | Stack::Unknown => {
            10001
        }
    }
}

fn resources(stack: Stack, static_site: bool) -> Resources {
    let (cr, mr, cl, ml) = match stack {
        _ if static_site => ("25m", "32Mi", "250m", "128Mi"),
        Stack::Go | Stack::Rust => ("50m", "32Mi", "500m", "128Mi"),
        Stack::Node
        | Stack::Python
        | Stack::Php
        | Stack::Ruby
        | Stack::Deno
        | Stack::Bun
        | Stack::Static
        | Stack::Unknown => ("100m", "128Mi", "500m", "256Mi"),
        Stack::Dotnet => ("100m", "128Mi", "500m", "384Mi"),
        Stack::Java => ("250m", "384Mi", "1", "768Mi"),
    };
    Resources {
        cpu_request: cr,
        memory_request: mr,
        cpu_limit: cl,
        memory_limit: ml,
    }
}

/// The service a web frontend talks to: the one a frontend's variables name (`CHAT_API_URL`
/// for `chat-api`), else one named backend or api, else the first that is not a web frontend.
pub fn backend(plan: &Plan) -> Option<&Service> {
    let backends: Vec<&Service> = plan.services.iter().filter(|s| !s.web_frontend).collect();
    let named_by_frontend = |b: &&&Service| {
        let key = b.name.to_uppercase().replace('-', "_");
        plan.services
            .iter()
            .filter(|s| s.web_frontend)
            .flat_map(|s| &s.env)
            .any(|e| {
                e.split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .any(|w| {
                        w == key
                            || w.starts_with(&format!("{key}_"))
                            || w.contains(&format!("_{key}_"))
                    })
            })
    };
    backends
        .iter()
        .find(named_by_frontend)
        .or_else(|| {
            backends
                .iter()
                .find(|s| s.name == "backend" || s.name == "api")
        })
        .or(backends.first())
        .copied()
}

/// The backend's in-cluster URL, by Service DNS name.
pub fn backend_url(plan: &Plan) -> Option<String> {
    let b = backend(plan)?;
    let rt = Runtime::of(plan, b);
    Some(format!(
        "http://{}.{}.svc.cluster.local:{}",
        b.name, plan.app, rt.service_port
    ))
}
