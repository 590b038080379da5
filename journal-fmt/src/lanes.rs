//! Byte tests on sixteen bytes at once, through `wide` (SSE2 on x86-64, safe code;
//! plain arrays elsewhere). A test gives a lane mask (0xff where it holds);
//! [`bits`] turns one into a bit per byte, bit `i` for byte `i`.
//!
//! Every answer is exact: the lanes do not carry into each other, so masks can be
//! combined and shifted freely (the highlighter's word starts), and a search takes
//! the lowest bit ([`find`]).

use wide::u8x16;

pub type Lanes = u8x16;

pub const WIDTH: usize = 16;

/// Up to sixteen bytes; past the end they read as spaces.
#[inline]
pub fn load(bytes: &[u8]) -> Lanes {
    if let Some(block) = bytes.first_chunk::<WIDTH>() {
        return u8x16::new(*block);
    }
    // Built in two registers a byte at a time: a copy into a padded array would be
    // a call to memcpy, and reading the vector back from the bytes it just stored
    // stalls (profiled: a fifth of the time of the line writer, for short
    // identifiers and pids).
    let mut halves = [u64::from_le_bytes([b' '; 8]); 2];
    for (i, &b) in bytes.iter().take(WIDTH).enumerate() {
        let shift = (i % 8) * 8;
        halves[i / 8] = halves[i / 8] & !(0xff << shift) | u64::from(b) << shift;
    }
    let mut block = [0; WIDTH];
    block[..8].copy_from_slice(&halves[0].to_le_bytes());
    block[8..].copy_from_slice(&halves[1].to_le_bytes());
    u8x16::new(block)
}

/// The bytes equal to `byte`.
#[inline]
pub fn equal(lanes: Lanes, byte: u8) -> Lanes {
    lanes.cmp_eq(u8x16::splat(byte))
}

/// The bytes in `lo..=hi`.
#[inline]
pub fn within(lanes: Lanes, lo: u8, hi: u8) -> Lanes {
    // Moved down by `lo`, the range starts at zero: one unsigned comparison.
    let moved = lanes - u8x16::splat(lo);
    moved.min(u8x16::splat(hi - lo)).cmp_eq(moved)
}

/// The bytes below `limit` (above zero).
#[inline]
pub fn below(lanes: Lanes, limit: u8) -> Lanes {
    lanes.min(u8x16::splat(limit - 1)).cmp_eq(lanes)
}

/// One bit per byte: bit `i` set where lane `i` of the mask is.
#[inline]
pub fn bits(mask: Lanes) -> u32 {
    // move_mask gathers each lane's top bit into the low sixteen bits.
    mask.move_mask() as u32
}

/// The first byte `flags` marks in the whole sixteen-byte blocks of
/// `bytes[..blocks_up_to]`; past them, `rest` finds it in the remaining bytes (a
/// byte-at-a-time search, or memchr's wider vectors for a long tail).
#[inline]
pub fn find(
    bytes: &[u8],
    blocks_up_to: usize,
    flags: impl Fn(Lanes) -> Lanes,
    rest: impl FnOnce(&[u8]) -> Option<usize>,
) -> Option<usize> {
    let mut at = 0;
    for block in bytes[..blocks_up_to.min(bytes.len())].chunks_exact(WIDTH) {
        let found = bits(flags(load(block)));
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize);
        }
        at += WIDTH;
    }
    rest(&bytes[at..]).map(|i| at + i)
}

/// The bytes a test marks, found 64 at a time and handed out in order: for a
/// scanner that asks for the next one often (a json line's quotes), one pass of
/// block tests instead of a search per question.
pub struct Marks<'a, F> {
    bytes: &'a [u8],
    flags: F,
    /// Where the window starts (a multiple of 64), and its marks, bit `i` for
    /// `bytes[base + i]`.
    base: usize,
    marks: u64,
}

impl<'a, F: Fn(Lanes) -> Lanes> Marks<'a, F> {
    pub fn new(bytes: &'a [u8], flags: F) -> Marks<'a, F> {
        let mut marks = Marks {
            bytes,
            flags,
            base: 0,
            marks: 0,
        };
        marks.marks = marks.window(0);
        marks
    }

    fn window(&self, base: usize) -> u64 {
        let rest = &self.bytes[base.min(self.bytes.len())..];
        if let Some(whole) = rest.first_chunk::<64>() {
            let at = |n: usize| u64::from(bits((self.flags)(load(&whole[n * WIDTH..]))));
            return at(0) | at(1) << 16 | at(2) << 32 | at(3) << 48;
        }
        self.short_window(base)
    }

    /// The window at the end of the bytes, shorter than 64: [`Block`]s, which leave
    /// out what lies past the end.
    #[cold]
    fn short_window(&self, base: usize) -> u64 {
        let mut marks = 0;
        for (n, at) in (base..self.bytes.len()).step_by(WIDTH).enumerate() {
            let block = Block::at(self.bytes, at);
            marks |= u64::from(block.bits((self.flags)(block.lanes))) << (n * WIDTH);
        }
        marks
    }

    /// The first marked byte at or after `at`.
    #[inline(always)]
    pub fn next_from(&mut self, at: usize) -> Option<usize> {
        // One comparison for both sides of the window (below it wraps round).
        let offset = at.wrapping_sub(self.base);
        if offset < 64 {
            let ahead = self.marks & (u64::MAX << offset);
            if ahead != 0 {
                return Some(self.base + ahead.trailing_zeros() as usize);
            }
        }
        self.next_beyond(at)
    }

    /// [`Marks::next_from`] past the window it has: the windows from `at` on.
    fn next_beyond(&mut self, mut at: usize) -> Option<usize> {
        while at < self.bytes.len() {
            self.base = at & !63;
            self.marks = self.window(self.base);
            let ahead = self.marks & (u64::MAX << (at - self.base));
            if ahead != 0 {
                return Some(self.base + ahead.trailing_zeros() as usize);
            }
            at = self.base + 64;
        }
        None
    }
}

/// Whether any byte of `bytes` is marked by `flags`: a block at a time with no
/// early exit (the answer is almost always no). A haystack shorter than a block is
/// padded with spaces, so `flags` must not mark a space.
#[inline]
pub fn any(bytes: &[u8], flags: impl Fn(Lanes) -> Lanes) -> bool {
    let blocks = bytes.chunks_exact(WIDTH);
    let tail = blocks.remainder();
    let mut seen = u8x16::splat(0);
    for block in blocks {
        seen |= flags(load(block));
    }
    if !tail.is_empty() {
        // The last sixteen bytes again, overlapping, rather than a padded copy.
        let last = bytes.len().saturating_sub(WIDTH);
        seen |= flags(load(&bytes[last..]));
    }
    bits(seen) != 0
}

/// Whether `bytes` hold a control byte other than tab and newline, or DEL: what a
/// terminal would act on, and what journalctl does not write as a JSON string.
pub fn has_control(bytes: &[u8]) -> bool {
    any(bytes, |block| {
        (below(block, 0x20) & !equal(block, b'\t') & !equal(block, b'\n')) | equal(block, 0x7f)
    })
}

/// Whether `bytes` are one line of printable ASCII (and tabs): what a terminal
/// shows as it is, with no escape sequence to strip and no second line. Almost every
/// log message is; the level rule, the sanitizer and the line splitter then all
/// take it as it is after this one pass.
pub fn is_printable_line(bytes: &[u8]) -> bool {
    !any(bytes, |block| {
        !(within(block, 0x20, 0x7e) | equal(block, b'\t'))
    })
}

/// The first `byte` in a short haystack (words, headers, field names), where a plain
/// loop beats memchr's call overhead.
pub(crate) fn find_byte(byte: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == byte)
}

/// The first `byte` in a haystack of any length that is most often short (a
/// message): its first 64 bytes sixteen at a time, the rest by memchr, whose wider
/// vectors win there but whose call costs more than the blocks on a short one.
#[inline]
pub fn find_one(byte: u8, haystack: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at < haystack.len() {
        if at == 64 {
            return memchr::memchr(byte, &haystack[at..]).map(|i| at + i);
        }
        let block = Block::at(haystack, at);
        let found = block.bits(equal(block.lanes, byte));
        if found != 0 {
            return Some(at + found.trailing_zeros() as usize);
        }
        at += WIDTH;
    }
    None
}

/// The sixteen bytes of a haystack from a place, which may be fewer at its end.
pub struct Block {
    pub lanes: Lanes,
    /// How far the lanes begin before the place (the last sixteen bytes of the
    /// haystack are read for a block that would run past its end, not a copy).
    shift: u32,
    /// The bits of bytes that are in the haystack.
    real: u32,
}

impl Block {
    #[inline]
    pub fn at(haystack: &[u8], at: usize) -> Block {
        let rest = &haystack[at..];
        if let Some(whole) = rest.first_chunk::<WIDTH>() {
            return Block {
                lanes: u8x16::new(*whole),
                shift: 0,
                real: 0xffff,
            };
        }
        if haystack.len() >= WIDTH {
            let last = haystack.len() - WIDTH;
            return Block {
                lanes: load(&haystack[last..]),
                shift: (at - last) as u32,
                real: 0xffff,
            };
        }
        Block {
            lanes: load(rest),
            shift: 0,
            real: (1 << rest.len()) - 1,
        }
    }

    /// A test's answer on this block, bit `i` for the byte at the place plus `i`.
    #[inline]
    pub fn bits(&self, mask: Lanes) -> u32 {
        (bits(mask) >> self.shift) & self.real
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_test_is_exact_in_every_lane_whatever_its_neighbours() {
        for a in 0..=255u8 {
            for at in 0..WIDTH {
                for fill in [0x00, 0x1f, 0x20, 0x7f, 0x80, 0xff] {
                    let mut block = [fill; WIDTH];
                    block[at] = a;
                    let lanes = load(&block);
                    let bit = |mask: Lanes| bits(mask) >> at & 1 == 1;
                    assert_eq!(bit(equal(lanes, b'=')), a == b'=');
                    assert_eq!(bit(within(lanes, b'0', b'9')), a.is_ascii_digit());
                    assert_eq!(bit(within(lanes, b'A', b'Z')), a.is_ascii_uppercase());
                    assert_eq!(bit(within(lanes, 0x20, 0x7e)), (0x20..=0x7e).contains(&a));
                    assert_eq!(bit(below(lanes, 0x20)), a < 0x20);
                }
            }
        }
    }

    #[test]
    fn find_and_any_agree_with_a_plain_search_at_every_length_and_place() {
        for len in 0..70 {
            for place in 0..=len {
                let mut bytes = vec![b'a'; len];
                if place < len {
                    bytes[place] = b'"';
                }
                let want = bytes.iter().position(|&b| b == b'"');
                let rest = |r: &[u8]| r.iter().position(|&b| b == b'"');
                for up_to in [0, 16, 32, usize::MAX] {
                    assert_eq!(find(&bytes, up_to, |l| equal(l, b'"'), rest), want);
                }
                assert_eq!(any(&bytes, |l| equal(l, b'"')), want.is_some());
                assert_eq!(find_one(b'"', &bytes), want);
                let spaced: Vec<u8> = bytes
                    .iter()
                    .map(|&b| if b == b'"' { b' ' } else { b })
                    .collect();
                assert_eq!(
                    find_one(b' ', &spaced),
                    want,
                    "a space, which the padding is"
                );
            }
        }
    }

    #[test]
    fn marks_hand_out_every_marked_byte_from_any_place() {
        let mut rng = crate::test_rng::Rng(0x2545_f491_4f6c_dd1d);
        for len in (0..300).step_by(7) {
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    let rng = rng.next_u64();
                    if rng.is_multiple_of(5) {
                        b'"'
                    } else {
                        b'a' + (rng % 20) as u8
                    }
                })
                .collect();
            let want = |from: usize| {
                bytes
                    .iter()
                    .skip(from)
                    .position(|&b| b == b'"')
                    .map(|i| from + i)
            };
            // Asked in order, as a scanner does, with jumps of every size; then
            // backwards, which a scanner does not do, but which must not mislead.
            for step in [1, 3, 17, 64, 65, 130] {
                let mut marks = Marks::new(&bytes, |l| equal(l, b'"'));
                let mut at = 0;
                while at <= len + 1 {
                    assert_eq!(
                        marks.next_from(at),
                        want(at),
                        "len {len} at {at} step {step}"
                    );
                    at += step;
                }
                for at in (0..len).rev().step_by(step) {
                    assert_eq!(marks.next_from(at), want(at), "len {len} back at {at}");
                }
            }
        }
    }

    #[test]
    fn a_short_load_reads_spaces_past_the_end() {
        assert_eq!(bits(equal(load(b"ab"), b' ')), 0xfffc);
        assert_eq!(bits(equal(load(b""), b' ')), 0xffff);
    }
}
