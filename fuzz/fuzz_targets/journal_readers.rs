#![no_main]
//! journal-fmt's json and export readers on arbitrary bytes: no panic, no stall, and
//! an export entry that reads survives a write and a second read.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    journal_fmt::exercise_readers(data);
});
