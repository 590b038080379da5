#![no_main]
//! Every vmargs stage on arbitrary bytes: see vmargs::invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vmargs::invariants::check_all(data);
});
