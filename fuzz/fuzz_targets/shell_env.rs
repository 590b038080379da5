#![no_main]
//! The shell reader env.sh and edeliver's config go through, on arbitrary bytes:
//! no panic, no hang, bounded values, errors inside the text, the same variables on
//! every run (relkit_common::shell::invariants).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    relkit_common::shell::invariants(data);
});
