//! Paths in, the files to validate out: files as given, folders walked (skipping dependency
//! and build folders), `-` for standard input; or, for a project, its staged proposals and the
//! generated files on disk that nothing staged replaces. Files on disk are read when their turn
//! comes (`Source::File`), so a folder of 50,000 objects is never in memory at once.

use super::{Input, ValidateError};
use crate::source::display_path;
use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

const SKIP: &[&str] = &[
    "node_modules",
    "target",
    ".git",
    ".berth",
    "dist",
    "vendor",
    "__pycache__",
    ".venv",
];

fn wanted(name: &str) -> bool {
    name == "Dockerfile"
        || name.ends_with(".Dockerfile")
        || name.starts_with("Dockerfile.")
        || [".yaml", ".yml", ".json", ".tpl", ".txt"]
            .iter()
            .any(|x| name.ends_with(x))
        || name == ".helmignore"
}

/// A file to validate: its text (borrowed from the caller, or owned), or where to read it.
#[derive(Debug, Clone)]
pub enum Source<'a> {
    Text(Cow<'a, Input>),
    File {
        path: String,
        file: std::path::PathBuf,
    },
}

impl Source<'_> {
    /// The path as shown (relative to the project).
    pub fn path(&self) -> &str {
        match self {
            Source::Text(i) => &i.path,
            Source::File { path, .. } => path,
        }
    }

    /// Its text, read now if it is on disk.
    pub fn load(&self) -> Result<Cow<'_, Input>, ValidateError> {
        match self {
            Source::Text(i) => Ok(Cow::Borrowed(i.as_ref())),
            Source::File { path, file } => read(file, path.clone()).map(Cow::Owned),
        }
    }

    /// Where it is on disk, if it is a file there.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Source::Text(_) => None,
            Source::File { file, .. } => Some(file),
        }
    }
}

fn read(path: &Path, shown: String) -> Result<Input, ValidateError> {
    let bytes = std::fs::read(path).map_err(|e| ValidateError::Read {
        path: shown.clone(),
        source: e,
    })?;
    let contents = String::from_utf8(bytes).map_err(|_| ValidateError::Read {
        path: shown.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
    })?;
    Ok(Input {
        path: shown,
        contents,
    })
}

/// The files at `paths`, shown relative to `base`, read.
pub fn collect(paths: &[String], base: &Path) -> Result<Vec<Input>, ValidateError> {
    sources(paths, base)?
        .iter()
        .map(|s| s.load().map(Cow::into_owned))
        .collect()
}

/// The files at `paths`, shown relative to `base`: standard input read, files on disk found
/// (each checked to exist) but not read yet.
pub fn sources(paths: &[String], base: &Path) -> Result<Vec<Source<'static>>, ValidateError> {
    let mut out = Vec::new();
    for p in paths {
        if p == "-" {
            let mut contents = String::new();
            std::io::stdin()
                .read_to_string(&mut contents)
                .map_err(|e| ValidateError::Read {
                    path: "<stdin>".into(),
                    source: e,
                })?;
            out.push(Source::Text(Cow::Owned(Input {
                path: "<stdin>".into(),
                contents,
            })));
            continue;
        }
        let path = base.join(p);
        let meta = std::fs::metadata(&path).map_err(|e| ValidateError::Read {
            path: p.clone(),
            source: e,
        })?;
        if meta.is_file() {
            out.push(Source::File {
                path: display_path(&path, base),
                file: path,
            });
            continue;
        }
        let walker = walkdir::WalkDir::new(&path)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && SKIP.contains(&e.file_name().to_string_lossy().as_ref()))
            });
        for entry in walker {
            let entry = entry.map_err(|e| ValidateError::Read {
                path: p.clone(),
                source: e.into(),
            })?;
            if entry.file_type().is_file() && wanted(&entry.file_name().to_string_lossy()) {
                out.push(Source::File {
                    path: display_path(entry.path(), base),
                    file: entry.into_path(),
                });
            }
        }
    }
    Ok(out)
}

/// A project's staged proposals (under their target paths), then its generated files on disk:
/// everything under manifests/ and each detected service's Dockerfile, unless a proposal
/// replaces it.
pub fn project(root: &Path) -> Result<Vec<Input>, ValidateError> {
    let mut out: Vec<Input> = match crate::record::load_staged(root) {
        Ok(staged) => staged
            .proposals
            .into_iter()
            .map(|p| Input {
                path: p.path,
                contents: p.contents,
            })
            .collect(),
        Err(crate::record::RecordError::NothingStaged { .. }) => vec![],
        Err(e) => {
            return Err(ValidateError::Read {
                path: crate::record::STAGED_DIR.into(),
                source: std::io::Error::other(e.to_string()),
            });
        }
    };
    let mut on_disk = Vec::new();
    if root.join("manifests").is_dir() {
        on_disk.extend(collect(&["manifests".into()], root)?);
    }
    // Each service's Dockerfile, wherever the project keeps its services.
    let mut warnings = Vec::new();
    let services =
        crate::plan::detect_services(root, "app", &[], &mut warnings).unwrap_or_default();
    for s in services {
        let f = root.join(&s.path).join("Dockerfile");
        if f.is_file() {
            on_disk.push(read(&f, display_path(&f, root))?);
        }
    }
    for input in on_disk {
        if !out.iter().any(|i| i.path == input.path) {
            out.push(input);
        }
    }
    Ok(out)
}
