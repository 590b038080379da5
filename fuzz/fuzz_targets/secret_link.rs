#![no_main]
//! secret-link's readers of outside input (a plan, a build host's survey reply, the
//! selection) on arbitrary bytes: no panic, and nothing they accept escapes `--into`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    secret_link::invariants::exercise_readers(data);
});
