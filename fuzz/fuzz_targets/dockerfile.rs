//! Fuzzes berth's Dockerfile reader and rules (instructions, heredocs, line continuations,
//! pragmas, stages): any text in, findings out, never a panic.
#![no_main]

use berth_core::validate::dockerfile;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut out = Vec::new();
    dockerfile::check("services/app/Dockerfile", text, None, &mut out);
    dockerfile::check("services/app/Dockerfile", text, Some("127.0.0.1:5000"), &mut out);
});
