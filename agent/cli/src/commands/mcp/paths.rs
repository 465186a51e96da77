//! Paths an MCP client names in; the same paths relative to the project root out, or berth's
//! error when one would leave the project (`..`, an absolute path elsewhere, a link that points
//! out) or read standard input (`-`: here it carries the protocol).

use super::super::Error;
use std::path::{Component, Path};

/// `given`, relative to `root` (which must be canonical), once it is known to stay inside.
pub fn inside(root: &Path, given: &str) -> Result<String, Error> {
    if given == "-" {
        return Err(Error::usage(
            "`-` (standard input) carries the protocol here: name files or folders instead",
        ));
    }
    let path = Path::new(given);
    if path.components().any(|c| c == Component::ParentDir) {
        return Err(outside(given, "`..` is not allowed"));
    }
    let rel = if path.is_absolute() {
        path.strip_prefix(root)
            .map_err(|_| outside(given, "an absolute path elsewhere"))?
    } else {
        path
    };
    // A link inside the project may still point out of it.
    if let Ok(real) = root.join(rel).canonicalize()
        && !real.starts_with(root)
    {
        return Err(outside(given, "it leads out through a link"));
    }
    let shown = rel.to_string_lossy().into_owned();
    Ok(if shown.is_empty() { ".".into() } else { shown })
}

/// Each of `given`, inside the project.
pub fn all_inside(root: &Path, given: &[String]) -> Result<Vec<String>, Error> {
    given.iter().map(|g| inside(root, g)).collect()
}

fn outside(given: &str, why: &str) -> Error {
    Error::usage(format!(
        "{given}: outside the project ({why}); name paths relative to the project root"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("manifests/k8s")).unwrap();
        (dir, root)
    }

    #[test]
    fn relative_and_absolute_paths_inside_the_project_are_kept_relative() {
        let (_d, root) = root();
        assert_eq!(inside(&root, "manifests/k8s").unwrap(), "manifests/k8s");
        let abs = root.join("manifests").to_string_lossy().into_owned();
        assert_eq!(inside(&root, &abs).unwrap(), "manifests");
        assert_eq!(inside(&root, root.to_str().unwrap()).unwrap(), ".");
        // Not there yet (a glob, or a file a draft will add) is still inside.
        assert_eq!(
            inside(&root, "services/*/Dockerfile").unwrap(),
            "services/*/Dockerfile"
        );
    }

    #[test]
    fn dot_dot_absolute_elsewhere_stdin_and_links_out_are_refused() {
        let (_d, root) = root();
        for bad in ["../etc", "manifests/../../x", "/etc/passwd", "-"] {
            let err = inside(&root, bad).unwrap_err().to_string();
            assert!(err.contains(bad) || bad == "-", "{bad}: {err}");
        }
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), root.join("out")).unwrap();
        let err = inside(&root, "out").unwrap_err().to_string();
        assert!(err.contains("through a link"), "{err}");
    }
}
