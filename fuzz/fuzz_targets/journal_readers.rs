#![no_main]
//! journal-fmt's readers and engine on arbitrary bytes: no panic, no stall; entries
//! that read survive a write and a second read; blocks on threads change nothing.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    journal_fmt::invariants::exercise_readers(data);
});
