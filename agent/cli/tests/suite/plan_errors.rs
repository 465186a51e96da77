//! Bad input: a clear message naming the file and line, exit status 2, and nothing written.

use super::common::*;
use std::path::Path;

/// Runs `berth plan` and checks it failed with status 2 and wrote nothing; returns stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let before = listing(dir);
    let mut full = vec!["plan"];
    full.extend_from_slice(args);
    let out = berth(dir, &full);
    assert_eq!(out.status.code(), Some(2), "{}", transcript(&out));
    assert!(out.stdout.is_empty(), "{}", transcript(&out));
    assert_eq!(listing(dir), before, "a failed run must write nothing");
    String::from_utf8(out.stderr).unwrap()
}

fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    dir
}

#[test]
fn empty_file() {
    let dir = project(&[("specs/a/plan.md", b"  \n\n")]);
    insta::assert_snapshot!(fails(dir.path(), &[]), @"error: specs/a/plan.md:1: the file is empty; a spec needs at least one heading");
}

#[test]
fn binary_file() {
    let dir = project(&[("specs/a/spec.md", b"# Spec\n\nok\n\x00\x01\x02")]);
    insta::assert_snapshot!(fails(dir.path(), &[]), @"error: specs/a/spec.md:4: not a text file (binary or non-UTF-8 data on this line)");
}

#[test]
fn invalid_utf8() {
    let dir = project(&[("specs/a/spec.md", b"# Spec\n\xff\xfe\n")]);
    insta::assert_snapshot!(fails(dir.path(), &[]), @"error: specs/a/spec.md:2: not a text file (binary or non-UTF-8 data on this line)");
}

#[test]
fn missing_folder() {
    let dir = project(&[("specs/a/plan.md", b"# P\n## Phase 1\n")]);
    insta::assert_snapshot!(fails(dir.path(), &["specs/nope"]), @"error: specs/nope: no such file or folder");
}

#[test]
fn no_specs_at_all() {
    let dir = project(&[("README.md", b"# hi\n")]);
    insta::assert_snapshot!(fails(dir.path(), &[]), @"error: specs: no spec folders found (make one with a spec.md, plan.md or tasks.md, or name a file)");
}

#[test]
fn markdown_without_spec_sections() {
    let dir = project(&[(
        "specs/a/plan.md",
        b"# Shopping list\n\nEggs, milk.\n\n## Notes\n\n- call mum\n",
    )]);
    insta::assert_snapshot!(fails(dir.path(), &[]), @r#"error: specs/a/plan.md:1: no Spec-Kit sections found: expected headings such as "User Story 1 - ...", "Technical Context", "Constitution Check", "Phase 0: ...", task ids like R0.1 or T001, or requirements like FR-001"#);
}

#[test]
fn duplicate_task_id() {
    let dir = project(&[(
        "specs/a/plan.md",
        b"# P\n## Phase 1: X\n### A1.1: One\n- [ ] a\n### A1.1: Two\n- [ ] b\n",
    )]);
    insta::assert_snapshot!(fails(dir.path(), &[]), @"error: specs/a/plan.md:5: task id A1.1 is already used at specs/a/plan.md:3; give each task its own id");
}

#[test]
fn duplicate_task_id_across_files() {
    let dir = project(&[
        ("specs/a/plan.md", b"# P\n## Phase 1: X\n- [ ] T001 One\n"),
        (
            "specs/a/tasks.md",
            b"# T\n## Phase 1: X\n- [ ] T001 Again\n",
        ),
    ]);
    insta::assert_snapshot!(fails(dir.path(), &[]), @"error: specs/a/tasks.md:3: task id T001 is already used at specs/a/plan.md:3; give each task its own id");
}

#[test]
fn service_folder_that_cannot_be_read() {
    let dir = project(&[("specs/a/plan.md", b"# P\n## Phase 1: X\n- [ ] T001 One\n")]);
    std::fs::create_dir_all(dir.path().join("services")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone"), dir.path().join("services/api")).unwrap();
    let err = fails(dir.path(), &[]);
    assert!(
        err.starts_with("error: services/api: cannot read the service: "),
        "{err}"
    );
}

#[test]
fn malformed_package_json() {
    let dir = project(&[
        ("specs/a/plan.md", b"# P\n## Phase 1: X\n- [ ] T001 One\n"),
        (
            "services/web/package.json",
            b"{\n  \"name\": \"web\",\n  \"scripts\": {,}\n}\n",
        ),
    ]);
    let err = fails(dir.path(), &[]);
    assert!(
        err.starts_with("error: services/web/package.json:3: "),
        "{err}"
    );
}

#[test]
fn one_bad_spec_stops_the_whole_run_before_anything_is_written() {
    let dir = project(&[
        ("specs/a/plan.md", b"# P\n## Phase 1: X\n- [ ] T001 One\n"),
        ("specs/b/plan.md", b""),
    ]);
    let err = fails(dir.path(), &[]);
    assert!(
        err.contains("specs/b/plan.md:1: the file is empty"),
        "{err}"
    );
    assert!(!dir.path().join("specs/a/tasks.md").exists());
}

#[test]
fn unsupported_output_is_a_usage_error() {
    let dir = fixture("polyglot");
    insta::assert_snapshot!(fails(dir.path(), &["--output", "sarif"]), @"error: berth plan prints human, json or yaml output");
}
