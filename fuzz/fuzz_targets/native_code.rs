#![no_main]
//! release-pack verify --target-root's readers (ELF files, ld.so.cache, ld.so.conf)
//! on arbitrary bytes: no panic, and an ELF file reads the same whole or in parts.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    release_pack::invariants::exercise_native(data);
});
