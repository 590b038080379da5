#![no_main]
//! The Erlang term reader (sys.config, .rel, -config files) on arbitrary bytes: no
//! panic, no hang, errors inside the text, and what it reads prints back to terms
//! that read the same (relkit_common::erlang::invariants).

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    relkit_common::erlang::invariants(data);
});
