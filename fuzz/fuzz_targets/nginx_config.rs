#![no_main]
//! hsts-check's nginx configuration reader on arbitrary bytes: no panic, no hang,
//! and every directive and error at a real line and column.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    hsts_check::invariants::exercise_nginx_reader(data);
});
