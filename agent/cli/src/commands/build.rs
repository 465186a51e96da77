//! `berth build`: each service's image with a content-derived tag. The builder follows the
//! cluster (Minikube: `minikube image build`; otherwise `docker build`) unless `--builder`
//! says; every command is printed before it runs, and `--print` only prints them. Images
//! built are recorded in .berth/images.json for `berth apply`.

use super::{Error, Exit};
use crate::cli::{BuildArgs, BuilderKind, Cli, Output};
use berth_core::apply::context;
use berth_core::build::{self, Builder, Step};
use std::path::Path;
use std::process::Command;

/// The builder for the context: Minikube's when it is one, else plain Docker.
fn builder(args: &BuildArgs) -> Builder {
    let profile = || {
        context::load(args.context.as_deref())
            .ok()
            .and_then(|(_, facts, _)| {
                context::detect_minikube(&facts, context::minikube_home().as_deref())
                    .ok()
                    .map(|(_, p)| p)
            })
    };
    match args.builder {
        Some(BuilderKind::Docker) => Builder::Docker,
        Some(BuilderKind::Minikube) => Builder::Minikube {
            profile: profile().unwrap_or_else(|| "minikube".into()),
        },
        Some(BuilderKind::MinikubeDockerEnv) => Builder::MinikubeDockerEnv {
            profile: profile().unwrap_or_else(|| "minikube".into()),
        },
        None => match profile() {
            Some(profile) => Builder::Minikube { profile },
            None => Builder::Docker,
        },
    }
}

/// Runs one step; for docker-env, the environment comes from minikube first.
fn execute(step: &Step, root: &Path) -> Result<(), Error> {
    let mut cmd = Command::new(&step.argv[0]);
    cmd.args(&step.argv[1..]).current_dir(root);
    if let Some(env) = &step.env_from {
        let out = Command::new(&env[0])
            .args(&env[1..])
            .output()
            .map_err(|e| Error::external(anyhow::anyhow!("{}: {e}", env.join(" "))))?;
        if !out.status.success() {
            return Err(Error::external(anyhow::anyhow!(
                "{} failed: {}",
                env.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            if let Some((k, v)) = line.split_once('=') {
                cmd.env(k, v.trim_matches('"'));
            }
        }
    }
    // The build's own output goes to our stderr: stdout stays for berth's result.
    cmd.stdout(std::process::Stdio::from(std::io::stderr()));
    let status = cmd.status().map_err(|e| {
        Error::external(anyhow::anyhow!(
            "cannot run {}: {e} (is it installed and on PATH?)",
            step.argv[0]
        ))
    })?;
    if !status.success() {
        return Err(Error::external(anyhow::anyhow!(
            "building {} failed ({status}): {}",
            step.image,
            step.shell
        )));
    }
    Ok(())
}

pub fn run(cli: &Cli, args: &BuildArgs, cwd: &Path, root: &Path) -> Result<Exit, Error> {
    if !matches!(cli.output, Output::Human | Output::Json) {
        return Err(Error::usage("berth build prints human or json output"));
    }
    let (_, plan) = super::draft::one_plan(args.path.as_deref(), cwd, root)?;
    let images = build::images(root, &plan)?;
    let builder = builder(args);
    let steps = build::steps(&builder, &images);
    if cli.output == Output::Json {
        let v = serde_json::json!({ "builder": builder, "steps": steps, "ran": !args.print });
        crate::output::print(&(serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"));
    }
    for (step, image) in steps.iter().zip(&images) {
        if cli.output == Output::Human {
            crate::output::print(&format!("{}\n", step.shell));
        }
        if !args.print {
            execute(step, root)?;
            build::record_built(root, image)?;
        }
    }
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
                build::RECORD
            )
        };
        crate::output::print(&format!("{note}\n"));
    }
    Ok(Exit::Ok)
}
