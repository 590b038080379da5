//! The glue from input bytes to output bytes: blocks from [`crate::input::lines`] through
//! a [`Processor`] into a [`Sink`], in one of two ways: in order on one thread
//! (following, a terminal, export input), or in parallel on blocks of lines with the
//! output kept in input order.
//!
//! Parallel blocks and the level rule: a continuation line takes the level of its
//! process's event, which may have started in an earlier block. A worker reads its
//! block knowing nothing of the blocks before, so it leaves such a line (one whose
//! answer depends on a stream it has not seen a header for in this block) for the
//! writer, which runs it in order with the state of everything before; what the
//! worker learnt of each stream is then applied. Such lines are rare: only those
//! before the first header of their stream in a block of a megabyte.

use crate::entry::times::entry_time;
use crate::input::export::{ExportError, ExportReader};
use crate::input::lines::{Blocks, LongPart, Piece, Pool};
use crate::render::write_unparsed;
use crate::run::processor::{Format, Outcome, Problem, Processor, Settings};
use crate::run::sink::Sink;
use std::io::{self, BufRead, Read, Write};
use std::ops::Range;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

/// A place in a block's output where the writer has something to do, in line order.
struct Stop {
    out_at: usize,
    line: u64,
    what: StopKind,
}

enum StopKind {
    /// A line left for the writer, which knows the lines before the block.
    Pending(Range<usize>),
    /// A bad line to report.
    Bad(Problem, String),
    /// `--merge`: an event the writer holds for this stream ended here.
    EndsHeld(Vec<u8>),
}

/// A processed block: output, where the writer has work, how many lines it had,
/// what it learnt of each stream, and the events it left open (`--merge`).
struct Done {
    input: Vec<u8>,
    out: Vec<u8>,
    stops: Vec<Stop>,
    lines: u64,
    known: Vec<(Vec<u8>, Option<crate::entry::level::Event>)>,
    open: Vec<crate::run::merge::OpenEvent>,
}

fn process_block(processor: &mut Processor, format: Format, input: Vec<u8>, pool: &Pool) -> Done {
    let mut done = Done {
        out: pool.get(if processor.settings.output.is_human() {
            input.len() + input.len() / 2
        } else {
            input.len() / 2
        }),
        input,
        stops: Vec::new(),
        lines: 0,
        known: Vec::new(),
        open: Vec::new(),
    };
    let mut start = 0;
    let input = &done.input;
    while start < input.len() {
        let mut end = memchr::memchr(b'\n', &input[start..]).map_or(input.len(), |i| start + i);
        let mut more = 0;
        if format == Format::Short && input.get(end + 1) == Some(&b' ') {
            // A multi-line message's later lines, indented under its first.
            (end, more) = processor.record_end(input, start, end);
        }
        let line = &input[start..end];
        let before = done.out.len();
        let what = match processor.line(format, line, &mut done.out) {
            Outcome::Shown | Outcome::Hidden => None,
            Outcome::Pending => Some(StopKind::Pending(start..end)),
            Outcome::Bad(problem, detail) => Some(StopKind::Bad(problem, detail)),
            Outcome::EndsHeld(stream) => Some(StopKind::EndsHeld(stream)),
        };
        if let Some(what) = what {
            done.stops.push(Stop {
                out_at: before,
                line: done.lines,
                what,
            });
        }
        done.lines += 1 + more;
        start = end + 1;
    }
    done.known = processor.take_known();
    done.open = processor.take_open();
    done
}

/// Read a line-based input on this thread, in order.
pub fn run_sequential<R: Read, W: Write, E: Write>(
    blocks: &mut Blocks<R>,
    format: Format,
    processor: &mut Processor,
    sink: &mut Sink<W, E>,
) -> anyhow::Result<()> {
    let mut line_base = 0u64;
    let mut scratch = Vec::new();
    while let Some(piece) = blocks.next_piece()? {
        match piece {
            Piece::Lines(input) => {
                let done = process_block(processor, format, input, &blocks.pool);
                let pool = &blocks.pool;
                finish_block(
                    done,
                    &mut line_base,
                    &mut scratch,
                    sink,
                    processor,
                    format,
                    pool,
                )?;
            }
            Piece::Long(part) => long_piece(sink, processor, &part, &mut line_base)?,
        }
        if sink.live {
            write_open_events(processor, sink)?;
        }
        sink.block_done()?;
    }
    write_open_events(processor, sink)
}

/// `--merge`: write the events still open (the input ended, or a read did while
/// following).
pub(super) fn write_open_events<W: Write, E: Write>(
    processor: &mut Processor,
    sink: &mut Sink<W, E>,
) -> anyhow::Result<()> {
    let mut out = Vec::new();
    processor.flush_all(&mut out);
    sink.write(&out)?;
    Ok(())
}

/// Pass on part of an over-long line (`line_base` lines are done before it).
fn long_piece<W: Write, E: Write>(
    sink: &mut Sink<W, E>,
    processor: &Processor,
    part: &LongPart,
    line_base: &mut u64,
) -> anyhow::Result<()> {
    if part.first {
        let where_ = sink.place(*line_base + 1);
        let detail = format!("over {} bytes", processor.settings.max_line);
        sink.problem(&where_, Problem::LineTooLong, &detail)?;
    }
    if processor.settings.output.is_human() {
        let mut out = Vec::with_capacity(part.bytes.len() + 32);
        let color = processor.settings.color;
        write_unparsed(&mut out, &part.bytes, color, part.first, part.last);
        sink.write(&out)?;
    }
    if part.last {
        *line_base += 1;
    }
    Ok(())
}

fn finish_block<W: Write, E: Write>(
    done: Done,
    line_base: &mut u64,
    scratch: &mut Vec<u8>,
    sink: &mut Sink<W, E>,
    processor: &mut Processor,
    format: Format,
    pool: &Pool,
) -> anyhow::Result<()> {
    let mut written = 0;
    for stop in &done.stops {
        match &stop.what {
            StopKind::Bad(problem, detail) => {
                let where_ = sink.place(*line_base + stop.line + 1);
                if sink.strict {
                    // Everything before the bad line is written first.
                    sink.write(&done.out[written..stop.out_at])?;
                    written = stop.out_at;
                }
                sink.problem(&where_, *problem, detail)?;
            }
            StopKind::Pending(range) => {
                sink.write(&done.out[written..stop.out_at])?;
                written = stop.out_at;
                scratch.clear();
                // It parsed in its block, so it is an entry here too.
                processor.line(format, &done.input[range.clone()], scratch);
                sink.write(scratch)?;
            }
            StopKind::EndsHeld(stream) => {
                sink.write(&done.out[written..stop.out_at])?;
                written = stop.out_at;
                scratch.clear();
                processor.flush_stream(stream, scratch);
                sink.write(scratch)?;
            }
        }
    }
    sink.write(&done.out[written..])?;
    processor.apply_known(done.known);
    processor.hold(done.open);
    *line_base += done.lines;
    pool.put(done.input);
    pool.put(done.out);
    Ok(())
}

/// Read a line-based input with `threads` workers, output in input order.
pub fn run_parallel<R: Read + Send + 'static, W: Write, E: Write>(
    mut blocks: Blocks<R>,
    format: Format,
    settings: Arc<Settings>,
    threads: usize,
    sink: &mut Sink<W, E>,
) -> anyhow::Result<()> {
    let threads = threads.max(1);
    let pool = blocks.pool.clone();
    // Any idle worker takes the next piece (a worker that falls behind, sharing its
    // core, does not hold the others up); each piece carries the slot its answer goes
    // to, and the slots reach the writer in input order. The slot queue bounds how
    // far the reader runs ahead of the writer.
    let (work_tx, work_rx) = sync_channel::<(Piece, SyncSender<Work>)>(threads);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (slot_tx, slot_rx) = sync_channel::<Receiver<Work>>(2 * threads);
    let mut handles = Vec::new();
    for _ in 0..threads {
        let settings = Arc::clone(&settings);
        let pool = pool.clone();
        let work_rx = Arc::clone(&work_rx);
        handles.push(std::thread::spawn(move || {
            let mut processor = Processor::isolated(settings);
            loop {
                let next = work_rx
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .recv();
                let Ok((piece, slot)) = next else {
                    return;
                };
                let work = match piece {
                    Piece::Lines(input) => {
                        Work::Block(process_block(&mut processor, format, input, &pool))
                    }
                    Piece::Long(part) => Work::Long(part),
                };
                // The writer has gone only when it stopped on an error.
                let _ = slot.send(work);
            }
        }));
    }
    let (error_tx, error_rx) = sync_channel::<io::Error>(1);
    handles.push(std::thread::spawn(move || loop {
        match blocks.next_piece() {
            Ok(Some(piece)) => {
                let (answer_tx, answer_rx) = sync_channel(1);
                if slot_tx.send(answer_rx).is_err() || work_tx.send((piece, answer_tx)).is_err() {
                    return;
                }
            }
            Ok(None) => return,
            Err(e) => {
                let _ = error_tx.send(e);
                return;
            }
        }
    }));
    let mut processor = Processor::new(Arc::clone(&settings));
    let mut line_base = 0u64;
    let mut scratch = Vec::new();
    while let Ok(slot) = slot_rx.recv() {
        // A slot without an answer: its worker died (a bug; the panic was reported).
        let work = slot.recv().map_err(|_| {
            anyhow::anyhow!("internal error: a worker stopped; output is incomplete")
        })?;
        match work {
            Work::Block(done) => finish_block(
                done,
                &mut line_base,
                &mut scratch,
                sink,
                &mut processor,
                format,
                &pool,
            )?,
            Work::Long(part) => long_piece(sink, &processor, &part, &mut line_base)?,
        }
    }
    // Every block was written, so the reader and the workers have ended: reap them.
    // (On an error above they are left: the reader may be blocked reading stdin, and
    // the process is about to exit.)
    for handle in handles {
        let _ = handle.join();
    }
    if let Ok(e) = error_rx.try_recv() {
        return Err(e.into());
    }
    write_open_events(&mut processor, sink)
}

enum Work {
    Block(Done),
    Long(LongPart),
}

/// Read an export stream on this thread. Damage is reported; a truncated stream
/// ends the input.
pub fn run_export<R: BufRead, W: Write, E: Write>(
    reader: R,
    processor: &mut Processor,
    sink: &mut Sink<W, E>,
) -> anyhow::Result<()> {
    let max_field = processor.settings.max_line as u64;
    let mut reader = ExportReader::new(reader, max_field);
    let mut out = Vec::new();
    let mut entries = 0u64;
    loop {
        let next = reader.next_entry();
        for problem in std::mem::take(&mut reader.problems) {
            let where_ = format!("{}: entry {}", sink.source, entries + 1);
            sink.problem(&where_, Problem::FieldTooLarge, &problem.to_string())?;
        }
        let Some(next) = next else {
            break;
        };
        entries += 1;
        match next {
            Ok(entry) => {
                out.clear();
                let time = entry_time(&entry);
                processor.entry(&entry, time, None, &mut out);
                sink.write(&out)?;
                if sink.eager {
                    sink.out.flush()?;
                }
            }
            Err(ExportError::Io(e)) => return Err(e.into()),
            Err(e @ ExportError::Truncated { .. }) => {
                let where_ = format!("{}: entry {entries}", sink.source);
                sink.problem(&where_, Problem::TruncatedExport, &e.to_string())?;
                break;
            }
            Err(e) => {
                let where_ = format!("{}: entry {entries}", sink.source);
                sink.problem(&where_, Problem::MalformedExport, &e.to_string())?;
            }
        }
    }
    write_open_events(processor, sink)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Entry;
    use crate::filter::Filter;
    use crate::input::json;
    use crate::run::processor::Output;

    fn settings(output: Output, filter: Filter) -> Arc<Settings> {
        Arc::new(Settings {
            output,
            color: false,
            utc: true,
            filter,
            now: 1_795_338_007_000_000,
            max_line: 1 << 20,
            merge: false,
        })
    }

    /// `input` through `run_parallel` in blocks of `block` bytes on `threads` workers.
    fn in_parallel(
        input: &str,
        settings: &Arc<Settings>,
        block: usize,
        threads: usize,
    ) -> Sink<Vec<u8>, Vec<u8>> {
        in_parallel_as(Format::Json, input, settings, block, threads)
    }

    fn in_parallel_as(
        format: Format,
        input: &str,
        settings: &Arc<Settings>,
        block: usize,
        threads: usize,
    ) -> Sink<Vec<u8>, Vec<u8>> {
        let mut sink = Sink::new(Vec::new(), Vec::new(), false, false);
        // Reads of at most `block` bytes, so the blocks are that small.
        let trickle = crate::input::lines::Trickle {
            inner: std::io::Cursor::new(input.as_bytes().to_vec()),
            chunk: block,
        };
        let blocks =
            Blocks::new(trickle, block, 1 << 20, false).keeping_indented(format == Format::Short);
        run_parallel(blocks, format, Arc::clone(settings), threads, &mut sink).unwrap();
        sink
    }

    fn json_line(pid: u32, message: &str) -> String {
        format!(
            "{{\"__REALTIME_TIMESTAMP\":\"1795338007000000\",\"PRIORITY\":\"6\",\"_TRANSPORT\":\"stdout\",\"_PID\":\"{pid}\",\"SYSLOG_IDENTIFIER\":\"billing\",\"MESSAGE\":{}}}\n",
            json_string(message)
        )
    }

    fn json_string(text: &str) -> String {
        let mut out = Vec::new();
        let mut e = Entry::default();
        e.push("M", Some(text.as_bytes()));
        json::write_entry(&mut out, &e);
        let s = String::from_utf8(out).unwrap();
        s["{\"M\":".len()..s.len() - 2].to_string()
    }

    /// The same input through one thread and through several small blocks in
    /// parallel gives the same output, whatever the block size.
    #[test]
    fn parallel_blocks_keep_order_and_levels() {
        let mut input = String::new();
        for i in 0..300 {
            let pid = 1 + i % 3;
            match i % 7 {
                0 => input.push_str(&json_line(
                    pid,
                    "10:00:00.000 [error] GenServer X terminating",
                )),
                1 => input.push_str(&json_line(pid, "** (RuntimeError) boom")),
                2 => input.push_str(&json_line(pid, "    (billing 0.1.0) lib/x.ex:1: X.y/0")),
                3 => input.push_str(&json_line(pid, "10:00:00.000 [info] GET /")),
                4 => input.push_str(&json_line(pid, "10:00:00.000 [debug] QUERY OK db=1.0ms")),
                5 => input.push_str(&json_line(pid, "SELECT 1 []")),
                _ => input.push_str("{not json\n"),
            }
        }
        let filter = || Filter {
            priority: Some((0, 3)),
            ..Filter::default()
        };
        for output in [Output::Short, Output::Json] {
            let settings = settings(output, filter());
            let mut sink = Sink::new(Vec::new(), Vec::new(), false, false);
            let mut blocks = Blocks::new(input.as_bytes(), 1 << 20, 1 << 20, false);
            let mut processor = Processor::new(Arc::clone(&settings));
            run_sequential(&mut blocks, Format::Json, &mut processor, &mut sink).unwrap();
            let want = sink.out.clone();
            assert!(!want.is_empty());
            for block in [1, 100, 333, 4096] {
                for threads in [1, 2, 3] {
                    let mut sink = in_parallel(&input, &settings, block, threads);
                    assert_eq!(
                        String::from_utf8_lossy(&sink.out),
                        String::from_utf8_lossy(&want),
                        "block {block}, threads {threads}"
                    );
                    assert!(sink.finish().unwrap());
                    let report = String::from_utf8(sink.err).unwrap();
                    assert_eq!(report.matches("malformed-json").count(), 2, "{report}");
                    assert!(report.contains("<stdin>:7: malformed-json"), "{report}");
                    assert!(report.contains("42 input lines were not read"), "{report}");
                }
            }
        }
    }

    /// With `--merge`, events that cross blocks are joined as on one thread.
    #[test]
    fn merged_events_cross_blocks_as_on_one_thread() {
        let mut input = String::new();
        // Two processes, lines interleaved, each with an error and its frames, a
        // line alone, and a query with its SQL.
        for i in 0..400 {
            let pid = 1 + i % 2;
            match (i / 2) % 6 {
                0 => input.push_str(&json_line(
                    pid,
                    "10:00:00.000 [error] GenServer X terminating",
                )),
                1 | 2 => input.push_str(&json_line(pid, "    (billing 0.1.0) lib/x.ex:1: X.y/0")),
                3 => input.push_str(&json_line(pid, "10:00:00.000 request_id=F3 [info] GET /")),
                4 => input.push_str(&json_line(pid, "10:00:00.000 [debug] QUERY OK db=1.0ms")),
                _ => input.push_str(&json_line(pid, "SELECT 1 []")),
            }
        }
        for output in [Output::Short, Output::Json] {
            let settings = Arc::new(Settings {
                merge: true,
                ..Settings::clone(&settings(output, Filter::default()))
            });
            let mut sink = Sink::new(Vec::new(), Vec::new(), false, false);
            let mut blocks = Blocks::new(input.as_bytes(), 1 << 20, 1 << 20, false);
            let mut processor = Processor::new(Arc::clone(&settings));
            run_sequential(&mut blocks, Format::Json, &mut processor, &mut sink).unwrap();
            let want = String::from_utf8(sink.out).unwrap();
            // Fewer entries than lines: the events were joined.
            let entries = want.lines().filter(|l| !l.starts_with(' ')).count();
            assert!(entries <= 210, "{entries} entries");
            for block in [1, 97, 1000, 4096] {
                for threads in [1, 2, 3] {
                    let sink = in_parallel(&input, &settings, block, threads);
                    assert_eq!(
                        String::from_utf8(sink.out).unwrap(),
                        want,
                        "block {block}, threads {threads}"
                    );
                }
            }
        }
    }

    /// `short` text with what makes a worker leave lines for the writer: streams
    /// that never have a header (a worker decides their second plain line itself),
    /// QUERY headers whose SQL may open the next block, crash reports whose frames
    /// do, and multi-line messages indented under their first line. Any blocks, any
    /// threads, with and without `--merge`: the output of one thread in order.
    #[test]
    fn text_across_blocks_as_on_one_thread() {
        let pad = " ".repeat("Nov 22 10:00:07 billing[1]: ".len());
        let mut input = String::new();
        for i in 0..270 {
            let pid = 1 + i % 3;
            let line = |message: &str| format!("Nov 22 10:00:07 billing[{pid}]: {message}\n");
            input.push_str(&match (i / 3) % 9 {
                0 => line("10:00:00.000 [error] GenServer X terminating"),
                1 => line("    (billing 0.1.0) lib/x.ex:1: X.y/0"),
                2 | 5 => line("upstream timed out (110: Connection timed out)"),
                3 => line("10:00:00.000 [debug] QUERY OK db=1.0ms"),
                4 => line("SELECT 1 []"),
                6 => format!(
                    "{}{pad}** (RuntimeError) boom\n{pad}    (billing 0.1.0) lib/x.ex:2: X.z/0\n",
                    line("10:00:00.000 [error] Task terminating")
                ),
                7 => line("10:00:00.000 [warning] slow"),
                _ => format!("Nov 22 10:00:07 nginx[9]: GET /health {i}\n"),
            });
        }
        for merge in [false, true] {
            for output in [Output::Short, Output::Json] {
                let settings = Arc::new(Settings {
                    merge,
                    ..Settings::clone(&settings(output, Filter::default()))
                });
                let mut sink = Sink::new(Vec::new(), Vec::new(), false, false);
                let mut blocks =
                    Blocks::new(input.as_bytes(), 1 << 20, 1 << 20, false).keeping_indented(true);
                let mut processor = Processor::new(Arc::clone(&settings));
                run_sequential(&mut blocks, Format::Short, &mut processor, &mut sink).unwrap();
                let want = String::from_utf8(sink.out).unwrap();
                for block in [1, 60, 250, 4096] {
                    for threads in [1, 2, 3] {
                        let sink = in_parallel_as(Format::Short, &input, &settings, block, threads);
                        assert_eq!(
                            String::from_utf8(sink.out).unwrap(),
                            want,
                            "merge {merge}, {output:?}, block {block}, threads {threads}"
                        );
                    }
                }
            }
        }
    }
}
