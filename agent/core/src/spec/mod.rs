//! Spec stage: a folder of Spec-Kit markdown (spec.md, plan.md, tasks.md) or a single markdown
//! file in, a `Spec` out, every item carrying the file and line it came from.

mod interpret;
pub mod markdown;
mod model;

pub use model::*;

use crate::source::{Location, display_path};
use std::path::{Path, PathBuf};

/// The file name of the task list berth writes beside a spec.
pub const TASKS_FILE: &str = "tasks.md";
/// The first line of a tasks.md that berth generated; such a file is read for tick marks only.
pub const GENERATED_MARKER: &str = "<!-- berth:generated";

/// What can go wrong reading a spec. Every message names the file and says what to do.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The path given does not exist.
    #[error("{path}: no such file or folder")]
    NotFound { path: String },
    /// A folder without any of the Spec-Kit files.
    #[error("{path}: no spec.md, plan.md or tasks.md in this folder")]
    NoSpecFiles { path: String },
    /// The project has no specs at all.
    #[error(
        "{path}: no spec folders found (make one with a spec.md, plan.md or tasks.md, or name a file)"
    )]
    NoSpecs { path: String },
    /// The file could not be read.
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file has nothing in it.
    #[error("{path}:1: the file is empty; a spec needs at least one heading")]
    Empty { path: String },
    /// The file is not UTF-8 text.
    #[error("{path}:{line}: not a text file (binary or non-UTF-8 data on this line)")]
    Binary { path: String, line: usize },
    /// Markdown, but nothing a Spec-Kit spec has.
    #[error(
        "{path}:1: no Spec-Kit sections found: expected headings such as \"User Story 1 - ...\", \"Technical Context\", \"Constitution Check\", \"Phase 0: ...\", task ids like R0.1 or T001, or requirements like FR-001"
    )]
    NoSections { path: String },
    /// Two tasks share an id, so dependencies and tick marks would be ambiguous.
    #[error("{second}: task id {id} is already used at {first}; give each task its own id")]
    DuplicateTask {
        id: String,
        first: Location,
        second: Location,
    },
}

/// Reads the spec at `path` (a folder or one markdown file). Locations are shown relative to
/// `root`, the project root.
pub fn load(path: &Path, root: &Path) -> Result<Spec, SpecError> {
    let shown = display_path(path, root);
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SpecError::NotFound {
            path: shown.clone(),
        },
        _ => SpecError::Read {
            path: shown.clone(),
            source: e,
        },
    })?;
    let files: Vec<PathBuf> = if meta.is_dir() {
        let found: Vec<_> = ["spec.md", "plan.md", TASKS_FILE]
            .iter()
            .map(|n| path.join(n))
            .filter(|p| p.is_file())
            .collect();
        if found.is_empty() {
            return Err(SpecError::NoSpecFiles { path: shown });
        }
        found
    } else {
        vec![path.to_path_buf()]
    };
    let dir = if meta.is_dir() {
        path
    } else {
        path.parent().unwrap_or(Path::new("."))
    };
    let name = std::fs::canonicalize(dir)
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "app".to_string());

    let mut texts = Vec::new();
    for file in &files {
        let shown = display_path(file, root);
        match std::fs::read(file) {
            Ok(bytes) => texts.push((shown, bytes)),
            Err(source) => {
                return Err(SpecError::Read {
                    path: shown,
                    source,
                });
            }
        }
    }
    parse(&name, &shown, &texts)
}

/// A spec from its files' bytes, each with the path it is shown as (its file name says what it
/// is: spec.md, plan.md, tasks.md, or any other markdown).
pub fn parse(name: &str, path: &str, files: &[(String, Vec<u8>)]) -> Result<Spec, SpecError> {
    let mut spec = Spec {
        name: name.to_string(),
        path: path.to_string(),
        ..Spec::default()
    };
    let mut first_unread = None;
    for (shown, bytes) in files {
        match read_file(&mut spec, shown, bytes) {
            // One file berth cannot read does not hide what the others say.
            Err(e @ SpecError::NoSections { .. }) if files.len() > 1 => {
                spec.skipped.push(shown.clone());
                first_unread.get_or_insert(e);
            }
            other => other?,
        }
    }
    if let Some(e) = first_unread.filter(|_| spec.item_count() == 0) {
        return Err(e);
    }
    check_unique_tasks(&spec)?;
    link_story_tasks(&mut spec);
    Ok(spec)
}

/// Each user story lists the tasks that serve it (tagged `[US1]` or under its phase).
fn link_story_tasks(spec: &mut Spec) {
    for story in &mut spec.stories {
        story.tasks = spec
            .tasks
            .iter()
            .filter(|t| t.story.as_deref() == Some(story.id.as_str()))
            .map(|t| t.id.clone())
            .collect();
    }
}

/// Every spec folder under `specs_dir`, sorted by name.
pub fn discover(specs_dir: &Path, root: &Path) -> Result<Vec<PathBuf>, SpecError> {
    let shown = display_path(specs_dir, root);
    let entries = std::fs::read_dir(specs_dir).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => SpecError::NoSpecs {
            path: shown.clone(),
        },
        _ => SpecError::Read {
            path: shown.clone(),
            source: e,
        },
    })?;
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                && ["spec.md", "plan.md", TASKS_FILE]
                    .iter()
                    .any(|n| p.join(n).is_file())
        })
        .collect();
    dirs.sort();
    if dirs.is_empty() {
        return Err(SpecError::NoSpecs { path: shown });
    }
    Ok(dirs)
}

fn read_file(spec: &mut Spec, shown: &str, bytes: &[u8]) -> Result<(), SpecError> {
    let shown = shown.to_string();
    let text = text_of(bytes, &shown)?;
    let kind = match shown.rsplit('/').next() {
        Some("spec.md") => SpecFileKind::Spec,
        Some("plan.md") => SpecFileKind::Plan,
        Some(TASKS_FILE) => SpecFileKind::Tasks,
        _ => SpecFileKind::Other,
    };
    for (i, line) in text.lines().enumerate() {
        if is_open_question(line) {
            let question = line.trim().trim_start_matches(['-', '*', ' ']).to_string();
            spec.open_questions
                .push((Location::new(shown.clone(), i + 1), question));
        }
    }
    let blocks = markdown::blocks(text);
    let generated = text.trim_start().starts_with(GENERATED_MARKER);
    spec.files.push(SpecFile {
        path: shown.clone(),
        kind,
        generated,
    });
    if generated {
        read_ticks(spec, &blocks);
        return Ok(());
    }
    let before = spec.item_count();
    interpret::interpret(spec, &shown, &blocks);
    if spec.item_count() == before {
        return Err(SpecError::NoSections { path: shown });
    }
    Ok(())
}

/// `[NEEDS CLARIFICATION: ...]` anywhere, or a `**Key**: ... NEEDS CLARIFICATION` value (the
/// plan template's Technical Context); not a checklist line saying none remain.
fn is_open_question(line: &str) -> bool {
    static MARKER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\[\s*NEEDS CLARIFICATION\s*:|\*\*[^*]+(?::\*\*|\*\*:).*NEEDS CLARIFICATION",
        )
        .expect("a literal pattern")
    });
    MARKER.is_match(line)
}

fn text_of<'a>(bytes: &'a [u8], shown: &str) -> Result<&'a str, SpecError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SpecError::Empty {
            path: shown.to_string(),
        });
    }
    let line_at = |at: usize| bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        return Err(SpecError::Binary {
            path: shown.to_string(),
            line: line_at(nul),
        });
    }
    std::str::from_utf8(bytes).map_err(|e| SpecError::Binary {
        path: shown.to_string(),
        line: line_at(e.valid_up_to()),
    })
}

/// Tick marks from a tasks.md berth generated: `- [x] ID title` with nested checklist items.
fn read_ticks(spec: &mut Spec, blocks: &[markdown::Block]) {
    let mut current: Option<String> = None;
    for block in blocks {
        let markdown::Block::Item {
            depth,
            checked: Some(done),
            text,
            ..
        } = block
        else {
            continue;
        };
        if *depth == 0 {
            let id = text
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            spec.ticks.entry(id.clone()).or_default().done = *done;
            current = Some(id);
        } else if let Some(id) = &current {
            spec.ticks
                .entry(id.clone())
                .or_default()
                .items
                .insert(text.clone(), *done);
        }
    }
}

fn check_unique_tasks(spec: &Spec) -> Result<(), SpecError> {
    let mut seen: std::collections::HashMap<&str, &Location> = Default::default();
    for task in &spec.tasks {
        if let Some(first) = seen.insert(&task.id, &task.location) {
            return Err(SpecError::DuplicateTask {
                id: task.id.clone(),
                first: first.clone(),
                second: task.location.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, text: &str) -> (String, Vec<u8>) {
        (format!("specs/x/{name}"), text.as_bytes().to_vec())
    }

    #[test]
    fn open_questions_are_markers_and_context_values_not_checklists_saying_none_remain() {
        assert!(is_open_question("[NEEDS CLARIFICATION: which users?]"));
        assert!(is_open_question("**Testing**: NEEDS CLARIFICATION  "));
        assert!(is_open_question("- **Storage:** needs clarification"));
        assert!(!is_open_question(
            "- [x] No [NEEDS CLARIFICATION] markers remain"
        ));
        assert!(!is_open_question("- [x] All NEEDS CLARIFICATION resolved"));
        assert!(!is_open_question("ß ẞ NEEDS CLARIFICATION"));
    }

    #[test]
    fn a_file_berth_cannot_read_is_skipped_when_the_others_say_something() {
        let spec = parse(
            "x",
            "specs/x",
            &[
                file("spec.md", "## Requirements\n- **FR-001a**: It MUST work\n"),
                file("plan.md", "# 实施计划\n\n这里是计划。\n"),
            ],
        )
        .unwrap();
        assert_eq!(spec.skipped, ["specs/x/plan.md"]);
        assert_eq!(spec.requirements[0].id, "FR-001a");
        let err = parse("x", "specs/x", &[file("plan.md", "# 实施计划\n")]).unwrap_err();
        assert!(matches!(err, SpecError::NoSections { .. }), "{err}");
    }
}
