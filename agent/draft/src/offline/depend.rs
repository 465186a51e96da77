//! A dependency (database or cache) in, its StatefulSet, Service and Secret out, and the
//! environment a service connects to it by. No password is ever written: the Secret names the
//! keys `berth apply` generates when the cluster has none, and the app's variables reference it.

use super::k8s::{MANAGED_BY, volume_name};
use berth_core::plan::depend::{EnvRole, env_role};
use berth_core::plan::{Dependency, DependencyKind, Plan, Service};
use serde_json::{Value, json};

/// The annotation on a Secret whose listed keys `berth apply` fills with generated values.
pub const GENERATE_ANNOTATION: &str = "berth.dev/generate";
/// Keys of a Secret that a person provides (an API key): `berth apply` keeps them and says
/// which are missing.
pub const PROVIDED_ANNOTATION: &str = "berth.dev/provided";

/// How the image runs: port, user, where it keeps data, what it writes, what it is told.
pub struct DepRuntime {
    pub port: u16,
    pub uid: u32,
    pub gid: u32,
    pub data: &'static str,
    pub writable: Vec<&'static str>,
    /// Plain variables, and variables from the Secret (name, key).
    pub env: Vec<(String, String)>,
    pub secret_env: Vec<(String, &'static str)>,
    pub args: Vec<String>,
    /// The Secret's keys.
    pub keys: Vec<&'static str>,
    pub cpu: (&'static str, &'static str),
    pub memory: (&'static str, &'static str),
}

impl DepRuntime {
    pub fn of(d: &Dependency) -> DepRuntime {
        let alpine = d.image.contains("alpine");
        let s = |v: &str| v.to_string();
        match d.kind {
            DependencyKind::Postgres => DepRuntime {
                port: 5432,
                // The alpine images' postgres user is 70, the Debian ones' 999.
                uid: if alpine { 70 } else { 999 },
                gid: if alpine { 70 } else { 999 },
                data: "/var/lib/postgresql/data",
                writable: vec!["/var/run/postgresql", "/tmp"],
                env: vec![
                    (s("POSTGRES_USER"), d.user.clone()),
                    (s("POSTGRES_DB"), d.database.clone()),
                    // A subfolder: the volume's root may hold lost+found, which initdb refuses.
                    (s("PGDATA"), s("/var/lib/postgresql/data/pgdata")),
                ],
                secret_env: vec![(s("POSTGRES_PASSWORD"), "password")],
                args: vec![],
                keys: vec!["password"],
                cpu: ("100m", "1"),
                memory: ("256Mi", "512Mi"),
            },
            DependencyKind::Mysql => DepRuntime {
                port: 3306,
                uid: 999,
                gid: 999,
                data: "/var/lib/mysql",
                writable: vec!["/var/run/mysqld", "/tmp"],
                env: vec![
                    (s("MYSQL_USER"), d.user.clone()),
                    (s("MYSQL_DATABASE"), d.database.clone()),
                ],
                secret_env: vec![
                    (s("MYSQL_PASSWORD"), "password"),
                    (s("MYSQL_ROOT_PASSWORD"), "root-password"),
                ],
                args: vec![],
                keys: vec!["password", "root-password"],
                cpu: ("100m", "1"),
                memory: ("512Mi", "1Gi"),
            },
            DependencyKind::Redis => DepRuntime {
                port: 6379,
                uid: 999,
                gid: 1000,
                data: "/data",
                writable: vec!["/tmp"],
                env: vec![],
                secret_env: vec![(s("REDIS_PASSWORD"), "password")],
                args: vec![
                    s("redis-server"),
                    s("--requirepass"),
                    s("$(REDIS_PASSWORD)"),
                ],
                keys: vec!["password"],
                cpu: ("50m", "500m"),
                memory: ("64Mi", "256Mi"),
            },
            DependencyKind::Mongodb => DepRuntime {
                port: 27017,
                uid: 999,
                gid: 999,
                data: "/data/db",
                writable: vec!["/data/configdb", "/tmp"],
                env: vec![
                    (s("MONGO_INITDB_ROOT_USERNAME"), d.user.clone()),
                    (s("MONGO_INITDB_DATABASE"), d.database.clone()),
                ],
                secret_env: vec![(s("MONGO_INITDB_ROOT_PASSWORD"), "password")],
                args: vec![],
                keys: vec!["password"],
                cpu: ("100m", "1"),
                memory: ("256Mi", "1Gi"),
            },
        }
    }
}

pub fn secret_name(d: &Dependency) -> String {
    format!("{}-credentials", d.name)
}

fn port_name(d: &Dependency) -> &'static str {
    d.kind.as_str()
}

pub fn labels(plan: &Plan, d: &Dependency, selector: bool) -> Value {
    let mut l = json!({
        "app.kubernetes.io/name": d.name,
        "app.kubernetes.io/instance": plan.app,
    });
    if !selector {
        l["app.kubernetes.io/component"] = json!(match d.kind {
            DependencyKind::Redis => "cache",
            _ => "database",
        });
        l["app.kubernetes.io/part-of"] = json!(plan.app);
        l["app.kubernetes.io/managed-by"] = json!(MANAGED_BY);
    }
    l
}

/// A readiness check that asks the server itself: a database that listens while it is still
/// starting up (or recovering after a restart) refuses queries, which a TCP check misses.
fn readiness(d: &Dependency, port: u16) -> Option<Vec<String>> {
    let port = port.to_string();
    match d.kind {
        DependencyKind::Postgres => Some(
            [
                "pg_isready",
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                &d.user,
                "-d",
                &d.database,
            ]
            .map(String::from)
            .to_vec(),
        ),
        DependencyKind::Mysql => Some(
            ["mysqladmin", "ping", "-h", "127.0.0.1", "-P", &port]
                .map(String::from)
                .to_vec(),
        ),
        _ => None,
    }
}

pub fn statefulset_object(plan: &Plan, d: &Dependency) -> Value {
    let rt = DepRuntime::of(d);
    let mut env: Vec<Value> = rt
        .secret_env
        .iter()
        .map(|(name, key)| {
            json!({ "name": name, "valueFrom": { "secretKeyRef": { "name": secret_name(d), "key": key } } })
        })
        .collect();
    env.extend(rt.env.iter().map(|(k, v)| json!({ "name": k, "value": v })));
    let mut mounts = vec![json!({ "name": "data", "mountPath": rt.data })];
    mounts.extend(
        rt.writable
            .iter()
            .map(|p| json!({ "name": volume_name(p), "mountPath": p })),
    );
    let tcp = json!({ "tcpSocket": { "port": port_name(d) } });
    let probe = |delay: u32, period: u32| {
        let mut p = tcp.clone();
        p["initialDelaySeconds"] = json!(delay);
        p["periodSeconds"] = json!(period);
        p["timeoutSeconds"] = json!(2);
        p["failureThreshold"] = json!(6);
        p
    };
    let mut container = json!({
        "name": d.name,
        "image": d.image,
        "imagePullPolicy": "IfNotPresent",
        "ports": [{ "name": port_name(d), "containerPort": rt.port, "protocol": "TCP" }],
        "env": env,
        "resources": {
            "requests": { "cpu": rt.cpu.0, "memory": rt.memory.0 },
            "limits": { "cpu": rt.cpu.1, "memory": rt.memory.1 },
        },
        "livenessProbe": probe(30, 10),
        "readinessProbe": readiness(d, rt.port).map_or_else(
            || probe(5, 5),
            |exec| {
                let mut p = probe(5, 5);
                p.as_object_mut().map(|o| o.remove("tcpSocket"));
                p["exec"] = json!({ "command": exec });
                p
            },
        ),
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": true,
            "capabilities": { "drop": ["ALL"] },
        },
        "volumeMounts": mounts,
    });
    if !rt.args.is_empty() {
        container["args"] = json!(rt.args);
    }
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": { "name": d.name, "namespace": plan.app, "labels": labels(plan, d, false) },
        "spec": {
            "serviceName": d.name,
            "replicas": 1,
            "selector": { "matchLabels": labels(plan, d, true) },
            "template": {
                "metadata": { "labels": labels(plan, d, false) },
                "spec": {
                    "automountServiceAccountToken": false,
                    "securityContext": {
                        "runAsNonRoot": true,
                        "runAsUser": rt.uid,
                        "runAsGroup": rt.gid,
                        "fsGroup": rt.gid,
                        "seccompProfile": { "type": "RuntimeDefault" },
                    },
                    "containers": [container],
                    "volumes": Value::Array(rt.writable.iter().map(|p| json!({ "name": volume_name(p), "emptyDir": {} })).collect()),
                },
            },
            "volumeClaimTemplates": [{
                "metadata": { "name": "data" },
                "spec": {
                    "accessModes": ["ReadWriteOnce"],
                    "resources": { "requests": { "storage": "1Gi" } },
                },
            }],
        },
    })
}

pub fn service_object(plan: &Plan, d: &Dependency) -> Value {
    let rt = DepRuntime::of(d);
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": { "name": d.name, "namespace": plan.app, "labels": labels(plan, d, false) },
        "spec": {
            "type": "ClusterIP",
            "selector": labels(plan, d, true),
            "ports": [{ "name": port_name(d), "port": rt.port, "targetPort": port_name(d), "protocol": "TCP" }],
        },
    })
}

/// The Secret without values: `berth apply` generates the keys the annotation lists when the
/// cluster has no such Secret, and keeps the cluster's when it has.
pub fn secret_object(plan: &Plan, d: &Dependency) -> Value {
    let rt = DepRuntime::of(d);
    json!({
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": secret_name(d),
            "namespace": plan.app,
            "labels": labels(plan, d, false),
            "annotations": { GENERATE_ANNOTATION: rt.keys.join(",") },
        },
        "type": "Opaque",
    })
}

/// A connecting service's variables: the password from the dependency's Secret first (so the
/// others can reference it as `$(VAR)`), then the plain ones, by name.
pub struct ConnectionEnv {
    pub secret: Vec<(String, String, &'static str)>,
    pub plain: Vec<(String, String)>,
}

pub fn connection_env(plan: &Plan, s: &Service) -> ConnectionEnv {
    let mut out = ConnectionEnv {
        secret: Vec::new(),
        plain: Vec::new(),
    };
    for c in &s.connects_to {
        let Some(d) = plan.dependencies.iter().find(|d| d.name == c.dependency) else {
            continue;
        };
        let rt = DepRuntime::of(d);
        let own_password = c
            .env
            .iter()
            .find(|v| env_role(d.kind, v) == Some(EnvRole::Password));
        let password = own_password
            .cloned()
            .unwrap_or_else(|| format!("{}_PASSWORD", d.name.to_uppercase().replace('-', "_")));
        out.secret
            .push((password.clone(), secret_name(d), "password"));
        let host = format!("{}.{}.svc.cluster.local", d.name, plan.app);
        for var in &c.env {
            let value = match env_role(d.kind, var).unwrap_or(EnvRole::Url) {
                EnvRole::Password => continue,
                EnvRole::Url => url(d, c.scheme.as_deref(), &host, rt.port, &password),
                EnvRole::Host => host.clone(),
                EnvRole::Port => rt.port.to_string(),
                EnvRole::User => d.user.clone(),
                EnvRole::Database => d.database.clone(),
            };
            out.plain.push((var.clone(), value));
        }
    }
    out
}

fn url(d: &Dependency, scheme: Option<&str>, host: &str, port: u16, password: &str) -> String {
    let (user, db) = (&d.user, &d.database);
    match d.kind {
        DependencyKind::Postgres => format!(
            "{}://{user}:$({password})@{host}:{port}/{db}",
            scheme.unwrap_or("postgresql")
        ),
        DependencyKind::Mysql => format!(
            "{}://{user}:$({password})@{host}:{port}/{db}",
            scheme.unwrap_or("mysql")
        ),
        DependencyKind::Redis => format!(
            "{}://:$({password})@{host}:{port}/0",
            scheme.unwrap_or("redis")
        ),
        DependencyKind::Mongodb => format!(
            "{}://{user}:$({password})@{host}:{port}/{db}?authSource=admin",
            scheme.unwrap_or("mongodb")
        ),
    }
}
