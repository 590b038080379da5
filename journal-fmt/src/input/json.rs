//! One `journalctl -o json` entry (a line, optionally with json-seq's leading RS).
//!
//! A purpose-built scanner rather than a general JSON parser: the journal writes a
//! flat object whose values are a string, `null` (too large), an array of byte
//! numbers (not printable UTF-8), or, for a repeated field, an array of those.
//! Strings are found with memchr and copied whole when they have no escapes.

use crate::entry::Entry;
use crate::lanes::{self, below, equal};
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset in the line (after any RS).
    pub offset: usize,
    pub what: &'static str,
}

const NOT_UTF8: &str = "not UTF-8";

impl JsonError {
    /// The line is not UTF-8 (reported as `invalid-utf8`, not as malformed json).
    pub fn is_not_utf8(&self) -> bool {
        self.what == NOT_UTF8
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.what, self.offset + 1)
    }
}

impl std::error::Error for JsonError {}

/// json-seq (RFC 7464) puts an ASCII RS before each document.
const RS: u8 = 0x1e;

pub fn parse_line(line: &[u8]) -> Result<Entry<'_>, JsonError> {
    // Journal entries have some 25 fields: one allocation, not five.
    parse_line_into(line, |_| true, Vec::with_capacity(32))
}

/// [`parse_line`], keeping only the fields `keep` names (the others are read and
/// checked as strictly, but not stored: human output reads a third of them), into
/// an empty field list (one [`recycled`] from the line before, so that a line
/// costs no allocation).
///
/// [`recycled`]: crate::entry::fields::recycled
pub fn parse_line_into<'a>(
    line: &'a [u8],
    keep: impl Fn(&str) -> bool,
    fields: Vec<crate::entry::Field<'a>>,
) -> Result<Entry<'a>, JsonError> {
    parse_with(line, keep, true, fields)
}

/// [`parse_line_into`], with the quick string ends before the first escape
/// (`quick`) or without them (to test that both read the same).
fn parse_with<'a>(
    line: &'a [u8],
    keep: impl Fn(&str) -> bool,
    quick: bool,
    fields: Vec<crate::entry::Field<'a>>,
) -> Result<Entry<'a>, JsonError> {
    let line = line.strip_prefix(&[RS]).unwrap_or(line);
    // JSON is UTF-8: checked once for the line (a vector at a time), so a field
    // name is a slice of it with no check of its own.
    let text = simdutf8::compat::from_utf8(line).map_err(|e| JsonError {
        offset: e.valid_up_to(),
        what: NOT_UTF8,
    })?;
    let mut s = Scanner {
        bytes: line,
        pos: 0,
        plain_until: if quick { plain_until(line) } else { 0 },
        quotes: lanes::Marks::new(line, |b| equal(b, b'"')),
    };
    let mut entry = Entry::in_place(fields);
    s.blank();
    s.expect(b'{', "expected '{' to start a journal entry")?;
    s.blank();
    if s.peek() == Some(b'}') {
        s.pos += 1;
    } else {
        loop {
            s.blank();
            // Most fields are `"NAME":"value"` with no blank and no escape: read at
            // once, without the steps below (a third of the line's time).
            if let Some(field) = s.plain_field() {
                let name = text
                    .get(field.name.clone())
                    .ok_or_else(|| s.error("a field name is not UTF-8"))?;
                if keep(name) {
                    entry.push(name, Some(&line[field.value]));
                }
                s.blank();
                match s.next() {
                    Some(b',') => continue,
                    Some(b'}') => break,
                    _ => return Err(s.error("expected ',' or '}' after a value")),
                }
            }
            let name = match s.string()? {
                Cow::Borrowed(b) => {
                    let start = b.as_ptr() as usize - line.as_ptr() as usize;
                    Cow::Borrowed(
                        text.get(start..start + b.len())
                            .ok_or_else(|| s.error("a field name is not UTF-8"))?,
                    )
                }
                Cow::Owned(b) => Cow::Owned(
                    String::from_utf8(b).map_err(|_| s.error("a field name is not UTF-8"))?,
                ),
            };
            let kept = keep(&name);
            s.blank();
            s.expect(b':', "expected ':' after a field name")?;
            s.blank();
            match s.peek() {
                Some(b'[') if s.array_holds_values() => {
                    s.pos += 1;
                    s.blank();
                    if s.peek() == Some(b']') {
                        s.pos += 1;
                    } else {
                        loop {
                            s.blank();
                            let value = s.value()?;
                            if kept {
                                entry.push(name.clone(), value);
                            }
                            s.blank();
                            match s.next() {
                                Some(b',') => {}
                                Some(b']') => break,
                                _ => return Err(s.error("expected ',' or ']' in a repeated field")),
                            }
                        }
                    }
                }
                _ => {
                    let value = s.value()?;
                    if kept {
                        entry.push(name, value);
                    }
                }
            }
            s.blank();
            match s.next() {
                Some(b',') => {}
                Some(b'}') => break,
                _ => return Err(s.error("expected ',' or '}' after a value")),
            }
        }
    }
    s.blank();
    if s.pos != s.bytes.len() {
        return Err(s.error("unexpected text after the entry"));
    }
    Ok(entry)
}

/// Where the first byte that ends a plain run of a JSON string is: a quote, a
/// backslash or a control character, sixteen bytes at a time.
fn string_stop(bytes: &[u8]) -> Option<usize> {
    // Past 32 bytes (a cursor, a long message) memchr's wider vectors win; control
    // bytes are then looked for in what it passed over, also a vector at a time.
    const WORDS: usize = 32;
    if bytes.len() > WORDS {
        if let Some(stop) = string_stop_words(&bytes[..WORDS]) {
            return Some(stop);
        }
        let rest = &bytes[WORDS..];
        let end = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
        let passed = &rest[..end];
        if lanes::any(passed, |b| below(b, 0x20)) {
            return passed.iter().position(|&b| b < 0x20).map(|i| WORDS + i);
        }
        return (end < rest.len()).then_some(WORDS + end);
    }
    string_stop_words(bytes)
}

/// [`string_stop`] sixteen bytes at a time, then a byte at a time.
fn string_stop_words(bytes: &[u8]) -> Option<usize> {
    let stops = |b| equal(b, b'"') | equal(b, b'\\') | below(b, 0x20);
    lanes::find(bytes, bytes.len(), stops, |rest| {
        rest.iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
    })
}

/// Where the first backslash or control byte of a line is (its length if none):
/// before it, a string ends at the next quote. Journal lines have escapes, if at
/// all, in their last field, MESSAGE. Control bytes are looked for sixteen bytes
/// at a time with no early exit, and placed only when there is one.
fn plain_until(line: &[u8]) -> usize {
    let backslash = memchr::memchr(b'\\', line).unwrap_or(line.len());
    if lanes::any(line, |b| below(b, 0x20)) {
        let control = line.iter().position(|&b| b < 0x20).unwrap_or(line.len());
        return backslash.min(control);
    }
    backslash
}

/// Where the next quote is: sixteen bytes at a time in the first 32 (most strings
/// are short), then memchr.
fn next_quote(bytes: &[u8]) -> Option<usize> {
    lanes::find(
        bytes,
        32,
        |b| equal(b, b'"'),
        |rest| memchr::memchr(b'"', rest),
    )
}

/// Where a field's name and value are in the line.
struct PlainField {
    name: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
}

/// Where the first quote or backslash is (where a string's plain run ends, when
/// its control bytes are left to a later check): sixteen bytes at a time in the
/// first 32, then memchr2.
pub(crate) fn quote_or_backslash(bytes: &[u8]) -> Option<usize> {
    let stops = |b| equal(b, b'"') | equal(b, b'\\');
    lanes::find(bytes, 32, stops, |rest| memchr::memchr2(b'"', b'\\', rest))
}

struct Scanner<'a, Q> {
    bytes: &'a [u8],
    pos: usize,
    /// See [`plain_until`].
    plain_until: usize,
    /// The line's quotes, for [`Scanner::plain_field`].
    quotes: lanes::Marks<'a, Q>,
}

impl<'a, Q: Fn(lanes::Lanes) -> lanes::Lanes> Scanner<'a, Q> {
    fn error(&self, what: &'static str) -> JsonError {
        JsonError {
            offset: self.pos,
            what,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek();
        self.pos += usize::from(b.is_some());
        b
    }

    fn blank(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), JsonError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// At a quote: a `"NAME":"value"` field that ends before [`plain_until`], as
    /// the ranges of its name and value; the scanner is moved past it. `None` (and
    /// the scanner left where it was) for anything else.
    #[inline]
    fn plain_field(&mut self) -> Option<PlainField> {
        let bytes = self.bytes;
        let at = self.pos;
        if bytes.get(at) != Some(&b'"') || at >= self.plain_until {
            return None;
        }
        let name_end = self.quotes.next_from(at + 1)?;
        if bytes.get(name_end + 1..name_end + 3) != Some(b":\"") {
            return None;
        }
        let value_start = name_end + 3;
        let value_end = self.quotes.next_from(value_start)?;
        if value_end >= self.plain_until {
            return None;
        }
        self.pos = value_end + 1;
        Some(PlainField {
            name: at + 1..name_end,
            value: value_start..value_end,
        })
    }

    /// At a `[`: does the array hold values (a repeated field) rather than byte
    /// numbers? Decided by its first element.
    fn array_holds_values(&self) -> bool {
        let rest = &self.bytes[self.pos + 1..];
        let first = rest
            .iter()
            .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'));
        matches!(first, Some(b'"' | b'n' | b'['))
    }

    /// A string, `null` or an array of byte numbers.
    fn value(&mut self) -> Result<Option<Cow<'a, [u8]>>, JsonError> {
        match self.peek() {
            Some(b'"') => self.string().map(Some),
            Some(b'n') => {
                if self.bytes[self.pos..].starts_with(b"null") {
                    self.pos += 4;
                    Ok(None)
                } else {
                    Err(self.error("expected a string, null or an array"))
                }
            }
            Some(b'[') => self.byte_array().map(|b| Some(Cow::Owned(b))),
            _ => Err(self.error("expected a string, null or an array")),
        }
    }

    fn byte_array(&mut self) -> Result<Vec<u8>, JsonError> {
        self.pos += 1;
        let mut out = Vec::new();
        self.blank();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(out);
        }
        loop {
            self.blank();
            let start = self.pos;
            let mut n: u32 = 0;
            while let Some(d @ b'0'..=b'9') = self.peek() {
                n = n * 10 + u32::from(d - b'0');
                self.pos += 1;
                if n > 255 {
                    return Err(JsonError {
                        offset: start,
                        what: "a byte number is over 255",
                    });
                }
            }
            if self.pos == start {
                return Err(self.error("expected a byte number"));
            }
            out.push(n as u8);
            self.blank();
            match self.next() {
                Some(b',') => {}
                Some(b']') => return Ok(out),
                _ => return Err(self.error("expected ',' or ']' in a byte array")),
            }
        }
    }

    /// A string, borrowed from the line when it has no escapes.
    fn string(&mut self) -> Result<Cow<'a, [u8]>, JsonError> {
        self.expect(b'"', "expected a string")?;
        let bytes = self.bytes;
        let rest = &bytes[self.pos..];
        if self.pos < self.plain_until {
            if let Some(stop) = next_quote(rest).filter(|&q| self.pos + q < self.plain_until) {
                self.pos += stop + 1;
                return Ok(Cow::Borrowed(&rest[..stop]));
            }
        }
        match string_stop(rest) {
            Some(stop) if rest[stop] == b'"' => {
                self.pos += stop + 1;
                return Ok(Cow::Borrowed(&rest[..stop]));
            }
            Some(stop) if rest[stop] == b'\\' => {}
            Some(stop) => {
                self.pos += stop;
                return Err(self.error("a control character inside a string"));
            }
            None => return Err(self.error("a string is not closed")),
        }
        // Escapes only shorten: the rest of the line bounds the string (MESSAGE,
        // the usual one with escapes, is last), and one allocation serves it.
        let mut out = Vec::with_capacity(rest.len().min(4096));
        loop {
            let rest = &self.bytes[self.pos..];
            let Some(stop) = string_stop(rest) else {
                return Err(self.error("a string is not closed"));
            };
            out.extend_from_slice(&rest[..stop]);
            self.pos += stop;
            match rest[stop] {
                b'"' => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                b'\\' => {
                    self.pos += 1;
                    self.escape(&mut out)?;
                }
                _ => return Err(self.error("a control character inside a string")),
            }
        }
    }

    /// After a backslash.
    fn escape(&mut self, out: &mut Vec<u8>) -> Result<(), JsonError> {
        let byte = match self.next() {
            Some(b'"') => b'"',
            Some(b'\\') => b'\\',
            Some(b'/') => b'/',
            Some(b'b') => 0x08,
            Some(b'f') => 0x0c,
            Some(b'n') => b'\n',
            Some(b'r') => b'\r',
            Some(b't') => b'\t',
            Some(b'u') => {
                let first = self.hex4()?;
                let code = if (0xD800..0xDC00).contains(&first) {
                    if !self.bytes[self.pos..].starts_with(b"\\u") {
                        return Err(self.error("a lone surrogate in \\u escapes"));
                    }
                    self.pos += 2;
                    let second = self.hex4()?;
                    if !(0xDC00..0xE000).contains(&second) {
                        return Err(self.error("a lone surrogate in \\u escapes"));
                    }
                    0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                } else if (0xDC00..0xE000).contains(&first) {
                    return Err(self.error("a lone surrogate in \\u escapes"));
                } else {
                    first
                };
                let ch = char::from_u32(code).ok_or_else(|| self.error("an invalid \\u escape"))?;
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                return Ok(());
            }
            _ => return Err(self.error("an unknown escape")),
        };
        out.push(byte);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.error("a short \\u escape"))?;
        let text = std::str::from_utf8(digits).map_err(|_| self.error("a bad \\u escape"))?;
        let value = u32::from_str_radix(text, 16).map_err(|_| self.error("a bad \\u escape"))?;
        self.pos += 4;
        Ok(value)
    }
}

/// Write an entry as `journalctl -o json` does: one object on one line, a repeated
/// field as an array of its values, a value that is not printable UTF-8 (control
/// characters other than tab and newline) as an array of byte numbers, a missing
/// value as `null`.
pub fn write_entry(out: &mut Vec<u8>, entry: &Entry<'_>) {
    out.push(b'{');
    let mut first = true;
    for (i, field) in entry.fields.iter().enumerate() {
        if entry.fields[..i].iter().any(|f| f.name == field.name) {
            continue;
        }
        if !first {
            out.push(b',');
        }
        first = false;
        write_string(out, field.name.as_bytes());
        out.push(b':');
        let repeated = entry.fields[i + 1..].iter().any(|f| f.name == field.name);
        if repeated {
            out.push(b'[');
            for (n, value) in entry.all(&field.name).enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                write_value(out, value);
            }
            out.push(b']');
        } else {
            write_value(out, field.value.as_deref());
        }
    }
    out.extend_from_slice(b"}\n");
}

pub(crate) fn write_value(out: &mut Vec<u8>, value: Option<&[u8]>) {
    let Some(value) = value else {
        out.extend_from_slice(b"null");
        return;
    };
    if is_printable(value) {
        write_string(out, value);
    } else {
        out.push(b'[');
        for (n, byte) in value.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(itoa::Buffer::new().format(*byte).as_bytes());
        }
        out.push(b']');
    }
}

/// Whether journalctl writes a value as a JSON string (printable UTF-8: no control
/// characters but tab and newline), rather than as an array of byte numbers.
pub(crate) fn is_printable(value: &[u8]) -> bool {
    // Then the C1 controls U+0080-U+009F, which UTF-8 writes as 0xC2 0x80-0x9F,
    // only where a 0xC2 byte is.
    !lanes::has_control(value)
        && simdutf8::basic::from_utf8(value).is_ok()
        && memchr::memchr_iter(0xc2, value).all(|at| value.get(at + 1).is_none_or(|&b| b >= 0xa0))
}

pub(crate) fn write_string(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    write_string_body(out, text);
    out.push(b'"');
}

/// A JSON string's contents, escaped, without its quotes: runs that need no escape
/// are copied whole.
pub(crate) fn write_string_body(out: &mut Vec<u8>, mut text: &[u8]) {
    while let Some(at) = escape_stop(text) {
        out.extend_from_slice(&text[..at]);
        match text[at] {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.extend_from_slice(&[HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]);
            }
        }
        text = &text[at + 1..];
    }
    out.extend_from_slice(text);
}

/// Where the first byte a JSON string must escape is (a quote, a backslash, a
/// control byte or DEL), sixteen bytes at a time.
fn escape_stop(bytes: &[u8]) -> Option<usize> {
    let stops = |b| equal(b, b'"') | equal(b, b'\\') | equal(b, 0x7f) | below(b, 0x20);
    lanes::find(bytes, bytes.len(), stops, |rest| {
        rest.iter()
            .position(|&b| matches!(b, b'"' | b'\\' | 0..=0x1f | 0x7f))
    })
}

#[cfg(test)]
mod tests;
