//! A Bun server in, its Dockerfile out: Bun installs from its lock file (frozen), builds when
//! the project has a build script, keeps only production dependencies, and runs the entry file
//! as the image's unprivileged `bun` user.

use super::{exec_form, minor_or};
use crate::offline::runtime::Runtime;
use berth_core::plan::Service;

/// `oven/bun:<major.minor>-slim`: the version the project asks for, else 1.4.
pub(in crate::offline) fn image(s: &Service) -> String {
    format!(
        "oven/bun:{}-slim",
        minor_or(s.runtime_version.as_deref(), (1, 4))
    )
}

/// The install of every dependency, from the lock file when there is one.
pub(in crate::offline) fn install(s: &Service) -> &'static str {
    if s.lock_file.is_some() {
        "bun install --frozen-lockfile"
    } else {
        "bun install"
    }
}

/// `package.json` and Bun's lock file, for the dependency layer.
pub(in crate::offline) fn manifests(s: &Service) -> String {
    match &s.lock_file {
        Some(lock) => format!("package.json {lock}"),
        None => "package.json".to_string(),
    }
}

pub(in crate::offline) fn dockerfile(s: &Service, rt: &Runtime) -> String {
    let bun = image(s);
    let build = s
        .build_command
        .as_deref()
        .map(|b| format!("{b} && "))
        .unwrap_or_default();
    // Production dependencies only: a fresh install without the dev ones, in the build's layer.
    let production = format!("rm -rf node_modules && {} --production", install(s));
    let start: Vec<String> = match (&s.entrypoint, &s.start_command) {
        (Some(entry), _) => vec!["bun".into(), entry.clone()],
        (None, Some(start)) => start.split_whitespace().map(String::from).collect(),
        (None, None) => vec!["bun".into(), "index.ts".into()],
    };
    format!(
        r#"# Install dependencies in their own layer, then build.
FROM {bun} AS build
WORKDIR /app
COPY {manifests} ./
RUN {install}
COPY . .
RUN {build}{production}

# Run with production dependencies only, as the image's unprivileged `bun` user.
FROM {bun}
WORKDIR /app
ENV NODE_ENV=production PORT={port}
COPY --from=build /app ./
USER {uid}:{uid}
EXPOSE {port}
CMD {cmd}
"#,
        manifests = manifests(s),
        install = install(s),
        uid = rt.uid,
        port = rt.port,
        cmd = exec_form(&start),
    )
}
