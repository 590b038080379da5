//! The fuzz target's properties over its corpus (fuzz/corpus/vmargs), so every
//! `cargo test` replays what the fuzzer found; plus pseudo-random inputs.

use relkit_tests::replay_fuzz_corpus;

#[test]
fn the_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("vmargs", 20, vmargs::invariants::check_all);
}

#[test]
fn random_bytes_keep_the_properties() {
    let alphabet: &[u8] = b" \t\n\r\x0b\x0c#'\"\\-+@.=abcnmes0129\x00\xc3\xa9\xff";
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..3000 {
        let mut data = Vec::new();
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 64) as usize;
        for _ in 0..len {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.push(alphabet[(state % alphabet.len() as u64) as usize]);
        }
        let outcome = std::panic::catch_unwind(|| vmargs::invariants::check_all(&data));
        assert!(
            outcome.is_ok(),
            "input {:?} breaks a property",
            String::from_utf8_lossy(&data)
        );
    }
}

/// The shell reader's fuzz corpus (fuzz/corpus/shell_env): vmargs boot reads env.sh
/// through it.
#[test]
fn the_shell_reader_s_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("shell_env", 7, relkit_common::shell::invariants);
}

#[test]
fn deep_nesting_and_doubling_values_are_bounded() {
    let deep_if = "if true; then\n".repeat(5000) + &"fi\n".repeat(5000);
    relkit_common::shell::invariants(deep_if.as_bytes());
    assert!(relkit_common::shell::parse(deep_if.as_bytes()).is_err());
    let deep_param = "A=".to_string() + &"${B:-".repeat(5000) + &"}".repeat(5000);
    relkit_common::shell::invariants(deep_param.as_bytes());
    let doubling = "A=x\n".to_string() + &"A=$A$A\n".repeat(64);
    relkit_common::shell::invariants(doubling.as_bytes());
}

#[test]
fn the_unit_reader_s_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("systemd_unit", 3, vmargs::invariants::check_systemd_unit);
}

#[test]
fn the_relx_files_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("relx_files", 3, vmargs::invariants::check_relx_files);
}

/// The Erlang term reader's corpus (fuzz/corpus/erlang_terms): `vmargs cluster`
/// reads sys.config through it, release-pack the `.rel` file.
#[test]
fn the_erlang_term_reader_s_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("erlang_terms", 3, relkit_common::erlang::invariants);
}
