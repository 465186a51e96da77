//! The drafts checked by the real tools people use on them: hadolint on every Dockerfile,
//! `helm lint` and `helm template` on the chart, and the rendered chart compared with the plain
//! manifests. tests/run installs the tools (tests/testenv/tools.sh) and sets
//! BERTH_REQUIRE_TOOLS=1, so there a missing tool fails instead of skipping.

use super::common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(super) fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("BERTH_REQUIRE_TOOLS").is_none(),
            "{name} is not on PATH: run tests/run, which installs it"
        );
        eprintln!("skipped: {name} is not on PATH (tests/run installs it)");
    }
    found
}

/// Drafts and approves everything, so the files are on disk where the tools look.
fn drafted(dir: &Path) {
    let out = berth(dir, &["draft"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let out = berth(dir, &["approve", "--yes"]);
    assert!(out.status.success(), "{}", transcript(&out));
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn hadolint_finds_nothing_in_any_drafted_dockerfile() {
    let Some(hadolint) = tool("hadolint") else {
        return;
    };
    for project in [fixture("polyglot"), sample_app()] {
        drafted(project.path());
        let dockerfiles: Vec<PathBuf> = std::fs::read_dir(project.path().join("services"))
            .unwrap()
            .map(|e| e.unwrap().path().join("Dockerfile"))
            .collect();
        assert!(dockerfiles.len() >= 2);
        for d in dockerfiles {
            // Any finding, even at "info", fails: the drafts are meant to be clean.
            run(Command::new(&hadolint)
                .arg("--failure-threshold")
                .arg("info")
                .arg("--no-color")
                .arg(&d));
        }
    }
}

fn documents(yaml: &str) -> Vec<Value> {
    serde_saphyr::from_multiple::<Value>(yaml)
        .unwrap()
        .into_iter()
        .filter(|v| !v.is_null())
        .collect()
}

/// Objects keyed by kind/name, without the labels Helm owns.
fn objects(docs: Vec<Value>) -> std::collections::BTreeMap<String, Value> {
    docs.into_iter()
        .filter(|o| o["kind"] != "Namespace")
        .map(|mut o| {
            for pointer in ["/metadata/labels", "/spec/template/metadata/labels"] {
                if let Some(map) = o.pointer_mut(pointer).and_then(Value::as_object_mut) {
                    map.remove("helm.sh/chart");
                    map.remove("app.kubernetes.io/managed-by");
                }
            }
            (
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["metadata"]["name"].as_str().unwrap()
                ),
                o,
            )
        })
        .collect()
}

#[test]
fn the_chart_lints_renders_and_matches_the_plain_manifests() {
    let Some(helm) = tool("helm") else { return };
    for (project, app) in [(sample_app(), "todo"), (fixture("polyglot"), "store")] {
        let root = project.path();
        drafted(root);
        let chart = root.join("manifests/chart").join(app);
        run(Command::new(&helm).arg("lint").arg("--strict").arg(&chart));
        let rendered = run(Command::new(&helm)
            .args(["template", app])
            .arg(&chart)
            .args(["--namespace", app]));
        let from_chart = objects(documents(&rendered));

        let mut plain = Vec::new();
        for entry in std::fs::read_dir(root.join("manifests/k8s")).unwrap() {
            plain.extend(documents(
                &std::fs::read_to_string(entry.unwrap().path()).unwrap(),
            ));
        }
        let plain = objects(plain);
        assert!(plain.len() >= 5, "{app}: only {} objects", plain.len());
        assert_eq!(
            from_chart.keys().collect::<Vec<_>>(),
            plain.keys().collect::<Vec<_>>()
        );
        for (key, object) in &plain {
            assert_eq!(
                &from_chart[key], object,
                "{app}: {key} differs between the chart and the plain manifests"
            );
        }
    }
}

#[test]
fn the_values_schema_rejects_a_typo_and_latest() {
    let Some(helm) = tool("helm") else { return };
    let project = sample_app();
    drafted(project.path());
    let chart = project.path().join("manifests/chart/todo");
    for bad in [
        "services.backend.replica=2",
        "services.backend.image.tag=latest",
        "services.frontend.service.type=Ingress",
    ] {
        let out = Command::new(&helm)
            .args(["template", "todo"])
            .arg(&chart)
            .args(["--set", bad])
            .output()
            .unwrap();
        assert!(!out.status.success(), "helm accepted --set {bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("schema"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let ok = Command::new(&helm)
        .args(["template", "todo"])
        .arg(&chart)
        .args(["--set", "services.backend.replicas=3"])
        .output()
        .unwrap();
    assert!(ok.status.success());
    assert!(String::from_utf8_lossy(&ok.stdout).contains("replicas: 3"));
}

#[test]
fn a_chart_whose_temp_folder_cannot_be_written_is_an_error_not_a_pass() {
    if tool("helm").is_none() {
        return;
    }
    let project = sample_app();
    drafted(project.path());
    // helm renders a copy of the chart in a temp folder: here there is none to be had.
    let out = assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(project.path())
        .args(["validate", "manifests/chart/todo"])
        .env("NO_COLOR", "1")
        .env("TMPDIR", project.path().join("no-such-folder"))
        .output()
        .unwrap();
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("manifests/chart/todo/Chart.yaml")
            && text.contains("cannot render the chart: no temporary folder"),
        "{text}"
    );
}
