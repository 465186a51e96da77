//! Fuzzes the Spec-Kit reader and the plan made from it: any bytes as spec.md, plan.md and
//! tasks.md (split at the first two NUL-free `\x1e` separators), a spec or a `SpecError` out,
//! never a panic; a spec that reads has a plan and a tasks.md.
#![no_main]

use berth_core::{plan, spec};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

/// An empty project root: the plan looks for services there and finds none.
static ROOT: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().unwrap());

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0x1e);
    let files: Vec<(String, Vec<u8>)> = ["spec.md", "plan.md", "tasks.md"]
        .iter()
        .zip(parts.by_ref())
        .map(|(name, bytes)| (format!("specs/app/{name}"), bytes.to_vec()))
        .collect();
    let Ok(s) = spec::parse("app", "specs/app", &files) else { return };
    if let Ok(p) = plan::build(&s, ROOT.path()) {
        let _ = plan::render_tasks(&p, &s);
    }
});
