//! The example project's journal (billing_prod, every entry PRIORITY=6): the
//! effective levels find the crash report, stack trace and all, and the warning
//! that arrived ANSI-coloured.

use journal_fmt::entry::level::Levels;
use journal_fmt::input::export::ExportReader;
use relkit_tests::example_dir;

#[test]
fn the_crash_report_is_found_although_every_entry_says_info() {
    let bytes = std::fs::read(example_dir().join("journal/billing_prod.export")).unwrap();
    let mut reader = ExportReader::new(&bytes[..], 1 << 20);
    let entries: Vec<_> = std::iter::from_fn(|| reader.next_entry())
        .map(|e| e.unwrap())
        .collect();
    assert!(entries
        .iter()
        .all(|e| e.get("PRIORITY") == Some(Some(&b"6"[..]))));
    let mut levels = Levels::default();
    let errors: Vec<String> = entries
        .iter()
        .filter(|e| levels.level_of(e) <= 3)
        .map(|e| String::from_utf8_lossy(e.get("MESSAGE").unwrap().unwrap()).into_owned())
        .collect();
    assert_eq!(errors.len(), 6, "{errors:#?}");
    assert!(errors[0].ends_with("[error] GenServer Billing.PaymentWorker terminating"));
    assert!(errors[1].starts_with("** (ArithmeticError)"));
    assert!(errors[5].starts_with("Last message"));
    let mut levels = Levels::default();
    let warnings = entries.iter().filter(|e| levels.level_of(e) == 4).count();
    assert_eq!(warnings, 1, "the ANSI-coloured [warning] line");
    let mut levels = Levels::default();
    let debug: Vec<String> = entries
        .iter()
        .filter(|e| levels.level_of(e) == 7)
        .map(|e| String::from_utf8_lossy(e.get("MESSAGE").unwrap().unwrap()).into_owned())
        .collect();
    assert_eq!(debug.len(), 2, "Ecto's QUERY line and its SQL: {debug:#?}");
    assert!(debug[1].starts_with("SELECT "));
}
