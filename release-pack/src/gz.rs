//! gzip output that uses every core and still gives the same bytes whatever the
//! number of threads: the input is cut into fixed 1 MiB chunks, each deflated on its
//! own (level 6, ending in a sync flush, the last one finishing the stream) and the
//! results are written in order, as pigz does. The header has no name and no time.

use flate2::{Compress, Compression, FlushCompress, Status};
use std::io::{self, Write};

/// Fixed, so the output does not depend on how many threads compress it.
pub const CHUNK: usize = 1 << 20;
/// gzip's header with MTIME 0, no name, no extra flags, OS "unknown".
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

pub struct ParallelGz<W: Write> {
    out: W,
    threads: usize,
    current: Vec<u8>,
    full: Vec<Vec<u8>>,
    crc: crc32fast::Hasher,
    length: u64,
    started: bool,
}

impl<W: Write> ParallelGz<W> {
    pub fn new(out: W, threads: usize) -> ParallelGz<W> {
        ParallelGz {
            out,
            threads: threads.max(1),
            current: Vec::with_capacity(CHUNK),
            full: Vec::new(),
            crc: crc32fast::Hasher::new(),
            length: 0,
            started: false,
        }
    }

    /// Compress what is left, write the trailer, and give back the writer.
    pub fn finish(mut self) -> io::Result<W> {
        let last = std::mem::take(&mut self.current);
        self.full.push(last);
        self.flush_chunks(true)?;
        let crc = self.crc.clone().finalize();
        self.out.write_all(&crc.to_le_bytes())?;
        // ISIZE is the length modulo 2^32 (RFC 1952).
        self.out.write_all(&(self.length as u32).to_le_bytes())?;
        self.out.flush()?;
        Ok(self.out)
    }

    fn flush_chunks(&mut self, finishing: bool) -> io::Result<()> {
        if !self.started {
            self.out.write_all(&HEADER)?;
            self.started = true;
        }
        let chunks = std::mem::take(&mut self.full);
        let count = chunks.len();
        let compressed: Vec<io::Result<Vec<u8>>> = if self.threads == 1 || count == 1 {
            chunks
                .iter()
                .enumerate()
                .map(|(i, c)| deflate_chunk(c, finishing && i + 1 == count))
                .collect()
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = chunks
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        scope.spawn(move || deflate_chunk(c, finishing && i + 1 == count))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join().unwrap_or_else(|_| {
                            Err(io::Error::other("a compression thread failed"))
                        })
                    })
                    .collect()
            })
        };
        for block in compressed {
            self.out.write_all(&block?)?;
        }
        Ok(())
    }
}

impl<W: Write> Write for ParallelGz<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let room = CHUNK - self.current.len();
        let take = room.min(buf.len());
        self.current.extend_from_slice(&buf[..take]);
        self.crc.update(&buf[..take]);
        self.length += take as u64;
        if self.current.len() == CHUNK {
            let chunk = std::mem::replace(&mut self.current, Vec::with_capacity(CHUNK));
            self.full.push(chunk);
            if self.full.len() >= self.threads * 2 {
                self.flush_chunks(false)?;
            }
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Raw deflate of one chunk: ends on a byte boundary (sync flush) so the next chunk's
/// blocks follow it, or ends the stream when `last`.
fn deflate_chunk(data: &[u8], last: bool) -> io::Result<Vec<u8>> {
    let mut deflate = Compress::new(Compression::new(6), false);
    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    loop {
        let consumed = deflate.total_in() as usize;
        let status = deflate
            .compress_vec(&data[consumed..], &mut out, flush)
            .map_err(io::Error::other)?;
        let all_in = deflate.total_in() as usize == data.len();
        let room_left = out.len() < out.capacity();
        match status {
            Status::StreamEnd => break,
            _ if all_in && room_left && !last => break,
            _ => {
                if !room_left {
                    out.reserve(out.capacity().max(64 * 1024));
                }
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn sample(len: usize) -> Vec<u8> {
        // Compressible but not trivial: text with a counter.
        let mut data = Vec::with_capacity(len);
        let mut i = 0u64;
        while data.len() < len {
            data.extend_from_slice(
                format!("line {i} of the release {}\n", i * 7919 % 1000).as_bytes(),
            );
            i += 1;
        }
        data.truncate(len);
        data
    }

    fn gzip(data: &[u8], threads: usize) -> Vec<u8> {
        let mut gz = ParallelGz::new(Vec::new(), threads);
        gz.write_all(data).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn round_trips_through_a_standard_decoder_at_any_size() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17, 9 * CHUNK] {
            let data = sample(len);
            let packed = gzip(&data, 2);
            let mut back = Vec::new();
            flate2::read::GzDecoder::new(&packed[..])
                .read_to_end(&mut back)
                .unwrap();
            assert_eq!(back, data, "length {len}");
        }
    }

    #[test]
    fn the_same_bytes_whatever_the_thread_count() {
        let data = sample(5 * CHUNK + 123);
        let one = gzip(&data, 1);
        assert_eq!(one, gzip(&data, 2));
        assert_eq!(one, gzip(&data, 7));
        assert_eq!(&one[..10], &HEADER);
    }
}
