#![no_main]
//! release-pack's deflate block walker (which makes each chunk's stream continuable)
//! on arbitrary bytes: no panic, and a valid stream keeps its contents.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    release_pack::invariants::exercise_deflate_end(data);
});
