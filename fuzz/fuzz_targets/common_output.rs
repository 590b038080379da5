#![no_main]
//! What common reads and writes for every tool, on arbitrary bytes: a git index
//! (the fast path must never panic, and answer only for an index it fully read),
//! a codes.md text, secret masking (width kept, no secret left), the env.sh and
//! sys.config secret scanners (ranges in bounds), and every finding
//! format (gcc and github one line per finding, SARIF serialisable).

use relkit_common::finding::{Finding, Severity};
use relkit_common::secret::{Secrets, Span};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (head, rest) = data.split_at(data.len().min(24));
    let path = String::from_utf8_lossy(head);
    let _ = relkit_common::git::index_lookup(rest, path.as_bytes());
    let text = String::from_utf8_lossy(data);
    let _ = relkit_common::codes::parse(&text);

    // A secret taken from the input, masked in a line that holds it.
    let mut secrets = Secrets::new(false);
    let secret: String = text.chars().filter(|c| !c.is_whitespace()).take(12).collect();
    secrets.add_value(&secret);
    let column = (data.first().copied().unwrap_or(0) % 8) as u32 + 1;
    let width = (data.get(1).copied().unwrap_or(0) % 8) as u32;
    secrets.add_span(
        "f",
        Span {
            line: 1,
            column,
            end_line: 1 + u32::from(data.get(2).copied().unwrap_or(0) % 2),
            end_column: column + width,
        },
    );
    for line in text.lines().take(4) {
        let masked = secrets.mask_line("f", 1, line);
        assert_eq!(masked.chars().count(), line.chars().count());
        let free = secrets.mask(line);
        // (A secret with the mask character in it could be rebuilt by masking.)
        if secret.chars().count() >= relkit_common::secret::MIN_VALUE_LEN
            && !secret.contains(relkit_common::secret::MASK)
        {
            assert!(!free.contains(secret.as_str()));
        }
    }

    // The secret scanners for env.sh and sys.config: ranges inside the text, in
    // order, and masking them keeps every line's width.
    for ranges in [
        relkit_common::secret::scan::in_shell(data),
        relkit_common::secret::scan::in_erlang_terms(data),
    ] {
        for r in &ranges {
            assert!(r.start <= r.end && r.end <= data.len());
        }
        let mut scanned = Secrets::new(false);
        scanned.add_ranges("t", data, ranges);
        let masked = scanned.mask_text("t", &text);
        assert_eq!(masked.lines().count(), text.lines().count());
    }

    let finding = Finding::new("vmargs", Severity::Warning, "weak-cookie", text.clone())
        .in_file(path.clone())
        .at(1, column, column + width)
        .with_hint(text.clone());
    let gcc = relkit_common::report::gcc_line(&finding);
    assert_eq!(gcc.matches('\n').count(), 1);
    let github = relkit_common::report::github_line(&finding);
    assert_eq!(github.matches('\n').count(), 1);
    assert!(!github.trim_end_matches('\n').contains('\r'));
    let log = relkit_common::report::sarif_log("vmargs", &[finding]).unwrap();
    serde_json::to_vec(&log).unwrap();
    let _ = finding_render(&text);
});

fn finding_render(text: &str) -> String {
    Finding::new("relconf", Severity::Error, "syntax-error", "m")
        .in_file("x")
        .at(1, 3, 9)
        .render(Some(text))
}
