#![no_main]
//! relx's start-script file handling as vmargs boot models it (the awk `${VAR}`
//! substitution and the `-name` check over `-args_file` chains), on arbitrary bytes
//! (vmargs::invariants::check_relx_files).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    vmargs::invariants::check_relx_files(data);
});
