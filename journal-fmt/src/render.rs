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

use crate::entry::level::Header;
use crate::lanes;
use std::borrow::Cow;

use relkit_common::palette;
use std::sync::LazyLock;

/// An escape sequence, kept also as a fixed-size block: appending it is one copy
/// of known size and a shorter length set, not a call to copy a few bytes (a
/// coloured line has a dozen of them).
#[derive(Clone, Copy)]
pub(crate) struct Esc {
    text: &'static str,
    block: [u8; ESC_BLOCK],
}

const ESC_BLOCK: usize = 32;

impl Esc {
    fn new(text: &'static str) -> Esc {
        let mut block = [0; ESC_BLOCK];
        let n = text.len().min(ESC_BLOCK);
        block[..n].copy_from_slice(&text.as_bytes()[..n]);
        Esc { text, block }
    }

    /// A style rendered once, for the life of the process.
    fn rendered(text: String) -> Esc {
        Esc::new(Box::leak(text.into_boxed_str()))
    }

    #[inline]
    pub(crate) fn put(&self, out: &mut Vec<u8>) {
        if self.text.len() <= ESC_BLOCK {
            out.extend_from_slice(&self.block);
            out.truncate(out.len() - (ESC_BLOCK - self.text.len()));
        } else {
            out.extend_from_slice(self.text.as_bytes());
        }
    }
}

/// The escapes of relkit's palette, rendered once: spans are written as bytes.
struct Escapes {
    reset: Esc,
    dim: Esc,
    bold: Esc,
    red_bold: Esc,
    green: Esc,
    yellow: Esc,
    yellow_bold: Esc,
    blue: Esc,
    magenta: Esc,
    cyan: Esc,
    grey: Esc,
    url: Esc,
}

static ESCAPES: LazyLock<Escapes> = LazyLock::new(|| {
    let r = |s: palette::Style| Esc::rendered(s.render().to_string());
    Escapes {
        reset: Esc::rendered(palette::Reset.render().to_string()),
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
    ESCAPES.reset.text
}

/// The colour a whole line takes from its level.
pub fn level_style(level: u8) -> &'static str {
    level_esc(level).map_or("", |esc| esc.text)
}

fn level_esc(level: u8) -> Option<&'static Esc> {
    match level {
        0..=3 => Some(&ESCAPES.red_bold),
        4 => Some(&ESCAPES.yellow_bold),
        5 => Some(&ESCAPES.bold),
        7 => Some(&ESCAPES.grey),
        _ => None,
    }
}

pub fn identifier_style() -> &'static str {
    ESCAPES.blue.text
}

pub fn time_style() -> &'static str {
    ESCAPES.dim.text
}

pub(crate) fn time_esc() -> &'static Esc {
    &ESCAPES.dim
}

pub(crate) fn identifier_esc() -> &'static Esc {
    &ESCAPES.blue
}

pub(crate) fn reset_esc() -> &'static Esc {
    &ESCAPES.reset
}

pub fn unparsed_style() -> &'static str {
    ESCAPES.magenta.text
}

/// [`sanitize`] as bytes: the message itself, not copied and not checked again,
/// when it is plain ASCII without control bytes (but tab and newline), as almost
/// every log line is.
pub fn sanitize_bytes(message: &[u8]) -> Cow<'_, [u8]> {
    if is_plain(message) {
        return Cow::Borrowed(message);
    }
    match sanitize(message) {
        Cow::Borrowed(text) => Cow::Borrowed(text.as_bytes()),
        Cow::Owned(text) => Cow::Owned(text.into_bytes()),
    }
}

/// Whether `bytes` are printable ASCII, tab and newline only (anything else:
/// control, DEL, non-ASCII, needs a look), sixteen bytes at a time.
pub(crate) fn is_plain(bytes: &[u8]) -> bool {
    if bytes.len() < lanes::WIDTH {
        // Identifiers and pids: a plain loop costs less than building a padded
        // block (measured: 3.6M fewer instructions on 100,000 lines).
        return bytes
            .iter()
            .all(|&b| matches!(b, 0x20..=0x7e | b'\t' | b'\n'));
    }
    !lanes::any(bytes, |block| {
        !(lanes::within(block, 0x20, 0x7e)
            | lanes::equal(block, b'\t')
            | lanes::equal(block, b'\n'))
    })
}

/// The message as text a terminal shows as it is: ANSI sequences dropped, other
/// control bytes (but tab and newline) and invalid UTF-8 as `\xNN`.
pub fn sanitize(message: &[u8]) -> Cow<'_, str> {
    if !lanes::has_control(message) {
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
    highlight_with(
        out,
        message,
        base,
        crate::entry::level::elixir_header(message),
    );
}

/// [`highlight`], given the message's Elixir header (found by the caller already).
pub fn highlight_with(out: &mut Vec<u8>, message: &[u8], base: &str, header: Option<Header>) {
    let mut w = Spans::new(out, message, base);
    w.out.extend_from_slice(base.as_bytes());
    let bytes = message;
    let mut body = 0;
    if let Some((open, close, level)) = header {
        if open > 0 {
            w.span(0, open, &ESCAPES.dim);
        }
        // The level word in its level's colour; info's is plain, so bold.
        let style = level_esc(level).unwrap_or(&ESCAPES.bold);
        w.span(open, close, style);
        body = close + usize::from(bytes.get(close) == Some(&b' '));
    }
    body_spans(&mut w, body);
    w.finish();
}

struct Spans<'o, 't> {
    out: &'o mut Vec<u8>,
    /// The reset and the base colour, `after_len` bytes of its block.
    after: Esc,
    after_len: usize,
    slow_base: &'o str,
    text: &'t [u8],
    plain_from: usize,
}

impl<'o, 't> Spans<'o, 't> {
    fn new(out: &'o mut Vec<u8>, text: &'t [u8], base: &'o str) -> Spans<'o, 't> {
        // What follows a span: the reset and the line's colour again, as one escape.
        let mut after = ESCAPES.reset;
        let reset = after.text.len();
        let fits = reset + base.len() <= ESC_BLOCK;
        if fits {
            after.block[reset..reset + base.len()].copy_from_slice(base.as_bytes());
        }
        Spans {
            out,
            after,
            // Longer than a block (no palette is): written the slow way.
            after_len: if fits { reset + base.len() } else { usize::MAX },
            slow_base: base,
            text,
            plain_from: 0,
        }
    }

    /// Style `text[from..to]`; what lies before it since the last span goes plain.
    fn span(&mut self, from: usize, to: usize, style: &Esc) {
        if from < self.plain_from || to <= from {
            return;
        }
        self.out
            .extend_from_slice(&self.text[self.plain_from..from]);
        style.put(self.out);
        self.out.extend_from_slice(&self.text[from..to]);
        if self.after_len <= ESC_BLOCK {
            self.out.extend_from_slice(&self.after.block);
            self.out
                .truncate(self.out.len() - (ESC_BLOCK - self.after_len));
        } else {
            ESCAPES.reset.put(self.out);
            self.out.extend_from_slice(self.slow_base.as_bytes());
        }
        self.plain_from = to;
    }

    fn finish(&mut self) {
        self.out.extend_from_slice(&self.text[self.plain_from..]);
        ESCAPES.reset.put(self.out);
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
    if let Some(space) = lanes::find_byte(b' ', rest) {
        let first = &rest[..space];
        let after = &rest[space + 1..];
        if METHODS.contains(&first) && after.first() == Some(&b'/') {
            let path_end = lanes::find_byte(b' ', after).unwrap_or(after.len());
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
            let close = lanes::find_one(b')', after).map_or(after.len(), |i| i + 1);
            w.span(body, body + space + 1 + close, &ESCAPES.red_bold);
            from = body + space + 1 + close;
        }
    }
    // Stack frames: `    (app 0.1.0) lib/app/file.ex:12: App.fun/2`.
    let indent = rest.iter().take_while(|&&b| b == b' ').count();
    if indent > 0 && rest.get(indent) == Some(&b'(') {
        if let Some(close) = lanes::find_one(b')', &rest[indent..]) {
            let app_end = body + indent + close + 1;
            w.span(body + indent, app_end, &ESCAPES.dim);
            from = app_end;
        }
    }
    words(w, from);
}

/// Highlight the words from `from` on. Only a word that starts with a digit, a capital,
/// `h` or `(`, or holds a `=`, can be styled (see [`word`]); such words are found
/// sixteen bytes at a time, so the common plain words cost no branch each.
fn words(w: &mut Spans<'_, '_>, from: usize) {
    let bytes = w.text;
    // The end of the last word looked at: a candidate before it belongs to it.
    let mut done = from;
    // Whether the byte before the current sixteen is a space (or `from` itself).
    let mut after_space = 1;
    let mut base = from;
    while base < bytes.len() {
        let block = lanes::Block::at(bytes, base);
        let text = block.lanes;
        let spaces = block.bits(lanes::equal(text, b' '));
        let class = lanes::within(text, b'0', b'9')
            | lanes::within(text, b'A', b'Z')
            | lanes::equal(text, b'h')
            | lanes::equal(text, b'(');
        let starts = ((spaces << 1) | after_space) & block.bits(class);
        after_space = spaces >> (lanes::WIDTH - 1);
        let mut candidates = starts | block.bits(lanes::equal(text, b'='));
        while candidates != 0 {
            let at = base + candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            if at < done || at >= bytes.len() {
                continue;
            }
            let start = if bytes[at] == b'=' {
                // The word around the `=` begins after the space before it.
                bytes[done..at]
                    .iter()
                    .rposition(|&b| b == b' ')
                    .map_or(done, |space| done + space + 1)
            } else {
                at
            };
            // The word's end: a space later in this block, found in its mask, or
            // the first one after the block.
            let later = spaces >> (at - base);
            let end = if later != 0 {
                at + later.trailing_zeros() as usize
            } else {
                let next = (base + lanes::WIDTH).min(bytes.len());
                lanes::find_byte(b' ', &bytes[next..]).map_or(bytes.len(), |n| next + n)
            };
            word(w, start, end);
            done = end;
        }
        base += lanes::WIDTH;
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
            if let Some(eq) = lanes::find_byte(b'=', core) {
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

/// `[unparsed] ` and the bytes as they came (made safe for a terminal).
pub(crate) fn write_unparsed(
    out: &mut Vec<u8>,
    bytes: &[u8],
    color: bool,
    first: bool,
    last: bool,
) {
    if first {
        if color {
            out.extend_from_slice(unparsed_style().as_bytes());
        }
        out.extend_from_slice(b"[unparsed]");
        if color {
            out.extend_from_slice(reset().as_bytes());
        }
        out.push(b' ');
    }
    out.extend_from_slice(sanitize(bytes).replace('\n', "\\n").as_bytes());
    if last {
        out.push(b'\n');
    }
}

#[cfg(test)]
mod tests;
