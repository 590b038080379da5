#![no_main]
//! The systemd unit reader `vmargs boot --unit` uses, and its EnvironmentFile=
//! reader, on arbitrary bytes (vmargs::invariants::check_systemd_unit).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vmargs::invariants::check_systemd_unit(data);
});
