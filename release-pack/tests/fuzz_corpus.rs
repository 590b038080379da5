//! Replays the fuzz targets' corpora (fuzz/corpus/release_pack and deflate_end) in
//! `cargo test`.

use relkit_tests::replay_fuzz_corpus;

#[test]
fn the_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("release_pack", 3, release_pack::invariants::exercise_reader);
}

#[test]
fn the_deflate_end_corpus_keeps_its_properties() {
    replay_fuzz_corpus(
        "deflate_end",
        10,
        release_pack::invariants::exercise_deflate_end,
    );
}

#[test]
fn the_native_code_corpus_keeps_its_properties() {
    replay_fuzz_corpus("native_code", 6, release_pack::invariants::exercise_native);
}
