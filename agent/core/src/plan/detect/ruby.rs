//! Ruby: a Gemfile in, framework (rails, sinatra, rack), the Ruby version (.ruby-version or the
//! Gemfile's `ruby`), and the server command (rails server, puma or rackup on config.ru, or the
//! app file) out.

use super::{Detected, SourceTree};
use crate::plan::PlanError;
use regex::Regex;
use std::sync::LazyLock;

static RUBY_VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?m)^\s*ruby\s+["']([^"']+)["']"#)
        .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
});

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    let Some(gemfile) = tree.read("Gemfile")? else {
        return Ok(None);
    };
    let gem = |name: &str| {
        Regex::new(&format!(r#"(?m)^\s*gem\s+["']{}["']"#, regex::escape(name)))
            .is_ok_and(|r| r.is_match(&gemfile))
    };
    let rails = gem("rails") || tree.exists("config/application.rb");
    let rack = tree.exists("config.ru");
    let puma = gem("puma");
    // The file a Sinatra app without config.ru starts from.
    let app_file = ["app.rb", "server.rb", "main.rb"]
        .into_iter()
        .find(|f| tree.exists(f));
    let (framework, start, default_port): (&str, Option<String>, (u16, &'static str)) = if rails {
        (
            "rails",
            Some("bundle exec rails server -b 0.0.0.0".into()),
            (3000, "rails server's default port"),
        )
    } else if rack && puma {
        (
            if gem("sinatra") { "sinatra" } else { "rack" },
            Some("bundle exec puma config.ru".into()),
            (9292, "puma's default port for config.ru"),
        )
    } else if rack {
        (
            if gem("sinatra") { "sinatra" } else { "rack" },
            Some("bundle exec rackup --host 0.0.0.0 config.ru".into()),
            (9292, "rackup's default port"),
        )
    } else if gem("sinatra") {
        (
            "sinatra",
            app_file.map(|f| format!("bundle exec ruby {f}")),
            (4567, "sinatra's default port"),
        )
    } else {
        (
            "",
            app_file.map(|f| format!("bundle exec ruby {f}")),
            (0, ""),
        )
    };
    let runtime_version = match tree.read(".ruby-version")? {
        Some(v) => Some(v.trim().trim_start_matches("ruby-").to_string()),
        None => RUBY_VERSION.captures(&gemfile).map(|c| c[1].to_string()),
    };
    let mut evidence = vec![tree.shown("Gemfile")];
    evidence.extend(
        ["config.ru", "config/application.rb"]
            .into_iter()
            .filter(|f| tree.exists(f))
            .map(|f| tree.shown(f)),
    );
    Ok(Some(Detected {
        frameworks: if framework.is_empty() {
            vec![]
        } else {
            vec![framework.to_string()]
        },
        tool: Some("bundler".into()),
        runtime_version,
        build_command: Some("bundle install".into()),
        entrypoint: app_file
            .map(str::to_string)
            .or_else(|| rack.then(|| "config.ru".into())),
        start_command: start,
        entry_files: [
            "config/puma.rb",
            "config.ru",
            "app.rb",
            "server.rb",
            "main.rb",
        ]
        .map(String::from)
        .to_vec(),
        default_port: (default_port.0 != 0).then_some(default_port),
        // Rails reads its signing key from the environment in production.
        env: if rails {
            vec!["SECRET_KEY_BASE".into()]
        } else {
            vec![]
        },
        evidence,
        ..Detected::default()
    }))
}
