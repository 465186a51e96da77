//! Object names and labels in, findings out: the syntax the API server enforces, so a draft it
//! would reject (a Deployment named `ext_proc`, a label value with a space) never passes.
//! Names: RFC 1123 subdomains for most kinds; RFC 1123 labels for Namespaces; RFC 1035 labels
//! for Services (their names become DNS labels). Labels: an optional DNS-subdomain prefix, a
//! name of at most 63 characters, and values of at most 63.

use super::Finding;
use super::yaml::Document;
use serde_json::Value;

/// Checks `metadata.name`, the labels of the object and of its pod template.
pub fn check(file: &str, doc: &Document, out: &mut Vec<Finding>) {
    let v = &doc.value;
    let kind = v["kind"].as_str().unwrap_or("");
    if let Some(name) = v.pointer("/metadata/name").and_then(Value::as_str) {
        if let Some(why) = name_problem(kind, name) {
            out.push(Finding::at(
                "schema/invalid-name",
                file,
                doc,
                "/metadata/name",
                format!("{kind} name {name:?} {why}"),
                Some(format!("try {:?}", suggest(name))),
            ));
        }
    }
    for pointer in ["/metadata/labels", "/spec/template/metadata/labels"] {
        let Some(labels) = v.pointer(pointer).and_then(Value::as_object) else {
            continue;
        };
        for (key, value) in labels {
            let at = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
            let problem = label_key_problem(key).map(|why| format!("label key {key:?} {why}"));
            let problem = problem.or_else(|| {
                value
                    .as_str()
                    .and_then(label_value_problem)
                    .map(|why| format!("label {key}'s value {value} {why}"))
            });
            if let Some(message) = problem {
                out.push(Finding::at(
                    "schema/invalid-label",
                    file,
                    doc,
                    &at,
                    message,
                    Some("label names and values: at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit".into()),
                ));
            }
        }
    }
}

fn alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// RFC 1123 label: lowercase letters, digits and '-', starting and ending alphanumeric, ≤ 63.
fn dns_label(s: &str) -> Option<&'static str> {
    if s.is_empty() || s.len() > 63 {
        return Some("must be 1 to 63 characters long");
    }
    if !s.chars().all(|c| alnum(c) || c == '-') {
        return Some("may hold only lowercase letters, digits and '-'");
    }
    if !s.starts_with(alnum) || !s.ends_with(alnum) {
        return Some("must start and end with a lowercase letter or digit");
    }
    None
}

/// RFC 1123 subdomain: dot-separated labels, ≤ 253.
fn dns_subdomain(s: &str) -> Option<&'static str> {
    if s.len() > 253 {
        return Some("must be at most 253 characters long");
    }
    s.split('.').find_map(dns_label).map(|_| {
        "may hold only lowercase letters, digits, '-' and '.', each part starting and ending with a letter or digit"
    })
}

fn name_problem(kind: &str, name: &str) -> Option<&'static str> {
    match kind {
        "Namespace" => dns_label(name),
        "Service" => dns_label(name).or_else(|| {
            (!name.starts_with(|c: char| c.is_ascii_lowercase()))
                .then_some("must start with a lowercase letter (it becomes a DNS name)")
        }),
        // Names of these are paths or free-form in the API server; leave them.
        "" | "List" => None,
        _ => dns_subdomain(name),
    }
}

fn label_key_problem(key: &str) -> Option<&'static str> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, key),
    };
    if let Some(p) = prefix {
        if dns_subdomain(p).is_some() {
            return Some("has a prefix that is not a DNS subdomain");
        }
    }
    label_value_problem(name).or_else(|| name.is_empty().then_some("has an empty name"))
}

fn label_value_problem(value: &str) -> Option<&'static str> {
    if value.is_empty() {
        return None;
    }
    if value.len() > 63 {
        return Some("is longer than 63 characters");
    }
    let ok = |c: char| c.is_ascii_alphanumeric();
    if !value.chars().all(|c| ok(c) || "-_.".contains(c)) {
        return Some("may hold only letters, digits, '-', '_' and '.'");
    }
    if !value.starts_with(ok) || !value.ends_with(ok) {
        return Some("must start and end with a letter or digit");
    }
    None
}

/// The nearest valid name: lowercased, other characters as '-', trimmed.
fn suggest(name: &str) -> String {
    let s: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| if alnum(c) || c == '.' { c } else { '-' })
        .collect();
    s.trim_matches(|c: char| !alnum(c))
        .chars()
        .take(63)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_api_servers_rules() {
        assert!(name_problem("Deployment", "ext_proc").is_some());
        assert_eq!(suggest("ext_proc"), "ext-proc");
        assert!(name_problem("Deployment", "web.v2").is_none());
        assert!(name_problem("Service", "web.v2").is_some());
        assert!(name_problem("Service", "2web").is_some());
        assert!(name_problem("Namespace", "001-todo").is_none());
        assert!(name_problem("ConfigMap", "Settings").is_some());
        assert!(label_key_problem("app.kubernetes.io/name").is_none());
        assert!(label_key_problem("Bad_Prefix.io/name").is_some());
        assert!(label_value_problem("hello world").is_some());
        assert!(label_value_problem("v1.2_3-rc").is_none());
        assert!(label_value_problem(&"a".repeat(64)).is_some());
    }
}
