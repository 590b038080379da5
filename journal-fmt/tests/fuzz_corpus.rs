//! Replays the fuzz targets' corpora (fuzz/corpus/journal_readers, journal_time,
//! journal_file) in `cargo test`.

use relkit_tests::replay_fuzz_corpus;

#[test]
fn the_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus(
        "journal_readers",
        2,
        journal_fmt::invariants::exercise_readers,
    );
}

#[test]
fn the_time_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("journal_time", 2, journal_fmt::invariants::exercise_time);
}

#[test]
fn the_journal_file_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus(
        "journal_file",
        100,
        journal_fmt::invariants::exercise_journal_file,
    );
}
