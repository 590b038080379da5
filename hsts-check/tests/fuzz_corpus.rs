//! Replays the fuzz targets' corpora (fuzz/corpus/hsts_header, nginx_config and
//! haproxy_config) in
//! `cargo test`.

use relkit_tests::replay_fuzz_corpus;

#[test]
fn the_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("hsts_header", 10, |data| {
        let policy = hsts_check::header::parse(&String::from_utf8_lossy(data));
        assert!(!policy.valid || policy.max_age.is_some());
        let _ = hsts_check::report::from_dump(data, Some("a.example"), "https", "corpus");
    });
}

#[test]
fn the_nginx_config_corpus_keeps_its_properties() {
    replay_fuzz_corpus(
        "nginx_config",
        5,
        hsts_check::invariants::exercise_nginx_reader,
    );
}

#[test]
fn the_haproxy_config_corpus_keeps_its_properties() {
    replay_fuzz_corpus(
        "haproxy_config",
        5,
        hsts_check::invariants::exercise_haproxy_reader,
    );
}
