//! One `journalctl -o json` entry (a line, optionally with json-seq's leading RS).
//!
//! A purpose-built scanner rather than a general JSON parser: the journal writes a
//! flat object whose values are a string, `null` (too large), an array of byte
//! numbers (not printable UTF-8), or, for a repeated field, an array of those.
//! Strings are found with memchr and copied whole when they have no escapes.

use crate::entry::Entry;
use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset in the line (after any RS).
    pub offset: usize,
    pub what: &'static str,
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
    let line = line.strip_prefix(&[RS]).unwrap_or(line);
    let mut s = Scanner {
        bytes: line,
        pos: 0,
    };
    // Journal entries have some 25 fields: one allocation, not five.
    let mut entry = Entry {
        fields: Vec::with_capacity(32),
    };
    s.blank();
    s.expect(b'{', "expected '{' to start a journal entry")?;
    s.blank();
    if s.peek() == Some(b'}') {
        s.pos += 1;
    } else {
        loop {
            s.blank();
            let name = match s.string()? {
                Cow::Borrowed(b) => Cow::Borrowed(
                    std::str::from_utf8(b).map_err(|_| s.error("a field name is not UTF-8"))?,
                ),
                Cow::Owned(b) => Cow::Owned(
                    String::from_utf8(b).map_err(|_| s.error("a field name is not UTF-8"))?,
                ),
            };
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
                            entry.push(name.clone(), value);
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
                    entry.push(name.clone(), value);
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

/// Any byte below 0x20? (Branch-free, so the compiler vectorises it.)
fn has_control(bytes: &[u8]) -> bool {
    bytes.iter().fold(false, |seen, &b| seen | (b < 0x20))
}

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Scanner<'a> {
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
        // Field names and most values are short: a plain loop finds their end before
        // memchr would have set up.
        let short = &rest[..rest.len().min(24)];
        if let Some(stop) = short
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        {
            if rest[stop] == b'"' {
                self.pos += stop + 1;
                return Ok(Cow::Borrowed(&rest[..stop]));
            }
        } else if let Some(stop) = memchr::memchr2(b'"', b'\\', rest) {
            if rest[stop] == b'"' {
                let chunk = &rest[..stop];
                if has_control(chunk) {
                    return Err(self.error("a control character inside a string"));
                }
                self.pos += stop + 1;
                return Ok(Cow::Borrowed(chunk));
            }
        }
        let mut out = Vec::new();
        loop {
            let rest = &self.bytes[self.pos..];
            let Some(stop) = memchr::memchr2(b'"', b'\\', rest) else {
                return Err(self.error("a string is not closed"));
            };
            let chunk = &rest[..stop];
            if has_control(chunk) {
                return Err(self.error("a control character inside a string"));
            }
            out.extend_from_slice(chunk);
            self.pos += stop;
            if self.next() == Some(b'"') {
                return Ok(Cow::Owned(out));
            }
            self.escape(&mut out)?;
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

fn write_value(out: &mut Vec<u8>, value: Option<&[u8]>) {
    let Some(value) = value else {
        out.extend_from_slice(b"null");
        return;
    };
    let printable = std::str::from_utf8(value).is_ok_and(|text| {
        !text
            .chars()
            .any(|c| (c < ' ' && c != '\t' && c != '\n') || ('\u{7f}'..='\u{9f}').contains(&c))
    });
    if printable {
        write_string(out, value);
    } else {
        out.push(b'[');
        for (n, byte) in value.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.extend_from_slice(byte.to_string().as_bytes());
        }
        out.push(b']');
    }
}

fn write_string(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'"');
    for &b in text {
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..=0x1f | 0x7f => out.extend_from_slice(format!("\\u{b:04x}").as_bytes()),
            _ => out.push(b),
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_shapes_journalctl_writes() {
        let line = br#"{"__CURSOR":"s=1;i=2","MESSAGE":[27,91,51,49,109,101,114,114],"PRIORITY":"6","BIG":null,"TAG":["a",null,[104,105]],"TEXT":"tab\there \"q\" \u00e9 \ud83d\ude00"}"#;
        let entry = parse_line(line).unwrap();
        assert_eq!(entry.get("MESSAGE"), Some(Some(&b"\x1b[31merr"[..])));
        assert_eq!(entry.get("PRIORITY"), Some(Some(&b"6"[..])));
        assert_eq!(entry.get("BIG"), Some(None));
        let tags: Vec<_> = entry.all("TAG").collect();
        assert_eq!(tags, [Some(&b"a"[..]), None, Some(&b"hi"[..])]);
        assert_eq!(
            entry.get("TEXT"),
            Some(Some("tab\there \"q\" é 😀".as_bytes()))
        );
    }

    #[test]
    fn written_entries_read_back_the_same() {
        let line = r#"{"MESSAGE":[27,91,51,49,109,120],"TAG":["a",null,[104,7]],"TEXT":"tab\there \"q\" \\ é\nline","BIG":null}"#.as_bytes();
        let entry = parse_line(line).unwrap();
        let mut out = Vec::new();
        write_entry(&mut out, &entry);
        assert_eq!(out.last(), Some(&b'\n'));
        assert_eq!(parse_line(&out[..out.len() - 1]).unwrap(), entry);
        assert_eq!(&out[..out.len() - 1], line);
    }

    #[test]
    fn spacing_and_json_seq() {
        let entry = parse_line(b"\x1e{ \"A\" : \"1\" , \"B\" : [ 0 , 255 ] }\n").unwrap();
        assert_eq!(entry.get("B"), Some(Some(&[0u8, 255][..])));
        assert_eq!(parse_line(b"{}").unwrap().fields.len(), 0);
    }

    #[test]
    fn malformed_lines_say_where() {
        for (line, offset) in [
            (&b"{\"A\":\"1\""[..], 8),
            (b"{\"A\":[256]}", 6),
            (b"{\"A\":tru}", 5),
            (b"not json", 0),
            (b"{\"A\":\"\\ud800\"}", 12),
            (b"{\"A\":\"1\"} x", 10),
        ] {
            let err = parse_line(line).unwrap_err();
            assert_eq!(
                err.offset,
                offset,
                "{:?}: {err}",
                String::from_utf8_lossy(line)
            );
        }
    }
}
