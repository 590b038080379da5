//! JSON text that is not one entry per line, as journal lines: `journalctl -o
//! json-pretty` (indented entries one after another) and JSON arrays of entries (what
//! log shippers and test suites save), read as a stream and written out one compact
//! value per line, so the line engine reads them as it reads `-o json`, in parallel
//! blocks, in flat memory whatever the size of the array.
//!
//! Whitespace outside strings goes (a single space stays between two bare words, so
//! `1 2` does not become `12`); the brackets and commas of one outer array go; a
//! value ends its line when its last bracket closes, or, for a bare number or word, at
//! the next separator. Nothing else is changed: a string keeps its bytes, and a
//! value that is not an entry, or is broken, reaches the engine as a line of its own,
//! which reports it as malformed json.

use std::io::{self, Read};

const CHUNK: usize = 64 * 1024;

/// Where the reader is in the JSON text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    /// Between values (or before the first).
    Between,
    /// In a value, `depth` brackets deep, outside strings.
    Value,
    /// In a string of a value.
    Text,
    /// Just after a backslash in a string.
    Escape,
}

/// A [`Read`] giving one JSON value per line from indented or array JSON text.
pub struct JsonValues<R> {
    inner: R,
    input: Vec<u8>,
    out: Vec<u8>,
    out_at: usize,
    state: State,
    eof: bool,
}

/// Where the reader is, outside the bytes it holds.
#[derive(Debug, Clone, Copy)]
struct State {
    at: At,
    depth: usize,
    /// Inside the one outer array (its brackets and commas are not written).
    in_array: bool,
    /// Whether anything but whitespace has been read (an outer `[` must come first).
    started: bool,
    /// Whitespace was skipped since the last byte written in a value.
    space: bool,
    last: u8,
}

impl State {
    /// A value's line ends.
    #[inline]
    fn end_value(&mut self, out: &mut Vec<u8>) {
        out.push(b'\n');
        self.at = At::Between;
        self.depth = 0;
        self.last = b'\n';
        self.space = false;
    }

    /// A byte of a value outside strings (the first, or a later one).
    // Always inlined: called through `&mut` it kept the state in memory (3%).
    #[inline(always)]
    fn value_byte(&mut self, b: u8, out: &mut Vec<u8>) {
        let bare = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'-' | b'+');
        if self.space && bare(self.last) && bare(b) {
            out.push(b' ');
        }
        self.space = false;
        out.push(b);
        self.last = b;
        self.at = At::Value;
        match b {
            b'{' | b'[' => self.depth += 1,
            b'}' | b']' => {
                self.depth = self.depth.saturating_sub(1);
                if self.depth == 0 {
                    self.end_value(out);
                }
            }
            b'"' => self.at = At::Text,
            _ => {}
        }
    }
}

impl<R: Read> JsonValues<R> {
    pub fn new(inner: R) -> JsonValues<R> {
        JsonValues {
            inner,
            input: vec![0; CHUNK],
            out: Vec::with_capacity(CHUNK + 64),
            out_at: 0,
            state: State {
                at: At::Between,
                depth: 0,
                in_array: false,
                started: false,
                space: false,
                last: b'\n',
            },
            eof: false,
        }
    }

    /// Turn one chunk of input into output. The state lives in locals while the
    /// chunk is read (it is written back st.at the end): the loop over the bytes
    /// between strings is the reading thread's hot path.
    fn convert(&mut self, len: usize) {
        let input = std::mem::take(&mut self.input);
        let mut out = std::mem::take(&mut self.out);
        let bytes = &input[..len];
        let mut st = self.state;
        let mut i = 0;
        while i < bytes.len() {
            match st.at {
                At::Text => {
                    // Copy up to the next quote or backslash in one go.
                    match crate::input::json::quote_or_backslash(&bytes[i..]) {
                        None => {
                            out.extend_from_slice(&bytes[i..]);
                            i = bytes.len();
                        }
                        Some(n) => {
                            out.extend_from_slice(&bytes[i..=i + n]);
                            let b = bytes[i + n];
                            i += n + 1;
                            if b == b'\\' {
                                st.at = At::Escape;
                            } else if st.depth == 0 {
                                st.end_value(&mut out);
                            } else {
                                st.at = At::Value;
                                st.last = b'"';
                            }
                        }
                    }
                }
                At::Escape => {
                    out.push(bytes[i]);
                    i += 1;
                    st.at = At::Text;
                }
                At::Between => {
                    let b = bytes[i];
                    i += 1;
                    match b {
                        b' ' | b'\t' | b'\n' | b'\r' | 0x1e => {}
                        b'[' if !st.started => {
                            st.started = true;
                            st.in_array = true;
                        }
                        b',' if st.in_array => {}
                        b']' if st.in_array => st.in_array = false,
                        _ => {
                            st.started = true;
                            // The first byte of a value.
                            st.space = false;
                            st.value_byte(b, &mut out);
                        }
                    }
                }
                At::Value => {
                    let b = bytes[i];
                    i += 1;
                    if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                        st.space = true;
                        continue;
                    }
                    if matches!(b, b':' | b',') && st.depth > 0 {
                        // A separator inside the value: never a bare word's neighbour.
                        st.space = false;
                        out.push(b);
                        st.last = b;
                        continue;
                    }
                    if b == b'"' && st.depth > 0 {
                        // A string inside the value, copied whole up to its closing
                        // quote when no backslash comes first (the common case).
                        st.space = false;
                        st.last = b'"';
                        out.push(b'"');
                        match crate::input::json::quote_or_backslash(&bytes[i..]) {
                            Some(n) => {
                                out.extend_from_slice(&bytes[i..=i + n]);
                                if bytes[i + n] == b'\\' {
                                    st.at = At::Escape;
                                }
                                i += n + 1;
                            }
                            None => {
                                out.extend_from_slice(&bytes[i..]);
                                i = bytes.len();
                                st.at = At::Text;
                            }
                        }
                        continue;
                    }
                    if st.depth == 0
                        && (st.space || matches!(b, b',' | b']' | b'[' | b'{' | b'"' | 0x1e))
                    {
                        // A bare word ended (`1 2` is two values); the byte starts
                        // what follows it.
                        st.end_value(&mut out);
                        i -= 1;
                        continue;
                    }
                    st.value_byte(b, &mut out);
                }
            }
        }
        self.state = st;
        self.input = input;
        self.out = out;
    }
}

impl<R: Read> Read for JsonValues<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.out_at == self.out.len() {
            if self.eof {
                return Ok(0);
            }
            self.out.clear();
            self.out_at = 0;
            let n = loop {
                match self.inner.read(&mut self.input) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                self.eof = true;
                // A value cut off by the end still ends its line.
                if self.state.at != At::Between {
                    self.state.end_value(&mut self.out);
                }
            } else {
                self.convert(n);
            }
        }
        let n = buf.len().min(self.out.len() - self.out_at);
        buf[..n].copy_from_slice(&self.out[self.out_at..self.out_at + n]);
        self.out_at += n;
        Ok(n)
    }
}

/// Does the start of a stream look like JSON text that is not one entry per line:
/// an array, or an object whose first line is only its `{`?
pub fn looks_like(first_line: &[u8]) -> bool {
    let line = first_line.trim_ascii();
    line.starts_with(b"[") || line == b"{"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], chunk: usize) -> String {
        // Read through a reader that gives `chunk` bytes at a time.
        let mut out = String::new();
        JsonValues::new(crate::input::lines::Trickle {
            inner: input,
            chunk,
        })
        .read_to_string(&mut out)
        .unwrap();
        out
    }

    #[test]
    fn pretty_entries_and_arrays_become_lines() {
        let pretty = b"{\n\t\"__CURSOR\" : \"s=1;i=2\",\n\t\"MESSAGE\" : \"a } ] , \\\" \\\\\",\n\t\"N\" : [ 1, 2 ]\n}\n{\n\t\"MESSAGE\" : null\n}\n";
        let want = "{\"__CURSOR\":\"s=1;i=2\",\"MESSAGE\":\"a } ] , \\\" \\\\\",\"N\":[1,2]}\n{\"MESSAGE\":null}\n";
        for chunk in [1, 2, 3, 7, 4096] {
            assert_eq!(lines(pretty, chunk), want, "chunk {chunk}");
        }
        let array = b"[\n  {\"MESSAGE\": \"x\"},\n  {\"MESSAGE\": \"y\"}\n]\n";
        for chunk in [1, 5, 4096] {
            assert_eq!(
                lines(array, chunk),
                "{\"MESSAGE\":\"x\"}\n{\"MESSAGE\":\"y\"}\n"
            );
        }
    }

    #[test]
    fn what_is_not_an_entry_stays_a_line_of_its_own() {
        assert_eq!(
            lines(b"[1 2, true, \"s\", {\"a\":1}]", 3),
            "1\n2\ntrue\n\"s\"\n{\"a\":1}\n"
        );
        // Cut off: the open value still ends its line (and is malformed downstream).
        assert_eq!(
            lines(b"[{\"a\": \"unterminated", 4),
            "{\"a\":\"unterminated\n"
        );
        // A stray closing bracket, and a second array, are values too.
        assert_eq!(lines(b"{\"a\":1}}\n[2]", 4), "{\"a\":1}\n}\n[2]\n");
        assert!(looks_like(b"  [\n"));
        assert!(looks_like(b"{\n"));
        assert!(!looks_like(b"{\"MESSAGE\":\"x\"}\n"));
    }
}
