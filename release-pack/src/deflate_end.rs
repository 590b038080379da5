//! Turning a finished raw deflate stream into one that another stream can follow.
//!
//! libdeflate compresses a whole buffer at a time and always marks its last block
//! final (BFINAL). A parallel gzip needs the opposite: every chunk but the last ends
//! on a byte boundary with no final block, so the next chunk's blocks follow it. This
//! module walks a stream's blocks without producing output (RFC 1951, section 3.2),
//! finds where the final block starts and ends, and clears its BFINAL bit. When the
//! block does not end on a byte boundary it appends an empty stored block, which is
//! what zlib's `Z_SYNC_FLUSH` writes; when it does (a stored block always does),
//! nothing is needed, which saves five bytes per incompressible chunk.
//!
//! It only ever reads what our own compressor wrote; anything it does not understand
//! is an error, never a guess.

use std::fmt;

#[derive(Debug, PartialEq, Eq)]
pub struct WalkError(&'static str);

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a deflate stream could not be read: {}", self.0)
    }
}

impl std::error::Error for WalkError {}

/// Where the final block is: the bit offset of its header and the bit offset just
/// after its end-of-block code (or stored data).
#[derive(Debug, PartialEq, Eq)]
pub struct FinalBlock {
    pub start_bit: usize,
    pub end_bit: usize,
}

/// Rewrites `stream` (one complete raw deflate stream) in place so that it ends on a
/// byte boundary with no final block.
pub fn make_continuable(stream: &mut Vec<u8>) -> Result<(), WalkError> {
    let last = find_final_block(stream)?;
    stream[last.start_bit / 8] &= !(1 << (last.start_bit % 8));
    stream.truncate(last.end_bit.div_ceil(8));
    let used = last.end_bit % 8;
    if used == 0 {
        return Ok(());
    }
    // The stored block's three header bits (0, then type 00) go after the end: clear
    // the padding bits of the last byte (a decoder ignores them, so a stream need not
    // have them zero), and add a byte when fewer than three are left.
    if let Some(byte) = stream.last_mut() {
        *byte &= (1u8 << used) - 1;
    }
    if used > 5 {
        stream.push(0);
    }
    stream.extend_from_slice(&[0x00, 0x00, 0xff, 0xff]);
    Ok(())
}

/// An empty final block with fixed codes: what ends the last chunk.
pub const FINAL_EMPTY_BLOCK: [u8; 2] = [0x03, 0x00];

/// Walks every block of `stream` and returns where the final one is.
pub fn find_final_block(stream: &[u8]) -> Result<FinalBlock, WalkError> {
    let mut bits = Bits::new(stream);
    let fixed = fixed_tables();
    loop {
        let start_bit = bits.position();
        let header = bits.take(3)?;
        match header >> 1 {
            0 => {
                bits.align();
                let len = bits.take(16)?;
                let nlen = bits.take(16)?;
                if len != !nlen & 0xffff {
                    return Err(WalkError("a stored block's length check fails"));
                }
                bits.skip_bytes(len as usize)?;
            }
            1 => skip_symbols(&mut bits, &fixed.0, &fixed.1)?,
            2 => {
                let (litlen, dist) = read_dynamic_tables(&mut bits)?;
                skip_symbols(&mut bits, &litlen, &dist)?;
            }
            _ => return Err(WalkError("a block has the reserved type 3")),
        }
        if header & 1 == 1 {
            return Ok(FinalBlock {
                start_bit,
                end_bit: bits.position(),
            });
        }
    }
}

/// Bits least significant first, as deflate packs them.
struct Bits<'a> {
    data: &'a [u8],
    /// The next bit to read, counted from the start of `data`.
    at: usize,
}

impl<'a> Bits<'a> {
    fn new(data: &'a [u8]) -> Bits<'a> {
        Bits { data, at: 0 }
    }

    fn position(&self) -> usize {
        self.at
    }

    /// The next (up to 57) bits without consuming them, zeros past the end.
    #[inline]
    fn peek(&self) -> u64 {
        let byte = self.at / 8;
        let mut word = [0u8; 8];
        let available = self.data.len().saturating_sub(byte).min(8);
        word[..available].copy_from_slice(&self.data[byte..byte + available]);
        u64::from_le_bytes(word) >> (self.at % 8)
    }

    #[inline]
    fn consume(&mut self, n: usize) -> Result<(), WalkError> {
        self.at += n;
        if self.at > self.data.len() * 8 {
            return Err(WalkError("the stream ends inside a block"));
        }
        Ok(())
    }

    fn take(&mut self, n: usize) -> Result<u32, WalkError> {
        let value = (self.peek() & ((1u64 << n) - 1)) as u32;
        self.consume(n)?;
        Ok(value)
    }

    fn align(&mut self) {
        self.at = self.at.div_ceil(8) * 8;
    }

    fn skip_bytes(&mut self, n: usize) -> Result<(), WalkError> {
        self.consume(n * 8)
    }
}

/// Codes up to this many bits are found with one lookup; longer ones (rare, since
/// they are the least frequent symbols) are decoded one bit at a time.
const FAST_BITS: usize = 10;

/// A canonical Huffman code: a lookup table for short codes and, for the rest, the
/// count of codes of each length and the symbols in canonical order.
struct Huffman {
    /// Indexed by the next FAST_BITS bits: symbol << 4 | length, 0 for "longer".
    fast: Vec<u16>,
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Result<Huffman, WalkError> {
        let mut counts = [0u16; 16];
        for &len in lengths {
            counts[len as usize] += 1;
        }
        counts[0] = 0;
        // Over-subscribed codes cannot be decoded; incomplete ones are allowed (a
        // distance code with a single symbol is).
        let mut left: i32 = 1;
        for &count in &counts[1..] {
            left = left * 2 - count as i32;
            if left < 0 {
                return Err(WalkError("a Huffman code is over-subscribed"));
            }
        }
        let mut offsets = [0u16; 16];
        for len in 1..15 {
            offsets[len + 1] = offsets[len] + counts[len];
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (symbol, &len) in lengths.iter().enumerate() {
            if len != 0 {
                symbols[offsets[len as usize] as usize] = symbol as u16;
                offsets[len as usize] += 1;
            }
        }
        // Fill the fast table: walk the codes in canonical order, reversing each so
        // that it can be matched against bits read least significant first.
        let mut fast = vec![0u16; 1 << FAST_BITS];
        let mut code: u32 = 0;
        let mut index = 0;
        for (len, &count) in counts.iter().enumerate().skip(1) {
            for _ in 0..count {
                if len <= FAST_BITS {
                    let reversed = (code.reverse_bits() >> (32 - len)) as usize;
                    let entry = symbols[index] << 4 | len as u16;
                    let mut slot = reversed;
                    while slot < fast.len() {
                        fast[slot] = entry;
                        slot += 1 << len;
                    }
                }
                code += 1;
                index += 1;
            }
            code <<= 1;
        }
        Ok(Huffman {
            fast,
            counts,
            symbols,
        })
    }

    #[inline]
    fn decode(&self, bits: &mut Bits) -> Result<u16, WalkError> {
        let next = bits.peek();
        let entry = self.fast[(next as usize) & ((1 << FAST_BITS) - 1)];
        if entry != 0 {
            bits.consume((entry & 15) as usize)?;
            return Ok(entry >> 4);
        }
        // Canonical decoding, one bit at a time (codes are stored first bit first).
        let mut code: i32 = 0;
        let mut first: i32 = 0;
        let mut index: i32 = 0;
        for len in 1..=15 {
            code |= ((next >> (len - 1)) & 1) as i32;
            let count = self.counts[len] as i32;
            if code - count < first {
                bits.consume(len)?;
                return Ok(self.symbols[(index + code - first) as usize]);
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        Err(WalkError("a code matches no symbol"))
    }
}

const LENGTH_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DISTANCE_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

fn fixed_tables() -> (Huffman, Huffman) {
    let mut litlen = [8u8; 288];
    litlen[144..256].fill(9);
    litlen[256..280].fill(7);
    let litlen = Huffman::new(&litlen).expect("the fixed code is complete");
    let dist = Huffman::new(&[5u8; 30]).expect("the fixed code is complete");
    (litlen, dist)
}

fn read_dynamic_tables(bits: &mut Bits) -> Result<(Huffman, Huffman), WalkError> {
    const ORDER: [usize; 19] = [
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
    ];
    let litlen_count = bits.take(5)? as usize + 257;
    let dist_count = bits.take(5)? as usize + 1;
    let code_count = bits.take(4)? as usize + 4;
    if litlen_count > 286 || dist_count > 30 {
        return Err(WalkError("a block declares too many codes"));
    }
    let mut code_lengths = [0u8; 19];
    for &slot in &ORDER[..code_count] {
        code_lengths[slot] = bits.take(3)? as u8;
    }
    let code = Huffman::new(&code_lengths)?;
    let mut lengths = vec![0u8; litlen_count + dist_count];
    let mut i = 0;
    while i < lengths.len() {
        let symbol = code.decode(bits)?;
        let (value, repeat) = match symbol {
            0..=15 => (symbol as u8, 1),
            16 => {
                let previous = *lengths[..i]
                    .last()
                    .ok_or(WalkError("a length repeat has nothing to repeat"))?;
                (previous, 3 + bits.take(2)? as usize)
            }
            17 => (0, 3 + bits.take(3)? as usize),
            18 => (0, 11 + bits.take(7)? as usize),
            _ => return Err(WalkError("a code length symbol is out of range")),
        };
        if i + repeat > lengths.len() {
            return Err(WalkError("code lengths run past the table"));
        }
        lengths[i..i + repeat].fill(value);
        i += repeat;
    }
    if lengths[256] == 0 {
        return Err(WalkError("a block has no end-of-block code"));
    }
    let (litlen, dist) = lengths.split_at(litlen_count);
    Ok((Huffman::new(litlen)?, Huffman::new(dist)?))
}

/// Reads a block's symbols up to and including its end-of-block code.
fn skip_symbols(bits: &mut Bits, litlen: &Huffman, dist: &Huffman) -> Result<(), WalkError> {
    loop {
        let symbol = litlen.decode(bits)?;
        match symbol {
            0..=255 => {}
            256 => return Ok(()),
            257..=285 => {
                bits.consume(LENGTH_EXTRA[symbol as usize - 257] as usize)?;
                let distance = dist.decode(bits)? as usize;
                let extra = DISTANCE_EXTRA
                    .get(distance)
                    .ok_or(WalkError("a distance symbol is out of range"))?;
                bits.consume(*extra as usize)?;
            }
            _ => return Err(WalkError("a length symbol is out of range")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(stream: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(stream)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn compress(data: &[u8], level: i32) -> Vec<u8> {
        let mut c = libdeflater::Compressor::new(libdeflater::CompressionLvl::new(level).unwrap());
        let mut out = vec![0; c.deflate_compress_bound(data.len())];
        let n = c.deflate_compress(data, &mut out).unwrap();
        out.truncate(n);
        out
    }

    /// Text-like, random and repetitive parts, so stored, fixed and dynamic blocks
    /// all occur.
    fn sample(seed: u64, len: usize) -> Vec<u8> {
        let mut state = seed | 1;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut data = Vec::with_capacity(len);
        while data.len() < len {
            match next() % 4 {
                0 => data.extend((0..next() % 3000).map(|_| next() as u8)),
                1 => data.extend(std::iter::repeat_n(next() as u8, (next() % 500) as usize)),
                _ => {
                    let words = ["defmodule", "Billing", "end", "do", ":ok", "\n", " "];
                    for _ in 0..next() % 400 {
                        data.extend_from_slice(words[(next() % 7) as usize].as_bytes());
                    }
                }
            }
        }
        data.truncate(len);
        data
    }

    #[test]
    fn chunks_made_continuable_decode_as_one_stream() {
        for seed in 1..40u64 {
            let len = (seed as usize * 7919) % 300_000;
            let chunks = [sample(seed, len), sample(seed + 100, len / 3 + 1)];
            let level = [1, 6, 9, 12][seed as usize % 4];
            let mut joined = Vec::new();
            for chunk in &chunks {
                let mut stream = compress(chunk, level);
                make_continuable(&mut stream).unwrap();
                joined.extend_from_slice(&stream);
            }
            joined.extend_from_slice(&FINAL_EMPTY_BLOCK);
            assert_eq!(inflate(&joined), chunks.concat(), "seed {seed}");
        }
    }

    #[test]
    fn every_bit_position_of_the_end_is_handled() {
        let mut ends = std::collections::HashSet::new();
        for len in 0..400usize {
            let data = sample(len as u64, len);
            let mut stream = compress(&data, 6);
            let last = find_final_block(&stream).unwrap();
            assert_eq!(last.end_bit.div_ceil(8), stream.len(), "length {len}");
            ends.insert(last.end_bit % 8);
            let before = stream.len();
            make_continuable(&mut stream).unwrap();
            if last.end_bit.is_multiple_of(8) {
                assert_eq!(stream.len(), before, "aligned: nothing added");
            } else {
                assert!(stream.ends_with(&[0, 0, 0xff, 0xff]));
            }
            stream.extend_from_slice(&FINAL_EMPTY_BLOCK);
            assert_eq!(inflate(&stream), data, "length {len}");
        }
        assert_eq!(ends.len(), 8, "every end position was tried: {ends:?}");
    }

    #[test]
    fn padding_bits_after_the_end_need_not_be_zero() {
        for len in 0..64usize {
            let data = sample(len as u64 + 7, len * 31);
            let mut stream = compress(&data, 6);
            let last = find_final_block(&stream).unwrap();
            let used = last.end_bit % 8;
            if used != 0 {
                *stream.last_mut().unwrap() |= !((1u8 << used) - 1);
            }
            make_continuable(&mut stream).unwrap();
            stream.extend_from_slice(&FINAL_EMPTY_BLOCK);
            assert_eq!(inflate(&stream), data, "length {}", len * 31);
        }
    }

    #[test]
    fn the_final_empty_block_is_a_valid_stream() {
        assert!(inflate(&FINAL_EMPTY_BLOCK).is_empty());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(find_final_block(&[]).is_err());
        assert!(find_final_block(&[0xff; 64]).is_err());
        let mut state = 7u32;
        for len in 0..2000usize {
            let bytes: Vec<u8> = (0..len % 97)
                .map(|_| {
                    state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                    (state >> 16) as u8
                })
                .collect();
            let _ = find_final_block(&bytes);
        }
        let mut truncated = compress(&sample(3, 50_000), 6);
        truncated.truncate(truncated.len() / 2);
        assert!(find_final_block(&truncated).is_err());
    }
}
