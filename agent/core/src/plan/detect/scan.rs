//! A service's source folder in, facts read off its files (port, health endpoints, environment
//! variables) out. Reads text only, never runs anything, and skips dependency and build folders.

use crate::plan::PlanError;
use crate::source::display_path;
use regex::Regex;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

/// Folders that hold dependencies or build output, never the service's own code.
pub(crate) const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "target",
    "dist",
    "build",
    "out",
    ".git",
    ".berth",
    "vendor",
    "__pycache__",
    ".venv",
    "venv",
    ".next",
    ".gradle",
    ".mvn",
    ".idea",
    "coverage",
    // .NET's intermediate output.
    "obj",
];
const CODE_EXT: &[&str] = &[
    "js",
    "mjs",
    "cjs",
    "ts",
    "tsx",
    "jsx",
    "py",
    "go",
    "rs",
    "java",
    "kt",
    "properties",
    "yml",
    "yaml",
    "php",
    "rb",
    "ru",
    "cs",
    "csproj",
    "sln",
];
/// Enough for any service berth drafts for; a larger tree is read up to this many files.
const MAX_FILES: usize = 5000;
const MAX_FILE_BYTES: u64 = 1 << 20;

pub struct SourceTree {
    pub dir: PathBuf,
    /// The folder as shown to people (relative to the project root).
    pub shown_root: String,
    /// Relative paths of the code files, sorted.
    code: Vec<String>,
}

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap_or_else(|e| panic!("bad built-in pattern {p}: {e}"))
}

/// Port patterns, most explicit first. Each has one capture group: the number.
static PORT_PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r#"(?i)\bDEFAULT_?PORT\b\s*(?::\s*\w+\s*)?(?::=|=|:)\s*["']?:?([0-9]{2,5})\b"#,
        // `?:` is PHP's `getenv('PORT') ?: 8080`; `fetch("PORT", 4567)` and
        // `fetch("PORT") { 3000 }` are Ruby's.
        r#"(?i)\bPORT\b[^\n]{0,48}?(?:\?\?|\|\||\?:|unwrap_or|\bor\b|default|getenv\([^)]*,|:-|["']\)?\s*(?:,|\{))\s*\(?\s*["']?([0-9]{2,5})\b"#,
        r"(?m)^\s*server\.port\s*[=:]\s*([0-9]{2,5})\b",
        r#"\.listen\(\s*["']?:?([0-9]{2,5})\b"#,
        r#"ListenAndServe\(\s*"[^"]*:([0-9]{2,5})""#,
        // Java's own HTTP server, Netty and Jetty: `new InetSocketAddress(8080)`.
        r#"InetSocketAddress\(\s*(?:"[^"]*"\s*,\s*)?([0-9]{2,5})\s*\)"#,
        r#"["'](?:0\.0\.0\.0|127\.0\.0\.1|localhost|\[::\])?:([0-9]{2,5})["']"#,
        r"\bport\s*=\s*([0-9]{2,5})\b",
        r"--port[= ]([0-9]{2,5})\b",
        // Sinatra's `set :port, 4567`.
        r"\bset\s+:port\s*,\s*([0-9]{2,5})\b",
        // Deno's and Bun's `serve({ port: 8000, ... })`.
        r"serve\(\s*\{[^}]*?\bport\s*:\s*([0-9]{2,5})\b",
    ]
    .iter()
    .map(|p| re(p))
    .collect()
});

static ENV_PATTERNS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"process\.env\.([A-Z_][A-Z0-9_]*)",
        // Vite's build-time variables.
        r"import\.meta\.env\.([A-Z_][A-Z0-9_]*)",
        r#"process\.env\[\s*["']([A-Z_][A-Z0-9_]*)["']"#,
        r#"os\.(?:environ\.get|getenv|environ\[)\s*\(?\s*["']([A-Z_][A-Z0-9_]*)["']"#,
        r#"env::var(?:_os)?\(\s*"([A-Z_][A-Z0-9_]*)""#,
        r#"os\.(?:Getenv|LookupEnv)\(\s*"([A-Z_][A-Z0-9_]*)""#,
        r#"System\.getenv\(\s*"([A-Z_][A-Z0-9_]*)""#,
        // PHP's getenv('X') and $_ENV['X'], Ruby's ENV['X'] and ENV.fetch('X').
        r#"(?:^|[^.\w])getenv\(\s*["']([A-Z_][A-Z0-9_]*)["']"#,
        r#"\$_(?:ENV|SERVER)\[\s*["']([A-Z_][A-Z0-9_]*)["']"#,
        r#"\bENV(?:\.fetch\(|\[)\s*["']([A-Z_][A-Z0-9_]*)["']"#,
        r#"(?:Deno|Bun)\.env\.get\(\s*["']([A-Z_][A-Z0-9_]*)["']"#,
        r"Bun\.env\.([A-Z_][A-Z0-9_]*)",
        r#"Environment\.GetEnvironmentVariable\(\s*"([A-Z_][A-Z0-9_]*)""#,
    ]
    .iter()
    .map(|p| re(p))
    .collect()
});

static ROUTE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"["'`](/(?:healthz|readyz|livez|health|ready|actuator/health(?:/liveness|/readiness)?))["'`]"#,
    )
});

impl SourceTree {
    pub fn open(dir: &Path, root: &Path) -> Result<Self, PlanError> {
        let shown_root = display_path(dir, root);
        let mut code = Vec::new();
        let walker = walkdir::WalkDir::new(dir)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && SKIP_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
            });
        for entry in walker {
            let entry = entry.map_err(|e| PlanError::ServiceRead {
                path: e
                    .path()
                    .map(|p| display_path(p, root))
                    .unwrap_or_else(|| shown_root.clone()),
                source: e.into(),
            })?;
            if code.len() >= MAX_FILES {
                break;
            }
            let is_code = entry
                .path()
                .extension()
                .and_then(|x| x.to_str())
                .is_some_and(|x| CODE_EXT.contains(&x));
            if entry.file_type().is_file() && is_code {
                code.push(display_path(entry.path(), dir));
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            shown_root,
            code,
        })
    }

    pub fn exists(&self, rel: &str) -> bool {
        self.dir.join(rel).is_file()
    }

    /// The text of `rel`, or None when it does not exist.
    pub fn read(&self, rel: &str) -> Result<Option<String>, PlanError> {
        let path = self.dir.join(rel);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(PlanError::ServiceRead {
                path: self.shown(rel),
                source: e,
            }),
        }
    }

    /// `services/<name>/<rel>:<line>` of the first line of `rel` that holds `needle`, or the
    /// file alone when none does.
    pub fn line_of(&self, rel: &str, needle: &str) -> Result<String, PlanError> {
        let text = self.read(rel)?.unwrap_or_default();
        Ok(match text.lines().position(|l| l.contains(needle)) {
            Some(i) => format!("{}:{}", self.shown(rel), i + 1),
            None => self.shown(rel),
        })
    }

    /// `services/<name>/<rel>` as shown to people.
    pub fn shown(&self, rel: &str) -> String {
        format!("{}/{rel}", self.shown_root)
    }

    /// Files matching `pred`, sorted.
    pub fn files(&self, pred: impl Fn(&str) -> bool) -> impl Iterator<Item = &str> {
        self.code
            .iter()
            .map(String::as_str)
            .filter(move |f| pred(f))
    }

    /// The code files to search, entry files first, tests left out.
    fn search_order<'a>(&'a self, first: &[String]) -> Vec<&'a str> {
        let mut order: Vec<&'a str> = first
            .iter()
            .filter_map(|f| self.code.iter().find(|c| *c == f))
            .map(String::as_str)
            .collect();
        order.extend(
            self.code
                .iter()
                .map(String::as_str)
                .filter(|f| !is_test(f) && !first.iter().any(|x| x == f)),
        );
        order
    }

    /// A code file's text without its unit tests (Rust keeps them in the same file).
    fn text(&self, rel: &str) -> Option<String> {
        let path = self.dir.join(rel);
        let meta = std::fs::metadata(&path).ok()?;
        if meta.len() > MAX_FILE_BYTES {
            return None;
        }
        let mut text = std::fs::read_to_string(path).ok()?;
        if rel.ends_with(".rs") {
            if let Some(at) = text.find("#[cfg(test)]") {
                text.truncate(at);
            }
        }
        Some(text)
    }

    /// The port the service listens on and where that was read (`file:line`).
    pub fn find_port(&self, entry_files: &[String]) -> Option<(u16, String)> {
        let order = self.search_order(entry_files);
        let texts: Vec<(&str, String)> = order
            .iter()
            .filter_map(|f| self.text(f).map(|t| (*f, t)))
            .collect();
        for pattern in PORT_PATTERNS.iter() {
            for (file, text) in &texts {
                for caps in pattern.captures_iter(text) {
                    let Some(m) = caps.get(1) else { continue };
                    let Ok(port) = m.as_str().parse::<u16>() else {
                        continue;
                    };
                    if port >= 80 {
                        let line = text[..m.start()].matches('\n').count() + 1;
                        return Some((port, format!("{}:{line}", self.shown(file))));
                    }
                }
            }
        }
        None
    }

    /// Health endpoints named in the code.
    pub fn health(&self) -> crate::plan::model::Health {
        let mut routes = BTreeSet::new();
        for file in self.search_order(&[]) {
            if let Some(text) = self.text(file) {
                routes.extend(ROUTE.captures_iter(&text).map(|c| c[1].to_string()));
            }
        }
        let pick = |prefs: &[&str]| {
            prefs
                .iter()
                .find(|p| routes.contains(**p))
                .map(|p| p.to_string())
        };
        crate::plan::model::Health {
            liveness: pick(&[
                "/healthz",
                "/livez",
                "/actuator/health/liveness",
                "/health",
                "/actuator/health",
            ]),
            readiness: pick(&[
                "/readyz",
                "/ready",
                "/actuator/health/readiness",
                "/health",
                "/actuator/health",
            ]),
        }
    }

    /// Environment variables the files `pred` picks read, sorted.
    /// Whether a next.config sets `output: 'standalone'` (one that cannot be read does not).
    pub fn next_standalone(&self) -> bool {
        static STANDALONE: LazyLock<Regex> =
            LazyLock::new(|| re(r#"\boutput\s*:\s*['"`]standalone['"`]"#));
        self.files(|f| f.starts_with("next.config."))
            .any(|f| matches!(self.read(f), Ok(Some(t)) if STANDALONE.is_match(&t)))
    }

    pub fn env_vars_in(&self, pred: impl Fn(&str) -> bool) -> Vec<String> {
        let mut vars = BTreeSet::new();
        for file in self.files(pred) {
            if let Some(text) = self.text(file) {
                for p in ENV_PATTERNS.iter() {
                    vars.extend(p.captures_iter(&text).map(|c| c[1].to_string()));
                }
            }
        }
        vars.into_iter().collect()
    }

    /// Environment variables the code reads, sorted.
    pub fn env_vars(&self) -> Vec<String> {
        let mut vars = BTreeSet::new();
        for file in self.search_order(&[]) {
            if let Some(text) = self.text(file) {
                for p in ENV_PATTERNS.iter() {
                    vars.extend(p.captures_iter(&text).map(|c| c[1].to_string()));
                }
            }
        }
        vars.into_iter().collect()
    }
}

fn is_test(path: &str) -> bool {
    let p = format!("/{path}");
    [
        "/tests/",
        "/test/",
        "/__tests__/",
        ".test.",
        ".spec.",
        "_test.go",
        "/test_",
        "/bench/",
        "/e2e/",
    ]
    .iter()
    .any(|m| p.contains(m))
}
