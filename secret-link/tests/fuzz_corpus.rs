//! Replays the fuzz target's corpus (fuzz/corpus/secret_link) in `cargo test`.

use relkit_tests::replay_fuzz_corpus;

#[test]
fn the_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("secret_link", 3, secret_link::invariants::exercise_readers);
}
