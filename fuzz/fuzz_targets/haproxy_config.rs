#![no_main]
//! hsts-check's HAProxy configuration reader and model on arbitrary bytes: no panic,
//! no hang, every error at a real line and column.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hsts_check::invariants::exercise_haproxy_reader(data);
});
