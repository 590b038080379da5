//! Replays the header fuzz target's corpus (fuzz/corpus/hsts_header) in `cargo test`.

use relkit_tests::workspace_root;

#[test]
fn the_fuzz_corpus_keeps_its_properties() {
    let dir = workspace_root().join("fuzz/corpus/hsts_header");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).expect("fuzz corpus") {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        let policy = hsts_check::header::parse(&String::from_utf8_lossy(&data));
        assert!(!policy.valid || policy.max_age.is_some());
        let _ = hsts_check::report::from_dump(&data, Some("a.example"), "https", "corpus");
        count += 1;
    }
    assert!(count >= 10, "the corpus has only {count} inputs");
}
