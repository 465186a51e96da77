//! Fuzzes the berth.lock reader: any text in, a `Lock` or an error naming the line out, never a
//! panic; a lock that reads is written and read back to the same lock.
#![no_main]

use berth_draft::llm::parse_lock;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse_lock(text) {
        Ok(lock) => {
            let again = toml::to_string(&lock).unwrap();
            assert_eq!(parse_lock(&again).expect("a lock berth wrote reads back"), lock);
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
