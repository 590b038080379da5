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
    scratch: Vec<u8>,
    pub(crate) pool: Pool,
    block: usize,
    max_line: usize,
    /// Return whatever whole lines arrived with each read (following, terminals).
    eager: bool,
    /// Keep a line and the indented lines after it in one block (`short` input,
    /// where they are one entry: see [`crate::input::text::record_end`]).
    keep_indented: bool,
    in_long: bool,
    eof: bool,
}

const READ_SIZE: usize = 64 * 1024;

impl<R: Read> Blocks<R> {
    pub fn new(inner: R, block: usize, max_line: usize, eager: bool) -> Blocks<R> {
        Blocks {
            inner,
            carry: Vec::new(),
            scratch: Vec::new(),
            pool: Pool::default(),
            block: block.max(1),
            max_line: max_line.max(1),
            eager,
            keep_indented: false,
            in_long: false,
            eof: false,
        }
    }

    /// Cut blocks only before a line that does not start with a space, so that a
    /// multi-line message of `short` input stays in one block (unless one message
    /// outgrows a block, or the input is followed, where a read is not waited for).
    pub fn keeping_indented(mut self, keep: bool) -> Blocks<R> {
        self.keep_indented = keep;
        self
    }

    /// Start with bytes already read (input detection).
    pub fn with_head(mut self, head: Vec<u8>) -> Blocks<R> {
        self.carry = head;
        self
    }

    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
        if !self.eager {
            // Straight into the block, `want` bytes unless the input ends first:
            // read_to_end fills spare capacity without zeroing it first, which
            // saves the copy below (5% of the instructions of colouring JSON).
            let got = (&mut self.inner).take(want as u64).read_to_end(buf)?;
            // Fewer bytes than asked for: read_to_end stopped at the end.
            if got < want {
                self.eof = true;
            }
            return Ok(got);
        }
        // Following or a terminal, where a read is not waited on: reads land in a
        // buffer zeroed once, then are copied, so a short read costs its own length,
        // not a fresh zeroed read size.
        if self.scratch.len() < want {
            self.scratch.resize(want, 0);
        }
        let got = loop {
            match self.inner.read(&mut self.scratch[..want]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        buf.extend_from_slice(&self.scratch[..got]);
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
                    let cut = if self.keep_indented
                        && !self.eager
                        && !self.eof
                        && buf.len() < self.max_line
                    {
                        // None: one entry so far; read on (up to max_line) for its end.
                        unindented_cut(&buf, last)
                    } else {
                        Some(last + 1)
                    };
                    if let Some(cut) = cut {
                        self.carry.extend_from_slice(&buf[cut..]);
                        buf.truncate(cut);
                        return Ok(Some(Piece::Lines(buf)));
                    }
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
            // Not following: the rest of the block in one call.
            let want = if self.eager {
                READ_SIZE
            } else {
                self.block.saturating_sub(buf.len()).max(READ_SIZE)
            };
            let want = want.min(self.max_line - buf.len()).max(1);
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

/// Where to cut `buf` (whose last newline is at `last`) so that the next block
/// starts with a line that does not start with a space: after `last` when the line
/// after it has begun that way, else after the last such newline before it; `None`
/// when there is none (the buffer holds one entry and its indented lines).
fn unindented_cut(buf: &[u8], last: usize) -> Option<usize> {
    if buf.get(last + 1).is_some_and(|&b| b != b' ') {
        return Some(last + 1);
    }
    let mut before = last;
    while let Some(newline) = memchr::memrchr(b'\n', &buf[..before]) {
        if buf[newline + 1] != b' ' {
            return Some(newline + 1);
        }
        before = newline;
    }
    None
}

/// A reader that gives at most `chunk` bytes a read, as a pipe may (tests and the
/// fuzz targets: block edges anywhere).
#[doc(hidden)]
pub struct Trickle<R> {
    pub inner: R,
    pub chunk: usize,
}

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk.min(buf.len());
        self.inner.read(&mut buf[..n])
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

    /// The pieces of `input` read `chunk` bytes at a time in blocks of `block`.
    fn pieces(input: &[u8], block: usize, max_line: usize, chunk: usize) -> Vec<Vec<u8>> {
        let trickle = Trickle {
            inner: input,
            chunk,
        };
        let mut blocks = Blocks::new(trickle, block, max_line, false).keeping_indented(true);
        let mut found = Vec::new();
        while let Some(piece) = blocks.next_piece().unwrap() {
            match piece {
                Piece::Lines(bytes) => found.push(bytes),
                Piece::Long(_) => panic!("no line here is long"),
            }
        }
        found
    }

    #[test]
    fn indented_lines_stay_with_the_line_before() {
        let mut input = Vec::new();
        for i in 0..200 {
            input.extend_from_slice(format!("Nov 22 10:00:07 billing[7]: entry {i}\n").as_bytes());
            for _ in 0..i % 5 {
                input.extend_from_slice(b"                            more of it\n");
            }
        }
        for block in [1, 50, 300, 4096] {
            for chunk in [7, 100, 1 << 16] {
                let found = pieces(&input, block, 1 << 16, chunk);
                assert_eq!(found.concat(), input, "block {block}, reads of {chunk}");
                assert!(
                    found.iter().all(|piece| piece[0] != b' '),
                    "block {block}, reads of {chunk}: a block starts inside an entry"
                );
            }
        }
        // One entry longer than the longest line is cut: nothing is held back for ever.
        let found = pieces(&input, 50, 100, 7);
        assert_eq!(found.concat(), input);
        assert!(found.iter().any(|piece| piece[0] == b' '));
    }
}
