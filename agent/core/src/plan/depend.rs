//! The project's files and spec in, the databases, caches and message brokers its services need
//! out: a compose service running a known image, a client library in a service's dependencies,
//! or the spec's Technical Context (`Storage: PostgreSQL 17`, `Messaging: RabbitMQ`); and, per
//! service, the variables it connects by.

use super::discover::{ComposeFile, environment, line_of};
use super::model::{Dependency, DependencyKind, Evidence, Service};
use crate::spec::Spec;
use std::path::Path;

const KINDS: [DependencyKind; 7] = [
    DependencyKind::Postgres,
    DependencyKind::Mysql,
    DependencyKind::Redis,
    DependencyKind::Mongodb,
    DependencyKind::Rabbitmq,
    DependencyKind::Kafka,
    DependencyKind::Nats,
];

impl DependencyKind {
    /// Image repositories (last path segment) that run it.
    fn images(self) -> &'static [&'static str] {
        match self {
            DependencyKind::Postgres => &["postgres", "postgis"],
            DependencyKind::Mysql => &["mysql", "mariadb"],
            DependencyKind::Redis => &["redis", "valkey"],
            DependencyKind::Mongodb => &["mongo"],
            DependencyKind::Rabbitmq => &["rabbitmq"],
            DependencyKind::Kafka => &["kafka", "cp-kafka"],
            DependencyKind::Nats => &["nats"],
        }
    }

    /// Client libraries, as they appear in requirements.txt, package.json, go.mod, pom.xml.
    fn clients(self) -> &'static [&'static str] {
        match self {
            DependencyKind::Postgres => &[
                "psycopg",
                "psycopg2",
                "psycopg2-binary",
                "psycopg-binary",
                "asyncpg",
                "pg8000",
                "pg",
                "postgres",
                "pgx",
                "lib/pq",
                "postgresql",
                "tokio-postgres",
            ],
            DependencyKind::Mysql => &[
                "pymysql",
                "mysqlclient",
                "aiomysql",
                "mysql-connector-python",
                "mysql2",
                "mysql",
                "mysql-connector-j",
            ],
            DependencyKind::Redis => &["redis", "ioredis", "aioredis", "go-redis", "jedis"],
            DependencyKind::Mongodb => &["pymongo", "motor", "mongodb", "mongoose", "mongo-driver"],
            DependencyKind::Rabbitmq => &[
                "pika",
                "aio-pika",
                "amqplib",
                "amqp-connection-manager",
                "amqp091-go",
                "spring-boot-starter-amqp",
                "lapin",
            ],
            DependencyKind::Kafka => &[
                "kafka-python",
                "aiokafka",
                "confluent-kafka",
                "kafkajs",
                "sarama",
                "franz-go",
                "spring-kafka",
                "rdkafka",
            ],
            DependencyKind::Nats => &["nats-py", "nats", "nats.go", "async-nats", "jnats"],
        }
    }

    /// Words the spec uses for it.
    fn words(self) -> &'static [&'static str] {
        match self {
            DependencyKind::Postgres => &["postgresql", "postgres"],
            DependencyKind::Mysql => &["mysql", "mariadb"],
            DependencyKind::Redis => &["redis"],
            DependencyKind::Mongodb => &["mongodb"],
            DependencyKind::Rabbitmq => &["rabbitmq", "amqp"],
            DependencyKind::Kafka => &["kafka"],
            DependencyKind::Nats => &["nats"],
        }
    }

    /// berth's pinned image, at `major` when the spec names one.
    fn image(self, major: Option<u32>) -> String {
        match self {
            DependencyKind::Postgres => format!("postgres:{}-alpine", major.unwrap_or(17)),
            DependencyKind::Mysql => {
                format!("mysql:{}", major.map_or("8.4".into(), |m| m.to_string()))
            }
            DependencyKind::Redis => format!("redis:{}-alpine", major.unwrap_or(7)),
            DependencyKind::Mongodb => {
                format!("mongo:{}", major.map_or("8.0".into(), |m| m.to_string()))
            }
            DependencyKind::Rabbitmq => format!(
                "rabbitmq:{}-management",
                major.map_or("4.1".into(), |m| m.to_string())
            ),
            // apache/kafka has no tag per major: always berth's pin.
            DependencyKind::Kafka => "apache/kafka:4.1.0".to_string(),
            DependencyKind::Nats => {
                format!(
                    "nats:{}-alpine",
                    major.map_or("2.11".into(), |m| m.to_string())
                )
            }
        }
    }

    /// Whether berth's drafted configuration (variables, user, paths) fits `image`, so a pinned
    /// image of the compose file's may replace berth's: the brokers' settings are the official
    /// images' own (bitnami's and Confluent's images read other variables, run as other users).
    fn runs_as_drafted(self, image: &str) -> bool {
        let path = image.split(['@', ':']).next().unwrap_or(image);
        let path = path
            .trim_start_matches("docker.io/")
            .trim_start_matches("library/");
        match self {
            DependencyKind::Rabbitmq => path == "rabbitmq",
            DependencyKind::Kafka => path == "apache/kafka",
            DependencyKind::Nats => path == "nats",
            _ => true,
        }
    }

    /// The compose variables that name its database and user.
    fn compose_names(self) -> (&'static str, &'static str) {
        match self {
            DependencyKind::Postgres => ("POSTGRES_DB", "POSTGRES_USER"),
            DependencyKind::Mysql => ("MYSQL_DATABASE", "MYSQL_USER"),
            DependencyKind::Redis => ("", ""),
            DependencyKind::Mongodb => ("MONGO_INITDB_DATABASE", "MONGO_INITDB_ROOT_USERNAME"),
            DependencyKind::Rabbitmq => ("", "RABBITMQ_DEFAULT_USER"),
            DependencyKind::Kafka | DependencyKind::Nats => ("", ""),
        }
    }

    /// Prefixes of the variables an app connects by (`DATABASE_URL`, `PGHOST`, `REDIS_URL`).
    pub fn env_prefixes(self) -> &'static [&'static str] {
        match self {
            DependencyKind::Postgres => &[
                "DATABASE_",
                "DB_",
                "POSTGRES_",
                "POSTGRESQL_",
                "PG_",
                "PG",
                "SQLALCHEMY_DATABASE_",
            ],
            DependencyKind::Mysql => &["DATABASE_", "DB_", "MYSQL_", "SQLALCHEMY_DATABASE_"],
            DependencyKind::Redis => &["REDIS_", "CACHE_"],
            DependencyKind::Mongodb => &["MONGODB_", "MONGO_", "DATABASE_", "DB_"],
            DependencyKind::Rabbitmq => {
                &["AMQP_", "RABBITMQ_", "RABBIT_", "CELERY_BROKER_", "BROKER_"]
            }
            DependencyKind::Kafka => &["KAFKA_"],
            DependencyKind::Nats => &["NATS_"],
        }
    }

    /// The variable set when the code reads none berth recognises.
    pub fn default_env(self) -> &'static str {
        match self {
            DependencyKind::Postgres | DependencyKind::Mysql => "DATABASE_URL",
            DependencyKind::Redis => "REDIS_URL",
            DependencyKind::Mongodb => "MONGODB_URI",
            DependencyKind::Rabbitmq => "AMQP_URL",
            DependencyKind::Kafka => "KAFKA_BOOTSTRAP_SERVERS",
            DependencyKind::Nats => "NATS_URL",
        }
    }
}

/// What a connection variable carries, by its name's ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvRole {
    Url,
    Host,
    Port,
    User,
    Password,
    Database,
}

/// The role of `var` for `kind`, if it is one of its connection variables.
pub fn env_role(kind: DependencyKind, var: &str) -> Option<EnvRole> {
    let rest = kind
        .env_prefixes()
        .iter()
        .find_map(|p| var.strip_prefix(p))?;
    Some(match rest {
        "URL" | "URI" | "DSN" | "URL_" => EnvRole::Url,
        // A Kafka client's `host:port` list.
        "BOOTSTRAP_SERVERS" | "BOOTSTRAP_SERVER" | "BROKERS" | "BROKER" | "SERVERS" => EnvRole::Url,
        "HOST" | "HOSTNAME" | "SERVER" => EnvRole::Host,
        "PORT" => EnvRole::Port,
        "USER" | "USERNAME" => EnvRole::User,
        "PASSWORD" | "PASS" => EnvRole::Password,
        "NAME" | "DB" | "DATABASE" => EnvRole::Database,
        _ => return None,
    })
}

/// The dependencies of `services`, from the compose file, their client libraries and the spec.
/// Each service that uses one gets its connection variables in `connects_to`.
pub fn find(
    root: &Path,
    compose: Option<&ComposeFile>,
    spec: &Spec,
    app: &str,
    services: &mut [Service],
) -> Vec<Dependency> {
    let mut found: Vec<Dependency> = Vec::new();
    let default_name = app.replace('-', "_");
    // The dependency of that kind, now with this evidence (added on first sight).
    fn add<'a>(
        kind: DependencyKind,
        evidence: Evidence,
        found: &'a mut Vec<Dependency>,
        default_name: &str,
    ) -> &'a mut Dependency {
        let at = match found.iter().position(|d| d.kind == kind) {
            Some(at) => {
                found[at].evidence.push(evidence);
                at
            }
            None => {
                found.push(Dependency {
                    name: kind.as_str().into(),
                    kind,
                    image: kind.image(None),
                    database: default_name.to_string(),
                    user: default_name.to_string(),
                    used_by: Vec::new(),
                    evidence: vec![evidence],
                });
                found.len() - 1
            }
        };
        &mut found[at]
    }
    if let Some(c) = compose {
        for (name, image, at, env) in compose_images(c) {
            let Some(kind) = KINDS
                .into_iter()
                .find(|k| k.images().contains(&repository(&image)))
            else {
                continue;
            };
            let d = add(kind, Evidence { source: at }, &mut found, &default_name);
            d.name = super::slug(&name);
            if pinned(&image) && kind.runs_as_drafted(&image) {
                d.image = image.clone();
            }
            let (db_var, user_var) = kind.compose_names();
            let literal = |k: &str| {
                env.iter()
                    .find(|(n, v)| n == k && !v.contains('$') && !v.is_empty())
            };
            if let Some((_, v)) = literal(user_var) {
                d.user = v.clone();
                d.database = v.clone();
            }
            if let Some((_, v)) = literal(db_var) {
                d.database = v.clone();
            }
        }
    }
    for s in services.iter() {
        for (kind, at) in client_libraries(root, s) {
            let d = add(kind, Evidence { source: at }, &mut found, &default_name);
            if !d.used_by.contains(&s.name) {
                d.used_by.push(s.name.clone());
            }
        }
    }
    for (kind, major, at) in spec_mentions(spec) {
        let compose_pinned = found.iter().any(|d| {
            d.kind == kind
                && d.evidence
                    .iter()
                    .any(|e| compose.is_some_and(|c| e.source.starts_with(&c.shown)))
        });
        let d = add(kind, Evidence { source: at }, &mut found, &default_name);
        if !compose_pinned && major.is_some() {
            d.image = kind.image(major);
        }
    }
    for d in &mut found {
        if let Some(c) = compose {
            for s in services.iter() {
                if compose_uses(c, &s.name, &d.name) && !d.used_by.contains(&s.name) {
                    d.used_by.push(s.name.clone());
                }
            }
        }
        // Named only by the compose file or the spec: every server-side service may use it.
        if d.used_by.is_empty() {
            d.used_by = services
                .iter()
                .filter(|s| !s.web_frontend)
                .map(|s| s.name.clone())
                .collect();
        }
        d.used_by.sort();
    }
    found.sort_by(|a, b| a.name.cmp(&b.name));
    found
}

/// The variables `s` connects to `d` by: those of its own it reads (code or compose file),
/// else the usual one (`DATABASE_URL`).
pub fn connection_env(d: &Dependency, s: &Service, compose_env: &[String]) -> Vec<String> {
    let mut vars: Vec<String> = s
        .env
        .iter()
        .chain(compose_env)
        .filter(|v| env_role(d.kind, v).is_some())
        .cloned()
        .collect();
    vars.sort();
    vars.dedup();
    if vars.is_empty() {
        vars.push(d.kind.default_env().to_string());
    }
    vars
}

/// `postgres` from `docker.io/library/postgres:17-alpine`.
fn repository(image: &str) -> &str {
    let path = image.split('@').next().unwrap_or(image);
    let last = path.rsplit('/').next().unwrap_or(path);
    last.split(':').next().unwrap_or(last)
}

/// A tag that names a version (not `latest`, not none).
fn pinned(image: &str) -> bool {
    let last = image.rsplit('/').next().unwrap_or(image);
    match last.split_once(':') {
        Some((_, tag)) => tag != "latest" && tag.chars().next().is_some_and(|c| c.is_ascii_digit()),
        None => image.contains('@'),
    }
}

/// Compose services that run an image and build nothing: name, image, file:line, environment.
fn compose_images(c: &ComposeFile) -> Vec<(String, String, String, Vec<(String, String)>)> {
    let Some(services) = c.doc.get("services").and_then(|s| s.as_object()) else {
        return Vec::new();
    };
    services
        .iter()
        .filter(|(_, v)| v.get("build").is_none())
        .filter_map(|(name, v)| {
            let image = v.get("image")?.as_str()?.to_string();
            let at = format!("{}:{}", c.shown, line_of(&c.text, name, &image));
            Some((name.clone(), image, at, environment(v)))
        })
        .collect()
}

/// Whether compose service `service` depends on `dep` or names its host in its environment.
fn compose_uses(c: &ComposeFile, service: &str, dep: &str) -> bool {
    let Some(s) = c.doc.get("services").and_then(|s| s.get(service)) else {
        return false;
    };
    let depends = match s.get("depends_on") {
        Some(serde_json::Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(dep)),
        Some(serde_json::Value::Object(m)) => m.contains_key(dep),
        _ => false,
    };
    depends
        || environment(s).iter().any(|(_, v)| {
            v == dep
                // A bootstrap list: `kafka:9092,other:9092`.
                || v
                    .split(',')
                    .any(|h| h.trim().strip_prefix(dep).is_some_and(|r| r.starts_with(':')))
                || v.contains(&format!("@{dep}:"))
                || v.contains(&format!("//{dep}:"))
                || v.contains(&format!("@{dep}/"))
        })
}

/// Dependency files a service lists its libraries in.
const DEPENDENCY_FILES: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "Pipfile",
    "setup.py",
    "package.json",
    "go.mod",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "Cargo.toml",
];

/// The client libraries in `s`'s dependency files, each with its file:line.
fn client_libraries(root: &Path, s: &Service) -> Vec<(DependencyKind, String)> {
    let mut out = Vec::new();
    for file in DEPENDENCY_FILES {
        let rel = super::in_dir(&s.path, file);
        let Ok(text) = std::fs::read_to_string(root.join(&rel)) else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.starts_with('#') || line.starts_with("//") {
                continue;
            }
            for kind in KINDS {
                if kind.clients().iter().any(|c| names_package(line, c))
                    && !out.iter().any(|(k, _)| *k == kind)
                {
                    out.push((kind, format!("{rel}:{}", i + 1)));
                }
            }
        }
    }
    out
}

/// Whether `line` names package `name` as a whole word (`pg` in `"pg": "^8"`, not `pg-boss`).
fn names_package(line: &str, name: &str) -> bool {
    let lower = line.to_lowercase();
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.';
    lower.match_indices(name).any(|(i, _)| {
        let before = lower[..i].chars().next_back();
        let after = lower[i + name.len()..].chars().next();
        before.is_none_or(|c| !word(c)) && after.is_none_or(|c| !word(c) || c == '[')
    })
}

/// Kinds the spec's Technical Context names under Storage, Database, Cache or Messaging (a
/// queue, broker, events, streaming), with a major version.
fn spec_mentions(spec: &Spec) -> Vec<(DependencyKind, Option<u32>, String)> {
    let mut out = Vec::new();
    for c in &spec.context {
        let key = c.key.to_lowercase();
        let keys = [
            "storage", "database", "cache", "messag", "queue", "broker", "event", "stream",
        ];
        if !keys.iter().any(|k| key.contains(k)) {
            continue;
        }
        let value = c.value.to_lowercase();
        for kind in KINDS {
            let Some(at) = kind
                .words()
                .iter()
                .find_map(|w| value.find(w).map(|i| i + w.len()))
            else {
                continue;
            };
            let major = value[at..]
                .trim_start()
                .split(|ch: char| !ch.is_ascii_digit())
                .next()
                .and_then(|n| n.parse().ok());
            out.push((kind, major, c.location.to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_are_matched_as_whole_names() {
        assert!(names_package(r#""pg": "^8.11.0","#, "pg"));
        assert!(!names_package(r#""pg-boss": "^9","#, "pg"));
        assert!(names_package("psycopg[binary]==3.2.3", "psycopg"));
        assert!(names_package("github.com/jackc/pgx/v5 v5.7.1", "pgx"));
        assert!(!names_package(r#""ioredis-mock": "1""#, "redis"));
    }

    #[test]
    fn images_and_roles() {
        assert_eq!(
            repository("docker.io/library/postgres:17-alpine"),
            "postgres"
        );
        assert!(pinned("postgres:16"));
        assert!(!pinned("postgres:latest") || !pinned("postgres"));
        assert_eq!(
            env_role(DependencyKind::Postgres, "DATABASE_URL"),
            Some(EnvRole::Url)
        );
        assert_eq!(
            env_role(DependencyKind::Postgres, "PGHOST"),
            Some(EnvRole::Host)
        );
        assert_eq!(
            env_role(DependencyKind::Redis, "REDIS_PORT"),
            Some(EnvRole::Port)
        );
        assert_eq!(env_role(DependencyKind::Redis, "DATABASE_URL"), None);
        assert_eq!(
            env_role(DependencyKind::Kafka, "KAFKA_BOOTSTRAP_SERVERS"),
            Some(EnvRole::Url)
        );
        assert_eq!(env_role(DependencyKind::Kafka, "KAFKA_TOPIC"), None);
        assert_eq!(
            env_role(DependencyKind::Rabbitmq, "CELERY_BROKER_URL"),
            Some(EnvRole::Url)
        );
        assert_eq!(
            env_role(DependencyKind::Rabbitmq, "RABBITMQ_PASSWORD"),
            Some(EnvRole::Password)
        );
    }

    #[test]
    fn broker_images_and_clients() {
        for (image, kind) in [
            ("rabbitmq:4.1-management", DependencyKind::Rabbitmq),
            ("bitnami/rabbitmq:4.0", DependencyKind::Rabbitmq),
            ("apache/kafka:4.1.0", DependencyKind::Kafka),
            ("bitnami/kafka:3.9", DependencyKind::Kafka),
            ("confluentinc/cp-kafka:7.7.1", DependencyKind::Kafka),
        ] {
            assert!(kind.images().contains(&repository(image)), "{image}");
        }
        // Only the official images run with berth's settings.
        assert!(DependencyKind::Rabbitmq.runs_as_drafted("rabbitmq:4.1-management"));
        assert!(DependencyKind::Rabbitmq.runs_as_drafted("docker.io/library/rabbitmq:4"));
        assert!(!DependencyKind::Rabbitmq.runs_as_drafted("bitnami/rabbitmq:4.0"));
        assert!(DependencyKind::Kafka.runs_as_drafted("apache/kafka:3.9.1"));
        assert!(!DependencyKind::Kafka.runs_as_drafted("confluentinc/cp-kafka:7.7.1"));
        assert!(!DependencyKind::Kafka.runs_as_drafted("bitnami/kafka:3.9"));
        assert!(
            DependencyKind::Nats
                .images()
                .contains(&repository("nats:2.11-alpine"))
        );
        assert!(!DependencyKind::Nats.runs_as_drafted("bitnami/nats:2"));
        for (line, kind) in [
            ("pika==1.3.2", DependencyKind::Rabbitmq),
            ("aio-pika>=9", DependencyKind::Rabbitmq),
            (r#""amqplib": "^0.10.4","#, DependencyKind::Rabbitmq),
            (
                r#""amqp-connection-manager": "4","#,
                DependencyKind::Rabbitmq,
            ),
            (
                "github.com/rabbitmq/amqp091-go v1.10.0",
                DependencyKind::Rabbitmq,
            ),
            (
                "<artifactId>spring-boot-starter-amqp</artifactId>",
                DependencyKind::Rabbitmq,
            ),
            (r#"lapin = "2.5""#, DependencyKind::Rabbitmq),
            ("kafka-python==2.0.2", DependencyKind::Kafka),
            ("aiokafka==0.12.0", DependencyKind::Kafka),
            ("confluent-kafka==2.6.1", DependencyKind::Kafka),
            (r#""kafkajs": "^2.2.4","#, DependencyKind::Kafka),
            ("github.com/IBM/sarama v1.43.3", DependencyKind::Kafka),
            ("github.com/twmb/franz-go v1.18.0", DependencyKind::Kafka),
            (
                "<artifactId>spring-kafka</artifactId>",
                DependencyKind::Kafka,
            ),
            (r#"rdkafka = { version = "0.37" }"#, DependencyKind::Kafka),
            ("nats-py==2.9.0", DependencyKind::Nats),
            (r#""nats": "^2.28.2","#, DependencyKind::Nats),
            ("github.com/nats-io/nats.go v1.37.0", DependencyKind::Nats),
            (r#"async-nats = "0.38""#, DependencyKind::Nats),
            ("<artifactId>jnats</artifactId>", DependencyKind::Nats),
        ] {
            let found: Vec<DependencyKind> = KINDS
                .into_iter()
                .filter(|k| k.clients().iter().any(|c| names_package(line, c)))
                .collect();
            assert_eq!(found, [kind], "{line}");
        }
        assert!(!names_package(r#""kafkajs-lz4": "1""#, "kafkajs"));
    }

    /// Brokers found only by the services' client libraries and the spec's Technical Context:
    /// each with the file:line that shows it, berth's pinned images, the variables each service
    /// connects by (the usual ones when the code reads none), and no Secret for Kafka.
    #[test]
    fn brokers_from_client_libraries_and_the_spec() {
        let t = tempfile::tempdir().unwrap();
        let root = t.path();
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "specs/001-shop/spec.md",
            "# Feature Specification: Shop\n\n## Requirements\n\n- **FR-001**: The worker MUST ship each paid order.\n",
        );
        write(
            "specs/001-shop/plan.md",
            "# Implementation Plan: Shop\n\n## Technical Context\n\n**Language/Version**: Go 1.23, Node.js 22\n**Message Broker**: RabbitMQ 4, Apache Kafka\n",
        );
        write(
            "services/worker/package.json",
            "{\n  \"name\": \"worker\",\n  \"scripts\": { \"start\": \"node index.js\" },\n  \"dependencies\": {\n    \"amqplib\": \"^0.10.4\",\n    \"kafkajs\": \"^2.2.4\"\n  }\n}\n",
        );
        write(
            "services/worker/index.js",
            "const amqp = require('amqplib');\nconst url = process.env.CELERY_BROKER_URL;\nrequire('http').createServer().listen(process.env.PORT || 3000);\n",
        );
        write(
            "services/audit/go.mod",
            "module audit\n\ngo 1.23\n\nrequire (\n\tgithub.com/rabbitmq/amqp091-go v1.10.0\n\tgithub.com/twmb/franz-go v1.18.0\n)\n",
        );
        write(
            "services/audit/main.go",
            "package main\n\nimport (\n\t\"net/http\"\n\t\"os\"\n)\n\nfunc main() {\n\t_ = os.Getenv(\"KAFKA_BROKERS\")\n\thttp.ListenAndServe(\":8080\", nil)\n}\n",
        );
        let spec = crate::spec::load(&root.join("specs/001-shop"), root).unwrap();
        let plan = crate::plan::build(&spec, root).unwrap();
        let deps: Vec<(&str, DependencyKind, &str, Vec<&str>, Vec<&str>)> = plan
            .dependencies
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    d.kind,
                    d.image.as_str(),
                    d.used_by.iter().map(String::as_str).collect(),
                    d.evidence.iter().map(|e| e.source.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(
            deps,
            [
                (
                    "kafka",
                    DependencyKind::Kafka,
                    "apache/kafka:4.1.0",
                    vec!["audit", "worker"],
                    vec![
                        "services/audit/go.mod:7",
                        "services/worker/package.json:6",
                        "specs/001-shop/plan.md:6",
                    ],
                ),
                (
                    "rabbitmq",
                    DependencyKind::Rabbitmq,
                    "rabbitmq:4-management",
                    vec!["audit", "worker"],
                    vec![
                        "services/audit/go.mod:6",
                        "services/worker/package.json:5",
                        "specs/001-shop/plan.md:6",
                    ],
                ),
            ]
        );
        let env = |svc: &str, dep: &str| -> Vec<String> {
            let s = plan.services.iter().find(|s| s.name == svc).unwrap();
            let c = s.connects_to.iter().find(|c| c.dependency == dep).unwrap();
            c.env.clone()
        };
        assert_eq!(env("audit", "kafka"), ["KAFKA_BROKERS"]);
        assert_eq!(env("worker", "kafka"), ["KAFKA_BOOTSTRAP_SERVERS"]);
        assert_eq!(env("worker", "rabbitmq"), ["CELERY_BROKER_URL"]);
        assert_eq!(env("audit", "rabbitmq"), ["AMQP_URL"]);
        let ids: Vec<&str> = plan.artifacts.iter().map(|a| a.id.as_str()).collect();
        assert!(ids.contains(&"rabbitmq/secret"), "{ids:?}");
        assert!(!ids.contains(&"kafka/secret"), "{ids:?}");
    }
}
