//! The stacks added after the first five (tests/fixtures/stacks2: a plain static site, PHP,
//! Ruby, Bun, Deno, .NET), through the binary: planned with their stack, port and evidence,
//! drafted offline, and every draft validated with no error and no warning.

use super::common::*;

#[test]
fn the_new_stacks_are_planned_with_their_port_and_evidence() {
    let dir = fixture("stacks2");
    let out = berth(dir.path(), &["plan", "-o", "json", "--no-write"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let facts: Vec<(String, String, u64, String)> = plan["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["stack"].as_str().unwrap().to_string(),
                s["port"]["number"].as_u64().unwrap(),
                s["port"]["evidence"]["source"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let want = [
        ("bunapi", "bun", 3000, "services/bunapi/src/index.ts:2"),
        ("denoapi", "deno", 8000, "services/denoapi/main.ts:2"),
        (
            "docs",
            "static",
            8080,
            "the port berth's nginx serves static files on",
        ),
        (
            "dotnetapi",
            "dotnet",
            8080,
            "ASPNETCORE_HTTP_PORTS of the aspnet image berth drafts",
        ),
        (
            "phpapi",
            "php",
            8080,
            "the port berth's PHP server listens on",
        ),
        ("rbapi", "ruby", 9292, "puma's default port for config.ru"),
    ];
    let want: Vec<(String, String, u64, String)> = want
        .iter()
        .map(|(a, b, c, d)| (a.to_string(), b.to_string(), *c, d.to_string()))
        .collect();
    assert_eq!(facts, want);
    // The Technical Context's versions where the project's files pin none.
    let runtime = |name: &str| {
        plan["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["runtime_version"]
            .clone()
    };
    assert_eq!(runtime("phpapi"), "8.2");
    assert_eq!(runtime("rbapi"), "3.1");
    assert_eq!(runtime("bunapi"), "1.4.5");
    assert_eq!(runtime("dotnetapi"), "10.0");
    // Every backend's health path was read off its code.
    for s in plan["services"].as_array().unwrap() {
        if s["name"] != "docs" {
            assert_eq!(s["health"]["liveness"], "/healthz", "{s:#}");
        }
    }
    assert_eq!(plan["warnings"], serde_json::json!([]), "{plan:#}");
}

#[test]
fn the_new_stacks_are_drafted_and_validate_clean() {
    let dir = fixture("stacks2");
    let out = berth(dir.path(), &["draft"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let out = berth(dir.path(), &["validate", "-o", "json"]);
    let text = transcript(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<String> = report["findings"]
        .as_array()
        .unwrap_or(&vec![])
        .iter()
        .filter(|f| f["severity"] != "info")
        .map(|f| f.to_string())
        .collect();
    assert!(findings.is_empty(), "{findings:#?}");
    // Each Dockerfile was among what was checked.
    let staged = dir.path().join(".berth/staged/files/services");
    for svc in ["bunapi", "denoapi", "docs", "dotnetapi", "phpapi", "rbapi"] {
        let dockerfile = std::fs::read_to_string(staged.join(svc).join("Dockerfile")).unwrap();
        let user = dockerfile
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("USER "))
            .unwrap_or_else(|| panic!("{svc}: no USER\n{dockerfile}"));
        assert!(
            !user.starts_with("0") && !user.starts_with("root"),
            "{svc}: {user}"
        );
    }
}
