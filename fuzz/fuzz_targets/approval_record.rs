//! Fuzzes the approval record reader (`.berth/approved.json`) and what apply and diff do with a
//! record: any text in, a record or a `RecordError` out, never a panic; a record that reads is
//! settled against a tree and written back to the same record.
#![no_main]

use berth_core::record::{parse_record, settle};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ROOT: LazyLock<tempfile::TempDir> = LazyLock::new(|| tempfile::tempdir().unwrap());

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(mut record) = parse_record(text) else { return };
    // Paths come from the file: only those berth would ever open are looked at.
    record.pending.retain(|p, _| berth_core::record::check_path(p));
    let _ = settle(ROOT.path(), &mut record);
    let again = serde_json::to_string(&record).unwrap();
    let back = parse_record(&again).expect("a record berth wrote reads back");
    assert_eq!(back.files, record.files);
});
