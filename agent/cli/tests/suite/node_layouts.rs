//! Projects laid out as their authors left them, on the REAL node: services where the plan's
//! Project Structure puts them (a FastAPI API and a React site under `phase-5/`), and a single
//! app kept at the repo root. Each is drafted, built, applied and answers; the site's bundle
//! calls its API on its own origin, through the site's nginx.

use super::cluster::fresh_namespace;
use super::common::*;
use super::node::{deploy, kubectl, mirror, node, node_curl, node_port_url, site_bundle};

#[test]
fn services_the_plan_places_and_a_root_app_are_built_and_answer_on_the_real_node() {
    let Some(kc) = node() else { return };
    let mirror = mirror();

    fresh_namespace(&kc, "chat");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/layouts/structure"), dir.path());
    let out = deploy(dir.path(), &kc, &mirror, &["--verify", "-o", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let verified: Vec<&str> = result["verified"]
        .as_array()
        .unwrap()
        .iter()
        .inspect(|v| assert_eq!(v["ok"], true, "{v:#}"))
        .filter_map(|v| v["service"].as_str())
        .collect();
    assert_eq!(verified, ["chat-api", "web"], "{result:#}");
    // The bundle was built with the same-origin path, and the site's nginx takes
    // /_backend/api/messages to chat-api's /api/messages.
    let site = node_port_url(&kc, "chat", "web");
    let bundle = site_bundle(&site);
    assert!(
        bundle.contains("\"/_backend\""),
        "the bundle does not call /_backend"
    );
    assert_eq!(node_curl(&[&format!("{site}/_backend/api/messages")]), "[]");
    kubectl(&kc, &["delete", "namespace", "chat", "--wait=false"]);

    fresh_namespace(&kc, "quotes");
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repo().join("tests/fixtures/layouts/root"), dir.path());
    let out = deploy(dir.path(), &kc, &mirror, &["--verify", "-o", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(result["verified"][0]["service"], "quotes", "{result:#}");
    assert_eq!(result["verified"][0]["ok"], true, "{result:#}");
    let quote = kubectl(
        &kc,
        &[
            "get",
            "--raw",
            "/api/v1/namespaces/quotes/services/quotes:8000/proxy/quote",
        ],
    );
    let quote: serde_json::Value = serde_json::from_str(&quote).unwrap();
    assert_eq!(quote["greeting"], "hello", "{quote}");
    kubectl(&kc, &["delete", "namespace", "quotes", "--wait=false"]);
}
