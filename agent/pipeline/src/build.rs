//! Build stage for the pipeline: the plan's services and a builder in; each image built (or
//! skipped: already built with the same content-derived tag) and recorded in
//! .berth/images.json out. Every command is reported before it runs.

use crate::event::{Event, Sink};
use berth_cluster::apply::context;
use berth_core::build::{self, Builder, ImageBuild, Step};
use berth_core::exit::{Error, Exit};
use berth_core::plan::Plan;
use std::path::Path;
use std::process::Command;

/// The builder for the context: Minikube's when it is one, else plain Docker.
pub fn builder_for(context: Option<&str>) -> Builder {
    match minikube_profile(context) {
        Some(profile) => Builder::Minikube { profile },
        None => Builder::Docker,
    }
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
    print_only: bool,
    rebuild: bool,
    sink: Sink<'_>,
) -> Result<Vec<Built>, Error> {
    let images = build::images(root, plan)?;
    let built = build::load_built(root)?;
    let mut out = Vec::new();
    for (step, image) in build::steps(builder, &images).iter().zip(&images) {
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
) -> Result<(Vec<ImageBuild>, Vec<Step>), Error> {
    let images = build::images(root, plan)?;
    let steps = build::steps(builder, &images);
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
        let built = run(root, &plan, &builder, false, false, &|e| {
            seen.borrow_mut().push(e.clone())
        })
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
        let again = run(root, &plan, &builder, false, false, &|_| {});
        assert!(again.is_err(), "the changed context was not rebuilt");
    }
}
