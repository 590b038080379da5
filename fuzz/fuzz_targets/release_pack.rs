#![no_main]
//! release-pack's tarball reader (gzip, tar headers, the safety screen, the .rel and
//! vm.args readers) on arbitrary bytes: no panic, and nothing it admits climbs out.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    release_pack::invariants::exercise_reader(data);
});
