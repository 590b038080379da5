//! Replays the header fuzz target's corpus (fuzz/corpus/hsts_header) in `cargo test`.

use relkit_tests::replay_fuzz_corpus;

#[test]
fn the_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("hsts_header", 10, |data| {
        let policy = hsts_check::header::parse(&String::from_utf8_lossy(data));
        assert!(!policy.valid || policy.max_age.is_some());
        let _ = hsts_check::report::from_dump(data, Some("a.example"), "https", "corpus");
    });
}
