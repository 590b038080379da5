//! The three compressions systemd writes a journal field with (Zstandard, XZ and
//! its own LZ4 framing: the size, then one block), decoded by pure-Rust crates with
//! the output bounded, so that a few bytes claiming gigabytes cannot take memory.

use std::io::{self, Read};

/// The most a compressed field may grow to: a few bytes of zstd can claim gigabytes,
/// and memory stays bounded whatever the file says.
const MAX_DECOMPRESSED: u64 = 64 << 20;

pub(super) fn zstd(stored: &[u8]) -> Result<Vec<u8>, String> {
    let mut decoder = ruzstd::decoding::StreamingDecoder::new(stored).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    (&mut decoder)
        .take(MAX_DECOMPRESSED + 1)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    if out.len() as u64 > MAX_DECOMPRESSED {
        return Err(format!("it grows past {} MiB", MAX_DECOMPRESSED >> 20));
    }
    Ok(out)
}

pub(super) fn xz(stored: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Bounded(Vec::new());
    lzma_rs::xz_decompress(&mut io::BufReader::new(stored), &mut out).map_err(|e| e.to_string())?;
    Ok(out.0)
}

/// A buffer that refuses to grow past [`MAX_DECOMPRESSED`].
struct Bounded(Vec<u8>);

impl io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if (self.0.len() + buf.len()) as u64 > MAX_DECOMPRESSED {
            return Err(io::Error::other(format!(
                "it grows past {} MiB",
                MAX_DECOMPRESSED >> 20
            )));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// systemd's LZ4 form: the decompressed size as 64 bits, then one LZ4 block.
pub(super) fn lz4(stored: &[u8]) -> Result<Vec<u8>, String> {
    if stored.len() < 8 {
        return Err("shorter than its size".into());
    }
    let size = u64::from_le_bytes(stored[..8].try_into().unwrap_or([0; 8]));
    if size > MAX_DECOMPRESSED {
        return Err(format!("a size of {size} bytes"));
    }
    lz4_flex::block::decompress(&stored[8..], size as usize).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field() -> Vec<u8> {
        let mut text = b"MESSAGE=".to_vec();
        for i in 0..300 {
            text.extend_from_slice(format!("line {i} of a crash report\n").as_bytes());
        }
        text
    }

    #[test]
    fn the_three_compressions_decode_as_systemd_writes_them() {
        let text = field();
        let mut xz_bytes = Vec::new();
        lzma_rs::xz_compress(&mut &text[..], &mut xz_bytes).unwrap();
        assert_eq!(xz(&xz_bytes).unwrap(), text);
        // systemd's LZ4: the size first, as 64 bits, then the block.
        let mut lz4_bytes = (text.len() as u64).to_le_bytes().to_vec();
        lz4_bytes.extend(lz4_flex::block::compress(&text));
        assert_eq!(lz4(&lz4_bytes).unwrap(), text);
        let zstd_bytes = ruzstd::encoding::compress_to_vec(
            &text[..],
            ruzstd::encoding::CompressionLevel::Fastest,
        );
        assert_eq!(zstd(&zstd_bytes).unwrap(), text);
        assert!(lz4(&lz4_bytes[..4]).is_err());
        assert!(xz(b"not xz").is_err());
        assert!(zstd(b"not zstd").is_err());
    }
}
