//! The level rule: Elixir headers, banners, continuation lines and events.

use super::*;

fn level_of_header(message: &[u8]) -> Option<u8> {
    elixir_header(message).map(|(_, _, level)| level)
}

#[test]
fn names_and_ranges() {
    assert_eq!(priority_from_name("err"), Some(3));
    assert_eq!(priority_from_name("Warning"), Some(4));
    assert_eq!(priority_from_name("7"), Some(7));
    assert_eq!(priority_from_name("8"), None);
    assert_eq!(priority_from_name("error"), Some(3));
    assert_eq!(priority_range("warning"), Some((0, 4)));
    assert_eq!(priority_range("err..warning"), Some((3, 4)));
    assert_eq!(priority_range("warning..err"), Some((3, 4)));
    assert_eq!(priority_range("..notice"), Some((0, 5)));
    assert_eq!(priority_range("bogus"), None);
}

#[test]
fn elixir_headers() {
    assert_eq!(
        level_of_header(b"10:00:07.903 [error] GenServer X terminating"),
        Some(3)
    );
    assert_eq!(
        level_of_header(b"10:00:03.402 request_id=FxK2 [info] GET /invoices"),
        Some(6)
    );
    assert_eq!(
        level_of_header(b"2026-11-20 10:00:00.000 [warn] slow"),
        Some(4)
    );
    assert_eq!(level_of_header(b"[notice] x"), Some(5));
    assert_eq!(level_of_header(b"10:00 list=[error] not a header"), None);
    assert_eq!(level_of_header(b"SELECT 1 [info]x"), None);
    let coloured = strip_ansi(b"\x1b[33m10:00:09.001 [warning] slow\x1b[0m");
    assert_eq!(level_of_header(&coloured), Some(4));
    let linked = strip_ansi(b"[error] see \x1b]8;;https://err.example/\x1b\\the log\x1b]8;;\x1b\\");
    assert_eq!(&linked[..], b"[error] see the log");
}

fn entry(message: &str, pid: &str, priority: &str) -> Entry<'static> {
    let mut e = Entry::default();
    e.push("PRIORITY", Some(priority.as_bytes().to_vec()));
    e.push("_TRANSPORT", Some(b"stdout".to_vec()));
    e.push("_PID", Some(pid.as_bytes().to_vec()));
    e.push("MESSAGE", Some(message.as_bytes().to_vec()));
    e
}

#[test]
fn continuation_lines_take_their_events_level() {
    let mut levels = Levels::default();
    let lines = [
        ("10:00:07.903 [error] GenServer Billing.PaymentWorker terminating", "1", 3),
        ("** (ArithmeticError) bad argument in arithmetic expression", "1", 3),
        ("    (billing 0.1.0) lib/billing/payment_worker.ex:42: Billing.PaymentWorker.handle_call/3", "1", 3),
        // Another process interleaves; its own event is separate.
        ("10:00:07.904 [info] GET /health", "2", 6),
        ("Last message (from #PID<0.2841.0>): {:pay, 4711, nil}", "1", 3),
        ("10:00:07.905 request_id=Fx [info] Sent 500 in 25ms", "1", 6),
        ("10:00:08.000 [debug] QUERY OK source=\"invoices\" db=2.1ms", "1", 7),
        ("SELECT i0.\"id\" FROM \"invoices\" AS i0 []", "1", 7),
        ("not SQL any more, and no header", "1", 6),
        ("plain text with no header", "1", 6),
        ("    indented with no event", "1", 6),
        ("=ERROR REPORT==== 4-Dec-2025::19:22:30.888840 ===", "3", 3),
        ("    crasher: initial call", "3", 3),
        ("GenServer Billing.Worker terminating", "4", 3),
        ("** (RuntimeError) no [level] in this format", "4", 3),
        ("    crasher: initial call", "3", 3),
    ];
    for (message, pid, want) in lines {
        assert_eq!(
            levels.level_of(&entry(message, pid, "6")),
            want,
            "{message}"
        );
    }
    // A priority the application set on purpose wins.
    assert_eq!(levels.level_of(&entry("10:00 [info] x", "1", "2")), 2);
}
