//! Build stage for the pipeline: the plan's services and a builder in; each image built (or
//! skipped: already built with the same content-derived tag) and recorded in
//! .berth/images.json out. Every command is reported before it runs.

use crate::event::{Event, Sink};
use berth_cluster::apply::context::{self, Local};
use berth_core::build::{self, BuildOptions, Builder, ImageBuild, Load, Step};
use berth_core::exit::{Error, Exit};
use berth_core::plan::Plan;
use std::path::Path;
use std::process::Command;

/// Overrides the image loader: a command that reads `docker save`'s archive on stdin and loads
/// it into the cluster's runtime (e.g. `ctr -n k8s.io images import -`).
pub const LOAD_ENV: &str = "BERTH_IMAGE_LOAD";

/// The builder for the context, as Skaffold picks one: a command in BERTH_IMAGE_LOAD wins; then
/// Minikube builds inside itself, kind and k3d get the image loaded after `docker build`,
/// Rancher Desktop builds with nerdctl into its containerd, and Docker Desktop (or anything
/// else) uses the local Docker daemon.
pub fn builder_for(context: Option<&str>) -> Builder {
    if let Some(command) = std::env::var(LOAD_ENV)
        .ok()
        .filter(|c| !c.trim().is_empty())
    {
        return Builder::DockerLoad { command };
    }
    let local = context::load(context).ok().and_then(|(_, facts, _)| {
        context::detect_local(&facts, context::minikube_home().as_deref()).ok()
    });
    match local.map(|(_, l)| l) {
        Some(Local::Minikube { profile }) => Builder::Minikube { profile },
        Some(Local::Kind { cluster }) => Builder::Kind { cluster },
        Some(Local::K3d { cluster }) => Builder::K3d { cluster },
        Some(Local::RancherDesktop) => Builder::RancherDesktop,
        Some(Local::DockerDesktop) | None => Builder::Docker,
    }
}

/// Overrides berth.toml's `[build] network`: the network the builds' RUN steps use.
pub const NETWORK_ENV: &str = "BERTH_BUILD_NETWORK";

/// The build settings: `flag` (`berth build --network`), else BERTH_BUILD_NETWORK, else
/// berth.toml's `[build]` table.
pub fn options(root: &Path, flag: Option<&str>) -> Result<BuildOptions, Error> {
    let config = berth_core::config::load(root)?;
    let network = flag
        .map(str::to_string)
        .or_else(|| std::env::var(NETWORK_ENV).ok())
        .filter(|n| !n.trim().is_empty())
        .or(config.build.network);
    Ok(BuildOptions { network })
}

/// The Minikube profile of `context` (default: the current one), when it is a Minikube context.
pub fn minikube_profile(context: Option<&str>) -> Option<String> {
    context::load(context).ok().and_then(|(_, facts, _)| {
        context::detect_minikube(&facts, context::minikube_home().as_deref())
            .ok()
            .map(|(_, p)| p)
    })
}

/// What one image build did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Built {
    pub service: String,
    pub image: String,
    pub skipped: bool,
}

/// Builds every service's image. `print_only`: report the commands and run nothing.
/// `rebuild`: build even what images.json says was built with the same tag.
pub fn run(
    root: &Path,
    plan: &Plan,
    builder: &Builder,
    opts: &BuildOptions,
    print_only: bool,
    rebuild: bool,
    sink: Sink<'_>,
) -> Result<Vec<Built>, Error> {
    let images = build::images(root, plan)?;
    let built = build::load_built(root)?;
    let mut out = Vec::new();
    for (step, image) in build::steps(builder, &images, opts).iter().zip(&images) {
        let skipped = !rebuild && built.get(&image.repository) == Some(&image.image());
        sink(&Event::Built {
            service: image.service.clone(),
            image: image.image(),
            skipped: skipped || print_only,
            command: step.shell.clone(),
        });
        if !(skipped || print_only) {
            execute(step, root)?;
            build::record_built(root, image)?;
        }
        out.push(Built {
            service: image.service.clone(),
            image: image.image(),
            skipped,
        });
    }
    Ok(out)
}

/// The images `run` would build, with the builder's commands.
pub fn plan_steps(
    root: &Path,
    plan: &Plan,
    builder: &Builder,
    opts: &BuildOptions,
) -> Result<(Vec<ImageBuild>, Vec<Step>), Error> {
    let images = build::images(root, plan)?;
    let steps = build::steps(builder, &images, opts);
    Ok((images, steps))
}

fn external(message: String) -> Error {
    Error::new(Exit::External, message)
}

/// Runs one step; for docker-env, the environment comes from minikube first.
fn execute(step: &Step, root: &Path) -> Result<(), Error> {
    let mut cmd = Command::new(&step.argv[0]);
    cmd.args(&step.argv[1..]).current_dir(root);
    if let Some(env) = &step.env_from {
        let out = Command::new(&env[0])
            .args(&env[1..])
            .output()
            .map_err(|e| external(format!("{}: {e}", env.join(" "))))?;
        if !out.status.success() {
            return Err(external(format!(
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
        external(format!(
            "cannot run {}: {e} (is it installed and on PATH?)",
            step.argv[0]
        ))
    })?;
    if !status.success() {
        return Err(external(format!(
            "building {} failed ({status}): {}",
            step.image, step.shell
        )));
    }
    match &step.load {
        Some(load) => run_load(load, &step.image, root),
        None => Ok(()),
    }
}

/// Loads the built image into the cluster's runtime (`docker save IMAGE | command`, or a
/// loader that reads the image from the daemon itself).
fn run_load(load: &Load, image: &str, root: &Path) -> Result<(), Error> {
    let failed =
        |what: String| external(format!("loading {image} into the cluster failed: {what}"));
    let mut cmd = Command::new(&load.argv[0]);
    cmd.args(&load.argv[1..])
        .current_dir(root)
        .stdout(std::process::Stdio::from(std::io::stderr()));
    let mut source = match &load.stdin_from {
        Some(from) => {
            let mut child = Command::new(&from[0])
                .args(&from[1..])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| failed(format!("cannot run {}: {e}", from[0])))?;
            if let Some(out) = child.stdout.take() {
                cmd.stdin(out);
            }
            Some(child)
        }
        None => None,
    };
    let status = cmd
        .status()
        .map_err(|e| failed(format!("cannot run {}: {e}", load.argv[0])))?;
    if let Some(child) = source.as_mut() {
        let saved = child.wait().map_err(|e| failed(e.to_string()))?;
        if !saved.success() {
            return Err(failed(format!("`docker save {image}` exited with {saved}")));
        }
    }
    if !status.success() {
        return Err(failed(format!(
            "{} exited with {status}",
            load.argv.join(" ")
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in [
            (
                "specs/hello/spec.md",
                "# Feature Specification: Hello\n\n## Requirements\n\n- **FR-001**: System MUST say hello.\n",
            ),
            (
                "services/hello/go.mod",
                "module example.com/hello\n\ngo 1.22\n",
            ),
            ("services/hello/main.go", "package main\n\nfunc main() {}\n"),
            (
                "services/hello/Dockerfile",
                "FROM scratch\nCOPY main.go /\n",
            ),
        ] {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    #[test]
    fn an_image_built_with_the_same_content_tag_is_not_built_again() {
        let dir = project();
        let root = dir.path();
        let spec = berth_core::spec::load(&root.join("specs/hello"), root).unwrap();
        let plan = berth_core::plan::build(&spec, root).unwrap();
        let images = berth_core::build::images(root, &plan).unwrap();
        berth_core::build::record_built(root, &images[0]).unwrap();
        let seen = RefCell::new(Vec::new());
        // A builder that cannot run here: were the build attempted, it would fail.
        let builder = Builder::Minikube {
            profile: "no-such-profile".into(),
        };
        let built = run(
            root,
            &plan,
            &builder,
            &BuildOptions::default(),
            false,
            false,
            &|e| seen.borrow_mut().push(e.clone()),
        )
        .unwrap();
        assert!(built[0].skipped);
        assert!(matches!(
            &seen.borrow()[0],
            Event::Built { skipped: true, .. }
        ));
        // Changing what the build context keeps changes the tag: then it is built.
        std::fs::write(
            root.join("services/hello/main.go"),
            "package main\n\nfunc main() { }\n",
        )
        .unwrap();
        let again = run(
            root,
            &plan,
            &builder,
            &BuildOptions::default(),
            false,
            false,
            &|_| {},
        );
        assert!(again.is_err(), "the changed context was not rebuilt");
    }
}
