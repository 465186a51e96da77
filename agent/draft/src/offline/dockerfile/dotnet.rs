//! A .NET service in, its Dockerfile out: the SDK image restores and publishes a Release build,
//! and the ASP.NET Core runtime image (the plain .NET runtime for a project without the Web
//! SDK) runs it as its unprivileged `app` user, listening where ASPNETCORE_HTTP_PORTS says.

use super::{exec_form, minor_or};
use crate::offline::runtime::Runtime;
use berth_core::plan::Service;

pub(in crate::offline) fn dockerfile(s: &Service, rt: &Runtime) -> String {
    let version = minor_or(s.runtime_version.as_deref(), (10, 0));
    let project = s.entrypoint.as_deref().unwrap_or("app.csproj");
    let runtime = if s.frameworks.iter().any(|f| f == "aspnetcore") {
        "aspnet"
    } else {
        "runtime"
    };
    let dll = s
        .start_command
        .as_deref()
        .and_then(|c| c.strip_prefix("dotnet "))
        .unwrap_or("app.dll");
    format!(
        r#"# Restore packages, then publish a Release build.
FROM mcr.microsoft.com/dotnet/sdk:{version} AS build
WORKDIR /src
{restore}RUN dotnet publish {project} -c Release -o /out --no-restore

# Run it on the .NET runtime as the image's unprivileged `app` user.
FROM mcr.microsoft.com/dotnet/{runtime}:{version}
WORKDIR /app
ENV ASPNETCORE_HTTP_PORTS={port} DOTNET_CLI_TELEMETRY_OPTOUT=1
COPY --from=build /out ./
USER {uid}:{uid}
EXPOSE {port}
ENTRYPOINT {cmd}
"#,
        restore = restore(s, project),
        uid = rt.uid,
        port = rt.port,
        cmd = exec_form(&["dotnet".into(), dll.into()]),
    )
}

/// A lone project restores from its own file, in a layer only that file invalidates; one with
/// a solution may reference its siblings, so the whole tree is copied first.
fn restore(s: &Service, project: &str) -> String {
    let alone = !project.contains('/') && !s.evidence.iter().any(|e| e.source.ends_with(".sln"));
    if alone {
        format!("COPY {project} ./\nRUN dotnet restore {project}\nCOPY . .\n")
    } else {
        format!("COPY . .\nRUN dotnet restore {project}\n")
    }
}
