use super::common::*;

#[test]
fn human_output_on_a_project_in_five_stacks() {
    let dir = fixture("polyglot");
    let out = berth(dir.path(), &["plan"]);
    insta::assert_snapshot!(transcript(&out));
}

#[test]
fn json_output() {
    let dir = fixture("polyglot");
    let out = berth(dir.path(), &["plan", "--output", "json", "--no-write"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    insta::assert_json_snapshot!(plan);
}

#[test]
fn each_stack_is_detected() {
    let dir = fixture("polyglot");
    let out = berth(dir.path(), &["plan", "-o", "json", "--no-write"]);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let svc = |name: &str| {
        plan["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    let facts = |name: &str| {
        let s = svc(name);
        (
            s["stack"].as_str().unwrap().to_string(),
            s["port"]["number"].as_u64(),
            s["web_frontend"].as_bool().unwrap(),
        )
    };
    assert_eq!(facts("web"), ("node".into(), None, true));
    assert_eq!(facts("api"), ("python".into(), Some(8000), false));
    assert_eq!(facts("gateway"), ("go".into(), Some(9000), false));
    assert_eq!(facts("ledger"), ("rust".into(), Some(7070), false));
    assert_eq!(facts("billing"), ("java".into(), Some(8081), false));
    assert_eq!(facts("legacy"), ("unknown".into(), None, false));
    assert_eq!(svc("api")["frameworks"][0], "fastapi");
    assert_eq!(svc("billing")["frameworks"][0], "spring-boot");
    assert_eq!(svc("gateway")["health"]["readiness"], "/readyz");
    assert_eq!(svc("api")["env"], serde_json::json!(["DATABASE_URL"]));
    let warnings = plan["warnings"].to_string();
    assert!(
        warnings.contains("service legacy: unknown stack"),
        "{warnings}"
    );
}

#[test]
fn tasks_md_is_stable_and_keeps_ticks() {
    let dir = fixture("polyglot");
    let tasks = dir.path().join("specs/store/tasks.md");
    let first = berth(dir.path(), &["plan"]);
    assert!(first.status.success());
    assert!(String::from_utf8_lossy(&first.stderr).contains("wrote specs/store/tasks.md"));
    let written = std::fs::read(&tasks).unwrap();
    insta::assert_snapshot!("tasks_md", String::from_utf8_lossy(&written));

    let again = berth(dir.path(), &["plan"]);
    assert!(String::from_utf8_lossy(&again.stderr).contains("specs/store/tasks.md is up to date"));
    assert_eq!(
        std::fs::read(&tasks).unwrap(),
        written,
        "regenerating with nothing changed must give identical bytes"
    );

    // A person ticks a task and one checklist item of another.
    let ticked = String::from_utf8(written.clone())
        .unwrap()
        .replace("- [ ] B1.2 Helm chart", "- [x] B1.2 Helm chart")
        .replace(
            "  - [ ] Dockerfile for the api",
            "  - [x] Dockerfile for the api",
        );
    std::fs::write(&tasks, &ticked).unwrap();
    assert!(berth(dir.path(), &["plan"]).status.success());
    assert_eq!(
        std::fs::read_to_string(&tasks).unwrap(),
        ticked,
        "ticks must survive regeneration"
    );

    let out = berth(dir.path(), &["plan", "-o", "json", "--no-write"]);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let task = |id: &str| {
        plan["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(task("B1.2")["done"], true);
    assert_eq!(task("B1.1")["checklist"][1]["done"], true);
    assert_eq!(task("B1.1")["checklist"][0]["done"], false);
}

#[test]
fn check_fails_when_tasks_md_is_stale_and_writes_nothing() {
    let dir = fixture("polyglot");
    let out = berth(dir.path(), &["plan", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("specs/store/tasks.md is out of date"));
    // Only what is out of date: not the whole plan.
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert!(!dir.path().join("specs/store/tasks.md").exists());
    assert!(berth(dir.path(), &["plan"]).status.success());
    let again = berth(dir.path(), &["plan", "--check"]);
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(transcript(&again), "exit: 0\n--- stdout\n--- stderr\n");
}

#[test]
fn a_hand_written_tasks_md_is_read_and_left_alone() {
    let dir = fixture("polyglot");
    let tasks = dir.path().join("specs/store/tasks.md");
    let mine = "# Tasks: Store\n\n## Phase 1: Setup\n\n- [x] T001 [P] [US1] Create the catalogue page\n- [ ] T002 Wire the api (depends on T001)\n";
    std::fs::write(&tasks, mine).unwrap();
    let out = berth(dir.path(), &["plan", "-o", "json"]);
    assert!(out.status.success(), "{}", transcript(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("was written by hand"));
    assert_eq!(std::fs::read_to_string(&tasks).unwrap(), mine);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let t2 = plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "T002")
        .unwrap();
    assert_eq!(t2["depends_on"], serde_json::json!(["T001"]));
    let t1 = plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == "T001")
        .unwrap();
    assert_eq!(
        (
            t1["done"].as_bool(),
            t1["parallel"].as_bool(),
            t1["story"].as_str()
        ),
        (Some(true), Some(true), Some("US1"))
    );
}

#[test]
fn a_single_markdown_file_can_be_planned() {
    let dir = fixture("polyglot");
    let out = berth(
        dir.path(),
        &["plan", "specs/store/plan.md", "-o", "yaml", "--no-write"],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("spec: specs/store/plan.md"), "{text}");
    assert!(text.contains("id: B1.1"));
}

/// The plan a real user wrote, kept outside the repository (shared/reference/).
#[test]
fn the_example_plan_parses_into_three_phases_and_fourteen_tasks() {
    let example = repo().join("../shared/reference/example-plan.md");
    if !example.exists() {
        assert!(
            std::env::var_os("BERTH_REQUIRE_EXAMPLE").is_none(),
            "{} is missing",
            example.display()
        );
        eprintln!("skipped: {} is not on this machine", example.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("specs/k8s")).unwrap();
    std::fs::copy(&example, dir.path().join("specs/k8s/plan.md")).unwrap();
    let out = berth(dir.path(), &["plan", "-o", "json"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let spec_tasks: Vec<_> = plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["origin"] == "spec")
        .collect();
    let ids: Vec<&str> = spec_tasks
        .iter()
        .map(|t| t["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "R0.1", "R0.2", "R0.3", "R0.4", "R0.5", "D1.1", "D1.2", "D1.3", "D1.4", "D1.5", "D1.6",
            "D1.7", "V2.1", "V2.2"
        ]
    );
    let phases: std::collections::BTreeSet<&str> = spec_tasks
        .iter()
        .map(|t| t["phase"].as_str().unwrap())
        .collect();
    assert_eq!(phases.into_iter().collect::<Vec<_>>(), ["0", "1", "2"]);
    let items: Vec<usize> = spec_tasks
        .iter()
        .map(|t| t["checklist"].as_array().unwrap().len())
        .collect();
    assert_eq!(items, [3, 3, 3, 3, 3, 3, 3, 4, 3, 3, 4, 4, 4, 4]);
    // Every checklist item points back at its line.
    assert_eq!(spec_tasks[0]["checklist"][0]["location"]["line"], 73);
    assert!(plan["gates"].as_array().unwrap().iter().any(|g| {
        g["rules"]
            .as_array()
            .unwrap()
            .contains(&"policy/resources".into())
    }));
    let tasks_md = std::fs::read_to_string(dir.path().join("specs/k8s/tasks.md")).unwrap();
    assert!(tasks_md.contains("## Phase 2: Validation & Documentation"));
}

/// berth's own sample app: its real services are detected.
#[test]
fn the_sample_app_is_detected() {
    let root = repo();
    let out = berth(&root, &["plan", "specs/todo", "-o", "json", "--no-write"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let svc = |name: &str| {
        plan["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    let backend = svc("backend");
    assert_eq!(
        (
            backend["stack"].as_str(),
            backend["port"]["number"].as_u64()
        ),
        (Some("rust"), Some(8080))
    );
    assert_eq!(backend["frameworks"][0], "axum");
    assert_eq!(
        (
            backend["health"]["liveness"].as_str(),
            backend["health"]["readiness"].as_str()
        ),
        (Some("/healthz"), Some("/readyz"))
    );
    let frontend = svc("frontend");
    assert_eq!(
        (
            frontend["stack"].as_str(),
            frontend["port"]["number"].as_u64()
        ),
        (Some("node"), Some(3000))
    );
    assert_eq!(frontend["web_frontend"], true);
    assert!(
        frontend["env"]
            .as_array()
            .unwrap()
            .contains(&"BACKEND_URL".into())
    );
    assert!(
        plan["artifacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == "frontend/configmap")
    );
}

/// Services where real repos keep them: `frontend/` and `backend/` at the root, named by the
/// compose file that builds them; `apps/*` of a workspace, without the packages that do not run.
#[test]
fn services_are_found_where_real_repos_keep_them() {
    for layout in ["compose", "workspaces", "fullstack", "root", "structure"] {
        let dir = fixture(&format!("layouts/{layout}"));
        let out = berth(dir.path(), &["plan", "--no-write"]);
        assert!(out.status.success(), "{}", transcript(&out));
        insta::assert_snapshot!(format!("layout_{layout}"), transcript(&out));
        // What berth drafts there passes its own validation.
        let out = berth(dir.path(), &["draft"]);
        assert!(out.status.success(), "{}", transcript(&out));
        let out = berth(dir.path(), &["validate"]);
        assert_eq!(out.status.code(), Some(0), "{layout}: {}", transcript(&out));
    }
    // The frontend reads VITE_CHAT_API_URL: it calls chat-api, not the alphabetically first
    // backend (audit); and the authors' own frontend Dockerfile is left as they wrote it.
    let dir = fixture("layouts/compose");
    assert!(berth(dir.path(), &["draft"]).status.success());
    let staged = dir.path().join(".berth/staged/files");
    let cm = std::fs::read_to_string(staged.join("manifests/k8s/web-configmap.yaml")).unwrap();
    assert!(
        cm.contains("VITE_CHAT_API_URL: http://chat-api.chat.svc.cluster.local:8000"),
        "{cm}"
    );
    assert!(!staged.join("frontend/Dockerfile").exists());
    // The compose file's plain values reach the container; its credentials reach no file.
    let api =
        std::fs::read_to_string(staged.join("manifests/k8s/chat-api-deployment.yaml")).unwrap();
    assert!(
        api.contains("- name: CHAT_MODEL\n          value: small"),
        "{api}"
    );
    for f in listing(&staged) {
        let text = std::fs::read_to_string(staged.join(&f)).unwrap_or_default();
        assert!(
            !text.contains("chat:chat@"),
            "{f} carries the compose file's password"
        );
    }
    // The database the compose file runs is drafted beside the app, and the app reaches it with
    // the password from a Secret that apply generates: no value in any file.
    assert!(
        api.contains("- name: DB_PASSWORD\n          valueFrom:\n            secretKeyRef:\n              name: db-credentials\n              key: password"),
        "{api}"
    );
    assert!(
        api.contains("value: postgresql://chat:$(DB_PASSWORD)@db.chat.svc.cluster.local:5432/chat"),
        "{api}"
    );
    let db = std::fs::read_to_string(staged.join("manifests/k8s/db-statefulset.yaml")).unwrap();
    assert!(db.contains("image: postgres:16"), "{db}");
    let secret = std::fs::read_to_string(staged.join("manifests/k8s/db-secret.yaml")).unwrap();
    assert!(secret.contains("berth.dev/generate: password"), "{secret}");
    assert!(!secret.contains("\ndata:"), "{secret}");
    assert!(staged.join("backend/Dockerfile").exists());
    // chat-api's credentials come from its own Secret, which holds no value: JWT_SECRET (its
    // own signing key) is generated at apply, OPENAI_API_KEY is provided by a person, and the
    // container starts without it until then.
    let secret =
        std::fs::read_to_string(staged.join("manifests/k8s/chat-api-secret.yaml")).unwrap();
    assert!(
        secret.contains(
            "    berth.dev/generate: JWT_SECRET\n    berth.dev/provided: OPENAI_API_KEY\n"
        ),
        "{secret}"
    );
    assert!(!secret.contains("\ndata:"), "{secret}");
    assert!(
        api.contains("- name: JWT_SECRET\n          valueFrom:\n            secretKeyRef:\n              name: chat-api-secrets\n              key: JWT_SECRET\n        - name: OPENAI_API_KEY\n          valueFrom:\n            secretKeyRef:\n              name: chat-api-secrets\n              key: OPENAI_API_KEY\n              optional: true\n"),
        "{api}"
    );

    // Next's rewrites are fixed by `next build`: the variable next.config reads is given to the
    // build with the container's value (the backend's cluster name, not compose's `backend`).
    let dir = fixture("layouts/fullstack");
    assert!(berth(dir.path(), &["draft"]).status.success());
    let staged = dir.path().join(".berth/staged/files");
    let dockerfile = std::fs::read_to_string(staged.join("frontend/Dockerfile")).unwrap();
    let arg = "ARG BACKEND_URL=http://backend.notes.svc.cluster.local:8000";
    let build = dockerfile.find("npm run build").unwrap();
    assert!(
        dockerfile.find(arg).is_some_and(|at| at < build),
        "{dockerfile}"
    );
    let cm = std::fs::read_to_string(staged.join("manifests/k8s/frontend-configmap.yaml")).unwrap();
    assert!(
        cm.contains("BACKEND_URL: http://backend.notes.svc.cluster.local:8000"),
        "{cm}"
    );
    // The plan's Technical Context says Python 3.11 and Node.js 22; no file of the project pins
    // either, so the spec's versions win over berth's defaults.
    let backend = std::fs::read_to_string(staged.join("backend/Dockerfile")).unwrap();
    assert!(
        backend.contains("FROM python:3.11-slim AS build\n"),
        "{backend}"
    );
    assert!(
        dockerfile.contains("FROM node:22-alpine AS build\n"),
        "{dockerfile}"
    );
    // next.config sets output: 'standalone': the image runs the traced server, without
    // node_modules or the sources.
    assert!(
        dockerfile.contains("COPY --from=build /app/.next/standalone ./\n")
            && dockerfile.ends_with("CMD [\"node\", \"server.js\"]\n")
            && !dockerfile.contains("COPY --from=build /app ./"),
        "{dockerfile}"
    );
    let db = std::fs::read_to_string(staged.join("manifests/k8s/db-statefulset.yaml")).unwrap();
    assert!(db.contains("image: postgres:17-alpine"), "{db}");
    let frontend =
        std::fs::read_to_string(staged.join("manifests/k8s/frontend-deployment.yaml")).unwrap();
    assert!(!frontend.contains("db-credentials"), "{frontend}");

    // A single app kept at the root of its repo is the project's one service, named by its
    // folder when no manifest names it: its Dockerfile at the root, built from the root, with
    // the specs and manifests kept out of the image.
    let dir = fixture("layouts/root");
    assert!(berth(dir.path(), &["draft"]).status.success());
    let staged = dir.path().join(".berth/staged/files");
    let dockerfile = std::fs::read_to_string(staged.join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains(
            "CMD [\"uvicorn\", \"main:app\", \"--host\", \"0.0.0.0\", \"--port\", \"8000\"]"
        ),
        "{dockerfile}"
    );
    let ignore = std::fs::read_to_string(staged.join(".dockerignore")).unwrap();
    assert!(ignore.contains("\nspecs\nmanifests\n"), "{ignore}");
}

/// Message brokers, found like the databases: `berth plan` lists RabbitMQ and Kafka with the
/// file:lines that show them, and what berth drafts for them passes its own validation.
#[test]
fn message_brokers_are_planned_drafted_and_validated() {
    let dir = fixture("layouts/brokers");
    let out = berth(dir.path(), &["plan", "--no-write"]);
    assert!(out.status.success(), "{}", transcript(&out));
    insta::assert_snapshot!("layout_brokers", transcript(&out));
    let out = berth(dir.path(), &["plan", "--output", "json", "--no-write"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let deps: Vec<(&str, &str, &str)> = plan["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap(),
                d["kind"].as_str().unwrap(),
                d["image"].as_str().unwrap(),
            )
        })
        .collect();
    // The compose file's official RabbitMQ image is kept; its bitnami Kafka (other variables,
    // another user) gives way to berth's pin.
    assert_eq!(
        deps,
        [
            ("kafka", "kafka", "apache/kafka:4.1.0"),
            ("nats", "nats", "nats:2.11-alpine"),
            ("queue", "rabbitmq", "rabbitmq:4.1-management")
        ]
    );
    let out = berth(dir.path(), &["draft"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let out = berth(dir.path(), &["validate"]);
    assert_eq!(out.status.code(), Some(0), "{}", transcript(&out));
    let staged = dir.path().join(".berth/staged/files");
    assert!(staged.join("manifests/k8s/queue-secret.yaml").exists());
    assert!(!staged.join("manifests/k8s/kafka-secret.yaml").exists());
    assert!(
        !staged
            .join("manifests/chart/orders/templates/kafka-secret.yaml")
            .exists()
    );
    for f in listing(&staged) {
        let text = std::fs::read_to_string(staged.join(&f)).unwrap_or_default();
        assert!(
            !text.contains("orders-secret"),
            "{f} carries the compose file's password"
        );
    }
}

#[test]
fn berth_toml_services_win_and_a_project_without_any_says_where_berth_looked() {
    let dir = fixture("layouts/compose");
    std::fs::write(
        dir.path().join("berth.toml"),
        "[services]\napi = \"backend\"\n",
    )
    .unwrap();
    let out = berth(dir.path(), &["--output", "json", "plan", "--no-write"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = plan["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["api"]);

    std::fs::write(
        dir.path().join("berth.toml"),
        "[services]\napi = \"../elsewhere\"\n",
    )
    .unwrap();
    let out = berth(dir.path(), &["plan", "--no-write"]);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(
        transcript(&out).contains(
            "berth.toml: [services] api: path \"../elsewhere\" must be a folder inside the project"
        ),
        "{}",
        transcript(&out)
    );

    let empty = tempfile::tempdir().unwrap();
    copy_dir(&dir.path().join("specs"), &empty.path().join("specs"));
    let out = berth(empty.path(), &["plan", "--no-write"]);
    assert!(out.status.success(), "{}", transcript(&out));
    insta::assert_snapshot!("layout_none", transcript(&out));
}
