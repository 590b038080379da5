//! The journal export format (`journalctl -o export`, systemd's
//! JOURNAL_EXPORT_FORMATS): entries separated by an empty line; a field is
//! `NAME=value\n` when the value is printable UTF-8 without a newline, else `NAME\n`,
//! the value's length as a 64-bit little-endian number, the bytes, and `\n`.

use crate::entry::Entry;
use std::fmt;
use std::io::{self, BufRead, Read};

#[derive(Debug)]
pub enum ExportError {
    /// The stream ends inside an entry's binary field.
    Truncated {
        offset: u64,
    },
    Malformed {
        offset: u64,
        what: &'static str,
    },
    /// A binary field longer than the reader's limit (its bytes are skipped).
    TooLarge {
        offset: u64,
        size: u64,
    },
    Io(io::Error),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportError::Truncated { offset } => {
                write!(f, "the export stream ends inside an entry (byte {offset})")
            }
            ExportError::Malformed { offset, what } => write!(f, "{what} at byte {offset}"),
            ExportError::TooLarge { offset, size } => write!(
                f,
                "a field of {size} bytes at byte {offset} is over the limit"
            ),
            ExportError::Io(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ExportError {}

pub struct ExportReader<R> {
    inner: R,
    offset: u64,
    max_field: u64,
    line: Vec<u8>,
    /// Problems the stream went on after (a field over the limit, left out of its
    /// entry as `null`): taken by the caller after each entry.
    pub problems: Vec<ExportError>,
}

impl<R: BufRead> ExportReader<R> {
    /// `max_field` bounds the memory one binary field may take.
    pub fn new(inner: R, max_field: u64) -> ExportReader<R> {
        ExportReader {
            inner,
            offset: 0,
            max_field,
            line: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// The byte offset reached in the stream.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next entry; `None` at the end of the stream.
    pub fn next_entry(&mut self) -> Option<Result<Entry<'static>, ExportError>> {
        let mut entry = Entry::default();
        loop {
            self.line.clear();
            let start = self.offset;
            // A text field is bounded like a binary one: a longer line is skipped.
            let limit = self.max_field.saturating_add(4096);
            let read = match (&mut self.inner)
                .take(limit)
                .read_until(b'\n', &mut self.line)
            {
                Ok(n) => n,
                Err(e) => return Some(Err(ExportError::Io(e))),
            };
            self.offset += read as u64;
            if read as u64 == limit && self.line.last() != Some(&b'\n') {
                let mut skipped = 0u64;
                loop {
                    let (done, used) = match self.inner.fill_buf() {
                        Ok([]) => (true, 0),
                        Ok(buf) => match memchr::memchr(b'\n', buf) {
                            Some(i) => (true, i + 1),
                            None => (false, buf.len()),
                        },
                        Err(e) => return Some(Err(ExportError::Io(e))),
                    };
                    self.inner.consume(used);
                    skipped += used as u64;
                    if done {
                        break;
                    }
                }
                self.offset += skipped;
                self.problems.push(ExportError::TooLarge {
                    offset: start,
                    size: read as u64 + skipped,
                });
                continue;
            }
            if read == 0 {
                // A stream may end without the last entry's empty line.
                return (!entry.fields.is_empty()).then_some(Ok(entry));
            }
            let line = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
            if line.is_empty() {
                if entry.fields.is_empty() {
                    continue;
                }
                return Some(Ok(entry));
            }
            if let Some(eq) = memchr::memchr(b'=', line) {
                let name = match std::str::from_utf8(&line[..eq]) {
                    Ok(name) if !name.is_empty() => name.to_string(),
                    _ => {
                        return Some(Err(ExportError::Malformed {
                            offset: start,
                            what: "a field name that is empty or not UTF-8",
                        }))
                    }
                };
                let value = line[eq + 1..].to_vec();
                entry.push(name, Some(value));
                continue;
            }
            let name = match std::str::from_utf8(line) {
                Ok(name) => name.to_string(),
                Err(_) => {
                    return Some(Err(ExportError::Malformed {
                        offset: start,
                        what: "a field name that is not UTF-8",
                    }))
                }
            };
            if self.line.last() != Some(&b'\n') {
                return Some(Err(ExportError::Truncated {
                    offset: self.offset,
                }));
            }
            match self.binary_value(start) {
                Ok(value) => entry.push(name, Some(value)),
                Err(e @ ExportError::TooLarge { .. }) => {
                    entry.push(name, None::<Vec<u8>>);
                    self.problems.push(e);
                }
                Err(e) => return Some(Err(e)),
            }
        }
    }

    fn binary_value(&mut self, start: u64) -> Result<Vec<u8>, ExportError> {
        let mut size = [0u8; 8];
        self.read_exact(&mut size)?;
        let size = u64::from_le_bytes(size);
        if size > self.max_field {
            // Skip it, so the stream can go on at the next field.
            let skipped = io::copy(&mut (&mut self.inner).take(size), &mut io::sink())
                .map_err(ExportError::Io)?;
            self.offset += skipped;
            if skipped < size {
                return Err(ExportError::Truncated {
                    offset: self.offset,
                });
            }
            let mut newline = [0u8; 1];
            self.read_exact(&mut newline)?;
            return Err(ExportError::TooLarge {
                offset: start,
                size,
            });
        }
        let mut value = Vec::new();
        let got = (&mut self.inner)
            .take(size)
            .read_to_end(&mut value)
            .map_err(ExportError::Io)?;
        self.offset += got as u64;
        if (got as u64) < size {
            return Err(ExportError::Truncated {
                offset: self.offset,
            });
        }
        let mut newline = [0u8; 1];
        self.read_exact(&mut newline)?;
        if newline[0] != b'\n' {
            return Err(ExportError::Malformed {
                offset: self.offset - 1,
                what: "a binary field not followed by a newline",
            });
        }
        Ok(value)
    }

    fn read_exact(&mut self, buf: &mut [u8]) -> Result<(), ExportError> {
        match self.inner.read_exact(buf) {
            Ok(()) => {
                self.offset += buf.len() as u64;
                Ok(())
            }
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(ExportError::Truncated {
                offset: self.offset,
            }),
            Err(e) => Err(ExportError::Io(e)),
        }
    }
}

/// Write an entry in export format (the inverse of the reader).
pub fn write_entry(out: &mut impl io::Write, entry: &Entry) -> io::Result<()> {
    for field in &entry.fields {
        let Some(value) = &field.value else {
            continue;
        };
        let text = std::str::from_utf8(value)
            .ok()
            .filter(|t| t.chars().all(|c| !c.is_control() || c == '\t'));
        if text.is_some() {
            out.write_all(field.name.as_bytes())?;
            out.write_all(b"=")?;
            out.write_all(value)?;
            out.write_all(b"\n")?;
        } else {
            out.write_all(field.name.as_bytes())?;
            out.write_all(b"\n")?;
            out.write_all(&(value.len() as u64).to_le_bytes())?;
            out.write_all(value)?;
            out.write_all(b"\n")?;
        }
    }
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(bytes: &[u8]) -> Vec<Result<Entry<'static>, String>> {
        let mut reader = ExportReader::new(bytes, 1 << 20);
        std::iter::from_fn(|| reader.next_entry())
            .map(|r| r.map_err(|e| e.to_string()))
            .collect()
    }

    #[test]
    fn text_and_binary_fields() {
        let mut data = b"__CURSOR=s=1\nMESSAGE\n".to_vec();
        data.extend_from_slice(&7u64.to_le_bytes());
        data.extend_from_slice(b"foo\nbar\nPRIORITY=6\n\nMESSAGE=second\n");
        let got = entries(&data);
        assert_eq!(got.len(), 2);
        let first = got[0].as_ref().unwrap();
        assert_eq!(first.get("MESSAGE"), Some(Some(&b"foo\nbar"[..])));
        assert_eq!(first.get("PRIORITY"), Some(Some(&b"6"[..])));
        assert_eq!(
            got[1].as_ref().unwrap().get("MESSAGE"),
            Some(Some(&b"second"[..]))
        );
    }

    #[test]
    fn round_trips_through_the_writer() {
        let mut entry = Entry::default();
        entry.push("MESSAGE", Some(b"\x1b[31mred\x1b[0m\nline two".to_vec()));
        entry.push("TAG", Some(b"a".to_vec()));
        entry.push("TAG", Some(b"b=c".to_vec()));
        let mut out = Vec::new();
        write_entry(&mut out, &entry).unwrap();
        assert_eq!(entries(&out), [Ok(entry)]);
    }

    #[test]
    fn damage_is_reported_not_hidden() {
        let mut data = b"MESSAGE\n".to_vec();
        data.extend_from_slice(&100u64.to_le_bytes());
        data.extend_from_slice(b"short");
        assert!(entries(&data)[0]
            .as_ref()
            .unwrap_err()
            .contains("ends inside an entry"));
        let mut big = b"MESSAGE\n".to_vec();
        big.extend_from_slice(&(2u64 << 20).to_le_bytes());
        big.extend(std::iter::repeat_n(b'x', 2 << 20));
        big.extend_from_slice(b"\nNEXT=1\nLONG=");
        big.extend(std::iter::repeat_n(b'y', 2 << 20));
        big.extend_from_slice(b"\nLAST=2\n\n");
        let mut reader = ExportReader::new(&big[..], 1 << 20);
        let entry = reader.next_entry().unwrap().unwrap();
        // The big fields are left out, the entry and the stream go on.
        assert_eq!(entry.get("MESSAGE"), Some(None));
        assert_eq!(entry.get("NEXT"), Some(Some(&b"1"[..])));
        assert_eq!(entry.get("LONG"), None);
        assert_eq!(entry.get("LAST"), Some(Some(&b"2"[..])));
        assert_eq!(reader.problems.len(), 2);
        assert!(reader.problems[0].to_string().contains("over the limit"));
        assert!(reader.next_entry().is_none());
    }
}
