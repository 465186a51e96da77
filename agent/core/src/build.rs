//! Build stage: the plan's services in; for each one with a Dockerfile, its image name with a
//! tag derived from the content of its build context (what `.dockerignore` keeps, plus the
//! Dockerfile), and the exact commands that build it into Minikube (`minikube image build`, or
//! the daemon of `minikube docker-env`) or a plain Docker daemon. The CLI runs them; the images
//! built are recorded in `.berth/images.json`, which `apply` uses for the containers' images.

use crate::fsutil::write_atomic;
use crate::plan::Plan;
use crate::record::sha256_hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

pub const RECORD: &str = ".berth/images.json";

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The build context could not be read.
    #[error("{path}: cannot read the build context: {message}")]
    Context { path: String, message: String },
    /// `.berth/images.json` is unreadable or could not be written.
    #[error("{RECORD}: {message}")]
    Record { message: String },
    /// An entry of `.berth/images.json` is not what `berth build` made from its build context
    /// as it is now: edited by hand, or its sources changed since. apply uses none of them.
    #[error("{RECORD}: {}; nothing was applied\nrun `berth build` again (it records the images it makes)", untrusted.join("; "))]
    Untrusted { untrusted: Vec<String> },
    /// No service has a Dockerfile.
    #[error(
        "nothing to build: no service under services/ has a Dockerfile (run `berth draft` and `berth approve`)"
    )]
    Nothing,
}

/// One image to build.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImageBuild {
    pub service: String,
    /// The build context, relative to the project root.
    pub context: String,
    pub repository: String,
    pub tag: String,
}

impl ImageBuild {
    pub fn image(&self) -> String {
        format!("{}:{}", self.repository, self.tag)
    }
}

/// Where images go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Builder {
    /// `minikube image build` into the profile's container runtime.
    Minikube { profile: String },
    /// `docker build` against the profile's Docker daemon (`minikube docker-env`).
    MinikubeDockerEnv { profile: String },
    /// `docker build` against the local daemon (Docker Desktop's cluster shares it).
    Docker,
    /// `docker build`, then `kind load docker-image` into the kind cluster's nodes.
    Kind { cluster: String },
    /// `docker build`, then `k3d image import` into the k3d cluster.
    K3d { cluster: String },
    /// `nerdctl --namespace k8s.io build`: straight into Rancher Desktop's containerd.
    RancherDesktop,
    /// `docker build`, then `docker save IMAGE | <command>`: any other runtime, such as
    /// `ctr -n k8s.io images import -` (set with BERTH_IMAGE_LOAD).
    DockerLoad { command: String },
}

/// Loads a built image into the cluster's runtime: `argv`, fed by `stdin_from`'s output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Load {
    pub argv: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdin_from: Option<Vec<String>>,
}

/// A command to run, as argv, with the shell line to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub service: String,
    pub image: String,
    pub argv: Vec<String>,
    /// For docker-env: the command whose `KEY=value` lines set the environment first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_from: Option<Vec<String>>,
    /// After the build, how the image gets into the cluster's runtime.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub load: Option<Load>,
    /// The whole thing as one shell line.
    pub shell: String,
}

fn profile_args(profile: &str) -> Vec<String> {
    vec!["-p".into(), profile.into()]
}

/// Settings of every build, from berth.toml's `[build]` table and the environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BuildOptions {
    /// The network the build's RUN steps use (`host`, `none`, or a Docker network), as
    /// `docker build --network`; unset leaves the builder's default.
    pub network: Option<String>,
}

/// `docker build` (or nerdctl's) with the options, for `image` and `context`.
fn build_argv(program: &[&str], opts: &BuildOptions, image: &str, context: &str) -> Vec<String> {
    let mut argv: Vec<String> = program.iter().map(|s| s.to_string()).collect();
    if let Some(n) = &opts.network {
        argv.extend(["--network".to_string(), n.clone()]);
    }
    argv.extend(["-t", image, context].map(String::from));
    argv
}

/// The commands that build each image with this builder.
pub fn steps(builder: &Builder, builds: &[ImageBuild], opts: &BuildOptions) -> Vec<Step> {
    builds
        .iter()
        .map(|b| {
            let image = b.image();
            let (argv, env_from) = match builder {
                Builder::Minikube { profile } => {
                    let mut argv = vec!["minikube".to_string()];
                    argv.extend(profile_args(profile));
                    argv.extend(["image", "build"].map(String::from));
                    // minikube hands `--build-opt` flags to the runtime's builder.
                    if let Some(n) = &opts.network {
                        argv.push(format!("--build-opt=network={n}"));
                    }
                    argv.extend(["-t", &image, &b.context].map(String::from));
                    (argv, None)
                }
                Builder::MinikubeDockerEnv { profile } => {
                    let mut env = vec!["minikube".to_string()];
                    env.extend(profile_args(profile));
                    env.extend(["docker-env", "--shell", "none"].map(String::from));
                    (
                        build_argv(&["docker", "build"], opts, &image, &b.context),
                        Some(env),
                    )
                }
                Builder::RancherDesktop => {
                    let program = ["nerdctl", "--namespace", "k8s.io", "build"];
                    (build_argv(&program, opts, &image, &b.context), None)
                }
                Builder::Docker
                | Builder::Kind { .. }
                | Builder::K3d { .. }
                | Builder::DockerLoad { .. } => (
                    build_argv(&["docker", "build"], opts, &image, &b.context),
                    None,
                ),
            };
            let load = load(builder, &image);
            let mut shell = match (&env_from, builder) {
                (Some(_), Builder::MinikubeDockerEnv { profile }) => format!(
                    "eval \"$(minikube -p {profile} docker-env)\" && {}",
                    argv.join(" ")
                ),
                _ => argv.join(" "),
            };
            if let Some(l) = &load {
                shell.push_str(" && ");
                if let Some(from) = &l.stdin_from {
                    shell.push_str(&format!("{} | ", from.join(" ")));
                }
                shell.push_str(&match builder {
                    Builder::DockerLoad { command } => command.clone(),
                    _ => l.argv.join(" "),
                });
            }
            Step {
                service: b.service.clone(),
                image,
                argv,
                env_from,
                load,
                shell,
            }
        })
        .collect()
}

/// How a built image reaches the cluster, for builders that build outside it.
fn load(builder: &Builder, image: &str) -> Option<Load> {
    let argv = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    match builder {
        Builder::Kind { cluster } => Some(Load {
            argv: argv(&["kind", "load", "docker-image", image, "--name", cluster]),
            stdin_from: None,
        }),
        Builder::K3d { cluster } => Some(Load {
            argv: argv(&["k3d", "image", "import", image, "-c", cluster]),
            stdin_from: None,
        }),
        Builder::DockerLoad { command } => Some(Load {
            argv: argv(&["sh", "-c", command]),
            stdin_from: Some(argv(&["docker", "save", image])),
        }),
        _ => None,
    }
}

/// `.dockerignore` patterns as a glob set (negations are not honoured: more files hashed only
/// means the tag changes more often, never that a change is missed).
fn ignored(context: &Path) -> globset::GlobSet {
    let mut set = globset::GlobSetBuilder::new();
    let text = std::fs::read_to_string(context.join(".dockerignore")).unwrap_or_default();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            continue;
        }
        let p = line.trim_start_matches("./").trim_matches('/');
        for pat in [p.to_string(), format!("{p}/**")] {
            if let Ok(g) = globset::GlobBuilder::new(&pat)
                .literal_separator(true)
                .build()
            {
                set.add(g);
            }
        }
    }
    set.build().unwrap_or_else(|_| globset::GlobSet::empty())
}

/// The tag for a build context: sha256 over each kept file's path and bytes, and the Dockerfile.
pub fn content_tag(context: &Path) -> Result<String, BuildError> {
    let err = |e: String| BuildError::Context {
        path: context.display().to_string(),
        message: e,
    };
    let skip = ignored(context);
    let mut files = Vec::new();
    let walker = walkdir::WalkDir::new(context)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            let rel = e.path().strip_prefix(context).unwrap_or(e.path());
            // berth's own state changes with every build: never part of what is built.
            e.depth() == 0
                || !(skip.is_match(rel) || rel == Path::new(".git") || rel == Path::new(".berth"))
        });
    for entry in walker {
        let entry = entry.map_err(|e| err(e.to_string()))?;
        if entry.file_type().is_file() {
            files.push(entry.path().to_path_buf());
        }
    }
    let dockerfile = context.join("Dockerfile");
    if !files.contains(&dockerfile) {
        files.push(dockerfile);
    }
    let mut hash = Sha256::new();
    for f in files {
        let bytes = std::fs::read(&f).map_err(|e| err(format!("{}: {e}", f.display())))?;
        let rel = f
            .strip_prefix(context)
            .unwrap_or(&f)
            .to_string_lossy()
            .replace('\\', "/");
        hash.update(rel.as_bytes());
        hash.update([0]);
        hash.update(sha256_hex(&bytes).as_bytes());
        hash.update([0]);
    }
    let hex = format!("{:x}", hash.finalize());
    Ok(hex[..12].to_string())
}

/// The images of the plan's services that have a Dockerfile.
pub fn images(root: &Path, plan: &Plan) -> Result<Vec<ImageBuild>, BuildError> {
    let mut out = Vec::new();
    for s in &plan.services {
        let dir = root.join(&s.path);
        if !dir.join("Dockerfile").is_file() {
            continue;
        }
        out.push(ImageBuild {
            service: s.name.clone(),
            context: s.path.clone(),
            repository: format!("{}-{}", plan.app, s.name),
            tag: content_tag(&dir)?,
        });
    }
    if out.is_empty() {
        return Err(BuildError::Nothing);
    }
    Ok(out)
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    /// Repository -> the image last built for it.
    images: BTreeMap<String, String>,
    /// Repository -> the build context it was built from, relative to the project root.
    #[serde(default)]
    contexts: BTreeMap<String, String>,
}

fn load_record(root: &Path) -> Result<Record, BuildError> {
    match std::fs::read_to_string(root.join(RECORD)) {
        Ok(t) => serde_json::from_str::<Record>(&t).map_err(|e| BuildError::Record {
            message: format!("unreadable ({e}); run `berth build` again"),
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Record::default()),
        Err(e) => Err(BuildError::Record {
            message: e.to_string(),
        }),
    }
}

/// The built images `apply` may put in place of the approved ones (repository -> image). The
/// file is not approved, so each entry is checked against what `berth build` would make now:
/// the same repository, with the content tag of its recorded build context (a folder inside
/// the project). Any other entry refuses the whole record.
pub fn verified_built(root: &Path) -> Result<BTreeMap<String, String>, BuildError> {
    let record = load_record(root)?;
    let mut untrusted = Vec::new();
    for (repo, image) in &record.images {
        if let Err(why) = check_built(root, repo, image, record.contexts.get(repo)) {
            untrusted.push(format!("{repo} = {image}: {why}"));
        }
    }
    if untrusted.is_empty() {
        Ok(record.images)
    } else {
        Err(BuildError::Untrusted { untrusted })
    }
}

fn check_built(
    root: &Path,
    repo: &str,
    image: &str,
    context: Option<&String>,
) -> Result<(), String> {
    let context = context.ok_or("no build context is recorded for it (written by hand?)")?;
    // `.` is the project root, where a single app keeps its Dockerfile.
    let inside = context == "."
        || Path::new(context)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
    if !inside || context.is_empty() {
        return Err(format!(
            "its build context {context} is not a folder inside the project"
        ));
    }
    let tag = content_tag(&root.join(context)).map_err(|e| e.to_string())?;
    let want = format!("{repo}:{tag}");
    if image != want {
        return Err(format!(
            "`berth build` makes {want} from {context} now (the sources changed since, or the file was edited)"
        ));
    }
    Ok(())
}

/// What `berth build` built: repository -> image (empty when nothing was built).
pub fn load_built(root: &Path) -> Result<BTreeMap<String, String>, BuildError> {
    Ok(load_record(root)?.images)
}

/// Records a built image and its build context, keeping the others.
pub fn record_built(root: &Path, build: &ImageBuild) -> Result<(), BuildError> {
    let mut record = load_record(root)?;
    record
        .images
        .insert(build.repository.clone(), build.image());
    record
        .contexts
        .insert(build.repository.clone(), build.context.clone());
    let text = serde_json::to_string_pretty(&record).unwrap_or_default() + "\n";
    write_atomic(&root.join(RECORD), text.as_bytes()).map_err(|e| BuildError::Record {
        message: format!("cannot write: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tag_follows_kept_content_only() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(d.join(".dockerignore"), "target\n*.md\n").unwrap();
        std::fs::write(d.join("main.rs"), "fn main() {}\n").unwrap();
        let t1 = content_tag(d).unwrap();
        std::fs::create_dir(d.join("target")).unwrap();
        std::fs::write(d.join("target/x"), "junk").unwrap();
        std::fs::write(d.join("README.md"), "docs").unwrap();
        assert_eq!(content_tag(d).unwrap(), t1, "ignored files change nothing");
        std::fs::write(d.join("main.rs"), "fn main() { }\n").unwrap();
        assert_ne!(content_tag(d).unwrap(), t1);
        assert_eq!(t1.len(), 12);
    }

    #[test]
    fn commands_for_each_builder() {
        let b = [ImageBuild {
            service: "backend".into(),
            context: "services/backend".into(),
            repository: "todo-backend".into(),
            tag: "0123456789ab".into(),
        }];
        let shells: Vec<String> = [
            Builder::Minikube {
                profile: "minikube".into(),
            },
            Builder::MinikubeDockerEnv {
                profile: "dev".into(),
            },
            Builder::Docker,
        ]
        .iter()
        .map(|k| steps(k, &b, &BuildOptions::default())[0].shell.clone())
        .collect();
        assert_eq!(
            shells,
            [
                "minikube -p minikube image build -t todo-backend:0123456789ab services/backend",
                "eval \"$(minikube -p dev docker-env)\" && docker build -t todo-backend:0123456789ab services/backend",
                "docker build -t todo-backend:0123456789ab services/backend",
            ]
        );
    }

    #[test]
    fn the_build_network_reaches_every_builder() {
        let b = [ImageBuild {
            service: "web".into(),
            context: "services/web".into(),
            repository: "web".into(),
            tag: "t".into(),
        }];
        let opts = BuildOptions {
            network: Some("host".into()),
        };
        let shells: Vec<String> = [
            Builder::Minikube {
                profile: "minikube".into(),
            },
            Builder::Docker,
            Builder::RancherDesktop,
        ]
        .iter()
        .map(|k| steps(k, &b, &opts)[0].shell.clone())
        .collect();
        assert_eq!(
            shells,
            [
                "minikube -p minikube image build --build-opt=network=host -t web:t services/web",
                "docker build --network host -t web:t services/web",
                "nerdctl --namespace k8s.io build --network host -t web:t services/web",
            ]
        );
    }

    #[test]
    fn only_images_berth_built_from_the_context_as_it_is_are_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("services/api")).unwrap();
        std::fs::write(root.join("services/api/Dockerfile"), "FROM scratch\n").unwrap();
        let build = ImageBuild {
            service: "api".into(),
            context: "services/api".into(),
            repository: "shop-api".into(),
            tag: content_tag(&root.join("services/api")).unwrap(),
        };
        record_built(root, &build).unwrap();
        let trusted = verified_built(root).unwrap();
        assert_eq!(trusted.get("shop-api"), Some(&build.image()));

        let write = |json: &str| std::fs::write(root.join(RECORD), json).unwrap();
        let refused = |json: &str| {
            write(json);
            verified_built(root).unwrap_err().to_string()
        };
        // Another registry's image under the repository's name.
        let e = refused(
            r#"{"images": {"shop-api": "evil.example.com/miner:1.0"}, "contexts": {"shop-api": "services/api"}}"#,
        );
        assert!(
            e.contains("shop-api = evil.example.com/miner:1.0: `berth build` makes shop-api:"),
            "{e}"
        );
        assert!(e.starts_with(".berth/images.json: "), "{e}");
        // No context: written by hand, or by an older berth.
        let e = refused(r#"{"images": {"shop-api": "shop-api:0123456789ab"}}"#);
        assert!(e.contains("no build context is recorded"), "{e}");
        // A context outside the project.
        let e = refused(
            r#"{"images": {"shop-api": "shop-api:x"}, "contexts": {"shop-api": "../../etc"}}"#,
        );
        assert!(e.contains("not a folder inside the project"), "{e}");
        // The sources changed since the build: the recorded tag is stale.
        record_built(root, &build).unwrap();
        std::fs::write(root.join("services/api/main.go"), "package main\n").unwrap();
        let e = verified_built(root).unwrap_err().to_string();
        assert!(e.contains("the sources changed since"), "{e}");
    }

    /// A single app at the project root is built from `.`: apply trusts its image (seen
    /// refused on the real node), and berth's own state under .berth/, which every build
    /// rewrites, is not part of its tag.
    #[test]
    fn an_image_built_from_the_project_root_is_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join("Dockerfile"), "FROM scratch\n").unwrap();
        std::fs::write(root.join("main.py"), "print()\n").unwrap();
        let build = ImageBuild {
            service: "quotes".into(),
            context: ".".into(),
            repository: "quotes-quotes".into(),
            tag: content_tag(root).unwrap(),
        };
        record_built(root, &build).unwrap();
        let trusted = verified_built(root).unwrap();
        assert_eq!(trusted.get("quotes-quotes"), Some(&build.image()));
        assert_eq!(
            content_tag(root).unwrap(),
            build.tag,
            ".berth/ is not an input"
        );
    }
}
