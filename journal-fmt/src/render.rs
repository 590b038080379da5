//! Human lines: `time ident[pid]: message`, the message in its level's colour
//! (journalctl's: red for err and worse, yellow for warning, bold for notice, grey
//! for debug) with what people scan for picked out: Elixir's `[level]`, Phoenix
//! request lines (method, path, status, duration), Ecto query lines (`QUERY OK`,
//! the source, the timings), exception banners, module names, durations, IP
//! addresses and URLs. One pass over the words, no regular expressions; 16-colour
//! SGR, one run per span, a reset at the end of every line.
//!
//! Messages are made safe for a terminal whether or not colour is on: ANSI escape
//! sequences are dropped (as `journalctl -o short` does), other control bytes and
//! invalid UTF-8 are written as `\xNN`. A message is never cut.

use std::borrow::Cow;

use relkit_common::palette;
use std::sync::LazyLock;

/// The escapes of relkit's palette, rendered once: spans are written as bytes.
struct Escapes {
    reset: String,
    dim: String,
    bold: String,
    red_bold: String,
    green: String,
    yellow: String,
    yellow_bold: String,
    blue: String,
    magenta: String,
    cyan: String,
    grey: String,
    url: String,
}

static ESCAPES: LazyLock<Escapes> = LazyLock::new(|| {
    let r = |s: palette::Style| s.render().to_string();
    Escapes {
        reset: palette::Reset.render().to_string(),
        dim: r(palette::DIM),
        bold: r(palette::EMPHASIS),
        red_bold: r(palette::ERROR),
        green: r(palette::SUCCESS),
        yellow: r(palette::MEASURE),
        yellow_bold: r(palette::WARNING),
        blue: r(palette::NAME),
        magenta: r(palette::CODE),
        cyan: r(palette::VALUE),
        grey: r(palette::FAINT),
        url: r(palette::LINK),
    }
});

/// The escape that ends a styled span.
pub fn reset() -> &'static str {
    &ESCAPES.reset
}

/// The colour a whole line takes from its level.
pub fn level_style(level: u8) -> &'static str {
    match level {
        0..=3 => &ESCAPES.red_bold,
        4 => &ESCAPES.yellow_bold,
        5 => &ESCAPES.bold,
        7 => &ESCAPES.grey,
        _ => "",
    }
}

pub fn identifier_style() -> &'static str {
    &ESCAPES.blue
}

pub fn time_style() -> &'static str {
    &ESCAPES.dim
}

pub fn unparsed_style() -> &'static str {
    &ESCAPES.magenta
}

/// [`sanitize`] as bytes: the message itself, not copied and not checked again,
/// when it is plain ASCII without control bytes (but tab and newline), as almost
/// every log line is.
pub fn sanitize_bytes(message: &[u8]) -> Cow<'_, [u8]> {
    // One branch-free pass (the compiler vectorises it) for both questions.
    let (unsafe_byte, non_ascii) = message.iter().fold((false, false), |(bad, wide), &b| {
        (
            bad | ((b < 0x20) & (b != b'\t') & (b != b'\n')) | (b == 0x7f),
            wide | (b >= 0x80),
        )
    });
    if !unsafe_byte && !non_ascii {
        return Cow::Borrowed(message);
    }
    match sanitize(message) {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
    }
}

/// The message as text a terminal shows as it is: ANSI sequences dropped, other
/// control bytes (but tab and newline) and invalid UTF-8 as `\xNN`.
pub fn sanitize(message: &[u8]) -> Cow<'_, str> {
    // Branch-free, so the compiler vectorises it.
    let unsafe_byte = message.iter().fold(false, |seen, &b| {
        seen | ((b < 0x20) & (b != b'\t') & (b != b'\n')) | (b == 0x7f)
    });
    if !unsafe_byte {
        if let Ok(text) = simdutf8::basic::from_utf8(message) {
            return Cow::Borrowed(text);
        }
    }
    let mut out = String::with_capacity(message.len() + 16);
    // A control byte that is not part of escape syntax is shown as `\xNN`; the text
    // between such bytes loses its escape sequences through anstream's parser, as
    // for matching. BEL ends an OSC sequence, so it counts as escape syntax.
    let shown_escaped =
        |ch: char| (ch < ' ' && !matches!(ch, '\t' | '\n' | '\x1b' | '\x07')) || ch == '\x7f';
    for chunk in message.utf8_chunks() {
        let mut rest = chunk.valid();
        while !rest.is_empty() {
            let cut = rest.find(shown_escaped).unwrap_or(rest.len());
            out.extend(anstream::adapter::strip_str(&rest[..cut]));
            if let Some(ch) = rest[cut..].chars().next() {
                out.push_str(&format!("\\x{:02x}", ch as u32));
                rest = &rest[cut + ch.len_utf8()..];
            } else {
                rest = "";
            }
        }
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    Cow::Owned(out)
}

/// Write `message` (already sanitized) in `base` colour with its parts highlighted.
pub fn highlight(out: &mut Vec<u8>, message: &[u8], base: &str) {
    let mut w = Spans {
        out,
        base,
        text: message,
        plain_from: 0,
    };
    w.out.extend_from_slice(base.as_bytes());
    let bytes = message;
    let mut body = 0;
    if let Some((open, close, level)) = crate::level::elixir_header(bytes) {
        if open > 0 {
            w.span(0, open, &ESCAPES.dim);
        }
        // The level word in its level's colour; info's is plain, so bold.
        let style = match level_style(level) {
            "" => &ESCAPES.bold,
            style => style,
        };
        w.span(open, close, style);
        body = close + usize::from(bytes.get(close) == Some(&b' '));
    }
    body_spans(&mut w, body);
    w.finish();
}

struct Spans<'o, 't> {
    out: &'o mut Vec<u8>,
    base: &'o str,
    text: &'t [u8],
    plain_from: usize,
}

impl Spans<'_, '_> {
    /// Style `text[from..to]`; what lies before it since the last span goes plain.
    fn span(&mut self, from: usize, to: usize, style: &str) {
        if from < self.plain_from || to <= from {
            return;
        }
        self.out
            .extend_from_slice(&self.text[self.plain_from..from]);
        self.out.extend_from_slice(style.as_bytes());
        self.out.extend_from_slice(&self.text[from..to]);
        self.out.extend_from_slice(reset().as_bytes());
        self.out.extend_from_slice(self.base.as_bytes());
        self.plain_from = to;
    }

    fn finish(&mut self) {
        self.out.extend_from_slice(&self.text[self.plain_from..]);
        self.out.extend_from_slice(reset().as_bytes());
    }
}

const METHODS: [&[u8]; 7] = [
    b"GET", b"POST", b"PUT", b"PATCH", b"DELETE", b"HEAD", b"OPTIONS",
];

fn body_spans(w: &mut Spans<'_, '_>, body: usize) {
    let bytes = w.text;
    let rest = &bytes[body..];
    let mut from = body;
    // Line shapes recognised by how they start.
    if let Some(space) = crate::find_byte(b' ', rest) {
        let first = &rest[..space];
        let after = &rest[space + 1..];
        if METHODS.contains(&first) && after.first() == Some(&b'/') {
            let path_end = crate::find_byte(b' ', after).unwrap_or(after.len());
            w.span(body, body + space, &ESCAPES.bold);
            w.span(body + space + 1, body + space + 1 + path_end, &ESCAPES.cyan);
            from = body + space + 1 + path_end;
        } else if (first == b"Sent" || first == b"Chunked")
            && after.len() >= 3
            && after[..3].iter().all(u8::is_ascii_digit)
        {
            let style = match after[0] {
                b'2' => &ESCAPES.green,
                b'3' => &ESCAPES.cyan,
                b'4' => &ESCAPES.yellow,
                _ => &ESCAPES.red_bold,
            };
            w.span(body + space + 1, body + space + 4, style);
            from = body + space + 4;
        } else if first == b"QUERY" {
            let style = if after.starts_with(b"OK") {
                Some((&ESCAPES.green, 2))
            } else if after.starts_with(b"ERROR") {
                Some((&ESCAPES.red_bold, 5))
            } else {
                None
            };
            if let Some((style, len)) = style {
                w.span(body, body + space + 1 + len, style);
                from = body + space + 1 + len;
            }
        } else if first == b"**" && after.first() == Some(&b'(') {
            let close = memchr::memchr(b')', after).map_or(after.len(), |i| i + 1);
            w.span(body, body + space + 1 + close, &ESCAPES.red_bold);
            from = body + space + 1 + close;
        }
    }
    // Stack frames: `    (app 0.1.0) lib/app/file.ex:12: App.fun/2`.
    let indent = rest.iter().take_while(|&&b| b == b' ').count();
    if indent > 0 && rest.get(indent) == Some(&b'(') {
        if let Some(close) = memchr::memchr(b')', &rest[indent..]) {
            let app_end = body + indent + close + 1;
            w.span(body + indent, app_end, &ESCAPES.dim);
            from = app_end;
        }
    }
    words(w, from);
}

fn words(w: &mut Spans<'_, '_>, from: usize) {
    let bytes = w.text;
    let mut i = from;
    while i < bytes.len() {
        if bytes[i] == b' ' {
            i += 1;
            continue;
        }
        let end = crate::find_byte(b' ', &bytes[i..]).map_or(bytes.len(), |n| i + n);
        word(w, i, end);
        i = end;
    }
}

fn word(w: &mut Spans<'_, '_>, start: usize, end: usize) {
    let bytes = w.text;
    let first = bytes[start];
    // Trailing punctuation stays plain.
    let mut stop = end;
    while stop > start
        && matches!(
            bytes[stop - 1],
            b',' | b';' | b')' | b'.' | b':' | b']' | b'}'
        )
    {
        stop -= 1;
    }
    let core = &bytes[start..stop];
    if core.is_empty() {
        return;
    }
    match first {
        b'0'..=b'9' => {
            if is_duration(core) {
                w.span(start, stop, &ESCAPES.yellow);
            } else if let Some(len) = ip_len(core) {
                w.span(start, start + len, &ESCAPES.blue);
            }
        }
        b'A'..=b'Z' => {
            if core.contains(&b'.') && is_module(core) {
                w.span(start, stop, &ESCAPES.magenta);
            }
        }
        b'h' => {
            if core.starts_with(b"http://") || core.starts_with(b"https://") {
                w.span(start, stop, &ESCAPES.url);
            }
        }
        b'(' if core.len() > 1 && core[1].is_ascii_uppercase() && is_module(&core[1..]) => {
            w.span(start + 1, stop, &ESCAPES.magenta);
        }
        _ => {
            if let Some(eq) = crate::find_byte(b'=', core) {
                let value = &core[eq + 1..];
                let key = &core[..eq];
                if key == b"source" {
                    w.span(start + eq + 1, stop, &ESCAPES.cyan);
                } else if is_duration(value) {
                    w.span(start, start + eq + 1, &ESCAPES.dim);
                    w.span(start + eq + 1, stop, &ESCAPES.yellow);
                } else if key == b"request_id" {
                    w.span(start, stop, &ESCAPES.dim);
                }
            }
        }
    }
}

/// `12ms`, `3.4ms`, `812µs`, `2s`, `1.5min`.
fn is_duration(word: &[u8]) -> bool {
    let digits = word
        .iter()
        .take_while(|b| b.is_ascii_digit() || **b == b'.')
        .count();
    digits > 0
        && word[0].is_ascii_digit()
        && matches!(
            &word[digits..],
            b"ms" | b"s" | b"us" | b"min" | b"h" | b"\xc2\xb5s"
        )
}

/// `10.0.0.1` or `10.0.0.1:4000`: the length of the address (and port).
fn ip_len(word: &[u8]) -> Option<usize> {
    let mut groups = 0;
    let mut i = 0;
    while groups < 4 {
        let n = word[i..]
            .iter()
            .take(4)
            .take_while(|b| b.is_ascii_digit())
            .count();
        if n == 0 || n > 3 {
            return None;
        }
        i += n;
        groups += 1;
        if groups < 4 {
            if word.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    if word.get(i) == Some(&b':') {
        let port = word[i + 1..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if port > 0 {
            i += 1 + port;
        }
    }
    (i == word.len()).then_some(i)
}

/// `Billing.PaymentWorker`, `Ecto.Query.CastError`, `Billing.Worker.handle_call/3`.
fn is_module(word: &[u8]) -> bool {
    let mut segments = word.split(|&b| b == b'.');
    let Some(first) = segments.next() else {
        return false;
    };
    let ident = |s: &[u8]| {
        !s.is_empty()
            && s.iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/' | b'!' | b'?'))
    };
    first.first().is_some_and(u8::is_ascii_uppercase) && ident(first) && segments.all(ident)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(message: &str) -> String {
        let mut out = Vec::new();
        highlight(&mut out, message.as_bytes(), "");
        String::from_utf8(out)
            .unwrap()
            // Compound styles first: they begin with a simple one's escape.
            .replace(&ESCAPES.red_bold, "<red:")
            .replace(&ESCAPES.yellow_bold, "<&ESCAPES.yellow:")
            .replace(&ESCAPES.url, "<url:")
            .replace(reset(), ">")
            .replace(&ESCAPES.dim, "<dim:")
            .replace(&ESCAPES.bold, "<b:")
            .replace(&ESCAPES.green, "<green:")
            .replace(&ESCAPES.yellow, "<yellow:")
            .replace(&ESCAPES.blue, "<blue:")
            .replace(&ESCAPES.magenta, "<magenta:")
            .replace(&ESCAPES.cyan, "<cyan:")
            .replace(&ESCAPES.grey, "<grey:")
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
}
