//! Structured JSON logs on stdout, one object per line.

use tracing_subscriber::EnvFilter;

/// Installs the global JSON logger.
///
/// The filter comes from `RUST_LOG` (full directive syntax) if set, else from
/// `LOG_LEVEL` (`error`, `warn`, `info`, `debug`, `trace`), else `info`. An
/// invalid filter falls back to `info` and says so in the log.
pub fn init() {
    let (spec, source) = filter_spec(|name| std::env::var(name).ok());
    let (filter, problem) = match EnvFilter::try_new(&spec) {
        Ok(filter) => (filter, None),
        Err(err) => (EnvFilter::new("info"), Some(err.to_string())),
    };
    let installed = tracing_subscriber::fmt()
        .json()
        .flatten_event(true)
        .with_current_span(false)
        .with_span_list(false)
        .with_env_filter(filter)
        .try_init();
    if installed.is_ok()
        && let Some(problem) = problem
    {
        tracing::warn!(source, value = %spec, error = %problem, "invalid log filter; using info");
    }
}

/// Picks the filter text and the variable it came from.
pub fn filter_spec(lookup: impl Fn(&str) -> Option<String>) -> (String, &'static str) {
    let get = |name: &str| {
        lookup(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    if let Some(spec) = get("RUST_LOG") {
        (spec, "RUST_LOG")
    } else if let Some(level) = get("LOG_LEVEL") {
        (level.to_ascii_lowercase(), "LOG_LEVEL")
    } else {
        ("info".to_owned(), "default")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_wins_then_log_level_then_info() {
        let both = |name: &str| match name {
            "RUST_LOG" => Some("backend=debug".to_owned()),
            "LOG_LEVEL" => Some("warn".to_owned()),
            _ => None,
        };
        assert_eq!(filter_spec(both), ("backend=debug".to_owned(), "RUST_LOG"));
        let level = |name: &str| (name == "LOG_LEVEL").then(|| " WARN ".to_owned());
        assert_eq!(filter_spec(level), ("warn".to_owned(), "LOG_LEVEL"));
        assert_eq!(filter_spec(|_| None), ("info".to_owned(), "default"));
        assert_eq!(
            filter_spec(|_| Some(String::new())),
            ("info".to_owned(), "default")
        );
    }
}
