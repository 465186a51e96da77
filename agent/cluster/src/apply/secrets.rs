//! An approved Secret that asks for generated values (`berth.dev/generate: password`) in, the
//! Secret to apply out: the cluster's values where it has them, fresh random ones where it has
//! not. The values exist only in the cluster; no file ever holds them.

use super::cluster::Failure;
use kube::api::{Api, DynamicObject};
use serde_json::Value;

/// The annotation the drafter puts on such a Secret (a comma-separated list of keys).
pub const GENERATE_ANNOTATION: &str = "berth.dev/generate";

/// The annotation naming the keys a person provides (an API key): kept, and said when missing.
pub const PROVIDED_ANNOTATION: &str = "berth.dev/provided";

/// The keys `value` asks berth to generate, if it is such a Secret.
pub fn keys_to_generate(value: &Value) -> Vec<String> {
    annotated_keys(value, GENERATE_ANNOTATION)
}

/// The comma-separated keys of a Secret's annotation.
fn annotated_keys(value: &Value, annotation: &str) -> Vec<String> {
    if value.get("kind").and_then(Value::as_str) != Some("Secret") {
        return Vec::new();
    }
    value
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(annotation))
        .and_then(Value::as_str)
        .map(|keys| {
            keys.split(',')
                .map(str::trim)
                .filter(|k| !k.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// What `fill` did to a Secret.
#[derive(Debug, Default)]
pub struct Filled {
    /// The object to apply.
    pub value: Value,
    /// Keys generated now.
    pub generated: Vec<String>,
    /// Keys a person provides that the cluster does not have yet.
    pub missing: Vec<String>,
}

/// `value` with each key to generate set: kept from the live Secret, else generated; and the
/// keys a person provides that the live Secret lacks.
pub async fn fill(api: &Api<DynamicObject>, value: &Value) -> Result<Filled, Failure> {
    let keys = keys_to_generate(value);
    let provided = annotated_keys(value, PROVIDED_ANNOTATION);
    if keys.is_empty() && provided.is_empty() {
        return Ok(Filled {
            value: value.clone(),
            ..Filled::default()
        });
    }
    let name = value
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let live = match api.get_opt(name).await.map_err(Failure::from_kube)? {
        Some(o) => serde_json::to_value(o).unwrap_or_default(),
        None => Value::Null,
    };
    let mut out = value.clone();
    let mut generated = Vec::new();
    for key in keys {
        let existing = live
            .pointer(&format!("/data/{key}"))
            .and_then(Value::as_str);
        let data = match existing {
            Some(v) if !v.is_empty() => Value::String(v.to_string()),
            _ => {
                generated.push(key.clone());
                serde_json::to_value(k8s_openapi::ByteString(random_password()?.into_bytes()))
                    .map_err(|e| Failure::Transport(e.to_string()))?
            }
        };
        out["data"][&key] = data;
    }
    let missing = provided
        .into_iter()
        .filter(|k| {
            live.pointer(&format!("/data/{k}"))
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
        })
        .collect();
    Ok(Filled {
        value: out,
        generated,
        missing,
    })
}

/// 24 letters and digits from the OS's random source: safe inside a URL without escaping.
fn random_password() -> Result<String, Failure> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::new();
    while out.len() < 24 {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| Failure::Transport(format!("no random source: {e}")))?;
        // 248 = 4 * 62: bytes above it are dropped, so every character is equally likely.
        out.extend(
            bytes
                .iter()
                .filter(|b| **b < 248)
                .map(|b| char::from(ALPHABET[usize::from(*b) % 62])),
        );
    }
    out.truncate(24);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_annotated_secrets_ask_for_values() {
        let s = json!({"kind": "Secret", "metadata": {"name": "db-credentials",
            "annotations": {GENERATE_ANNOTATION: "password, root-password"}}});
        assert_eq!(keys_to_generate(&s), ["password", "root-password"]);
        let cm =
            json!({"kind": "ConfigMap", "metadata": {"annotations": {GENERATE_ANNOTATION: "x"}}});
        assert!(keys_to_generate(&cm).is_empty());
    }

    #[test]
    fn passwords_are_long_and_url_safe() {
        let (a, b) = (random_password().unwrap(), random_password().unwrap());
        assert_eq!(a.len(), 24);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
    }
}
