//! `berth build`: each service's image with a content-derived tag. The builder follows the
//! cluster (Minikube: `minikube image build`; otherwise `docker build`) unless `--builder`
//! says; every command is printed before it runs, and `--print` only prints them. Images
//! built are recorded in .berth/images.json for `berth apply`.

use super::{Error, Exit};
use crate::cli::{BuildArgs, BuilderKind, Cli, Output};
use berth_core::build::{Builder, RECORD};
use berth_pipeline::{Event, build, project};
use std::path::Path;

/// The builder asked for, else the one the context calls for.
pub fn builder(kind: Option<BuilderKind>, context: Option<&str>) -> Builder {
    let profile = || build::minikube_profile(context).unwrap_or_else(|| "minikube".into());
    // kind-NAME and k3d-NAME contexts name their cluster.
    let cluster = |prefix: &str, default: &str| {
        let current = berth_cluster::apply::context::load(context)
            .ok()
            .map(|(_, f, _)| f.name);
        current
            .and_then(|n| n.strip_prefix(prefix).map(str::to_string))
            .unwrap_or_else(|| default.into())
    };
    match kind {
        Some(BuilderKind::Docker) => Builder::Docker,
        Some(BuilderKind::Minikube) => Builder::Minikube { profile: profile() },
        Some(BuilderKind::MinikubeDockerEnv) => Builder::MinikubeDockerEnv { profile: profile() },
        Some(BuilderKind::Kind) => Builder::Kind {
            cluster: cluster("kind-", "kind"),
        },
        Some(BuilderKind::K3d) => Builder::K3d {
            cluster: cluster("k3d-", "k3s-default"),
        },
        Some(BuilderKind::RancherDesktop) => Builder::RancherDesktop,
        None => build::builder_for(context),
    }
}

pub fn run(cli: &Cli, args: &BuildArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth build prints human or json output"));
    }
    let (_, plan) = project::one_plan(args.path.as_deref(), cwd, root)?;
    let builder = builder(args.builder, args.context.as_deref());
    let options = build::options(root, args.network.as_deref())?;
    if cli.output == Output::Json {
        let (_, steps) = build::plan_steps(root, &plan, &builder, &options)?;
        let v = serde_json::json!({ "builder": builder, "options": options, "steps": steps, "ran": !args.print });
        crate::output::print(&(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"));
    }
    let human = cli.output == Output::Human;
    let sink = |e: &Event| {
        if let (true, Event::Built { command, .. }) = (human, e) {
            crate::output::print(&format!("{command}\n"));
        }
    };
    // `berth build` builds every time, as asked; `berth up` skips what is already built.
    let images = build::run(root, &plan, &builder, &options, args.print, true, &sink)?;
    if cli.output == Output::Human {
        let note = if args.print {
            "(printed only: run them, or `berth build` without --print)".to_string()
        } else {
            let n = images.len();
            let (what, them) = if n == 1 {
                ("image", "it")
            } else {
                ("images", "them")
            };
            format!(
                "built {n} {what}; `berth apply` now uses {them} (recorded in {})",
                RECORD
            )
        };
        crate::output::print(&format!("{note}\n"));
    }
    Ok(Exit::Ok)
}
