//! Replays the fuzz target's corpus (fuzz/corpus/journal_readers) in `cargo test`.

use relkit_tests::replay_fuzz_corpus;

#[test]
fn the_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("journal_readers", 2, journal_fmt::exercise_readers);
}
