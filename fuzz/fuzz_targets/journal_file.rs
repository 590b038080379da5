#![no_main]
//! journal-fmt's journal file reader on arbitrary bytes: no panic, no hang, bounded
//! memory, and every entry it gives well formed.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    journal_fmt::invariants::exercise_journal_file(data);
});
