//! `berth approve` hunk by hunk (`s`), the rest at once (`a`), hunks edited in $EDITOR (`e`),
//! and the decisions in `--output json`, with answers piped as scripts give them.

use super::common::*;
use std::path::Path;

pub fn berth_stdin(
    dir: &Path,
    args: &[&str],
    input: &str,
    env: &[(&str, &str)],
) -> std::process::Output {
    let mut cmd = assert_cmd::Command::cargo_bin("berth").unwrap();
    cmd.current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .write_stdin(input);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

/// The polyglot fixture approved, then its api's health route renamed: the api Deployment's
/// two probes change, far enough apart to be two hunks, and the chart's values change too.
pub fn two_hunks() -> tempfile::TempDir {
    let dir = fixture("polyglot");
    berth(dir.path(), &["draft"]);
    assert!(berth(dir.path(), &["approve", "--yes"]).status.success());
    let main = dir.path().join("services/api/app/main.py");
    let text = std::fs::read_to_string(&main).unwrap();
    std::fs::write(&main, text.replace("\"/healthz\"", "\"/health\"")).unwrap();
    assert!(berth(dir.path(), &["draft"]).status.success());
    dir
}

pub const DEPLOYMENT: &str = "manifests/k8s/api-deployment.yaml";

pub fn recorded_sha(dir: &Path, path: &str) -> String {
    let record: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(".berth/approved.json")).unwrap())
            .unwrap();
    record["files"][path]["sha256"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn split_approves_one_hunk_skips_the_other_and_a_approves_the_rest() {
    let dir = two_hunks();
    let before = std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap();
    let out = berth_stdin(dir.path(), &["approve", "-o", "json"], "s\ny\nn\na\n", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    insta::assert_snapshot!("split_prompt", stderr);

    let on_disk = std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap();
    let want = before.replacen("path: /healthz", "path: /health", 1);
    assert_eq!(
        on_disk, want,
        "only the first hunk (the liveness probe) is written"
    );
    let sha = berth_core::record::sha256_hex(on_disk.as_bytes());
    assert_eq!(recorded_sha(dir.path(), DEPLOYMENT), sha);

    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut decisions = v["decisions"].clone();
    for d in decisions.as_array_mut().unwrap() {
        d["sha256"] = "[sha256]".into();
    }
    insta::assert_json_snapshot!("split_decisions", decisions);
    assert_eq!(v["decisions"][0]["sha256"], sha.as_str());
    assert!(
        dir.path()
            .join("manifests/chart/store/values.yaml")
            .exists()
            && berth(dir.path(), &["diff", "--exit-code", "manifests/chart/"])
                .status
                .code()
                == Some(0),
        "`a` approved the chart's values"
    );

    // The rest stays proposed: the readiness probe's hunk, and only it.
    let rest = berth(dir.path(), &["diff", DEPLOYMENT]);
    let rest = String::from_utf8_lossy(&rest.stdout);
    assert_eq!(rest.matches("\n+").count(), 2, "{rest}");
    assert!(rest.contains("readinessProbe"), "{rest}");
    let valid = berth(dir.path(), &["validate", DEPLOYMENT]);
    assert!(valid.status.success(), "{}", transcript(&valid));
}

/// `berth approve` of the Deployment with these answers, where `e` hands the hunk to an
/// "editor" that applies the sed expression `edit`, as a person would change it.
fn approve_editing(dir: &Path, edit: &str, answers: &str) -> std::process::Output {
    let editor = format!("sed -i -e '{edit}'");
    berth_stdin(
        dir,
        &["approve", "--only", DEPLOYMENT],
        answers,
        &[("EDITOR", editor.as_str()), ("VISUAL", "")],
    )
}

#[test]
fn a_hunk_edited_in_the_editor_is_written_as_edited() {
    let dir = two_hunks();
    let before = std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap();
    // The "editor" turns the proposed path into another one, as a person would.
    let out = approve_editing(
        dir.path(),
        "s#^+            path: /health$#+            path: /ready#",
        "s\nn\ne\n",
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let on_disk = std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap();
    let lines: Vec<&str> = before.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| l.contains("path: /healthz"))
        .unwrap();
    let mut want: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    want[at] = "            path: /ready".into();
    assert_eq!(on_disk, want.join("\n") + "\n");
    assert_eq!(
        recorded_sha(dir.path(), DEPLOYMENT),
        berth_core::record::sha256_hex(on_disk.as_bytes())
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout), @r"
    approved and written (1):
      manifests/k8s/api-deployment.yaml (hunks 2 of 2; the rest stays staged)
    ");
}

#[test]
fn an_edit_that_changes_the_lines_on_disk_is_refused_and_asked_again() {
    let dir = two_hunks();
    let before = std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap();
    let out = approve_editing(
        dir.path(),
        "s#^-            path: /healthz#-            path: /x#",
        "s\ne\nn\nn\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the edited hunk changes the lines on disk"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap(),
        before
    );
}

#[test]
fn help_lists_every_key() {
    let dir = two_hunks();
    let out = berth_stdin(
        dir.path(),
        &["approve", "--only", DEPLOYMENT],
        "?\ns\n?\nq\nq\n",
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    for key in [
        "s - split",
        "a - approve this file and every remaining",
        "e - edit this hunk",
    ] {
        assert!(stderr.contains(key), "{stderr}");
    }
}

#[test]
fn a_file_with_errors_is_not_approved_without_force() {
    // The legacy service's placeholder Dockerfile fails validation on purpose.
    let dir = fixture("polyglot");
    berth(dir.path(), &["draft"]);
    let only = ["approve", "--only", "services/legacy/Dockerfile"];
    // `d` shows the error under the line it is about; `y` is refused.
    let out = berth_stdin(dir.path(), &only, "d\ny\n", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    assert!(!dir.path().join("services/legacy/Dockerfile").exists());
    insta::assert_snapshot!("blocked_file", transcript(&out));
    let forced = berth_stdin(dir.path(), &[&only[..], &["--force"]].concat(), "y\n", &[]);
    assert!(forced.status.success(), "{}", transcript(&forced));
    assert!(dir.path().join("services/legacy/Dockerfile").exists());
}

/// The escape codes made visible, for a snapshot.
fn visible(text: &[u8]) -> String {
    String::from_utf8_lossy(text).replace('\u{1b}', "␛")
}

#[test]
fn changed_words_are_highlighted_with_colour_and_never_without() {
    let dir = two_hunks();
    let coloured = berth(dir.path(), &["--color", "always", "diff", DEPLOYMENT]);
    let text = visible(&coloured.stdout);
    let changed: Vec<&str> = text.lines().filter(|l| l.contains("␛[7m")).collect();
    // The whole line in red or green, the word that changed reversed (␛[7m) on top.
    insta::assert_snapshot!(changed.join("\n"), @r"
    ␛[31m-␛[0m␛[31m            path: ␛[0m␛[31m␛[7m/healthz␛[0m
    ␛[32m+␛[0m␛[32m            path: ␛[0m␛[32m␛[7m/health␛[0m
    ␛[31m-␛[0m␛[31m            path: ␛[0m␛[31m␛[7m/healthz␛[0m
    ␛[32m+␛[0m␛[32m            path: ␛[0m␛[32m␛[7m/health␛[0m
    ");
    for args in [
        &["diff", DEPLOYMENT][..],
        &["--color", "never", "diff", DEPLOYMENT],
    ] {
        let plain = berth(dir.path(), args);
        assert!(!visible(&plain.stdout).contains('␛'), "{args:?}");
    }
    let auto = assert_cmd::Command::cargo_bin("berth")
        .unwrap()
        .current_dir(dir.path())
        .args(["--color", "auto", "diff", DEPLOYMENT])
        .env("NO_COLOR", "1")
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(
        !visible(&auto.stdout).contains('␛'),
        "NO_COLOR wins under auto"
    );
}

#[test]
fn the_html_page_is_self_contained_with_findings_provenance_and_anchors() {
    let dir = two_hunks();
    // Gone from disk, the legacy placeholder (an error on purpose) is proposed anew.
    std::fs::remove_file(dir.path().join("services/legacy/Dockerfile")).unwrap();
    let out = berth(
        dir.path(),
        &["diff", "-o", "html", DEPLOYMENT, "services/legacy/"],
    );
    assert!(out.status.success(), "{}", transcript(&out));
    let page = String::from_utf8(out.stdout).unwrap();
    for external in ["<script", "src=", "http://", "https://", "@import", "url("] {
        assert!(!page.contains(external), "the page refers to {external}");
    }
    for path in [DEPLOYMENT, "services/legacy/Dockerfile"] {
        let id = format!("id=\"file-{path}\"");
        assert!(page.contains(&id), "{id}");
        assert!(page.contains(&format!("href=\"#file-{path}\"")));
    }
    // The style is the same on every page; the snapshot keeps what differs.
    let body = &page[page.find("<body>").unwrap()..];
    insta::assert_snapshot!("review_page", body);
}

#[test]
fn hunks_that_do_not_validate_are_refused_and_said_so() {
    let dir = two_hunks();
    let before = std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap();
    // The edit misspells a field: the file as these hunks make it fails its schema.
    let out = approve_editing(
        dir.path(),
        "s#^+            path: /health$#+            pathh: /health#",
        "s\nn\ne\n",
    );
    assert_eq!(out.status.code(), Some(1), "{}", transcript(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let said = stderr.lines().last().unwrap_or_default();
    insta::assert_snapshot!(said, @"Approve this hunk [2/2]? [y]es, [n]o, [e]dit, [q]uit, [?]help: manifests/k8s/api-deployment.yaml: validation finds errors in the file as these hunks make it: not approved (use --force)");
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout), @r"
    not approved: validation found errors in them (1):
      manifests/k8s/api-deployment.yaml
    ");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(DEPLOYMENT)).unwrap(),
        before
    );
}
