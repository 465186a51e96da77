//! The spec's Technical Context in, the runtime version of each service that its own files do
//! not pin out: "Python 3.11 (backend), Node.js 22" gives a Python service 3.11 and a Node one 22.
//! The project's files (.python-version, engines, go.mod, rust-toolchain) win over the spec.

use super::{Evidence, Service, Stack};
use crate::spec::Spec;
use regex::Regex;
use std::sync::LazyLock;

static LANGUAGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(\.net(?:\s*core)?|\b(?:python|node(?:\.?js)?|golang|go|rust|java|php|ruby|deno|bun|dotnet))\s*v?(\d+(?:\.\d+)*)",
    )
        .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
});

/// Gives each service without a pinned runtime the version the spec names for its language.
pub fn from_context(spec: &Spec, services: &mut [Service]) {
    for entry in spec
        .context
        .iter()
        .filter(|c| c.key.to_lowercase().contains("language"))
    {
        for (stack, version) in named(&entry.value) {
            for s in services
                .iter_mut()
                .filter(|s| s.stack == stack && s.runtime_version.is_none())
            {
                s.runtime_version = Some(version.clone());
                s.evidence.push(Evidence {
                    source: entry.location.to_string(),
                });
            }
        }
    }
}

/// The languages a Technical Context value names with a version, first mention first.
fn named(value: &str) -> Vec<(Stack, String)> {
    let mut out: Vec<(Stack, String)> = Vec::new();
    for c in LANGUAGE.captures_iter(value) {
        let stack = match c[1].to_lowercase().as_str() {
            "python" => Stack::Python,
            "go" | "golang" => Stack::Go,
            "rust" => Stack::Rust,
            "java" => Stack::Java,
            "php" => Stack::Php,
            "ruby" => Stack::Ruby,
            "deno" => Stack::Deno,
            "bun" => Stack::Bun,
            l if l.contains("net") => Stack::Dotnet,
            _ => Stack::Node,
        };
        if !out.iter().any(|(s, _)| *s == stack) {
            out.push((stack, c[2].to_string()));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_with_versions_as_plans_write_them() {
        assert_eq!(
            named("Python 3.11 (backend), Node.js 22 (frontend)"),
            [(Stack::Python, "3.11".into()), (Stack::Node, "22".into())]
        );
        assert_eq!(
            named("TypeScript 5.x on Node 20 LTS; Go 1.22"),
            [(Stack::Node, "20".into()), (Stack::Go, "1.22".into())]
        );
        assert_eq!(
            named("Java 21 / Spring Boot 3.3"),
            [(Stack::Java, "21".into())]
        );
        assert_eq!(named("Rust 1.95 (stable)"), [(Stack::Rust, "1.95".into())]);
        assert_eq!(
            named("PHP 8.2, Ruby 3.1 (Sinatra 4), Deno 2.5, Bun 1.3, .NET 9, ASP.NET Core 8"),
            [
                (Stack::Php, "8.2".into()),
                (Stack::Ruby, "3.1".into()),
                (Stack::Deno, "2.5".into()),
                (Stack::Bun, "1.3".into()),
                (Stack::Dotnet, "9".into()),
            ]
        );
        // Django and a version of Pydantic are not a language; NEEDS CLARIFICATION is nothing.
        assert!(named("Django 5, Pydantic 2").is_empty());
        assert!(named("[NEEDS CLARIFICATION: which Python?]").is_empty());
    }
}
