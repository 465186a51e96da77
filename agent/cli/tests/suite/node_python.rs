//! Python services installed by the tool whose lock file they keep (uv, Poetry, Pipenv), on the
//! REAL node: the fixture's lock files are written when the test runs, by the real tools
//! (tests/testenv/tools.sh pylock), and each image must hold exactly the version locked.

use super::common::*;
use super::node::{deploy, kubectl, mirror, node};
use std::path::Path;
use std::process::Command;

#[test]
fn python_lock_files_are_installed_as_locked_and_run_on_the_real_node() {
    let Some(kc) = node() else { return };
    let mirror = mirror();
    super::cluster::fresh_namespace(&kc, "pylocks");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/pylocks"), dir.path());
    let services = dir.path().join("services");
    let tools_home = tempfile::tempdir().unwrap();
    lock(&services.join("uvapi"), "uv", &["lock"], tools_home.path());
    lock(
        &services.join("poetryapi"),
        "poetry",
        &["lock"],
        tools_home.path(),
    );
    lock(
        &services.join("pipenvapi"),
        "pipenv",
        &["lock"],
        tools_home.path(),
    );
    let locked = [
        ("uvapi", toml_locked(&services.join("uvapi/uv.lock"))),
        (
            "poetryapi",
            toml_locked(&services.join("poetryapi/poetry.lock")),
        ),
        (
            "pipenvapi",
            pipfile_locked(&services.join("pipenvapi/Pipfile.lock")),
        ),
    ];

    let out = deploy(dir.path(), &kc, &mirror, &["--verify", "-o", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    for v in result["verified"].as_array().unwrap() {
        assert_eq!(v["ok"], true, "{v:#}");
    }
    for (svc, installs) in [
        (
            "uvapi",
            "RUN uv sync --frozen --no-dev --no-install-project\n",
        ),
        (
            "poetryapi",
            "RUN poetry install --only main --no-root --no-interaction\n",
        ),
        (
            "pipenvapi",
            "RUN pipenv requirements > /tmp/requirements.txt",
        ),
    ] {
        let d = std::fs::read_to_string(services.join(svc).join("Dockerfile")).unwrap();
        assert!(d.contains(installs), "{svc}:\n{d}");
    }
    // Each pod runs the FastAPI its lock file pins (the lock asks for >=0.110 only).
    for (svc, version) in locked {
        let health = kubectl(
            &kc,
            &[
                "get",
                "--raw",
                &format!("/api/v1/namespaces/pylocks/services/{svc}:8000/proxy/healthz"),
            ],
        );
        let health: serde_json::Value = serde_json::from_str(&health).unwrap();
        assert_eq!(health["fastapi"], version.as_str(), "{svc}: {health}");
    }
    kubectl(&kc, &["delete", "namespace", "pylocks", "--wait=false"]);
}

/// Runs the real locking tool in `dir`; its caches and virtualenvs stay out of the project.
fn lock(dir: &Path, tool: &str, args: &[&str], home: &Path) {
    let out = Command::new(tool)
        .args(args)
        .current_dir(dir)
        .env("WORKON_HOME", home.join("virtualenvs"))
        .env("POETRY_VIRTUALENVS_PATH", home.join("poetry"))
        .env("PIPENV_VENV_IN_PROJECT", "0")
        .env("PIPENV_YES", "1")
        .output()
        .unwrap_or_else(|e| {
            panic!("{tool}: {e} (tests/testenv/tools.sh pylock puts uv, poetry and pipenv on PATH)")
        });
    assert!(
        out.status.success(),
        "{tool} {args:?}\n{}",
        transcript(&out)
    );
}

/// FastAPI's version in a uv.lock or poetry.lock (`[[package]]` tables).
fn toml_locked(lock: &Path) -> String {
    let text = std::fs::read_to_string(lock).unwrap();
    let doc: toml::Value = toml::from_str(&text).unwrap();
    doc["package"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some("fastapi"))
        .and_then(|p| p["version"].as_str())
        .unwrap_or_else(|| panic!("no fastapi in {}", lock.display()))
        .to_string()
}

/// FastAPI's version in a Pipfile.lock (`"version": "==0.115.0"`).
fn pipfile_locked(lock: &Path) -> String {
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(lock).unwrap()).unwrap();
    doc["default"]["fastapi"]["version"]
        .as_str()
        .and_then(|v| v.strip_prefix("=="))
        .unwrap_or_else(|| panic!("no fastapi in {}", lock.display()))
        .to_string()
}
