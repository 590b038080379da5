//! The processor on single entries and merged events.

use super::*;

/// Settings for `output`, in UTC, with no filter.
fn settings(output: Output, color: bool, merge: bool) -> Arc<Settings> {
    Arc::new(Settings {
        output,
        color,
        utc: true,
        filter: Filter::default(),
        now: 1_795_338_007_000_000,
        max_line: 1 << 20,
        merge,
    })
}

/// The quick way of writing a merged event (the first entry as written, the rest
/// added) gives exactly what reading the first entry again gives.
#[test]
fn a_merged_event_is_the_same_either_way() {
    let lines = [
        r#"{"__REALTIME_TIMESTAMP":"1795168807903400","_PID":"7","SYSLOG_IDENTIFIER":"billing","MESSAGE":"10:00:07.903 request_id=Fx9 [error] GenServer W terminating","PRIORITY":"6"}"#,
        r#"{"__REALTIME_TIMESTAMP":"1795168807903550","_PID":"7","MESSAGE":"** (ArithmeticError) bad argument","PRIORITY":"6"}"#,
        r#"{"__REALTIME_TIMESTAMP":"1795168807903700","_PID":"7","MESSAGE":"    (billing 0.1.0) lib/w.ex:42: W.call/3\t\"x\"","PRIORITY":"6"}"#,
    ];
    for output in [Output::Json, Output::Short, Output::Cat] {
        for color in [false, true] {
            let settings = settings(output, color, true);
            let mut processor = Processor::new(settings);
            let mut out = Vec::new();
            for line in lines {
                processor.line(Format::Json, line.as_bytes(), &mut out);
            }
            assert!(out.is_empty());
            let event = processor.open.pop().unwrap();
            assert_eq!(event.count, 3);
            let (mut quick, mut slow) = (Vec::new(), Vec::new());
            assert!(processor.extend_written(&event, &mut quick), "{output:?}");
            processor.write_merged(&event, &mut slow);
            assert_eq!(
                String::from_utf8_lossy(&quick),
                String::from_utf8_lossy(&slow),
                "{output:?}, colour {color}"
            );
        }
    }
}

/// Generated short-iso lines, each in turn through [`Processor::line`] (which finds
/// a printable line's fields printable and takes their one-scan path) and through
/// the general path (the same entry, nothing known of its fields): the two outputs
/// are the same bytes for every output form, colour and `--merge`.
#[test]
fn a_printable_line_reads_the_same_through_the_general_path() {
    const WORDS: &[&str] = &[
        "[info]",
        "[error]",
        "[warning]",
        "[debug]",
        "[notice]",
        "QUERY",
        "OK",
        "ERROR",
        "GET",
        "POST",
        "/invoices/42",
        "Sent",
        "200",
        "503",
        "in",
        "12ms",
        "3.4ms",
        "2s",
        "request_id=Fx9",
        "db=2.1ms",
        "source=\"invoices\"",
        "Billing.Repo",
        "(Billing.Worker)",
        "https://example.test/x",
        "10.0.0.7:4000",
        "**",
        "(RuntimeError)",
        "GenServer",
        "terminating",
        "=ERROR",
        "REPORT====",
        "\t",
        "",
        "(billing",
        "0.1.0)",
        "lib/w.ex:42:",
        "{:charge,",
        "7}",
        "[",
        "]",
        "x]",
        "[y",
        "h",
        "=",
        "a=b",
        "Q",
        "]QUERY",
        "é",
        "\x1b[31m",
    ];
    let mut rng = crate::test_rng::Rng(0x2545_f491_4f6c_dd1d);
    let mut next = |below: usize| rng.below(below);
    let mut lines = Vec::new();
    for n in 0..600 {
        let mut message = String::new();
        if next(3) == 0 {
            message.push_str(&" ".repeat(1 + next(6)));
        }
        for _ in 0..next(14) {
            message.push_str(WORDS[next(WORDS.len())]);
            message.push(' ');
        }
        let pid = ["", "[7]", "[8]", "[41234]"][next(4)];
        lines.push(format!(
            "2026-11-20T10:00:{:02}+0000 app{} billing{pid}: {}",
            n % 60,
            next(2),
            message.trim_end()
        ));
    }
    for output in [Output::Short, Output::ShortIso, Output::Cat, Output::Json] {
        for (color, merge) in [(false, false), (true, false), (true, true), (false, true)] {
            let settings = settings(output, color, merge);
            let mut quick = Processor::new(Arc::clone(&settings));
            let mut general = Processor::new(Arc::clone(&settings));
            let mut writer = Processor::new(settings);
            let (mut fast_out, mut slow_out) = (Vec::new(), Vec::new());
            let mut checked = 0;
            for line in &lines {
                let line = line.as_bytes();
                quick.line(Format::Short, line, &mut fast_out);
                let now = general.settings.now;
                let parsed =
                    text::short_line_into(line, &mut general.clock, now, Vec::new(), false)
                        .expect("a generated line reads");
                let source = Some((Format::Short, line));
                general.entry_from(
                    &parsed.entry,
                    parsed.time,
                    None,
                    source,
                    false,
                    &mut slow_out,
                );
                // The line writer alone: a printable message with its header given,
                // against the same entry sanitized and searched for its header.
                let facts = Facts::of(&parsed.entry, false);
                if output.is_human() && facts.printable {
                    let (mut given, mut found) = (Vec::new(), Vec::new());
                    let header = Some(facts.header);
                    writer.write_human(&parsed.entry, parsed.time, 3, header, true, &mut given);
                    writer.write_human(&parsed.entry, parsed.time, 3, None, false, &mut found);
                    assert_eq!(given, found, "{}", String::from_utf8_lossy(line));
                    checked += 1;
                }
            }
            assert!(
                checked > 100 || !output.is_human(),
                "{checked} printable lines"
            );
            quick.flush_all(&mut fast_out);
            general.flush_all(&mut slow_out);
            assert!(!fast_out.is_empty());
            assert_eq!(
                String::from_utf8_lossy(&fast_out),
                String::from_utf8_lossy(&slow_out),
                "{output:?}, colour {color}, merge {merge}"
            );
        }
    }
}
