//! The line buffer: a byte stream cut into blocks of whole lines, with a line too
//! long to read as an entry passed on in pieces so memory stays flat, and a pool of
//! buffers the blocks reuse.

use std::io::{self, Read};
use std::sync::{Arc, Mutex};

/// A piece of a line-based input: whole lines, or part of a line too long to read
/// as an entry (passed on in pieces, so memory stays flat).
pub enum Piece {
    Lines(Vec<u8>),
    Long(LongPart),
}

/// Part of an over-long line: whether it starts the line, and whether it ends it.
pub struct LongPart {
    pub bytes: Vec<u8>,
    pub first: bool,
    pub last: bool,
}

/// Buffers the writer hands back once written, so blocks reuse memory rather than
/// fault in fresh pages for every megabyte.
#[derive(Clone, Default)]
pub struct Pool(Arc<Mutex<Vec<Vec<u8>>>>);

impl Pool {
    const KEEP: usize = 16;

    pub(crate) fn get(&self, capacity: usize) -> Vec<u8> {
        let mut buf = self
            .0
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
            .unwrap_or_default();
        buf.reserve(capacity);
        buf
    }

    pub(crate) fn put(&self, mut buf: Vec<u8>) {
        buf.clear();
        // A buffer that grew for a long line is let go.
        if buf.capacity() <= 4 << 20 {
            if let Ok(mut pool) = self.0.lock() {
                if pool.len() < Pool::KEEP {
                    pool.push(buf);
                }
            }
        }
    }
}

/// Cuts a byte stream into blocks of whole lines.
pub struct Blocks<R> {
    inner: R,
    carry: Vec<u8>,
    pub(crate) pool: Pool,
    block: usize,
    max_line: usize,
    /// Return whatever whole lines arrived with each read (following, terminals).
    eager: bool,
    in_long: bool,
    eof: bool,
}

const READ_SIZE: usize = 64 * 1024;

impl<R: Read> Blocks<R> {
    pub fn new(inner: R, block: usize, max_line: usize, eager: bool) -> Blocks<R> {
        Blocks {
            inner,
            carry: Vec::new(),
            pool: Pool::default(),
            block: block.max(1),
            max_line: max_line.max(1),
            eager,
            in_long: false,
            eof: false,
        }
    }

    /// Start with bytes already read (input detection).
    pub fn with_head(mut self, head: Vec<u8>) -> Blocks<R> {
        self.carry = head;
        self
    }

    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
        let len = buf.len();
        buf.resize(len + want, 0);
        let got = loop {
            match self.inner.read(&mut buf[len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    buf.truncate(len);
                    return Err(e);
                }
            }
        };
        buf.truncate(len + got);
        if got == 0 {
            self.eof = true;
        }
        Ok(got)
    }

    pub fn next_piece(&mut self) -> io::Result<Option<Piece>> {
        if self.in_long {
            return self.long_piece().map(Some);
        }
        let mut buf = self.pool.get(self.block.min(self.max_line) + READ_SIZE);
        buf.extend_from_slice(&self.carry);
        self.carry.clear();
        loop {
            let ready = buf.len() >= self.block.min(self.max_line) || self.eager || self.eof;
            if ready && !buf.is_empty() {
                if let Some(last) = memchr::memrchr(b'\n', &buf) {
                    self.carry.extend_from_slice(&buf[last + 1..]);
                    buf.truncate(last + 1);
                    return Ok(Some(Piece::Lines(buf)));
                }
            }
            if buf.len() >= self.max_line {
                self.in_long = true;
                return Ok(Some(Piece::Long(LongPart {
                    bytes: buf,
                    first: true,
                    last: false,
                })));
            }
            if self.eof {
                return Ok((!buf.is_empty()).then_some(Piece::Lines(buf)));
            }
            let want = READ_SIZE.min(self.max_line - buf.len()).max(1);
            self.fill(&mut buf, want)?;
        }
    }

    /// The rest of an over-long line, a read at a time.
    fn long_piece(&mut self) -> io::Result<Piece> {
        let mut buf = std::mem::take(&mut self.carry);
        if buf.is_empty() && !self.eof {
            self.fill(&mut buf, READ_SIZE)?;
        }
        let last = if let Some(end) = memchr::memchr(b'\n', &buf) {
            self.carry = buf[end + 1..].to_vec();
            buf.truncate(end);
            true
        } else {
            self.eof
        };
        if last {
            self.in_long = false;
        }
        Ok(Piece::Long(LongPart {
            bytes: buf,
            first: false,
            last,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_pass_in_pieces() {
        let mut input = b"short one\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10_000));
        input.extend_from_slice(b"\nafter\n");
        let mut blocks = Blocks::new(&input[..], 64, 1000, false);
        let mut pieces = Vec::new();
        while let Some(piece) = blocks.next_piece().unwrap() {
            pieces.push(match piece {
                Piece::Lines(b) => (String::from_utf8(b).unwrap(), None),
                Piece::Long(part) => (part.bytes.len().to_string(), Some((part.first, part.last))),
            });
        }
        assert_eq!(pieces.first().unwrap().0, "short one\n");
        assert_eq!(pieces.last().unwrap().0, "after\n");
        let long: usize = pieces
            .iter()
            .filter(|p| p.1.is_some())
            .map(|p| p.0.parse::<usize>().unwrap())
            .sum();
        assert_eq!(long, 10_000);
        assert_eq!(
            pieces.iter().filter(|p| p.1 == Some((true, false))).count(),
            1
        );
        assert_eq!(
            pieces
                .iter()
                .filter(|p| matches!(p.1, Some((_, true))))
                .count(),
            1
        );
    }
}
