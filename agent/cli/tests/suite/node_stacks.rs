//! The stacks added after the first five, on the REAL node (see node.rs): those with stand-in
//! base images here (tests/testenv/base-images.sh: Bun and Deno from their npm builds, PHP,
//! Composer and Ruby from Debian 12, the plain static site on the nginx stand-in) are drafted
//! through the mirror, built, applied and answer their health endpoint, checked by berth's
//! verify. Left out of the copy (their drafts are validated in suite::stacks): .NET, whose SDK
//! cannot be had here, and Ruby, whose build gets as far as `bundle install` on the stand-in and
//! stops there: the gem server is not reachable from these machines.

use super::common::*;
use super::node::{deploy, kubectl, mirror, node};

/// The services of tests/fixtures/stacks2 with no stand-in base image on these machines.
const NOT_BUILDABLE_HERE: &[&str] = &["dotnetapi", "rbapi"];

#[test]
fn the_new_stacks_with_stand_ins_are_built_and_answer_on_the_real_node() {
    let Some(kc) = node() else { return };
    let mirror = mirror();
    super::cluster::fresh_namespace(&kc, "stacks2");
    let dir = fixture("stacks2");
    for svc in NOT_BUILDABLE_HERE {
        std::fs::remove_dir_all(dir.path().join("services").join(svc)).unwrap();
    }
    let out = deploy(dir.path(), &kc, &mirror, &["--verify", "-o", "json"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    let verified = result["verified"].as_array().unwrap();
    let names: Vec<&str> = verified
        .iter()
        .filter_map(|v| v["service"].as_str())
        .collect();
    assert_eq!(names, ["bunapi", "denoapi", "docs", "phpapi"], "{result:#}");
    for v in verified {
        assert_eq!(v["ok"], true, "{v:#}");
        let health = v["http"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "health")
            .unwrap_or_else(|| panic!("no health check: {v:#}"));
        assert_eq!(health["status"].as_u64(), Some(200), "{v:#}");
        assert!(health["note"].is_null(), "a real pod answered: {v:#}");
    }
    kubectl(&kc, &["delete", "namespace", "stacks2", "--wait=false"]);
}
