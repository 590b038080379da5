#![no_main]
//! journal-fmt's `--since`/`--until` reader on arbitrary text: no panic, no stall,
//! instants within journalctl's range.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    journal_fmt::invariants::exercise_time(data);
});
