//! Configuration from environment variables.

use std::fmt;
use std::net::IpAddr;
use std::time::Duration;

/// Item cap used when `MAX_ITEMS` is not set: keeps memory bounded.
pub const DEFAULT_MAX_ITEMS: usize = 10_000;
/// Largest accepted `MAX_ITEMS`.
pub const MAX_MAX_ITEMS: usize = 10_000_000;
/// Drain time used when `SHUTDOWN_TIMEOUT_SECS` is not set (below Kubernetes' 30 s grace period).
pub const DEFAULT_DRAIN_SECS: u64 = 25;

/// Runtime settings of the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// `HOST`: IP address to bind.
    pub host: IpAddr,
    /// `PORT`: TCP port to bind; 0 picks a free port (logged at start).
    pub port: u16,
    /// `MAX_ITEMS`: how many items the list may hold.
    pub max_items: usize,
    /// `SHUTDOWN_TIMEOUT_SECS`: how long in-flight requests may take after SIGTERM.
    pub drain_timeout: Duration,
}

/// A variable that is set but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub expected: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}={:?} is invalid: expected {}",
            self.var, self.value, self.expected
        )
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads the process environment.
    pub fn from_env(default_host: IpAddr, default_port: u16) -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok(), default_host, default_port)
    }

    /// Reads settings through `lookup`; unset and empty variables take the defaults.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        default_host: IpAddr,
        default_port: u16,
    ) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|value| !value.trim().is_empty());
        let host = parse(
            get("HOST"),
            "HOST",
            "an IP address such as 0.0.0.0 or 127.0.0.1",
            |v| v.parse::<IpAddr>().ok(),
        )?
        .unwrap_or(default_host);
        let port = parse(get("PORT"), "PORT", "a port number from 0 to 65535", |v| {
            v.parse::<u16>().ok()
        })?
        .unwrap_or(default_port);
        let max_items = parse(
            get("MAX_ITEMS"),
            "MAX_ITEMS",
            "a number from 1 to 10000000",
            |v| {
                v.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_MAX_ITEMS).contains(n))
            },
        )?
        .unwrap_or(DEFAULT_MAX_ITEMS);
        let drain_secs = parse(
            get("SHUTDOWN_TIMEOUT_SECS"),
            "SHUTDOWN_TIMEOUT_SECS",
            "a number of seconds from 0 to 3600",
            |v| v.parse::<u64>().ok().filter(|n| *n <= 3600),
        )?
        .unwrap_or(DEFAULT_DRAIN_SECS);
        Ok(Self {
            host,
            port,
            max_items,
            drain_timeout: Duration::from_secs(drain_secs),
        })
    }
}

fn parse<T>(
    value: Option<String>,
    var: &'static str,
    expected: &'static str,
    convert: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, ConfigError> {
    match value {
        None => Ok(None),
        Some(value) => match convert(value.trim()) {
            Some(parsed) => Ok(Some(parsed)),
            None => Err(ConfigError {
                var,
                value,
                expected,
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::net::Ipv4Addr;

    const ANY: IpAddr = IpAddr::V4(Ipv4Addr::UNSPECIFIED);

    fn load(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|name| map.get(name).cloned(), ANY, 8080)
    }

    #[test]
    fn defaults_when_unset_or_empty() {
        let expected = Config {
            host: ANY,
            port: 8080,
            max_items: DEFAULT_MAX_ITEMS,
            drain_timeout: Duration::from_secs(DEFAULT_DRAIN_SECS),
        };
        assert_eq!(load(&[]).unwrap(), expected);
        assert_eq!(load(&[("PORT", ""), ("HOST", " ")]).unwrap(), expected);
    }

    #[test]
    fn reads_every_variable() {
        let config = load(&[
            ("HOST", "127.0.0.1"),
            ("PORT", " 9000 "),
            ("MAX_ITEMS", "5"),
            ("SHUTDOWN_TIMEOUT_SECS", "3"),
        ])
        .unwrap();
        assert_eq!(config.host, IpAddr::V4(Ipv4Addr::LOCALHOST));
        assert_eq!(config.port, 9000);
        assert_eq!(config.max_items, 5);
        assert_eq!(config.drain_timeout, Duration::from_secs(3));
        assert_eq!(load(&[("HOST", "::1")]).unwrap().host.to_string(), "::1");
    }

    #[test]
    fn rejects_bad_values_with_the_variable_named() {
        for (var, value) in [
            ("PORT", "http"),
            ("PORT", "65536"),
            ("PORT", "-1"),
            ("HOST", "localhost:80"),
            ("MAX_ITEMS", "0"),
            ("MAX_ITEMS", "10000001"),
            ("SHUTDOWN_TIMEOUT_SECS", "forever"),
        ] {
            let err = load(&[(var, value)]).unwrap_err();
            assert_eq!(err.var, var);
            assert!(err.to_string().starts_with(&format!("{var}=")), "{err}");
        }
    }
}
