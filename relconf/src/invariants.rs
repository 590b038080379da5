//! Properties that must hold for any input, checked by the fuzz target
//! (fuzz/fuzz_targets/relconf.rs) and, over its corpus, by `cargo test`.

use crate::read::read;
use std::path::Path;

/// Lex, parse, evaluate, check and serialize `data`; panic if a property fails:
/// nothing panics or overflows the stack, error offsets and node spans are inside
/// the text, a second parse gives the same tree, and documents survive a JSON
/// round trip.
pub fn check_all(data: &[u8]) {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    match crate::syntax::parse(src) {
        Err(e) => assert!(e.offset <= src.len(), "syntax error offset past the end"),
        Ok(tree) => {
            crate::syntax::walk(&tree, &mut |n| {
                assert!(
                    n.start <= n.end && n.end <= src.len(),
                    "a span outside the text"
                );
            });
            // Parsing keeps no state between files: the same text, the same tree.
            let again = crate::syntax::parse(src).map(|t| crate::syntax::normal_form(&t));
            assert_eq!(
                again,
                Ok(crate::syntax::normal_form(&tree)),
                "a second parse differs"
            );
        }
    }
    // A root that does not exist: the fuzzer must not read the disk.
    let root = Path::new("/nonexistent-relconf-fuzz-root");
    match read(src, root) {
        Err(e) => {
            let lines = src.split('\n').count();
            assert!(
                e.line >= 1 && e.line <= lines && e.column >= 1,
                "an error outside the text: {e}"
            );
        }
        Ok(cfg) => {
            for f in crate::check::check(&cfg, "config.exs", root) {
                assert!(f.line.is_none_or(|l| l >= 1));
            }
            let doc = cfg.to_doc("config.exs", root, false);
            let json = serde_json::to_string(&doc).expect("documents serialize");
            let back: crate::config::ConfigDoc =
                serde_json::from_str(&json).expect("documents deserialize");
            assert_eq!(
                serde_json::to_value(&back).ok(),
                serde_json::to_value(&doc).ok()
            );
        }
    }
}
