//! A cluster's OpenAPI v3 documents in, schemas in berth's embedded format out (`{"kubernetes":
//! version, "$defs": {...}}`), made strict the way the embedded ones are: unknown fields
//! rejected, int-or-string and quantities typed, null allowed. Pure: the fetching is in `apply`.

use serde_json::{Map, Value, json};

const QUANTITY: &str = "io.k8s.apimachinery.pkg.api.resource.Quantity";

/// Merges every group-version document's `components.schemas` into one definitions table.
pub fn to_schemas(version: &str, documents: &[Value]) -> Value {
    let mut defs = Map::new();
    for doc in documents {
        for (name, schema) in doc["components"]["schemas"]
            .as_object()
            .into_iter()
            .flatten()
        {
            defs.insert(name.clone(), strict(schema));
        }
    }
    if defs.contains_key(QUANTITY) {
        // A quantity is written `500m` or `1`: both the API server accepts.
        defs.insert(
            QUANTITY.into(),
            json!({ "oneOf": [{ "type": ["string", "null"] }, { "type": ["number", "null"] }] }),
        );
    }
    json!({ "kubernetes": version, "$defs": defs })
}

fn strict(v: &Value) -> Value {
    match v {
        Value::Array(items) => Value::Array(items.iter().map(strict).collect()),
        Value::Object(m) => {
            if m.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
                return json!({ "oneOf": [{ "type": ["string", "null"] }, { "type": ["integer", "null"] }] });
            }
            let mut out = Map::new();
            for (k, val) in m {
                match k.as_str() {
                    "description" => {}
                    "$ref" => {
                        let r = val
                            .as_str()
                            .unwrap_or_default()
                            .replace("#/components/schemas/", "#/$defs/");
                        out.insert(k.clone(), Value::String(r));
                    }
                    "type" => {
                        let t = match val {
                            Value::String(s) => json!([s, "null"]),
                            other => other.clone(),
                        };
                        out.insert(k.clone(), t);
                    }
                    // Property names and enum values are data, not schemas.
                    "properties" => {
                        let props = val
                            .as_object()
                            .map(|p| p.iter().map(|(n, s)| (n.clone(), strict(s))).collect())
                            .unwrap_or_default();
                        out.insert(k.clone(), Value::Object(props));
                    }
                    "enum" | "required" | "default" | "example" => {
                        out.insert(k.clone(), val.clone());
                    }
                    _ => {
                        out.insert(k.clone(), strict(val));
                    }
                }
            }
            let open = m.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
            if out.contains_key("properties") && !out.contains_key("additionalProperties") && !open
            {
                out.insert("additionalProperties".into(), Value::Bool(false));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_become_strict() {
        let doc = json!({ "components": { "schemas": {
            "a.Widget": {
                "description": "x",
                "type": "object",
                "properties": {
                    "spec": { "allOf": [{ "$ref": "#/components/schemas/a.Spec" }] },
                    "port": { "x-kubernetes-int-or-string": true },
                    "raw": { "type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": { "a": { "type": "string" } } }
                },
                "x-kubernetes-group-version-kind": [{ "group": "a", "version": "v1", "kind": "Widget" }]
            }
        }}});
        let out = to_schemas("1.36", &[doc]);
        let w = &out["$defs"]["a.Widget"];
        assert_eq!(w["additionalProperties"], false);
        assert_eq!(w["type"], json!(["object", "null"]));
        assert!(w.get("description").is_none());
        assert_eq!(
            w["properties"]["spec"]["allOf"][0]["$ref"],
            "#/$defs/a.Spec"
        );
        assert_eq!(
            w["properties"]["port"]["oneOf"][1]["type"],
            json!(["integer", "null"])
        );
        assert!(w["properties"]["raw"].get("additionalProperties").is_none());
        assert_eq!(out["kubernetes"], "1.36");
    }
}
