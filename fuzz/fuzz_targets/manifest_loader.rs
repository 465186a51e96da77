//! Fuzzes the YAML/manifest loader and everything `berth validate` does with what it loads:
//! any text in, a report out, never a panic or a hang.
#![no_main]

use berth_core::validate::{self, Input, Options};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static OPTIONS: LazyLock<Options> = LazyLock::new(|| {
    let mut o = Options::default();
    // helm would be a subprocess per input: the chart path is tested elsewhere.
    o.helm = None;
    o
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (docs, _) = validate::yaml::parse(text);
    for d in &docs {
        let _ = d.positions().find("/spec/template/spec/containers/0/image");
    }
    let inputs = [
        Input { path: "manifests/app.yaml".into(), contents: text.to_string() },
        Input { path: "services/app/Dockerfile".into(), contents: text.to_string() },
    ];
    let _ = validate::validate(&inputs, &OPTIONS);
});
