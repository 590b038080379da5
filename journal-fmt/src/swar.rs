//! Byte tests on eight bytes at once (one `u64`, little-endian): each answer is a
//! mask with the high bit of the matching bytes set. Two kinds:
//!
//! - exact ([`equal`], [`within`]): every byte's answer is right (no carry or
//!   borrow crosses bytes), for masks whose every bit is used (the highlighter);
//! - lowest ([`first_equal`], [`first_below`]): one operation fewer; the lowest
//!   flagged byte is a true one, and a false flag can only sit above a true one,
//!   which is all a search for the first match needs ([`find`]).

pub const ONES: u64 = 0x0101_0101_0101_0101;
pub const HIGHS: u64 = 0x8080_8080_8080_8080;
const LOWS: u64 = 0x7f7f_7f7f_7f7f_7f7f;

/// Up to eight bytes, little-endian; past the end they read as spaces.
pub fn load(bytes: &[u8]) -> u64 {
    if let Some(word) = bytes.first_chunk::<8>() {
        return u64::from_le_bytes(*word);
    }
    let mut word = [b' '; 8];
    let n = bytes.len().min(8);
    word[..n].copy_from_slice(&bytes[..n]);
    u64::from_le_bytes(word)
}

/// Exact: the bytes equal to `byte`.
pub fn equal(chunk: u64, byte: u8) -> u64 {
    let x = chunk ^ (ONES * u64::from(byte));
    !(((x & LOWS) + LOWS) | x) & HIGHS
}

/// Exact: the bytes in `lo..=hi`, both ASCII and `lo` above zero.
pub fn within(chunk: u64, lo: u8, hi: u8) -> u64 {
    let low7 = chunk & LOWS;
    let at_least = low7 + ONES * u64::from(0x80 - lo);
    let at_most = !(low7 + ONES * u64::from(0x7f - hi));
    at_least & at_most & !chunk & HIGHS
}

/// Lowest: the bytes equal to `byte`.
#[inline]
pub fn first_equal(chunk: u64, byte: u8) -> u64 {
    let x = chunk ^ (ONES * u64::from(byte));
    x.wrapping_sub(ONES) & !x & HIGHS
}

/// Lowest: the bytes below `limit` (at most 0x80).
#[inline]
pub fn first_below(chunk: u64, limit: u8) -> u64 {
    chunk.wrapping_sub(ONES * u64::from(limit)) & !chunk & HIGHS
}

/// The first byte `flags` marks in the whole eight-byte words of
/// `bytes[..words_up_to]`; past them, `rest` finds it in the remaining bytes (a
/// byte-at-a-time search, or memchr's wider vectors for a long tail).
#[inline]
pub fn find(
    bytes: &[u8],
    words_up_to: usize,
    flags: impl Fn(u64) -> u64,
    rest: impl FnOnce(&[u8]) -> Option<usize>,
) -> Option<usize> {
    let mut at = 0;
    for chunk in bytes[..words_up_to.min(bytes.len())].chunks_exact(8) {
        let found = flags(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        if found != 0 {
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    rest(&bytes[at..]).map(|i| at + i)
}

/// The first `byte` in a short haystack (words, headers, field names), where a plain
/// loop beats memchr's call overhead.
pub(crate) fn find_byte(byte: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == byte)
}
