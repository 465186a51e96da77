use super::common::*;

#[test]
fn plan_json_validates_against_the_published_schema() {
    let dir = fixture("polyglot");
    let schema = berth(dir.path(), &["schema", "plan"]);
    assert!(schema.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&schema.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();

    let out = berth(dir.path(), &["plan", "--output", "json", "--no-write"]);
    assert!(out.status.success(), "{}", transcript(&out));
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&plan)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(plan["app"], "store");
}

#[test]
fn the_schema_rejects_a_plan_with_a_typo() {
    let dir = fixture("polyglot");
    let schema: serde_json::Value =
        serde_json::from_slice(&berth(dir.path(), &["schema", "plan"]).stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let out = berth(dir.path(), &["plan", "-o", "json", "--no-write"]);
    let mut plan: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    plan["services"][0]["prot"] = serde_json::json!(80);
    assert!(!validator.is_valid(&plan));
}
