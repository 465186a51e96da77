//! A Ruby service in, its Dockerfile out: Bundler installs the gems the lock file pins
//! (deployment mode, without the development and test groups) in a build stage that also has
//! the compiler native extensions need, and the runtime stage runs the server as an
//! unprivileged user. The compiler is always there: most Gemfiles pull in a gem with a C
//! extension, and the drafter reads the plan, not the lock file.

use super::{exec_form, minor_or};
use crate::offline::runtime::Runtime;
use berth_core::plan::Service;

pub(in crate::offline) fn dockerfile(s: &Service, rt: &Runtime) -> String {
    let ruby = format!(
        "ruby:{}-slim",
        minor_or(s.runtime_version.as_deref(), (3, 4))
    );
    let locked = s.lock_file.as_deref() == Some("Gemfile.lock");
    let bundle = if locked {
        "BUNDLE_DEPLOYMENT=1 BUNDLE_WITHOUT=development:test BUNDLE_PATH=/usr/local/bundle"
    } else {
        "BUNDLE_WITHOUT=development:test BUNDLE_PATH=/usr/local/bundle"
    };
    let rails = s.frameworks.iter().any(|f| f == "rails");
    let app_env = if rails {
        "RAILS_ENV=production RAILS_LOG_TO_STDOUT=1 RAILS_SERVE_STATIC_FILES=1"
    } else {
        "RACK_ENV=production"
    };
    format!(
        r#"# Install the {what} gems in their own layer; the compiler their native extensions need
# (puma, nio4r, bcrypt, pg...) stays in this stage.
FROM {ruby} AS build
WORKDIR /app
ENV {bundle}
{COMPILER}COPY {manifests} ./
RUN bundle install && rm -rf /usr/local/bundle/cache
COPY . .

# Run it with the installed gems as an unprivileged user.
FROM {ruby}
WORKDIR /app
ENV {bundle} {app_env}
COPY --from=build /usr/local/bundle /usr/local/bundle
COPY --from=build /app ./
USER {uid}:{uid}
EXPOSE {port}
CMD {cmd}
"#,
        what = if locked { "locked" } else { "resolved" },
        manifests = if locked {
            "Gemfile Gemfile.lock"
        } else {
            "Gemfile"
        },
        uid = rt.uid,
        port = rt.port,
        cmd = exec_form(&command(s, rt.port)),
    )
}

/// The build stage's compiler. Its Debian version is not pinned: the stage is thrown away, and
/// a pin would break with each Debian point release.
const COMPILER: &str = "# hadolint ignore=DL3008\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential libyaml-dev && rm -rf /var/lib/apt/lists/*\n";

/// The server's command, listening on every address at the drafted port.
fn command(s: &Service, port: u16) -> Vec<String> {
    let mut cmd: Vec<String> = s
        .start_command
        .as_deref()
        .unwrap_or("bundle exec ruby app.rb")
        .split_whitespace()
        .map(String::from)
        .collect();
    let port = port.to_string();
    let args: Vec<String> = match cmd.get(2).map(String::as_str) {
        Some("rails") => vec!["-p".into(), port],
        Some("puma") => {
            // puma takes the rackup file last.
            cmd.retain(|w| w != "config.ru");
            vec![
                "--bind".into(),
                format!("tcp://0.0.0.0:{port}"),
                "config.ru".into(),
            ]
        }
        Some("rackup") => vec!["--port".into(), port],
        // A Sinatra app file: `-o` binds every address, `-p` the port.
        _ if s.frameworks.iter().any(|f| f == "sinatra") => {
            vec!["-o".into(), "0.0.0.0".into(), "-p".into(), port]
        }
        _ => vec![],
    };
    cmd.extend(args);
    cmd
}
