//! Deflates one file the way release-pack's pipeline would, on one thread, and prints
//! the backend, level, chunk size, whether each chunk is primed with the previous
//! 32 KiB (as pigz does; libdeflate and miniz_oxide cannot), the compressed size and
//! the least CPU time of several runs, as one JSON line.
//!
//! usage: relkit-deflate-backends FILE LEVEL CHUNK_KIB [RUNS]

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: relkit-deflate-backends FILE LEVEL CHUNK_KIB [RUNS]");
        std::process::exit(2);
    }
    let data = std::fs::read(&args[1]).expect("readable input");
    let level: u32 = args[2].parse().expect("a level");
    let chunk = args[3].parse::<usize>().expect("a chunk size in KiB") * 1024;
    let runs: usize = args.get(4).map_or(5, |r| r.parse().expect("a run count"));
    let mut best = f64::MAX;
    let mut size = 0;
    for _ in 0..runs {
        let started = Instant::now();
        size = backend::compress_all(&data, level, chunk);
        best = best.min(started.elapsed().as_secs_f64());
    }
    println!(
        "{{\"backend\":\"{}\",\"level\":{level},\"chunk_kib\":{},\"primed\":{},\"bytes\":{size},\"ms\":{:.1},\"mb_per_s\":{:.1}}}",
        backend::NAME,
        chunk / 1024,
        backend::PRIMED,
        best * 1e3,
        data.len() as f64 / best / 1e6
    );
}

#[cfg(feature = "libdeflate")]
mod backend {
    pub const NAME: &str = "libdeflate";
    pub const PRIMED: bool = false;

    pub fn compress_all(data: &[u8], level: u32, chunk: usize) -> usize {
        let level = libdeflater::CompressionLvl::new(level as i32).expect("a level");
        let mut compressor = libdeflater::Compressor::new(level);
        let mut out = vec![0; compressor.deflate_compress_bound(chunk)];
        data.chunks(chunk)
            .map(|part| compressor.deflate_compress(part, &mut out).expect("room"))
            .sum()
    }
}

#[cfg(not(feature = "libdeflate"))]
mod backend {
    use flate2::{Compress, Compression, FlushCompress};

    #[cfg(feature = "miniz_oxide")]
    pub const NAME: &str = "miniz_oxide";
    #[cfg(feature = "zlib")]
    pub const NAME: &str = "zlib";
    #[cfg(feature = "zlib-rs")]
    pub const NAME: &str = "zlib-rs";
    pub const PRIMED: bool = cfg!(any(feature = "zlib", feature = "zlib-rs"));

    pub fn compress_all(data: &[u8], level: u32, chunk: usize) -> usize {
        let mut deflate = Compress::new(Compression::new(level), false);
        let mut out = Vec::with_capacity(chunk * 2);
        let count = data.len().div_ceil(chunk);
        let mut total = 0;
        for (i, part) in data.chunks(chunk).enumerate() {
            deflate.reset();
            #[cfg(any(feature = "zlib", feature = "zlib-rs"))]
            if i > 0 {
                let start = i * chunk;
                deflate
                    .set_dictionary(&data[start.saturating_sub(32 << 10)..start])
                    .expect("a raw stream takes a dictionary");
            }
            let flush = if i + 1 == count {
                FlushCompress::Finish
            } else {
                FlushCompress::Sync
            };
            out.clear();
            loop {
                let done = deflate.total_in() as usize;
                deflate
                    .compress_vec(&part[done..], &mut out, flush)
                    .expect("deflate");
                if deflate.total_in() as usize == part.len() && out.len() < out.capacity() {
                    break;
                }
                out.reserve(64 << 10);
            }
            total += out.len();
        }
        total
    }
}
