#![no_main]
//! The STS header parser and the dump reader on arbitrary bytes: no panic, and a
//! valid policy always has a max-age.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let policy = hsts_check::header::parse(&text);
    assert!(!policy.valid || policy.max_age.is_some());
    let _ = hsts_check::report::from_dump(data, Some("a.example"), "https", "fuzz");
});
