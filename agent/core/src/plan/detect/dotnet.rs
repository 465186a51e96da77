//! .NET: a `*.csproj` (or a `*.sln` naming one) in, the project to publish, its assembly name
//! and target framework (`net9.0` gives 9.0), and ASP.NET Core when it uses the Web SDK out.

use super::{Detected, SourceTree};
use crate::plan::PlanError;
use regex::Regex;
use std::sync::LazyLock;

static TARGET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<TargetFrameworks?>\s*net(\d+\.\d+)")
        .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
});
static ASSEMBLY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"<AssemblyName>\s*([^<\s]+)\s*</AssemblyName>")
        .unwrap_or_else(|e| panic!("bad built-in pattern: {e}"))
});

/// The aspnet image listens here (its ASPNETCORE_HTTP_PORTS).
pub const ASPNET_PORT: u16 = 8080;

pub fn detect(tree: &SourceTree) -> Result<Option<Detected>, PlanError> {
    let projects: Vec<&str> = tree.files(|f| f.ends_with(".csproj")).collect();
    let solution = tree.files(|f| f.ends_with(".sln")).next();
    if projects.is_empty() && solution.is_none() {
        return Ok(None);
    }
    // The web project is the one that serves; a solution's tests and libraries do not.
    let mut texts = Vec::new();
    for p in &projects {
        texts.push((*p, tree.read(p)?.unwrap_or_default()));
    }
    let project = texts
        .iter()
        .find(|(_, t)| t.contains("Microsoft.NET.Sdk.Web"))
        .or_else(|| texts.first());
    let web = project.is_some_and(|(_, t)| t.contains("Microsoft.NET.Sdk.Web"));
    let assembly = project.map(|(path, text)| {
        ASSEMBLY
            .captures(text)
            .map(|c| c[1].to_string())
            .unwrap_or_else(|| stem(path).to_string())
    });
    let mut evidence: Vec<String> = project.iter().map(|(p, _)| tree.shown(p)).collect();
    evidence.extend(solution.map(|s| tree.shown(s)));
    let folder = project
        .and_then(|(p, _)| p.rsplit_once('/').map(|(d, _)| d.to_string()))
        .unwrap_or_default();
    let program = if folder.is_empty() {
        "Program.cs".to_string()
    } else {
        format!("{folder}/Program.cs")
    };
    Ok(Some(Detected {
        frameworks: if web {
            vec!["aspnetcore".into()]
        } else {
            vec![]
        },
        tool: Some("dotnet".into()),
        runtime_version: project
            .and_then(|(_, t)| TARGET.captures(t))
            .map(|c| c[1].to_string()),
        build_command: project.map(|(p, _)| format!("dotnet publish {p} -c Release")),
        start_command: assembly.as_ref().map(|a| format!("dotnet {a}.dll")),
        // The project file the image publishes.
        entrypoint: project.map(|(p, _)| p.to_string()),
        entry_files: vec![program],
        default_port: Some((
            ASPNET_PORT,
            "ASPNETCORE_HTTP_PORTS of the aspnet image berth drafts",
        )),
        evidence,
        ..Detected::default()
    }))
}

/// `src/Api/Api.csproj` gives `Api`.
fn stem(path: &str) -> &str {
    let file = path.rsplit('/').next().unwrap_or(path);
    file.strip_suffix(".csproj").unwrap_or(file)
}
