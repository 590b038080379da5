//! One `journalctl -o json` entry (a line, optionally with json-seq's leading RS).
//!
//! A purpose-built scanner rather than a general JSON parser: the journal writes a
//! flat object whose values are a string, `null` (too large), an array of byte
//! numbers (not printable UTF-8), or, for a repeated field, an array of those.
//! Strings are found with memchr and copied whole when they have no escapes.

use crate::entry::Entry;
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

pub fn parse_line(line: &[u8]) -> Result<Entry, JsonError> {
    let line = line.strip_prefix(&[RS]).unwrap_or(line);
    let mut s = Scanner {
        bytes: line,
        pos: 0,
    };
    let mut entry = Entry::default();
    s.blank();
    s.expect(b'{', "expected '{' to start a journal entry")?;
    s.blank();
    if s.peek() == Some(b'}') {
        s.pos += 1;
    } else {
        loop {
            s.blank();
            let name_bytes = s.string()?;
            let name =
                String::from_utf8(name_bytes).map_err(|_| s.error("a field name is not UTF-8"))?;
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
                            entry.push(&name, value);
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
                    entry.push(&name, value);
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

struct Scanner<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
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
    fn value(&mut self) -> Result<Option<Vec<u8>>, JsonError> {
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
            Some(b'[') => self.byte_array().map(Some),
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

    fn string(&mut self) -> Result<Vec<u8>, JsonError> {
        self.expect(b'"', "expected a string")?;
        let mut out = Vec::new();
        loop {
            let rest = &self.bytes[self.pos..];
            let Some(stop) = memchr::memchr2(b'"', b'\\', rest) else {
                return Err(self.error("a string is not closed"));
            };
            let chunk = &rest[..stop];
            if chunk.iter().any(|&b| b < 0x20) {
                return Err(self.error("a control character inside a string"));
            }
            out.extend_from_slice(chunk);
            self.pos += stop;
            if self.next() == Some(b'"') {
                return Ok(out);
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
