//! In-process timings for `scripts/bench-relconf`: the least of RUNS runs (10 by
//! default) of parsing FILE into a tree, and of reading it as a config (parsing,
//! evaluating, freeing the tree), leaving out the process's start, output and exit.
//! Usage: cargo run --release -p relconf --example parse_timing -- FILE [RUNS]

use std::io::Write;
use std::time::{Duration, Instant};

/// The least time `f` took over `runs` runs; what it returns is dropped untimed.
fn least<T>(runs: usize, mut f: impl FnMut() -> T) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            let made = f();
            let took = t.elapsed();
            drop(made);
            took
        })
        .min()
        .unwrap_or_default()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: parse_timing FILE [RUNS]")?;
    let runs: usize = args.next().map_or(Ok(10), |r| r.parse())?;
    let src = std::fs::read_to_string(&path)?;
    let root = std::path::Path::new(".");
    relconf::syntax::parse(&src).map_err(|e| e.message)?;
    let parse = least(runs, || relconf::syntax::parse(&src));
    let read = least(runs, || relconf::read::read(&src, root));
    writeln!(
        std::io::stderr(),
        "{} bytes: parse {:.1} ms, parse and evaluate {:.1} ms (least of {runs})",
        src.len(),
        parse.as_secs_f64() * 1e3,
        read.as_secs_f64() * 1e3
    )?;
    Ok(())
}
