//! A dependency (database, cache or message broker) in, its StatefulSet, Service and Secret
//! out, and the environment a service connects to it by. No password is ever written: the
//! Secret names the keys `berth apply` generates when the cluster has none, and the app's
//! variables reference it. Kafka, drafted as a single node without authentication, has none.

use super::k8s::{MANAGED_BY, volume_name};
use berth_core::plan::depend::{EnvRole, env_role};
use berth_core::plan::{Dependency, DependencyKind, Plan, Service};
use serde_json::{Value, json};
use std::fmt::Write as _;

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
    /// Whether the image runs with a read-only root filesystem (its writable paths mounted).
    pub read_only_root: bool,
}

impl DepRuntime {
    pub fn of(plan: &Plan, d: &Dependency) -> DepRuntime {
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
                read_only_root: true,
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
                read_only_root: true,
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
                read_only_root: true,
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
                read_only_root: true,
            },
            DependencyKind::Rabbitmq => DepRuntime {
                port: 5672,
                // The official image's rabbitmq user: 999 on Ubuntu, 100 (group 101) on alpine.
                uid: if alpine { 100 } else { 999 },
                gid: if alpine { 101 } else { 999 },
                // Its HOME too: the Erlang cookie the CLI tools share with the server lives there.
                data: "/var/lib/rabbitmq",
                writable: vec!["/var/log/rabbitmq", "/tmp"],
                env: vec![(s("RABBITMQ_DEFAULT_USER"), d.user.clone())],
                secret_env: vec![(s("RABBITMQ_DEFAULT_PASS"), "password")],
                args: vec![],
                keys: vec!["password"],
                cpu: ("100m", "1"),
                memory: ("256Mi", "1Gi"),
                read_only_root: true,
            },
            DependencyKind::Nats => DepRuntime {
                port: 4222,
                // The image names no user (the scratch one none at all): nats-server runs as any.
                uid: 1000,
                gid: 1000,
                data: "/data",
                writable: vec!["/tmp"],
                env: vec![(s("NATS_USER"), d.user.clone())],
                secret_env: vec![(s("NATS_PASSWORD"), "password")],
                // Flags only: the alpine image's entrypoint and the scratch one's both hand them
                // to nats-server. JetStream keeps its streams on the volume; 8222 answers /healthz.
                args: [
                    "-js",
                    "-sd",
                    "/data/jetstream",
                    "-m",
                    "8222",
                    "--user",
                    "$(NATS_USER)",
                    "--pass",
                    "$(NATS_PASSWORD)",
                ]
                .map(String::from)
                .to_vec(),
                keys: vec!["password"],
                cpu: ("50m", "500m"),
                memory: ("64Mi", "256Mi"),
                read_only_root: true,
            },
            DependencyKind::Kafka => DepRuntime {
                port: 9092,
                // apache/kafka's appuser.
                uid: 1000,
                gid: 1000,
                data: "/var/lib/kafka/data",
                writable: vec!["/tmp"],
                env: kafka_env(plan, d),
                secret_env: vec![],
                args: vec![],
                keys: vec![],
                cpu: ("250m", "1"),
                memory: ("768Mi", "1Gi"),
                // The image's start script writes server.properties from the KAFKA_ variables
                // into /opt/kafka/config, beside the files it ships there.
                read_only_root: false,
            },
        }
    }
}

/// A single-node KRaft broker (broker and controller in one process), reached by clients at its
/// Service's cluster name; internal topics kept on its one replica.
fn kafka_env(plan: &Plan, d: &Dependency) -> Vec<(String, String)> {
    let host = format!("{}.{}.svc.cluster.local", d.name, plan.app);
    [
        ("KAFKA_NODE_ID", "1".to_string()),
        ("KAFKA_PROCESS_ROLES", "broker,controller".into()),
        ("CLUSTER_ID", cluster_id(&plan.app, &d.name)),
        (
            "KAFKA_LISTENERS",
            "PLAINTEXT://:9092,CONTROLLER://:9093".into(),
        ),
        (
            "KAFKA_ADVERTISED_LISTENERS",
            format!("PLAINTEXT://{host}:9092"),
        ),
        ("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER".into()),
        ("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093".into()),
        (
            "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
            "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT".into(),
        ),
        ("KAFKA_INTER_BROKER_LISTENER_NAME", "PLAINTEXT".into()),
        // A subfolder: the volume's root may hold lost+found, which Kafka takes for a partition.
        ("KAFKA_LOG_DIRS", "/var/lib/kafka/data/logs".into()),
        ("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1".into()),
        ("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1".into()),
        ("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1".into()),
        ("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0".into()),
        // Within the container's memory limit (the start script's default heap is 1G).
        ("KAFKA_HEAP_OPTS", "-Xms256m -Xmx512m".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// A KRaft cluster id (16 bytes, base64url without padding), the same for the same app and
/// broker so a redraft keeps the volume's formatted log.
fn cluster_id(app: &str, name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // FNV-1a, twice with different seeds, for 16 bytes.
    let fnv = |seed: u64| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ seed;
        for b in format!("{app}/{name}").bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h
    };
    let mut bytes = fnv(0).to_be_bytes().to_vec();
    bytes.extend(fnv(0x9e37_79b9_7f4a_7c15).to_be_bytes());
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// What a person should know of the drafted object, as a YAML comment above the lines it
/// concerns: `(line it precedes, comment)`.
fn comments(d: &Dependency) -> &'static [(&'static str, &'static str)] {
    match d.kind {
        DependencyKind::Kafka => &[
            (
                "env:",
                "No authentication: a single-node broker for the app's own namespace, over\nPLAINTEXT (no SASL, no TLS), so no Secret. Add a SASL listener before\nexposing it beyond the namespace.",
            ),
            (
                "readinessProbe:",
                "A TCP check: the broker opens 9092 only once its KRaft controller has formed\nthe quorum and loaded the log; the image's client check\n(kafka-broker-api-versions.sh) starts a JVM, slower than a probe should be.",
            ),
            (
                "readOnlyRootFilesystem: false",
                "The image's start script writes server.properties from the KAFKA_ variables\ninto /opt/kafka/config, beside the files it ships there.",
            ),
        ],
        DependencyKind::Rabbitmq => &[(
            "fsGroupChangePolicy: OnRootMismatch",
            "The Erlang cookie on the volume must stay readable by its owner only: the\nvolume's files are given the group once, not at every start.",
        )],
        _ => &[],
    }
}

/// `yaml` with the comments for `d` above the lines they concern, at their indentation.
pub fn annotate(d: &Dependency, yaml: &str) -> String {
    let notes = comments(d);
    if notes.is_empty() {
        return yaml.to_string();
    }
    let mut out = String::new();
    for line in yaml.split_inclusive('\n') {
        let trimmed = line.trim_start();
        if let Some((_, note)) = notes.iter().find(|(at, _)| trimmed.trim_end() == *at) {
            let indent = &line[..line.len() - trimmed.len()];
            for note in note.lines() {
                let _ = writeln!(out, "{indent}# {note}");
            }
        }
        out.push_str(line);
    }
    out
}

/// The draft's notes on `d`: what it does not do.
pub fn notes(d: &Dependency) -> Vec<String> {
    match d.kind {
        DependencyKind::Kafka => vec![format!(
            "{}: a single-node KRaft broker without authentication (PLAINTEXT, no Secret); the app reaches it at its Service on 9092",
            d.name
        )],
        _ => vec![],
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
            k if k.is_broker() => "message-broker",
            _ => "database",
        });
        l["app.kubernetes.io/part-of"] = json!(plan.app);
        l["app.kubernetes.io/managed-by"] = json!(MANAGED_BY);
    }
    l
}

/// A readiness check that asks the server itself: a database that listens while it is still
/// starting up (or recovering after a restart) refuses queries, which a TCP check misses.
/// RabbitMQ's CLI answers once the node has booted (it starts an Erlang VM: a longer timeout).
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
        DependencyKind::Rabbitmq => Some(
            ["rabbitmq-diagnostics", "-q", "ping"]
                .map(String::from)
                .to_vec(),
        ),
        _ => None,
    }
}

pub fn statefulset_object(plan: &Plan, d: &Dependency) -> Value {
    let rt = DepRuntime::of(plan, d);
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
                if d.kind == DependencyKind::Rabbitmq {
                    p["periodSeconds"] = json!(10);
                    p["timeoutSeconds"] = json!(10);
                }
                p
            },
        ),
        "securityContext": {
            "allowPrivilegeEscalation": false,
            "readOnlyRootFilesystem": rt.read_only_root,
            "capabilities": { "drop": ["ALL"] },
        },
        "volumeMounts": mounts,
    });
    if !rt.args.is_empty() {
        container["args"] = json!(rt.args);
    }
    let mut pod = json!({
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
    });
    // Kubernetes gives a pod KAFKA_PORT and the like for a Service named kafka; the image would
    // take each KAFKA_ variable for a setting.
    if d.kind == DependencyKind::Kafka {
        pod["enableServiceLinks"] = json!(false);
    }
    if d.kind == DependencyKind::Rabbitmq {
        pod["securityContext"]["fsGroupChangePolicy"] = json!("OnRootMismatch");
    }
    // NATS says it is ready on its monitoring port, once JetStream has loaded its streams.
    if d.kind == DependencyKind::Nats {
        let c = &mut pod["containers"][0];
        if let Some(ports) = c["ports"].as_array_mut() {
            ports.push(json!({ "name": "monitor", "containerPort": 8222, "protocol": "TCP" }));
        }
        let mut p = probe(5, 5);
        p.as_object_mut().map(|o| o.remove("tcpSocket"));
        p["httpGet"] = json!({ "path": "/healthz", "port": "monitor" });
        c["readinessProbe"] = p;
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
                "spec": pod,
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
    let rt = DepRuntime::of(plan, d);
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
    let rt = DepRuntime::of(plan, d);
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
        let rt = DepRuntime::of(plan, d);
        let host = format!("{}.{}.svc.cluster.local", d.name, plan.app);
        if !d.kind.has_credentials() {
            // No password to reference: the address, and nothing for a user or database.
            for var in &c.env {
                let value = match env_role(d.kind, var).unwrap_or(EnvRole::Url) {
                    EnvRole::Url => format!("{host}:{}", rt.port),
                    EnvRole::Host => host.clone(),
                    EnvRole::Port => rt.port.to_string(),
                    _ => continue,
                };
                out.plain.push((var.clone(), value));
            }
            continue;
        }
        let own_password = c
            .env
            .iter()
            .find(|v| env_role(d.kind, v) == Some(EnvRole::Password));
        let password = own_password
            .cloned()
            .unwrap_or_else(|| format!("{}_PASSWORD", d.name.to_uppercase().replace('-', "_")));
        out.secret
            .push((password.clone(), secret_name(d), "password"));
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
        // The default virtual host, `/`.
        DependencyKind::Rabbitmq => format!(
            "{}://{user}:$({password})@{host}:{port}/%2F",
            scheme.unwrap_or("amqp")
        ),
        DependencyKind::Kafka => format!("{host}:{port}"),
        DependencyKind::Nats => format!(
            "{}://{user}:$({password})@{host}:{port}",
            scheme.unwrap_or("nats")
        ),
    }
}

#[cfg(test)]
mod tests {
    /// A KRaft cluster id is 16 bytes in base64url without padding: 22 characters, the same
    /// for the same app and broker, another for another.
    #[test]
    fn kafka_cluster_ids_are_stable_base64url_uuids() {
        let id = super::cluster_id("orders", "kafka");
        assert_eq!(id.len(), 22, "{id}");
        assert!(
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
            "{id}"
        );
        assert_eq!(id, super::cluster_id("orders", "kafka"));
        assert_ne!(id, super::cluster_id("shop", "kafka"));
    }
}
