#![no_main]
//! The relconf parser, evaluator and checks on arbitrary bytes: see relconf::invariants.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    relconf::invariants::check_all(data);
});
