//! gzip output that uses every core and still gives the same bytes whatever the
//! number of threads, as a pipeline:
//!
//! ```text
//! tar framing (caller's thread) --chunks--> N deflate workers --> in-order writer
//!        ^                                                              |
//!        +------------- empty chunk buffers (a fixed number) -----------+
//! ```
//!
//! The stream is cut into fixed 128 KiB chunks. Each is deflated on its own by
//! libdeflate at level 8, its final block turned into a sync point
//! ([`crate::deflate_end`]), and the writer emits them in order, then an empty final
//! block and the trailer. Workers are started once. A chunk buffer goes back to the
//! reader only once its compressed bytes are written, so at most
//! `threads + SPARE_CHUNKS` chunks exist at any time, whatever the speed of each
//! stage: memory is bounded by design. The header has no name and no time.

use crate::deflate_end::{make_continuable, FINAL_EMPTY_BLOCK};
use libdeflater::{CompressionLvl, Compressor};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// Fixed, so the output does not depend on how many threads compress it. Larger
/// chunks compress a little better (each starts with an empty window), smaller ones
/// bound memory tighter; see README for the measurements.
pub const CHUNK: usize = 128 << 10;
/// libdeflate's level: on the generated benchmark tree level 7 only ties `pigz -6`'s
/// size and 8 is clearly smaller, still at about half pigz's CPU time (see README).
pub const LEVEL: i32 = 8;
/// More workers than this gain nothing and would break the memory bound.
pub const MAX_THREADS: usize = 64;
/// Chunks beyond one per worker: one being filled, one being written.
const SPARE_CHUNKS: usize = 2;
/// gzip's header with MTIME 0, no name, no extra flags, OS "unknown".
const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255];

/// A chunk's two buffers, used again and again: what goes in and what comes out.
#[derive(Default)]
struct Buffers {
    data: Vec<u8>,
    compressed: Vec<u8>,
}

struct Job {
    index: u64,
    buffers: Buffers,
}

struct Done {
    index: u64,
    buffers: Buffers,
    outcome: io::Result<()>,
    crc: u32,
}

pub struct ParallelGz<W: Write + Send + 'static> {
    current: Vec<u8>,
    next_index: u64,
    free: Receiver<Buffers>,
    spare_output: Vec<u8>,
    jobs: Option<SyncSender<Job>>,
    workers: Vec<JoinHandle<()>>,
    writer: Option<JoinHandle<io::Result<W>>>,
}

impl<W: Write + Send + 'static> ParallelGz<W> {
    /// Starts `threads` workers (at least 1, at most [`MAX_THREADS`]) and the writer.
    pub fn new(out: W, threads: usize) -> ParallelGz<W> {
        let threads = threads.clamp(1, MAX_THREADS);
        let buffers = threads + SPARE_CHUNKS;
        let (free_tx, free) = sync_channel(buffers);
        for _ in 0..buffers {
            // Capacity is reserved when a buffer is first filled, so unused ones cost
            // nothing.
            free_tx
                .send(Buffers::default())
                .expect("the receiver is here");
        }
        let (jobs, job_rx) = sync_channel::<Job>(buffers);
        let job_rx = Arc::new(Mutex::new(job_rx));
        let (done_tx, done_rx) = channel::<Done>();
        let workers = (0..threads)
            .map(|_| {
                let job_rx = Arc::clone(&job_rx);
                let done_tx = done_tx.clone();
                std::thread::spawn(move || work(&job_rx, &done_tx))
            })
            .collect();
        drop(done_tx);
        let writer = std::thread::spawn(move || write_in_order(out, &done_rx, &free_tx));
        ParallelGz {
            current: Vec::new(),
            next_index: 0,
            free,
            spare_output: Vec::new(),
            jobs: Some(jobs),
            workers,
            writer: Some(writer),
        }
    }

    /// Compress what is left, write the end of the stream, and give back the writer.
    pub fn finish(mut self) -> io::Result<W> {
        if !self.current.is_empty() {
            self.send_current()?;
        }
        self.stop()
    }

    /// Closes the queue, waits for every thread, and returns the writer's result.
    fn stop(&mut self) -> io::Result<W> {
        self.jobs = None;
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(result)) => result,
            Some(Err(_)) => Err(io::Error::other("the gzip writer thread failed")),
            None => Err(io::Error::other("the gzip stream was already closed")),
        }
    }

    fn send_current(&mut self) -> io::Result<()> {
        let job = Job {
            index: self.next_index,
            buffers: Buffers {
                data: std::mem::take(&mut self.current),
                compressed: std::mem::take(&mut self.spare_output),
            },
        };
        self.next_index += 1;
        let sent = self.jobs.as_ref().map(|jobs| jobs.send(job));
        match sent {
            Some(Ok(())) => Ok(()),
            // A stage has stopped: its error says why.
            _ => Err(self.stop().err().unwrap_or_else(stopped_early)),
        }
    }

    /// The next empty buffer; waits while every buffer is in flight.
    fn take_buffer(&mut self) -> io::Result<()> {
        match self.free.recv() {
            Ok(Buffers {
                mut data,
                compressed,
            }) => {
                data.clear();
                data.reserve_exact(CHUNK);
                self.current = data;
                self.spare_output = compressed;
                Ok(())
            }
            Err(_) => Err(self.stop().err().unwrap_or_else(stopped_early)),
        }
    }
}

fn stopped_early() -> io::Error {
    io::Error::other("the gzip pipeline stopped early")
}

impl<W: Write + Send + 'static> Drop for ParallelGz<W> {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = self.stop();
        }
    }
}

impl<W: Write + Send + 'static> Write for ParallelGz<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.current.capacity() == 0 {
            self.take_buffer()?;
        }
        let take = (CHUNK - self.current.len()).min(buf.len());
        self.current.extend_from_slice(&buf[..take]);
        if self.current.len() == CHUNK {
            self.send_current()?;
        }
        Ok(take)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A worker: takes chunks until the queue closes. Its compressor is made once.
fn work(jobs: &Mutex<Receiver<Job>>, done: &Sender<Done>) {
    let mut compressor = Compressor::new(CompressionLvl::new(LEVEL).expect("a valid level"));
    loop {
        let job = match jobs.lock() {
            Ok(queue) => queue.recv(),
            Err(_) => return,
        };
        let Ok(Job { index, mut buffers }) = job else {
            return;
        };
        let crc = crc32fast::hash(&buffers.data);
        // A panic must still answer for the chunk, or the writer would wait for it
        // forever; it becomes the error that ends the stream.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            deflate_chunk(&mut compressor, &buffers.data, &mut buffers.compressed)
        }))
        .unwrap_or_else(|_| Err(io::Error::other("a compression thread panicked")));
        if done
            .send(Done {
                index,
                buffers,
                outcome,
                crc,
            })
            .is_err()
        {
            return;
        }
    }
}

/// Raw deflate of one chunk, ending on a byte boundary so the next chunk follows it.
fn deflate_chunk(compressor: &mut Compressor, data: &[u8], out: &mut Vec<u8>) -> io::Result<()> {
    // Room for the bound and the sync marker, so the buffer never grows again.
    out.resize(compressor.deflate_compress_bound(data.len()) + 8, 0);
    let written = compressor
        .deflate_compress(data, out)
        .map_err(|e| io::Error::other(format!("deflate failed: {e:?}")))?;
    out.truncate(written);
    make_continuable(out).map_err(io::Error::other)
}

/// The writer: emits chunks in order as they arrive, hands each buffer back, and ends
/// the stream once every worker is done.
fn write_in_order<W: Write>(
    mut out: W,
    done: &Receiver<Done>,
    free: &SyncSender<Buffers>,
) -> io::Result<W> {
    out.write_all(&HEADER)?;
    let mut waiting = BTreeMap::new();
    let mut next = 0u64;
    let mut crc = crc32fast::Hasher::new();
    let mut length = 0u64;
    for chunk in done {
        waiting.insert(chunk.index, chunk);
        while let Some(chunk) = waiting.remove(&next) {
            chunk.outcome?;
            let Buffers { data, compressed } = chunk.buffers;
            out.write_all(&compressed)?;
            crc.combine(&crc32fast::Hasher::new_with_initial_len(
                chunk.crc,
                data.len() as u64,
            ));
            length += data.len() as u64;
            next += 1;
            // The reader may have stopped (an error of its own); nothing to hand to.
            let _ = free.send(Buffers { data, compressed });
        }
    }
    if !waiting.is_empty() {
        return Err(io::Error::other("a compression thread stopped early"));
    }
    out.write_all(&FINAL_EMPTY_BLOCK)?;
    out.write_all(&crc.finalize().to_le_bytes())?;
    // ISIZE is the length modulo 2^32 (RFC 1952).
    out.write_all(&(length as u32).to_le_bytes())?;
    out.flush()?;
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
        let data = sample(21 * CHUNK + 123);
        let one = gzip(&data, 1);
        for threads in [2, 3, 7, 64, 500] {
            assert_eq!(one, gzip(&data, threads), "{threads} threads");
        }
        assert_eq!(&one[..10], &HEADER);
    }

    #[test]
    fn an_empty_stream_is_what_gzip_writes_for_no_input() {
        assert_eq!(
            gzip(&[], 3),
            [&HEADER[..], &[3, 0], &[0; 8]].concat(),
            "header, empty final block, CRC 0, length 0"
        );
    }

    /// A writer that fails after some bytes: the error reaches the caller, whether it
    /// happens while chunks are still being written or at the end.
    struct FailingWriter(usize);

    impl Write for FailingWriter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.0 < buf.len() {
                return Err(io::Error::other("disk full"));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_write_error_reaches_the_caller() {
        for budget in [0, 100, 300_000] {
            let mut gz = ParallelGz::new(FailingWriter(budget), 2);
            let written = gz.write_all(&sample(40 * CHUNK));
            let error = match written {
                Err(e) => e,
                Ok(()) => gz.finish().err().expect("the write fails"),
            };
            assert_eq!(error.to_string(), "disk full", "budget {budget}");
        }
    }
}
