//! `berth validate`: each fault class breaks one line of a clean fixture and must be flagged
//! with the right rule at the right line; the clean fixture must pass.

use super::common::*;
use serde_json::Value;
use std::path::Path;

const APP: &str = "manifests/app.yaml";
const DOCKERFILE: &str = "services/web/Dockerfile";

struct Case {
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    rule: &'static str,
    /// The line the finding must point at; None: the first line of `to`.
    line: Option<usize>,
    /// The file the finding is in, when not `file`.
    in_file: Option<&'static str>,
}

const fn case(
    name: &'static str,
    file: &'static str,
    from: &'static str,
    to: &'static str,
    rule: &'static str,
) -> Case {
    Case {
        name,
        file,
        from,
        to,
        rule,
        line: None,
        in_file: None,
    }
}

const RESOURCES: &str = "          resources:\n            requests:\n              cpu: 100m\n              memory: 64Mi\n            limits:\n              cpu: 500m\n              memory: 256Mi\n";
const READINESS: &str = "          readinessProbe:\n            httpGet:\n              path: /readyz\n              port: http\n";

fn cases() -> Vec<Case> {
    vec![
        case(
            "typo field",
            APP,
            "imagePullPolicy: IfNotPresent",
            "imagePulPolicy: IfNotPresent",
            "schema/unknown-field",
        ),
        case(
            "replicas as a word",
            APP,
            "replicas: 2",
            "replicas: \"three\"",
            "schema/wrong-type",
        ),
        case(
            "string containerPort",
            APP,
            "containerPort: 8080",
            "containerPort: \"8080\"",
            "schema/wrong-type",
        ),
        case(
            "number in ConfigMap data",
            APP,
            "WORKERS: \"4\"",
            "WORKERS: 4",
            "schema/wrong-type",
        ),
        Case {
            line: Some(28),
            ..case(
                "container without a name",
                APP,
                "- name: web\n          image: shop/web:1.4.2",
                "- image: shop/web:1.4.2",
                "schema/missing-field",
            )
        },
        Case {
            line: Some(45),
            ..case(
                "httpGet without a port",
                APP,
                "              path: /healthz\n              port: http\n",
                "              path: /healthz\n",
                "schema/missing-field",
            )
        },
        Case {
            line: Some(2),
            ..case(
                "unknown kind",
                APP,
                "kind: Namespace",
                "kind: Namespaces",
                "schema/unknown-kind",
            )
        },
        Case {
            line: Some(16),
            ..case(
                "duplicate key",
                APP,
                "  replicas: 2\n",
                "  replicas: 2\n  replicas: 3\n",
                "schema/duplicate-key",
            )
        },
        Case {
            line: Some(19),
            ..case(
                "YAML syntax",
                APP,
                "    matchLabels:\n      app.kubernetes.io/name: web\n  template",
                "    matchLabels: [\n      app.kubernetes.io/name: web\n  template",
                "yaml/syntax",
            )
        },
        Case {
            line: Some(28),
            ..case(
                "no requests or limits",
                APP,
                RESOURCES,
                "",
                "policy/resources",
            )
        },
        Case {
            line: Some(28),
            ..case("no readiness probe", APP, READINESS, "", "policy/probes")
        },
        Case {
            line: Some(27),
            ..case(
                "may run as root",
                APP,
                "        runAsNonRoot: true\n",
                "",
                "policy/run-as-non-root",
            )
        },
        case(
            "privileged",
            APP,
            "            readOnlyRootFilesystem: true\n",
            "            privileged: true\n            readOnlyRootFilesystem: true\n",
            "policy/no-privileged",
        ),
        case(
            "privilege escalation",
            APP,
            "allowPrivilegeEscalation: false",
            "allowPrivilegeEscalation: true",
            "policy/no-privilege-escalation",
        ),
        case(
            "hostPath volume",
            APP,
            "          emptyDir: {}",
            "          hostPath:\n            path: /var/run",
            "policy/no-host-access",
        ),
        case(
            "hostNetwork",
            APP,
            "      containers:",
            "      hostNetwork: true\n      containers:",
            "policy/no-host-access",
        ),
        case(
            "latest image",
            APP,
            "image: shop/web:1.4.2",
            "image: shop/web:latest",
            "policy/image-tag",
        ),
        case(
            "untagged image",
            APP,
            "image: shop/web:1.4.2",
            "image: shop/web",
            "policy/image-tag",
        ),
        case(
            "targetPort the pods do not have",
            APP,
            "targetPort: http",
            "targetPort: 9090",
            "consistency/ports",
        ),
        Case {
            line: Some(47),
            ..case(
                "probe on a port name that does not exist",
                APP,
                "              path: /healthz\n              port: http",
                "              path: /healthz\n              port: metrics",
                "consistency/ports",
            )
        },
        case(
            "selector that matches nothing",
            APP,
            "  selector:\n    app.kubernetes.io/name: web\n  ports",
            "  selector:\n    app.kubernetes.io/name: api\n  ports",
            "consistency/selector",
        ),
        case(
            "backend URL naming no Service",
            APP,
            "http://web.shop.svc.cluster.local:80",
            "http://api.shop.svc.cluster.local:80",
            "consistency/service-discovery",
        ),
        case(
            "backend URL with the container's port",
            APP,
            "http://web.shop.svc.cluster.local:80",
            "http://web.shop.svc.cluster.local:8080",
            "consistency/service-discovery",
        ),
        Case {
            line: Some(33),
            in_file: Some(APP),
            ..case(
                "EXPOSE differs from containerPort",
                DOCKERFILE,
                "EXPOSE 8080",
                "EXPOSE 3000",
                "consistency/ports",
            )
        },
        case(
            "untagged base image",
            DOCKERFILE,
            "FROM node:22-alpine AS build",
            "FROM node AS build",
            "DL3006",
        ),
        case(
            "latest base image",
            DOCKERFILE,
            "FROM node:22-alpine\nWORKDIR /app\nENV",
            "FROM node:latest\nWORKDIR /app\nENV",
            "DL3007",
        ),
        Case {
            line: Some(15),
            ..case(
                "last USER root",
                DOCKERFILE,
                "USER 1000:1000\n",
                "USER 1000:1000\nUSER root\n",
                "DL3002",
            )
        },
        case(
            "shell-form CMD",
            DOCKERFILE,
            "CMD [\"node\", \"server.mjs\"]",
            "CMD node server.mjs",
            "DL3025",
        ),
        case(
            "ADD for local files",
            DOCKERFILE,
            "COPY . .",
            "ADD . .",
            "DL3020",
        ),
        Case {
            line: Some(9),
            ..case(
                "no USER",
                DOCKERFILE,
                "USER 1000:1000\n",
                "",
                "dockerfile/no-user",
            )
        },
        case(
            "secret in ENV",
            DOCKERFILE,
            "ENV NODE_ENV=production",
            "ENV NODE_ENV=production DB_PASSWORD=hunter2",
            "dockerfile/secret",
        ),
        Case {
            line: Some(11),
            ..case(
                "secret in ARG",
                DOCKERFILE,
                "WORKDIR /app\nENV",
                "WORKDIR /app\nARG NPM_TOKEN=npm_abc123\nENV",
                "dockerfile/secret",
            )
        },
    ]
}

fn findings(dir: &Path) -> (Option<i32>, Vec<Value>) {
    let out = berth(dir, &["validate", ".", "-o", "json"]);
    let report: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", transcript(&out)));
    (
        out.status.code(),
        report["findings"].as_array().unwrap().clone(),
    )
}

#[test]
fn the_clean_fixture_passes() {
    let dir = fixture("validate");
    let out = berth(dir.path(), &["validate", "."]);
    insta::assert_snapshot!(transcript(&out), @r"
    exit: 0
    --- stdout
    0 errors, 0 warnings in 2 files (4 Kubernetes objects)
    --- stderr
    ");
}

#[test]
fn each_fault_class_is_flagged_with_its_rule_and_line() {
    let mut failures = Vec::new();
    for c in cases() {
        let dir = fixture("validate");
        let path = dir.path().join(c.file);
        let clean = std::fs::read_to_string(&path).unwrap();
        assert!(
            clean.contains(c.from),
            "{}: the fixture has no {:?}",
            c.name,
            c.from
        );
        let broken = clean.replacen(c.from, c.to, 1);
        std::fs::write(&path, &broken).unwrap();
        let want_line = c.line.unwrap_or_else(|| {
            let at = broken.find(c.to).unwrap();
            broken[..at].matches('\n').count() + 1
        });
        let (code, found) = findings(dir.path());
        let file = c.in_file.unwrap_or(c.file);
        let hit = found
            .iter()
            .any(|f| f["rule"] == c.rule && f["file"] == file && f["line"] == want_line);
        if code != Some(1) || !hit {
            let got: Vec<String> = found
                .iter()
                .map(|f| format!("{} {}:{}", f["rule"], f["file"], f["line"]))
                .collect();
            failures.push(format!(
                "{}: want {} at {file}:{want_line} and exit 1; got exit {code:?}, {got:?}",
                c.name, c.rule
            ));
        }
        // Only the broken line's own rule (or its direct consequences) may fire: the fixed file passes.
        std::fs::write(&path, &clean).unwrap();
        let (code, found) = findings(dir.path());
        if code != Some(0) || !found.is_empty() {
            failures.push(format!(
                "{}: the fixed file should pass, got {found:?}",
                c.name
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn hadolint_ignore_comments_are_honoured() {
    let dir = fixture("validate");
    let path = dir.path().join(DOCKERFILE);
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "CMD [\"node\", \"server.mjs\"]",
        "# hadolint ignore=DL3025\nCMD node server.mjs",
    );
    std::fs::write(&path, text).unwrap();
    assert_eq!(findings(dir.path()), (Some(0), vec![]));
}

#[test]
fn human_output_names_file_line_object_path_and_hint() {
    let dir = fixture("validate");
    let path = dir.path().join(APP);
    let text = std::fs::read_to_string(&path).unwrap().replace(
        "imagePullPolicy: IfNotPresent",
        "imagePulPolicy: IfNotPresent",
    );
    std::fs::write(&path, text).unwrap();
    let out = berth(dir.path(), &["validate", "manifests"]);
    insta::assert_snapshot!(transcript(&out));
}

#[test]
fn rules_can_be_turned_down_or_off_in_berth_toml() {
    let dir = fixture("validate");
    let path = dir.path().join(APP);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("image: shop/web:1.4.2", "image: shop/web:latest")
        .replace(READINESS, "");
    std::fs::write(&path, text).unwrap();
    std::fs::write(dir.path().join("berth.toml"), "[validate.rules]\n\"policy/image-tag\" = \"warning\"\npolicy = \"error\"\n\"policy/probes\" = \"off\"\n").unwrap();
    let (code, found) = findings(dir.path());
    assert_eq!(code, Some(0), "{found:?}");
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0]["rule"].as_str(), found[0]["severity"].as_str()),
        (Some("policy/image-tag"), Some("warning"))
    );
}

#[test]
fn stdin_and_unreadable_input() {
    let dir = fixture("validate");
    let out = assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(dir.path())
        .args(["validate", "-", "-o", "json"])
        .write_stdin("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: 1}\n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["findings"][0]["file"], "<stdin>");
    assert_eq!(report["findings"][0]["line"], 4);

    let missing = berth(dir.path(), &["validate", "nope.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).starts_with("error: nope.yaml: cannot read"),
        "{}",
        transcript(&missing)
    );
    let version = berth(
        dir.path(),
        &["validate", ".", "--kubernetes-version", "1.20"],
    );
    assert_eq!(version.status.code(), Some(2));
    insta::assert_snapshot!(String::from_utf8_lossy(&version.stderr), @"error: no schemas for Kubernetes 1.20: berth embeds 1.31, 1.32, 1.33, 1.34, 1.35, 1.36, 1.37");
}

#[test]
fn the_kubernetes_version_comes_from_the_flag_else_berth_toml_else_1_36() {
    let dir = tempfile::tempdir().unwrap();
    // `hostnameOverride` is a Pod field since Kubernetes 1.34.
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostnameOverride: web\n  containers: [{name: c, image: busybox:1.37}]\n",
    )
    .unwrap();
    let schema_errors = |args: &[&str]| {
        let mut all = vec!["validate", "pod.yaml", "-o", "json", "--rules", "schema"];
        all.extend_from_slice(args);
        let out = berth(dir.path(), &all);
        let report: Value =
            serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", transcript(&out)));
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{} {}",
                    f["rule"].as_str().unwrap(),
                    f["path"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(schema_errors(&[]), Vec::<String>::new());
    assert_eq!(
        schema_errors(&["--kubernetes-version", "1.37"]),
        Vec::<String>::new()
    );
    let old = vec!["schema/unknown-field .spec.hostnameOverride".to_string()];
    assert_eq!(schema_errors(&["--kubernetes-version", "1.31"]), old);
    assert_eq!(schema_errors(&["--kubernetes-version", "v1.33.4"]), old);
    std::fs::write(
        dir.path().join("berth.toml"),
        "[validate]\nkubernetes_version = \"1.32\"\n",
    )
    .unwrap();
    assert_eq!(schema_errors(&[]), old);
    assert_eq!(
        schema_errors(&["--kubernetes-version", "1.35"]),
        Vec::<String>::new()
    );
}

#[test]
fn an_unreadable_file_in_a_folder_is_a_finding_and_the_other_files_are_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a-binary.yaml"), [0xff, 0xfe, 0x00, 0x41]).unwrap();
    std::fs::write(
        dir.path().join("b.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: 1}\n",
    )
    .unwrap();
    let (code, found) = findings(dir.path());
    assert_eq!(code, Some(1));
    let got: Vec<String> = found
        .iter()
        .map(|f| {
            format!(
                "{} {}:{} {}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_debug_snapshot!(got);
}

#[test]
fn custom_resources_validate_with_schema_dir() {
    let dir = fixture("validate");
    std::fs::write(
        dir.path().join("manifests/widget.yaml"),
        "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: big}\n",
    )
    .unwrap();
    // With no schema, a custom resource is a warning saying it was not checked...
    let (code, found) = findings(dir.path());
    assert_eq!(code, Some(0), "{found:?}");
    assert_eq!(found[0]["rule"], "schema/unknown-kind");
    assert_eq!(found[0]["severity"], "warning");
    assert!(
        found[0]["message"]
            .as_str()
            .unwrap()
            .contains("not checked")
    );
    // ...an error when asked, and a typo of a kind of a known group is always an error.
    let out = berth(dir.path(), &["validate", ".", "--strict-kinds"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    std::fs::write(
        dir.path().join("manifests/typo.yaml"),
        "apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: w}\n",
    )
    .unwrap();
    let (code, found) = findings(dir.path());
    assert_eq!(code, Some(1));
    assert!(
        found
            .iter()
            .any(|f| f["file"] == "manifests/typo.yaml" && f["severity"] == "error")
    );
    std::fs::remove_file(dir.path().join("manifests/typo.yaml")).unwrap();
    let schemas = dir.path().join("crds");
    std::fs::create_dir_all(&schemas).unwrap();
    std::fs::write(
        schemas.join("widget-example-v1.json"),
        r#"{"type": "object", "properties": {"apiVersion": {}, "kind": {}, "metadata": {}, "spec": {"type": "object", "properties": {"size": {"type": "integer"}}, "additionalProperties": false}}, "additionalProperties": false}"#,
    )
    .unwrap();
    let out = berth(
        dir.path(),
        &[
            "validate",
            "manifests",
            "--schema-dir",
            "crds",
            "-o",
            "json",
        ],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["schema/wrong-type"], "{report}");
    assert_eq!(report["findings"][0]["line"], 4);
}

#[test]
fn sarif_output_validates_against_the_sarif_2_1_0_schema() {
    let dir = fixture("validate");
    let path = dir.path().join(APP);
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("replicas: 2", "replicas: \"three\"")
        .replace("image: shop/web:1.4.2", "image: shop/web");
    std::fs::write(&path, text).unwrap();
    let out = berth(dir.path(), &["validate", ".", "--output", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The published schema's `language` pattern has a stray `]` that ECMAScript regexes read as
    // a literal and Rust's reject; escape it so the schema compiles (berth never sets language).
    let text = std::fs::read_to_string(repo().join("tests/fixtures/sarif/sarif-2.1.0-rtm.5.json"))
        .unwrap();
    let schema: Value =
        serde_json::from_str(&text.replace("[a-zA-Z]{2}]?$", "[a-zA-Z]{2}\\\\]?$")).unwrap();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(results.iter().any(|r| r["ruleId"] == "schema/wrong-type"
        && r["locations"][0]["physicalLocation"]["region"]["startLine"] == 15));
}

/// The drafts berth writes must pass berth's own validation.
#[test]
fn the_offline_drafts_pass_validation() {
    let dir = fixture("polyglot");
    assert!(berth(dir.path(), &["draft"]).status.success());
    let out = berth(dir.path(), &["validate", "-o", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    // The one exception is by design: an unknown stack's placeholder Dockerfile must be filled in.
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(
        (findings[0]["file"].as_str(), findings[0]["rule"].as_str()),
        (
            Some("services/legacy/Dockerfile"),
            Some("dockerfile/no-user")
        )
    );
    // The namespace, six Deployments, six Services and the web frontend's ConfigMap at least.
    assert!(report["objects"].as_u64().unwrap() >= 14, "{report}");
}

/// kubeconform validates `kind: List` item by item; so does berth, with paths into the items.
#[test]
fn a_list_is_validated_item_by_item() {
    let dir = tempfile::tempdir().unwrap();
    let cm = |name: &str, extra: &str| {
        format!(
            "  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: {name}\n{extra}    data:\n      A: \"1\"\n"
        )
    };
    std::fs::write(
        dir.path().join("list.yaml"),
        format!(
            "apiVersion: v1\nkind: List\nitems:\n{}{}---\napiVersion: v1\nkind: List\nitems: []\n---\napiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: List\n    items:\n{}",
            cm("good", ""),
            cm("bad", "    binaryDatas: {}\n"),
            cm("nested", "").replace("\n  ", "\n      ").replacen("  - ", "      - ", 1)
        ),
    )
    .unwrap();
    let out = berth(dir.path(), &["validate", ".", "-o", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert_eq!(report["objects"], 3, "{report:#}");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "schema/unknown-field");
    assert_eq!(f["object"], "ConfigMap/bad");
    assert_eq!(f["line"], 14, "{f}");
    assert!(f["path"].as_str().unwrap().starts_with(".items[1]"), "{f}");
}

/// A real repo's folder holds more than manifests: other tools' files are skipped, and said so.
#[test]
fn files_of_other_tools_are_skipped_with_a_notice_not_reported_as_broken_objects() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        ("package.json", r#"{"name": "web", "version": "1.0.0"}"#),
        (
            "tsconfig.app.json",
            r#"{"compilerOptions": {"strict": true}}"#,
        ),
        (
            "docker-compose.yml",
            "services:\n  api:\n    build: ./api\n",
        ),
        (
            "dashboards/latency.json",
            r#"{"title": "Latency", "panels": []}"#,
        ),
        ("monitoring/values.yaml", "prometheus:\n  retention: 7d\n"),
        (
            "k8s/config.yaml",
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  A: \"1\"\n",
        ),
        ("k8s/half.yaml", "kind: ConfigMap\nmetadata:\n  name: h\n"),
    ];
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    let out = berth(dir.path(), &["validate", ".", "-o", "json"]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    // Only the object with a kind and no apiVersion is broken.
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["file"], "k8s/half.yaml");
    assert_eq!(findings[0]["rule"], "schema/missing-field");
    let notices: Vec<&str> = report["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    for (file, says) in [
        ("package.json", "npm package file"),
        ("tsconfig.app.json", "TypeScript"),
        (
            "docker-compose.yml",
            "Docker Compose file, not a Kubernetes manifest",
        ),
        ("dashboards/latency.json", "not a Kubernetes object"),
        ("monitoring/values.yaml", "not a Kubernetes object"),
    ] {
        assert!(
            notices
                .iter()
                .any(|n| n.starts_with(file) && n.contains(says)),
            "{file}: {notices:#?}"
        );
    }
    let out = berth(dir.path(), &["validate", "docker-compose.yml"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert!(
        transcript(&out).contains("not a Kubernetes manifest"),
        "{}",
        transcript(&out)
    );
}

/// The API server rejects a Deployment named `ext_proc`: so does berth, with the name to use.
#[test]
fn names_and_labels_the_api_server_rejects_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ext_proc\n  labels:\n    tier: \"front end\"\ndata:\n  A: \"1\"\n",
    )
    .unwrap();
    let (code, findings) = findings(dir.path());
    assert_eq!(code, Some(1));
    let rules: Vec<(&str, u64)> = findings
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        rules,
        [("schema/invalid-name", 4), ("schema/invalid-label", 6)]
    );
    assert!(
        findings[0]["hint"]
            .as_str()
            .unwrap()
            .contains("\"ext-proc\"")
    );
}

/// A Service alone in a file someone names (its Deployment lives elsewhere) is not an error;
/// in the whole project it is.
#[test]
fn cross_file_targets_outside_a_named_set_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("k8s")).unwrap();
    std::fs::write(
        dir.path().join("k8s/svc.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: api\n  ports:\n  - port: 80\n",
    )
    .unwrap();
    let out = berth(dir.path(), &["validate", "k8s/svc.yaml", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &report["findings"][0];
    assert_eq!(
        (f["rule"].as_str(), f["severity"].as_str()),
        (Some("consistency/selector"), Some("warning"))
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("not found in these files")
    );
    let (code, _) = findings(dir.path());
    assert_eq!(code, Some(1), "the whole project (.) keeps it an error");
}

/// For kubeconform users: only the schema rules, a summary line, and JUnit for CI dashboards.
#[test]
fn rule_groups_summary_and_junit_output() {
    let dir = fixture("validate");
    let path = dir.path().join("manifests/app.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    // One schema fault and one policy fault.
    let broken = text
        .replacen("imagePullPolicy", "imagePulPolicy", 1)
        .replacen("runAsNonRoot: true", "runAsNonRoot: false", 1);
    std::fs::write(&path, broken).unwrap();
    let (_, all) = findings(dir.path());
    assert!(
        all.iter()
            .any(|f| f["rule"].as_str().unwrap().starts_with("policy/")),
        "{all:?}"
    );
    let out = berth(
        dir.path(),
        &["validate", ".", "--rules", "schema", "-o", "json"],
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["schema/unknown-field"]);
    assert_eq!(out.status.code(), Some(1));
    let out = berth(dir.path(), &["validate", ".", "--rules", "dockerfile"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let out = berth(
        dir.path(),
        &["validate", ".", "--summary", "--rules", "schema"],
    );
    insta::assert_snapshot!(transcript(&out), @r"
    exit: 1
    --- stdout
    1 error, 0 warnings in 2 files (4 Kubernetes objects)
    --- stderr
    ");
    let out = berth(
        dir.path(),
        &["validate", ".", "-o", "junit", "--rules", "schema"],
    );
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"berth validate\" tests=\"2\" failures=\"1\">"), "{xml}");
    assert!(
        xml.contains("<testcase classname=\"berth.validate\" name=\"manifests/app.yaml\">"),
        "{xml}"
    );
    assert!(xml.contains("<failure type=\"schema/unknown-field\" message=\"unknown field &quot;imagePulPolicy&quot;\">"), "{xml}");
    assert!(xml.contains("1 other file without findings"), "{xml}");
}

/// A chart whose templates `required` a value is rendered with the values given, as helm does;
/// without helm, --require-helm makes "not rendered" an error.
#[test]
fn charts_render_with_values_and_set_and_helm_can_be_required() {
    if super::tools::tool("helm").is_none() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("chart/demo");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(
        chart.join("Chart.yaml"),
        "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(chart.join("values.yaml"), "name: \"\"\n").unwrap();
    std::fs::write(
        chart.join("templates/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ required \"name is required\" .Values.name }}\ndata:\n  A: \"1\"\n",
    )
    .unwrap();
    let out = berth(dir.path(), &["validate", "chart", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("name is required"));
    let out = berth(
        dir.path(),
        &["validate", "chart", "--set", "name=demo-config"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    std::fs::write(dir.path().join("prod.yaml"), "name: Bad_Name\n").unwrap();
    let out = berth(
        dir.path(),
        &["validate", "chart", "-f", "prod.yaml", "-o", "json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("schema/invalid-name"));
    // No helm on PATH: a notice, or with --require-helm an error.
    let empty = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        assert_cmd::Command::cargo_bin("berth")
            .unwrap()
            .current_dir(dir.path())
            .args(["validate", "chart", "--set", "name=x"])
            .args(extra)
            .env("PATH", empty.path())
            .output()
            .unwrap()
    };
    assert_eq!(run(&[]).status.code(), Some(0));
    let out = run(&["--require-helm"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(transcript(&out).contains("helm is not installed"));
}

/// kubeconform's own case: a file named on the command line with no kind is an error; found by
/// walking a folder, the same text is another tool's data and skipped with a note.
#[test]
fn a_named_file_without_apiversion_and_kind_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/settings.yaml"), "key: value\n").unwrap();
    let out = berth(dir.path(), &["validate", "conf/settings.yaml"]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(transcript(&out).contains("schema/missing-field"));
    let out = berth(dir.path(), &["validate", "conf"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    assert!(transcript(&out).contains("not a Kubernetes object: skipped"));
}
