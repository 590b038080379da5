//! Human lines: colours, sanitising, the highlighted parts of a message.

use super::*;

fn spans(message: &str) -> String {
    let mut out = Vec::new();
    highlight(&mut out, message.as_bytes(), "");
    String::from_utf8(out)
        .unwrap()
        // Compound styles first: they begin with a simple one's escape.
        .replace(ESCAPES.red_bold.text, "<red:")
        .replace(ESCAPES.yellow_bold.text, "<&ESCAPES.yellow:")
        .replace(ESCAPES.url.text, "<url:")
        .replace(reset(), ">")
        .replace(ESCAPES.dim.text, "<dim:")
        .replace(ESCAPES.bold.text, "<b:")
        .replace(ESCAPES.green.text, "<green:")
        .replace(ESCAPES.yellow.text, "<yellow:")
        .replace(ESCAPES.blue.text, "<blue:")
        .replace(ESCAPES.magenta.text, "<magenta:")
        .replace(ESCAPES.cyan.text, "<cyan:")
        .replace(ESCAPES.grey.text, "<grey:")
}

#[test]
fn phoenix_and_ecto_lines() {
    assert_eq!(
        spans("10:00:03.402 request_id=F1 [info] GET /invoices/42"),
        "<dim:10:00:03.402 request_id=F1 ><b:[info]> <b:GET> <cyan:/invoices/42>>"
    );
    assert_eq!(
        spans("10:00:03.410 [info] Sent 404 in 812µs"),
        "<dim:10:00:03.410 ><b:[info]> Sent <yellow:404> in <yellow:812µs>>"
    );
    assert_eq!(
            spans("[debug] QUERY OK source=\"invoices\" db=2.1ms queue=0.3ms"),
            "<grey:[debug]> <green:QUERY OK> source=<cyan:\"invoices\"> <dim:db=><yellow:2.1ms> <dim:queue=><yellow:0.3ms>>"
        );
}

#[test]
fn crashes_modules_addresses() {
    assert_eq!(
        spans("** (ArithmeticError) bad argument"),
        "<red:** (ArithmeticError)> bad argument>"
    );
    assert_eq!(
        spans("    (billing 0.1.0) lib/billing/w.ex:42: Billing.Worker.handle_call/3"),
        "    <dim:(billing 0.1.0)> lib/billing/w.ex:42: <magenta:Billing.Worker.handle_call/3>>"
    );
    assert_eq!(
            spans("Running BillingWeb.Endpoint at 10.0.0.7:4000 (http), see https://example.com/x."),
            "Running <magenta:BillingWeb.Endpoint> at <blue:10.0.0.7:4000> (http), see <url:https://example.com/x>.>"
        );
    assert_eq!(
        spans("1.2.3 is a version, 300 a number"),
        "1.2.3 is a version, 300 a number>"
    );
}

#[test]
fn unsafe_bytes_are_escaped() {
    assert_eq!(sanitize(b"plain \t text"), "plain \t text");
    assert_eq!(
        sanitize(b"\x1b[33mwarn\x1b[0m \x08 \xff\x00"),
        "warn \\x08 \\xff\\x00"
    );
    // Every escape form goes, not only colours: OSC 8 hyperlinks (ended by ST),
    // titles (ended by BEL), DCS strings, charset escapes.
    assert_eq!(
            sanitize(b"see \x1b]8;;https://x.example/\x1b\\docs\x1b]8;;\x1b\\ \x1b]0;t\x07\x1bPq#0\x1b\\\x1b(Bok \x7f"),
            "see docs ok \\x7f"
        );
}

/// The word loop as first written, a byte at a time: the reference the
/// eight-bytes-at-a-time scan must match.
fn words_bytewise(w: &mut Spans<'_, '_>, from: usize) {
    let bytes = w.text;
    let mut i = from;
    while i < bytes.len() {
        if bytes[i] == b' ' {
            i += 1;
            continue;
        }
        let end = crate::lanes::find_byte(b' ', &bytes[i..]).map_or(bytes.len(), |n| i + n);
        word(w, i, end);
        i = end;
    }
}

#[test]
fn word_scan_matches_the_bytewise_loop() {
    let pieces: [&[u8]; 24] = [
        b" ",
        b"  ",
        b"a",
        b"h",
        b"http://x.io/a",
        b"=",
        b"db=",
        b"2.1ms",
        b"12",
        b"10.0.0.1:80",
        b"Ecto.Query",
        b"(Billing.Repo)",
        b"(",
        b"Z",
        b"z9",
        b"\xc3",
        "\u{b5}s".as_bytes(),
        b"source=\"x\"",
        b"request_id=F",
        b",",
        b".",
        b"9",
        b"x=1s",
        b"\xff",
    ];
    // A small deterministic generator: every length up to 40 pieces, many mixes.
    let mut rng = crate::test_rng::Rng(0x9e37_79b9_7f4a_7c15);
    let mut next = move || rng.next_u64();
    for _ in 0..20_000 {
        let mut message = Vec::new();
        for _ in 0..next() % 40 {
            message.extend_from_slice(pieces[(next() % 24) as usize]);
        }
        for from in [0, 1, 3, 8, 9] {
            let from = from.min(message.len());
            let mut quick = Vec::new();
            let mut spans = Spans::new(&mut quick, &message, "B");
            words(&mut spans, from);
            spans.finish();
            let mut slow = Vec::new();
            let mut spans = Spans::new(&mut slow, &message, "B");
            words_bytewise(&mut spans, from);
            spans.finish();
            assert_eq!(
                quick,
                slow,
                "{:?} from {from}",
                String::from_utf8_lossy(&message)
            );
        }
    }
}

#[test]
fn a_span_restores_the_line_colour_whatever_its_length() {
    for base in ["", "\x1b[1m\x1b[31m", &"\x1b[1m".repeat(10)] {
        let mut out = Vec::new();
        highlight(&mut out, b"took 12ms here", base);
        let (reset, yellow) = (reset(), ESCAPES.yellow.text);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{base}took {yellow}12ms{reset}{base} here{reset}"),
            "base of {} bytes",
            base.len()
        );
    }
}

#[test]
fn a_word_ends_at_its_space_in_whichever_block_it_lies() {
    // A word found in one sixteen-byte block ends in the same block, in the next
    // one, or at the end of the message; each place is tried at each offset.
    for pad in 0..40 {
        let lead = "x".repeat(pad);
        assert_eq!(
            spans(&format!("{lead} took 1234567ms here")),
            format!("{lead} took <yellow:1234567ms> here>"),
            "after {pad} bytes"
        );
        assert_eq!(
            spans(&format!("{lead} took 12ms")),
            format!("{lead} took <yellow:12ms>>"),
            "after {pad} bytes, at the end"
        );
    }
}
