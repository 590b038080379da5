//! The fuzz target's properties over its corpus (fuzz/corpus/relconf) and over
//! mutations of the fixtures, so `cargo test` replays what the fuzzer found.

use relkit_tests::{replay_fuzz_corpus, workspace_root};

fn holds(data: &[u8]) -> bool {
    // The parser recurses; run it with the stack a main thread has.
    let data = data.to_vec();
    std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || relconf::invariants::check_all(&data))
        .unwrap()
        .join()
        .is_ok()
}

#[test]
fn the_fuzz_corpus_keeps_its_properties() {
    replay_fuzz_corpus("relconf", 10, |data| assert!(holds(data)));
}

#[test]
fn truncated_and_spliced_fixtures_keep_the_properties() {
    let dir = workspace_root().join("tests/fixtures/relconf");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let data = std::fs::read(entry.unwrap().path()).unwrap();
        // Every prefix cut at a line boundary, and every line dropped once.
        let lines: Vec<&[u8]> = data.split_inclusive(|&b| b == b'\n').collect();
        for cut in 0..lines.len() {
            assert!(
                holds(&lines[..cut].concat()),
                "prefix of {cut} lines breaks a property"
            );
            let dropped: Vec<u8> = lines
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != cut)
                .flat_map(|(_, l)| l.iter().copied())
                .collect();
            assert!(holds(&dropped), "dropping line {cut} breaks a property");
        }
    }
}
