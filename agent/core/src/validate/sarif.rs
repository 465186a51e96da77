//! A `Report` in, SARIF 2.1.0 out, for code-scanning dashboards.

use super::{Report, Severity};
use serde_json::{Value, json};

pub fn to_sarif(report: &Report, version: &str) -> Value {
    let mut rule_ids: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    rule_ids.sort();
    rule_ids.dedup();
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let summary = crate::rules::find(id)
                .map(|r| r.summary.to_string())
                .unwrap_or_else(|| id.to_string());
            json!({ "id": id, "shortDescription": { "text": summary } })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let level = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "note",
            };
            let mut text = f.message.clone();
            if let Some(o) = &f.object {
                text = format!("{o}: {text}");
            }
            if let Some(h) = &f.hint {
                text = format!("{text} ({h})");
            }
            let mut location = json!({ "physicalLocation": { "artifactLocation": { "uri": f.file.trim_end_matches(" (rendered)") } } });
            if f.line > 0 {
                location["physicalLocation"]["region"] = json!({ "startLine": f.line, "startColumn": f.column.max(1) });
            }
            if let Some(p) = &f.path {
                location["logicalLocations"] = json!([{ "fullyQualifiedName": format!("{}{}", f.object.clone().unwrap_or_default(), p) }]);
            }
            json!({
                "ruleId": f.rule,
                "ruleIndex": rule_ids.iter().position(|r| *r == f.rule).unwrap_or(0),
                "level": level,
                "message": { "text": text },
                "locations": [location],
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": { "name": "berth", "version": version, "informationUri": "https://example.invalid/berth", "rules": rules } },
            "results": results,
        }],
    })
}
