//! Snapshots of the per-file header (each way a file can be drafted), the inline findings
//! and the overview.

use super::*;
use berth_core::diff::compare;
use berth_core::review::overview::overview as make_overview;
use berth_core::review::provenance::SpecItem;
use berth_core::validate::Report;

fn finding(severity: Severity, line: usize, rule: &str, message: &str) -> Finding {
    Finding {
        rule: rule.into(),
        severity,
        file: "manifests/k8s/web-deployment.yaml".into(),
        line,
        column: 1,
        object: None,
        path: None,
        message: message.into(),
        hint: None,
    }
}

fn provenance(drafting: Drafting, why: Option<&str>, rationale: Option<&str>) -> Provenance {
    Provenance {
        artifact: "web/deployment".into(),
        generator: if drafting == Drafting::Fallback {
            "offline".into()
        } else {
            "openai:smollm2".into()
        },
        drafting,
        model: Some("openai:smollm2".into()),
        why: why.map(str::to_string),
        rationale: rationale.map(str::to_string),
        spec_items: vec![
            SpecItem {
                id: "FR-002".into(),
                text: Some("Every service MUST ship as a container image.".into()),
                at: Some("specs/shop/spec.md:18".into()),
            },
            SpecItem {
                id: "T009".into(),
                text: None,
                at: None,
            },
        ],
        notes: vec![],
    }
}

fn diff() -> berth_core::diff::FileDiff {
    compare(
        "manifests/k8s/web-deployment.yaml",
        Some("kind: Deployment\nspec:\n  replicas: 1\n".into()),
        Some("kind: Deployment\nspec:\n  replicas: 2\n  image: web:latest\n".into()),
    )
}

#[test]
fn header_of_a_repaired_answer() {
    let p = provenance(
        Drafting::Repaired,
        Some("1 repair(s), fixed: DL3007"),
        Some("pinned the base image and added probes"),
    );
    let f = [finding(
        Severity::Warning,
        0,
        "policy/x",
        "about the whole file",
    )];
    insta::assert_snapshot!(header(&diff(), Some(&p), &f));
}

#[test]
fn header_of_a_fallback_and_of_an_accepted_answer() {
    let p = provenance(
        Drafting::Fallback,
        Some("2 finding(s) left after 2 repair(s): DL3007 image uses latest"),
        None,
    );
    let q = provenance(Drafting::Model, None, Some("one replica per zone"));
    let text = header(&diff(), Some(&p), &[]) + &header(&diff(), Some(&q), &[]);
    insta::assert_snapshot!(text);
}

#[test]
fn findings_sit_under_their_lines_errors_first() {
    let f = [
        finding(Severity::Error, 4, "DL3007", "the image is `latest`"),
        finding(
            Severity::Error,
            9,
            "schema/x",
            "on a line the diff does not show",
        ),
        finding(Severity::Warning, 3, "policy/replicas", "two replicas"),
        finding(
            Severity::Warning,
            4,
            "policy/pull",
            "a warning on the same line",
        ),
    ];
    let mut sorted = f.to_vec();
    sorted.sort_by_key(|f| (f.severity, f.line));
    let text = berth_core::diff::unified(&diff(), 3);
    insta::assert_snapshot!(with_findings(&text, &sorted));
}

#[test]
fn overview_groups_by_service() {
    let mut a = diff();
    a.proposal = Some(berth_core::record::Proposal {
        path: a.path.clone(),
        artifact: "web/deployment".into(),
        generator: "offline".into(),
        sources: vec![],
        sha256: String::new(),
        notes: vec![],
        base: None,
        contents: String::new(),
    });
    let gone = compare("manifests/k8s/old.yaml", Some("kind: X\n".into()), None);
    let report = Report {
        findings: vec![finding(Severity::Error, 4, "DL3007", "latest")],
        ..Report::default()
    };
    insta::assert_snapshot!(overview("shop", &make_overview(&[&a, &gone], &report)));
}

#[test]
fn the_html_page_shows_a_models_rationale_and_why_it_was_repaired() {
    let d = diff();
    let p = provenance(
        Drafting::Repaired,
        Some("1 repair(s), fixed: DL3007"),
        Some("pinned <the> base image"),
    );
    let view = crate::render::html::FileView {
        diff: &d,
        provenance: Some(&p),
        findings: vec![finding(
            Severity::Error,
            4,
            "DL3007",
            "the image is `latest`",
        )],
    };
    let page =
        crate::render::html::page("shop", &make_overview(&[&d], &Report::default()), &[view]);
    assert!(
        page.contains("<dt>rationale</dt><dd>pinned &lt;the&gt; base image</dd>"),
        "{page}"
    );
    assert!(
        page.contains("repaired</span> (1 repair(s), fixed: DL3007)"),
        "{page}"
    );
    assert!(page.contains("<code>T009</code>") || page.contains("not in the spec any more"));
    let row = page.find("image: web:latest").unwrap();
    let err = page.find("tr class=\"finding error\"").unwrap();
    assert!(err > row, "the finding sits under its line");
}
