//! Fuzzes the berth.toml reader: any text in, a `Config` or a `ConfigError` naming the line
//! out, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(e) = berth_core::config::parse(text) {
        let _ = e.to_string();
    }
});
