//! Replays the fuzz target's corpus (fuzz/corpus/journal_readers) in `cargo test`.

use relkit_tests::workspace_root;

#[test]
fn the_fuzz_corpus_keeps_its_properties() {
    let dir = workspace_root().join("fuzz/corpus/journal_readers");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus") {
        journal_fmt::exercise_readers(&std::fs::read(entry.unwrap().path()).unwrap());
        count += 1;
    }
    assert!(count >= 2, "the corpus has only {count} inputs");
}
