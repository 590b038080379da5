//! Text lines: journalctl's `short` family read back, and bare message lines
//! (`-o cat`, or an Elixir console). These formats are lossy (no unit, no stream,
//! a multi-line message spread over indented lines), so a line becomes an entry with
//! the fields it does carry: `MESSAGE`, `SYSLOG_IDENTIFIER`, `_PID`, `_HOSTNAME`.
//!
//! `short` and `short-precise`: `Nov 22 10:00:07[.903123] [host ]ident[pid]: message`
//! (local time, no year: the most recent such date not in the future).
//! `short-iso` and `short-iso-precise`: `2026-11-22T10:00:07[.903123]+01:00 ...`.
//! `short-full`: `Sun 2026-11-22 10:00:07[.903123] CET ...` (the zone taken as local,
//! unless it is UTC). `short-unix`: `1795338007.903123 ...`.

use crate::entry::Entry;
use crate::time::clock::{month_from_name, Clock, Moment};

/// A text line as an entry, and its time when the line had one (with as many digits
/// of the second as the line).
pub struct TextLine<'a> {
    pub entry: Entry<'a>,
    pub time: Option<Moment>,
}

/// journalctl's own lines between entries in the short formats.
pub fn is_meta_line(line: &[u8]) -> bool {
    line.starts_with(b"-- ") && line.ends_with(b" --")
}

/// A bare message line.
pub fn cat_line(line: &[u8]) -> TextLine<'_> {
    let mut entry = Entry::default();
    entry.push("MESSAGE", Some(line));
    TextLine { entry, time: None }
}

/// A `short`-family line, or `None` when it does not start with one of their
/// timestamps followed by an identifier.
///
/// `line` may be a record: the line and the lines after it that journalctl indented
/// under it ([`record_end`]); they are the message's later lines.
pub fn short_line<'a>(line: &'a [u8], clock: &mut Clock, now_micros: i64) -> Option<TextLine<'a>> {
    short_line_into(line, clock, now_micros, Vec::with_capacity(4), false)
}

/// [`short_line`], into an empty field list (one [`recycled`] from the line before,
/// so that a line costs no allocation). `printable`: the caller found the line to
/// be printable ASCII, so it is one line (no indented continuation to join).
///
/// [`recycled`]: crate::entry::fields::recycled
pub fn short_line_into<'a>(
    line: &'a [u8],
    clock: &mut Clock,
    now_micros: i64,
    fields: Vec<crate::entry::Field<'a>>,
    printable: bool,
) -> Option<TextLine<'a>> {
    let (time, rest) = timestamp(line, clock, now_micros)?;
    let rest = rest.strip_prefix(b" ")?;
    let (host, ident, pid, message) = origin(rest)?;
    let mut entry = Entry::in_place(fields);
    if let Some(host) = host {
        entry.push("_HOSTNAME", Some(host));
    }
    entry.push("SYSLOG_IDENTIFIER", Some(ident));
    if let Some(pid) = pid {
        entry.push("_PID", Some(pid));
    }
    if !printable && crate::lanes::find_one(b'\n', message).is_some() {
        let indent = continuation_indent(line, ident, message);
        entry.push("MESSAGE", Some(unindent(message, indent)));
    } else {
        entry.push("MESSAGE", Some(message));
    }
    Some(TextLine {
        entry,
        time: Some(time),
    })
}

/// How far journalctl indents a multi-line message's later lines: by the width of
/// the first line's prefix (`time [host ]ident[pid]: `), in bytes, except that
/// `unknown`, written for an entry with neither identifier nor command, is left out
/// of the count (systemd's `output_short` does not add it).
fn continuation_indent(line: &[u8], ident: &[u8], message: &[u8]) -> usize {
    // `message` runs to the end of `line` (a record's later lines included).
    let prefix = line.len() - message.len();
    if ident == b"unknown" {
        prefix.saturating_sub(b" unknown".len())
    } else {
        prefix
    }
}

/// A record's message with journalctl's indentation taken off its later lines.
fn unindent(message: &[u8], indent: usize) -> Vec<u8> {
    let mut joined = Vec::with_capacity(message.len());
    for (n, line) in message.split(|&b| b == b'\n').enumerate() {
        if n > 0 {
            joined.push(b'\n');
        }
        let margin = line.iter().take(indent).take_while(|&&b| b == b' ').count();
        joined.extend_from_slice(if n > 0 && margin == indent {
            &line[indent..]
        } else {
            line
        });
    }
    joined
}

/// Where the entry whose first line is `input[start..end]` ends (`end` is that
/// line's newline or the end of `input`), and how many lines it has after the
/// first: journalctl's short forms write a multi-line message's later lines under
/// its first, each indented by [`continuation_indent`] spaces (systemd's
/// `print_multiline`), so such lines after a `short`-family line are its message.
pub fn record_end(
    input: &[u8],
    start: usize,
    end: usize,
    clock: &mut Clock,
    now_micros: i64,
) -> (usize, u64) {
    let head = &input[start..end];
    let Some((_, rest)) = timestamp(head, clock, now_micros) else {
        return (end, 0);
    };
    let Some((_, ident, _, message)) = rest.strip_prefix(b" ").and_then(origin) else {
        return (end, 0);
    };
    let indent = continuation_indent(head, ident, message);
    let (mut end, mut more) = (end, 0);
    while end < input.len() {
        let next = end + 1;
        let next_end = memchr::memchr(b'\n', &input[next..]).map_or(input.len(), |i| next + i);
        let line = &input[next..next_end];
        if indent == 0 || line.len() < indent || line[..indent].iter().any(|&b| b != b' ') {
            break;
        }
        end = next_end;
        more += 1;
    }
    (end, more)
}

/// Does the line start like a `short`-family line? (Input detection.)
pub fn looks_short(line: &[u8], clock: &mut Clock) -> bool {
    short_line(line, clock, i64::MAX / 2).is_some()
}

fn digits(bytes: &[u8], from: usize, count: usize) -> Option<u32> {
    let part = bytes.get(from..from + count)?;
    part.iter().try_fold(0u32, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u32::from(b - b'0'))
    })
}

/// Optional `.123456` at `from`: (microseconds, bytes used, digits kept).
fn fraction(bytes: &[u8], from: usize) -> (u32, usize, u8) {
    if bytes.get(from) != Some(&b'.') {
        return (0, 0, 0);
    }
    let count = bytes[from + 1..]
        .iter()
        .take(9)
        .take_while(|b| b.is_ascii_digit())
        .count();
    if count == 0 {
        return (0, 0, 0);
    }
    let mut micros = 0u32;
    for i in 0..6 {
        let digit = if i < count {
            u32::from(bytes[from + 1 + i] - b'0')
        } else {
            0
        };
        micros = micros * 10 + digit;
    }
    (micros, count + 1, count.min(6) as u8)
}

/// `HH:MM:SS` at `from`.
fn clock_time(bytes: &[u8], from: usize) -> Option<(u32, u32, u32)> {
    let h = digits(bytes, from, 2)?;
    let m = digits(bytes, from + 3, 2)?;
    let s = digits(bytes, from + 6, 2)?;
    (bytes.get(from + 2) == Some(&b':') && bytes.get(from + 5) == Some(&b':')).then_some((h, m, s))
}

/// `YYYY-MM-DD` at `from`.
fn iso_date(bytes: &[u8], from: usize) -> Option<(i64, u32, u32)> {
    let y = digits(bytes, from, 4)?;
    let m = digits(bytes, from + 5, 2)?;
    let d = digits(bytes, from + 8, 2)?;
    (bytes.get(from + 4) == Some(&b'-') && bytes.get(from + 7) == Some(&b'-')).then_some((
        i64::from(y),
        m,
        d,
    ))
}

fn timestamp<'a>(line: &'a [u8], clock: &mut Clock, now: i64) -> Option<(Moment, &'a [u8])> {
    let moment = |seconds: i64, micros: u32, digits: u8| Moment {
        micros: seconds * 1_000_000 + i64::from(micros),
        digits,
    };
    let first = *line.first()?;
    if first.is_ascii_digit() {
        // short-iso: 2026-11-22T10:00:07[.frac]+01:00 (or +0100, or Z); the date and
        // time of the line before, when they are the same, are not read again.
        let remembered = line.get(..19).and_then(|civil| clock.remembered_iso(civil));
        let naive = match remembered {
            Some(naive) => Some(naive),
            None => match iso_date(line, 0) {
                Some(date) => {
                    if line.get(10) != Some(&b'T') {
                        return None;
                    }
                    let time = clock_time(line, 11)?;
                    let naive = relkit_common::time::unix_from_utc(
                        date.0, date.1, date.2, time.0, time.1, time.2,
                    )?;
                    clock.remember_iso(&line[..19], naive);
                    Some(naive)
                }
                None => None,
            },
        };
        if let Some(naive) = naive {
            let (micros, used, kept) = fraction(line, 19);
            let mut at = 19 + used;
            let offset = match line.get(at) {
                Some(b'Z') => {
                    at += 1;
                    0
                }
                Some(&sign @ (b'+' | b'-')) => {
                    let h = digits(line, at + 1, 2)?;
                    let (m, len) = if line.get(at + 3) == Some(&b':') {
                        (digits(line, at + 4, 2)?, 6)
                    } else {
                        (digits(line, at + 3, 2)?, 5)
                    };
                    at += len;
                    let offset = i64::from(h * 3600 + m * 60);
                    if sign == b'-' {
                        -offset
                    } else {
                        offset
                    }
                }
                _ => return None,
            };
            return Some((moment(naive - offset, micros, kept), &line[at..]));
        }
        // short-unix: 1795338007.903123
        let count = line.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(9..=11).contains(&count) {
            return None;
        }
        let seconds: i64 = std::str::from_utf8(&line[..count]).ok()?.parse().ok()?;
        let (micros, used, kept) = fraction(line, count);
        return Some((moment(seconds, micros, kept), &line[count + used..]));
    }
    if line.get(3) == Some(&b' ') && line.get(14) == Some(&b' ') && iso_date(line, 4).is_some() {
        // short-full: Sun 2026-11-22 10:00:07[.frac] CET
        let date = iso_date(line, 4)?;
        let time = clock_time(line, 15)?;
        let (micros, used, kept) = fraction(line, 23);
        let rest = line[23 + used..].strip_prefix(b" ")?;
        let zone_len = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
        let zone = &rest[..zone_len];
        if zone.is_empty()
            || !zone
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"+-".contains(b))
        {
            return None;
        }
        let seconds = if zone == b"UTC" || zone == b"GMT" {
            relkit_common::time::unix_from_utc(date.0, date.1, date.2, time.0, time.1, time.2)?
        } else {
            clock.unix_from_civil(date, time, Some(zone))?
        };
        return Some((moment(seconds, micros, kept), &rest[zone_len..]));
    }
    // short, short-precise: Nov 22 10:00:07[.frac]
    let month = month_from_name(line.get(..3)?)?;
    if line.get(3) != Some(&b' ') {
        return None;
    }
    let day = match (line.get(4), line.get(5)) {
        (Some(b' '), Some(d @ b'0'..=b'9')) => u32::from(d - b'0'),
        _ => digits(line, 4, 2)?,
    };
    if line.get(6) != Some(&b' ') {
        return None;
    }
    let time = clock_time(line, 7)?;
    let (micros, used, kept) = fraction(line, 15);
    let now_year = clock.civil(now.min(i64::MAX / 4)).year;
    // No year in the line: the latest such date not more than a day ahead.
    let mut seconds = clock.unix_from_civil((now_year, month, day), time, None)?;
    if seconds * 1_000_000 > now.saturating_add(86_400_000_000) {
        seconds = clock.unix_from_civil((now_year - 1, month, day), time, None)?;
    }
    Some((moment(seconds, micros, kept), &line[15 + used..]))
}

type Origin<'a> = (Option<&'a [u8]>, &'a [u8], Option<&'a [u8]>, &'a [u8]);

/// `[host ]ident[pid]: message` or `[host ]ident: message`.
fn origin(rest: &[u8]) -> Option<Origin<'_>> {
    let first_end = crate::lanes::find_one(b' ', rest)?;
    if let Some((ident, pid)) = tag(&rest[..first_end]) {
        return Some((None, ident, pid, &rest[first_end + 1..]));
    }
    let host = &rest[..first_end];
    let after = &rest[first_end + 1..];
    let second_end = crate::lanes::find_one(b' ', after);
    let (word, message) = match second_end {
        Some(end) => (&after[..end], &after[end + 1..]),
        None => (after, &after[after.len()..]),
    };
    let (ident, pid) = tag(word)?;
    (!host.is_empty()).then_some((Some(host), ident, pid, message))
}

/// `ident[pid]:` or `ident:`.
fn tag(word: &[u8]) -> Option<(&[u8], Option<&[u8]>)> {
    let word = word.strip_suffix(b":")?;
    if let Some(inner) = word.strip_suffix(b"]") {
        let open = inner.iter().rposition(|&b| b == b'[')?;
        let pid = &inner[open + 1..];
        if open == 0 || pid.is_empty() || !pid.iter().all(u8::is_ascii_digit) {
            return None;
        }
        return Some((&inner[..open], Some(pid)));
    }
    (!word.is_empty()).then_some((word, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_338_007_000_000; // 2026-11-22 09:00:07 UTC

    fn read(line: &str) -> Option<(i64, Vec<(String, String)>)> {
        read_moment(line).map(|(m, f)| (m.micros, f))
    }

    fn read_moment(line: &str) -> Option<(Moment, Vec<(String, String)>)> {
        let mut clock = Clock::utc();
        let parsed = short_line(line.as_bytes(), &mut clock, NOW)?;
        let fields = parsed
            .entry
            .fields
            .iter()
            .filter(|f| f.name != "__REALTIME_TIMESTAMP")
            .map(|f| {
                (
                    f.name.to_string(),
                    String::from_utf8_lossy(f.value.as_deref().unwrap()).into_owned(),
                )
            })
            .collect();
        Some((parsed.time?, fields))
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    /// Lines read one after another with one clock (which remembers the last ISO
    /// date and time) read as each does with a fresh clock: the same second with
    /// other offsets and fractions, a changed second, broken times in between.
    #[test]
    fn iso_lines_in_a_row_read_as_alone() {
        let lines = [
            "2026-11-22T10:00:07+0100 web1 billing[1]: a",
            "2026-11-22T10:00:07.25+01:00 web1 billing[1]: b",
            "2026-11-22T10:00:07Z web1 billing[1]: c",
            "2026-11-22T10:00:07-0530 web1 billing[1]: d",
            "2026-11-22T10:00:07 web1 billing[1]: no offset",
            "2026-11-22T10:00:08+0100 web1 billing[1]: e",
            "2026-11-22T10:00:08.123456+0100 web1 billing[1]: f",
            "2026-11-22T10:00:61+0100 web1 billing[1]: bad second",
            "2026-11-22T10:00:08+0100 web1 billing[1]: g",
            "2026-02-30T10:00:08+0100 web1 billing[1]: bad day",
            "2026-11-22X10:00:08+0100 web1 billing[1]: no T",
            "2026-11-22T10:00:08+0100 web1 billing[1]: h",
        ];
        let mut clock = Clock::utc();
        for line in lines {
            let in_a_row = short_line(line.as_bytes(), &mut clock, NOW)
                .map(|parsed| (parsed.time, parsed.entry.into_owned()));
            let alone = short_line(line.as_bytes(), &mut Clock::utc(), NOW)
                .map(|parsed| (parsed.time, parsed.entry.into_owned()));
            assert_eq!(in_a_row, alone, "{line}");
        }
        let second = |line: &str| read(line).map(|(micros, _)| micros / 1_000_000);
        assert_eq!(
            second("2026-11-22T10:00:07Z web1 billing[1]: c"),
            Some(1_795_341_607)
        );
        assert_eq!(
            second("2026-11-22T10:00:07-0530 web1 billing[1]: d"),
            Some(1_795_341_607 + 5 * 3600 + 1800)
        );
    }

    #[test]
    fn the_short_family() {
        let want = pairs(&[
            ("_HOSTNAME", "web1"),
            ("SYSLOG_IDENTIFIER", "billing"),
            ("_PID", "3448"),
            ("MESSAGE", "10:00:07.903 [error] GenServer terminating"),
        ]);
        let base = 1_795_338_007_000_000;
        for (line, time) in [
            ("Nov 22 09:00:07 web1 billing[3448]: ", base),
            (
                "Nov 22 09:00:07.250000 web1 billing[3448]: ",
                base + 250_000,
            ),
            ("2026-11-22T10:00:07+01:00 web1 billing[3448]: ", base),
            ("2026-11-22T10:00:07+0100 web1 billing[3448]: ", base),
            (
                "2026-11-22T09:00:07.5Z web1 billing[3448]: ",
                base + 500_000,
            ),
            ("Sun 2026-11-22 09:00:07 UTC web1 billing[3448]: ", base),
            ("1795338007.000001 web1 billing[3448]: ", base + 1),
        ] {
            let line = format!("{line}10:00:07.903 [error] GenServer terminating");
            assert_eq!(read(&line), Some((time, want.clone())), "{line}");
        }
        // No host (journal-fmt's own short output), no pid.
        let (_, fields) = read("Nov 22 09:00:07 systemd: Started billing_prod.service.").unwrap();
        assert_eq!(
            fields,
            pairs(&[
                ("SYSLOG_IDENTIFIER", "systemd"),
                ("MESSAGE", "Started billing_prod.service.")
            ])
        );
        // Last year's December, seen in November.
        let (time, _) = read("Dec 31 23:00:00 h x[1]: m").unwrap();
        assert_eq!(time, 1_767_222_000_000_000);
        // As many digits of the second as the line has.
        for (line, digits) in [
            ("Nov 22 09:00:07 h x[1]: m", 0),
            ("Nov 22 09:00:07.250000 h x[1]: m", 6),
            ("2026-11-22T09:00:07.5Z h x[1]: m", 1),
            ("2026-11-22T10:00:07+01:00 h x[1]: m", 0),
        ] {
            assert_eq!(read_moment(line).unwrap().0.digits, digits, "{line}");
        }
        // A leading space before a one-digit day.
        assert!(read("Nov  2 09:00:07 h x[1]: m").is_some());
    }

    #[test]
    fn not_short_lines() {
        for line in [
            "10:00:07.903 [error] GenServer terminating",
            "    (billing 0.1.0) lib/billing.ex:3: Billing.run/0",
            "Nov 22 09:00:07",
            "Nov 22 09:00:07 just words here",
            "2026-11-22 10:00:07 [info] no T",
            "-- Boot 0f4e --",
            "",
        ] {
            assert!(read(line).is_none(), "{line}");
        }
        assert!(is_meta_line(b"-- Boot 0f4e2d --"));
    }

    /// The records `input` splits into, as the engine cuts them, and each message.
    fn records(input: &str) -> Vec<(usize, String)> {
        let mut clock = Clock::utc();
        let input = input.as_bytes();
        let mut found = Vec::new();
        let mut start = 0;
        while start < input.len() {
            let end = memchr::memchr(b'\n', &input[start..]).map_or(input.len(), |i| start + i);
            let (end, more) = record_end(input, start, end, &mut clock, NOW);
            let message = match short_line(&input[start..end], &mut clock, NOW) {
                Some(line) => line.entry.get("MESSAGE").flatten().unwrap().to_vec(),
                None => input[start..end].to_vec(),
            };
            found.push((1 + more as usize, String::from_utf8(message).unwrap()));
            start = end + 1;
        }
        found
    }

    #[test]
    fn indented_lines_are_the_message_s_later_lines() {
        // `Nov 22 10:00:07 billing[7]: ` is 28 bytes.
        let pad = " ".repeat(28);
        let input = format!(
            "Nov 22 10:00:07 billing[7]: GenServer terminating\n\
             {pad}** (RuntimeError) boom\n\
             {pad}    (billing 0.1.0) lib/b.ex:57: B.charge/2\n\
             {pad}\n\
             {pad}last\n\
             Nov 22 10:00:08 billing[7]: alone\n\
             \x20   fewer spaces: not journalctl's indent\n"
        );
        assert_eq!(
            records(&input),
            [
                (
                    5,
                    "GenServer terminating\n** (RuntimeError) boom\n    (billing 0.1.0) lib/b.ex:57: B.charge/2\n\nlast"
                        .to_string()
                ),
                (1, "alone".to_string()),
                (1, "    fewer spaces: not journalctl's indent".to_string()),
            ]
        );
        // A line that is not a short line has no later lines.
        assert_eq!(records(&format!("plain\n{pad}x\n")).len(), 2);
        // journalctl leaves ` unknown` (an entry with no identifier) out of the indent.
        let unknown = format!(
            "Nov 22 10:00:07 host unknown[7]: first\n{}second\n",
            " ".repeat("Nov 22 10:00:07 host[7]: ".len())
        );
        assert_eq!(records(&unknown), [(2, "first\nsecond".to_string())]);
        // With a host, and in the ISO form, the indent is that line's prefix.
        let iso = "2026-11-22T10:00:07+0000 app1 beam.smp[1]: a";
        let later = format!("{iso}\n{}b\n", " ".repeat(iso.len() - 1));
        assert_eq!(records(&later), [(2, "a\nb".to_string())]);
    }
}
