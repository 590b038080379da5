//! From input bytes to output bytes: the entry processor (level, filters, output
//! form), the block reader, and the two ways of running them: in order on one
//! thread (following, a terminal, export input), or in parallel on blocks of lines
//! with the output kept in input order.
//!
//! Parallel blocks and the level rule: a continuation line takes the level of its
//! process's event, which may have started in an earlier block. A worker reads its
//! block knowing nothing of the blocks before, so it leaves such a line (one whose
//! answer depends on a stream it has not seen a header for in this block) for the
//! writer, which runs it in order with the state of everything before; what the
//! worker learnt of each stream is then applied. Such lines are rare: only those
//! before the first header of their stream in a block of a megabyte.

use crate::clock::Clock;
use crate::entry::Entry;
use crate::export::{ExportError, ExportReader};
use crate::filter::{Decision, Filter};
use crate::level::{Events, Facts};
use crate::{json, render, text};
use std::io::{self, BufRead, Read, Write};
use std::ops::Range;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

/// The input forms, as `--input` names them (after detection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `-o json` and `-o json-seq`.
    Json,
    Export,
    /// The `short` family (`short`, `short-precise`, `short-iso`, `short-full` ...).
    Short,
    /// One message per line: `-o cat`, an Elixir console.
    Cat,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Export => "export",
            Format::Short => "short",
            Format::Cat => "cat",
        }
    }
}

/// The output forms (`-o`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Short,
    ShortIso,
    Cat,
    Json,
    Export,
}

impl Output {
    fn is_human(self) -> bool {
        matches!(self, Output::Short | Output::ShortIso | Output::Cat)
    }
}

#[derive(Debug)]
pub struct Settings {
    pub output: Output,
    pub color: bool,
    pub utc: bool,
    pub filter: Filter,
    /// Now, in microseconds since the epoch (year-less `short` dates are read near it).
    pub now: i64,
    /// The longest line read as an entry; a longer one is passed on as unparsed.
    pub max_line: usize,
}

/// The kinds of bad input, each reported once with its line, then counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    MalformedJson,
    InvalidUtf8,
    LineTooLong,
    MalformedExport,
    TruncatedExport,
    FieldTooLarge,
}

impl Problem {
    pub const ALL: [Problem; 6] = [
        Problem::MalformedJson,
        Problem::InvalidUtf8,
        Problem::LineTooLong,
        Problem::MalformedExport,
        Problem::TruncatedExport,
        Problem::FieldTooLarge,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Problem::MalformedJson => "malformed-json",
            Problem::InvalidUtf8 => "invalid-utf8",
            Problem::LineTooLong => "line-too-long",
            Problem::MalformedExport => "malformed-export",
            Problem::TruncatedExport => "truncated-export",
            Problem::FieldTooLarge => "field-too-large",
        }
    }
}

/// What became of one line or entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Shown,
    Hidden,
    /// Its level depends on lines before this block (isolated processors only).
    Pending,
    /// Not an entry: shown marked as unparsed (human output) and reported.
    Bad(Problem, String),
}

/// One processor per thread: the level state, a clock and the settings.
pub struct Processor {
    settings: Arc<Settings>,
    events: Events,
    clock: Clock,
}

impl Processor {
    pub fn new(settings: Arc<Settings>) -> Processor {
        let clock = if settings.utc {
            Clock::utc()
        } else {
            Clock::local()
        };
        Processor {
            settings,
            events: Events::default(),
            clock,
        }
    }

    /// A processor for one block of a larger input, read in parallel.
    pub fn isolated(settings: Arc<Settings>) -> Processor {
        Processor {
            events: Events::isolated(),
            ..Processor::new(settings)
        }
    }

    /// One line of a line-based input (without its newline).
    pub fn line(&mut self, format: Format, line: &[u8], out: &mut Vec<u8>) -> Outcome {
        match format {
            Format::Json => {
                if line.iter().all(|b| b.is_ascii_whitespace()) {
                    return Outcome::Hidden;
                }
                if std::str::from_utf8(line).is_err() {
                    return self.bad(line, Problem::InvalidUtf8, "not UTF-8".into(), out);
                }
                match json::parse_line(line) {
                    Ok(entry) => {
                        let time = entry_time(&entry);
                        self.entry(&entry, time, Some(line), out)
                    }
                    Err(e) => self.bad(line, Problem::MalformedJson, e.to_string(), out),
                }
            }
            Format::Short => {
                if text::is_meta_line(line) {
                    return Outcome::Hidden;
                }
                match text::short_line(line, &mut self.clock, self.settings.now) {
                    Some(parsed) => self.entry(&parsed.entry, parsed.time, None, out),
                    None => {
                        let parsed = text::cat_line(line);
                        self.entry(&parsed.entry, None, None, out)
                    }
                }
            }
            Format::Export | Format::Cat => {
                let parsed = text::cat_line(line);
                self.entry(&parsed.entry, None, None, out)
            }
        }
    }

    /// One entry: its level, the filters, and the output form. `raw` is the json
    /// line it came from, passed through unchanged by `-o json`.
    pub fn entry(
        &mut self,
        entry: &Entry<'_>,
        time: Option<i64>,
        raw: Option<&[u8]>,
        out: &mut Vec<u8>,
    ) -> Outcome {
        let filter = &self.settings.filter;
        let facts = Facts::of(entry);
        let mut decision = Decision {
            filter,
            admitted: filter.admits(entry, time),
            grep: filter.grep_passes(facts.message.as_deref()),
        };
        let Some(verdict) = self.events.step(&facts, &mut decision) else {
            return Outcome::Pending;
        };
        if !verdict.shown {
            return Outcome::Hidden;
        }
        self.write(entry, time, raw, verdict.level, out);
        Outcome::Shown
    }

    fn write(
        &mut self,
        entry: &Entry<'_>,
        time: Option<i64>,
        raw: Option<&[u8]>,
        level: u8,
        out: &mut Vec<u8>,
    ) {
        match self.settings.output {
            Output::Json => match raw {
                Some(line) => {
                    out.extend_from_slice(line.strip_prefix(&[0x1e]).unwrap_or(line));
                    out.push(b'\n');
                }
                None => json::write_entry(out, &with_time(entry, time)),
            },
            Output::Export => {
                let _ = crate::export::write_entry(out, &with_time(entry, time));
            }
            Output::Short | Output::ShortIso | Output::Cat => {
                self.write_human(entry, time, level, out)
            }
        }
    }

    fn write_human(&mut self, entry: &Entry<'_>, time: Option<i64>, level: u8, out: &mut Vec<u8>) {
        let color = self.settings.color;
        let start = out.len();
        let output = self.settings.output;
        if output != Output::Cat {
            if let Some(time) = time {
                if color {
                    out.extend_from_slice(render::time_style().as_bytes());
                }
                if output == Output::ShortIso {
                    self.clock.write_iso(out, time);
                } else {
                    self.clock.write_short(out, time);
                }
                if color {
                    out.extend_from_slice(render::reset().as_bytes());
                }
                out.push(b' ');
            }
            let ident = entry
                .text("SYSLOG_IDENTIFIER")
                .or_else(|| entry.text("_COMM"));
            let pid = entry.text("_PID").or_else(|| entry.text("SYSLOG_PID"));
            if ident.is_some() || pid.is_some() {
                if color {
                    out.extend_from_slice(render::identifier_style().as_bytes());
                }
                out.extend_from_slice(render::sanitize(ident.unwrap_or(b"unknown")).as_bytes());
                if color {
                    out.extend_from_slice(render::reset().as_bytes());
                }
                if let Some(pid) = pid {
                    out.push(b'[');
                    out.extend_from_slice(render::sanitize(pid).as_bytes());
                    out.push(b']');
                }
                out.extend_from_slice(b": ");
            }
        }
        let indent = out.len() - start;
        let base = if color {
            render::level_style(level)
        } else {
            ""
        };
        match entry.get("MESSAGE") {
            Some(Some(message)) => {
                let text = render::sanitize(message);
                if memchr::memchr(b'\n', text.as_bytes()).is_none() {
                    self.message_line(out, &text, base);
                    out.push(b'\n');
                    return;
                }
                let mut lines = text.split('\n');
                let first = lines.next().unwrap_or_default();
                self.message_line(out, first, base);
                for more in lines {
                    // journalctl's way with a multi-line message: the rest under the first.
                    out.push(b'\n');
                    out.extend(std::iter::repeat_n(b' ', indent.min(64)));
                    self.message_line(out, more, base);
                }
            }
            Some(None) => {
                let note = "[message of 4096 bytes or more: journalctl leaves it out unless run with --all]";
                self.message_line(out, note, if color { render::time_style() } else { "" });
            }
            None => {}
        }
        out.push(b'\n');
    }

    fn message_line(&self, out: &mut Vec<u8>, text: &str, base: &str) {
        if self.settings.color {
            render::highlight(out, text, base);
        } else {
            out.extend_from_slice(text.as_bytes());
        }
    }

    /// A line that is not an entry: shown as it came, marked, in human output.
    fn bad(&mut self, line: &[u8], problem: Problem, detail: String, out: &mut Vec<u8>) -> Outcome {
        if self.settings.output.is_human() {
            write_unparsed(out, line, self.settings.color, true, true);
        }
        Outcome::Bad(problem, detail)
    }

    fn take_known(&mut self) -> Vec<(Vec<u8>, Option<crate::level::Event>)> {
        self.events.take_known()
    }

    fn apply_known(&mut self, known: Vec<(Vec<u8>, Option<crate::level::Event>)>) {
        self.events.apply(known)
    }
}

/// A text line's entry with its time as the journal's `__REALTIME_TIMESTAMP`.
fn with_time<'e>(entry: &'e Entry<'e>, time: Option<i64>) -> std::borrow::Cow<'e, Entry<'e>> {
    match time {
        Some(time) if entry.get("__REALTIME_TIMESTAMP").is_none() => {
            let mut timed = Entry::default();
            timed.push("__REALTIME_TIMESTAMP", Some(time.to_string().into_bytes()));
            timed.fields.extend(entry.fields.iter().cloned());
            std::borrow::Cow::Owned(timed)
        }
        _ => std::borrow::Cow::Borrowed(entry),
    }
}

/// The entry's time: when the message was sent, else when the journal received it.
pub fn entry_time(entry: &Entry<'_>) -> Option<i64> {
    let number = |name| {
        entry
            .text(name)
            .and_then(|t| std::str::from_utf8(t).ok())
            .and_then(|t| t.parse::<i64>().ok())
    };
    number("_SOURCE_REALTIME_TIMESTAMP").or_else(|| number("__REALTIME_TIMESTAMP"))
}

/// `[unparsed] ` and the bytes as they came (made safe for a terminal).
fn write_unparsed(out: &mut Vec<u8>, bytes: &[u8], color: bool, first: bool, last: bool) {
    if first {
        if color {
            out.extend_from_slice(render::unparsed_style().as_bytes());
        }
        out.extend_from_slice(b"[unparsed]");
        if color {
            out.extend_from_slice(render::reset().as_bytes());
        }
        out.push(b' ');
    }
    out.extend_from_slice(render::sanitize(bytes).replace('\n', "\\n").as_bytes());
    if last {
        out.push(b'\n');
    }
}

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

    fn get(&self, capacity: usize) -> Vec<u8> {
        let mut buf = self
            .0
            .lock()
            .ok()
            .and_then(|mut pool| pool.pop())
            .unwrap_or_default();
        buf.reserve(capacity);
        buf
    }

    fn put(&self, mut buf: Vec<u8>) {
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
    pool: Pool,
    block: usize,
    max_line: usize,
    /// Return whatever whole lines arrived with each read (following, terminals).
    eager: bool,
    in_long: bool,
    eof: bool,
}

const READ_SIZE: usize = 64 * 1024;

impl<R: Read> Blocks<R> {
    pub fn new(inner: R, block: usize, max_line: usize, eager: bool) -> Blocks<R> {
        Blocks {
            inner,
            carry: Vec::new(),
            pool: Pool::default(),
            block: block.max(1),
            max_line: max_line.max(1),
            eager,
            in_long: false,
            eof: false,
        }
    }

    /// Start with bytes already read (input detection).
    pub fn with_head(mut self, head: Vec<u8>) -> Blocks<R> {
        self.carry = head;
        self
    }

    fn fill(&mut self, buf: &mut Vec<u8>, want: usize) -> io::Result<usize> {
        let len = buf.len();
        buf.resize(len + want, 0);
        let got = loop {
            match self.inner.read(&mut buf[len..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    buf.truncate(len);
                    return Err(e);
                }
            }
        };
        buf.truncate(len + got);
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
                    self.carry.extend_from_slice(&buf[last + 1..]);
                    buf.truncate(last + 1);
                    return Ok(Some(Piece::Lines(buf)));
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
            let want = READ_SIZE.min(self.max_line - buf.len()).max(1);
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

/// A line left for the writer, and where its output goes.
struct Pause {
    out_at: usize,
    line: u64,
    range: Range<usize>,
}

struct BadLine {
    out_at: usize,
    line: u64,
    problem: Problem,
    detail: String,
}

/// A processed block: output, the lines left for the writer, the bad lines, how
/// many lines it had, and what it learnt of each stream.
struct Done {
    input: Vec<u8>,
    out: Vec<u8>,
    pauses: Vec<Pause>,
    bad: Vec<BadLine>,
    lines: u64,
    known: Vec<(Vec<u8>, Option<crate::level::Event>)>,
}

fn process_block(processor: &mut Processor, format: Format, input: Vec<u8>, pool: &Pool) -> Done {
    let mut done = Done {
        out: pool.get(if processor.settings.output.is_human() {
            input.len() + input.len() / 2
        } else {
            input.len() / 2
        }),
        input,
        pauses: Vec::new(),
        bad: Vec::new(),
        lines: 0,
        known: Vec::new(),
    };
    let mut start = 0;
    let input = &done.input;
    while start < input.len() {
        let end = memchr::memchr(b'\n', &input[start..]).map_or(input.len(), |i| start + i);
        let line = &input[start..end];
        let before = done.out.len();
        match processor.line(format, line, &mut done.out) {
            Outcome::Shown | Outcome::Hidden => {}
            Outcome::Pending => done.pauses.push(Pause {
                out_at: before,
                line: done.lines,
                range: start..end,
            }),
            Outcome::Bad(problem, detail) => done.bad.push(BadLine {
                out_at: before,
                line: done.lines,
                problem,
                detail,
            }),
        }
        done.lines += 1;
        start = end + 1;
    }
    done.known = processor.take_known();
    done
}

/// Where output and reports go: stdout (flushed per block when following or on a
/// terminal), the once-per-kind reports on stderr, and `--strict`.
pub struct Sink<W: Write, E: Write> {
    pub out: W,
    pub err: E,
    pub eager: bool,
    pub strict: bool,
    pub source: String,
    counts: [u64; 6],
}

/// `--strict` stopped at a bad line.
#[derive(Debug)]
pub struct StrictStop(pub String);

impl std::fmt::Display for StrictStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StrictStop {}

impl<W: Write, E: Write> Sink<W, E> {
    pub fn new(out: W, err: E, eager: bool, strict: bool) -> Sink<W, E> {
        Sink {
            out,
            err,
            eager,
            strict,
            source: String::from("<stdin>"),
            counts: [0; 6],
        }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    fn block_done(&mut self) -> io::Result<()> {
        if self.eager {
            self.out.flush()?;
        }
        Ok(())
    }

    /// Report a bad line (the first of each kind in full); with `--strict`, stop.
    fn problem(&mut self, where_: &str, problem: Problem, detail: &str) -> anyhow::Result<()> {
        let what = format!("{}: {} ({detail})", where_, problem.code());
        if self.strict {
            self.out.flush()?;
            return Err(StrictStop(format!(
                "{what}; stopped by --strict (without it the line is shown as unparsed and the stream goes on)"
            ))
            .into());
        }
        let count = &mut self.counts[problem as usize];
        *count += 1;
        if *count == 1 {
            writeln!(
                self.err,
                "journal-fmt: warning: {what}: shown as [unparsed]; more lines like it are counted"
            )?;
        }
        Ok(())
    }

    /// The counts of bad lines, once at the end; true when there were any.
    pub fn finish(&mut self) -> io::Result<bool> {
        self.out.flush()?;
        let total: u64 = self.counts.iter().sum();
        if total > 0 {
            let parts: Vec<String> = Problem::ALL
                .iter()
                .filter(|p| self.counts[**p as usize] > 0)
                .map(|p| format!("{} {}", self.counts[*p as usize], p.code()))
                .collect();
            writeln!(
                self.err,
                "journal-fmt: warning: {total} input {} not read as journal entries: {}",
                if total == 1 { "line was" } else { "lines were" },
                parts.join(", ")
            )?;
        }
        Ok(total > 0)
    }
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
        sink.block_done()?;
    }
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
        let where_ = format!("{}:{}", sink.source, *line_base + 1);
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
    let (mut b, mut p) = (0, 0);
    loop {
        let bad = done.bad.get(b);
        let pause = done.pauses.get(p);
        match (bad, pause) {
            (None, None) => break,
            (Some(bad), _) if pause.is_none_or(|pause| bad.line < pause.line) => {
                let where_ = format!("{}:{}", sink.source, *line_base + bad.line + 1);
                if sink.strict {
                    // Everything before the bad line is written first.
                    sink.write(&done.out[written..bad.out_at])?;
                    written = bad.out_at;
                }
                sink.problem(&where_, bad.problem, &bad.detail)?;
                b += 1;
            }
            (_, Some(pause)) => {
                sink.write(&done.out[written..pause.out_at])?;
                written = pause.out_at;
                scratch.clear();
                // It parsed in its block, so it is an entry here too.
                processor.line(format, &done.input[pause.range.clone()], scratch);
                sink.write(scratch)?;
                p += 1;
            }
            (Some(_), None) => unreachable!("matched above"),
        }
    }
    sink.write(&done.out[written..])?;
    processor.apply_known(done.known);
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
    let mut to_workers: Vec<SyncSender<Piece>> = Vec::new();
    let mut from_workers: Vec<Receiver<io::Result<Work>>> = Vec::new();
    let mut handles = Vec::new();
    for _ in 0..threads {
        let (piece_tx, piece_rx) = sync_channel::<Piece>(2);
        let (done_tx, done_rx) = sync_channel::<io::Result<Work>>(2);
        let settings = Arc::clone(&settings);
        let pool = pool.clone();
        handles.push(std::thread::spawn(move || {
            let mut processor = Processor::isolated(settings);
            for piece in piece_rx {
                let work = match piece {
                    Piece::Lines(input) => {
                        Work::Block(process_block(&mut processor, format, input, &pool))
                    }
                    Piece::Long(part) => Work::Long(part),
                };
                if done_tx.send(Ok(work)).is_err() {
                    break;
                }
            }
        }));
        to_workers.push(piece_tx);
        from_workers.push(done_rx);
    }
    let (error_tx, error_rx) = sync_channel::<io::Error>(1);
    handles.push(std::thread::spawn(move || {
        let mut n = 0usize;
        loop {
            match blocks.next_piece() {
                Ok(Some(piece)) => {
                    if to_workers[n % threads].send(piece).is_err() {
                        return;
                    }
                    n += 1;
                }
                Ok(None) => return,
                Err(e) => {
                    let _ = error_tx.send(e);
                    return;
                }
            }
        }
    }));
    let mut processor = Processor::new(Arc::clone(&settings));
    let mut line_base = 0u64;
    let mut scratch = Vec::new();
    let mut n = 0usize;
    while let Ok(work) = from_workers[n % threads].recv() {
        match work? {
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
        n += 1;
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
    Ok(())
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(output: Output, filter: Filter) -> Arc<Settings> {
        Arc::new(Settings {
            output,
            color: false,
            utc: true,
            filter,
            now: 1_795_338_007_000_000,
            max_line: 1 << 20,
        })
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
                    let mut sink = Sink::new(Vec::new(), Vec::new(), false, false);
                    let blocks = Blocks::new(
                        std::io::Cursor::new(input.clone().into_bytes()),
                        block,
                        1 << 20,
                        false,
                    );
                    run_parallel(
                        blocks,
                        Format::Json,
                        Arc::clone(&settings),
                        threads,
                        &mut sink,
                    )
                    .unwrap();
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
}
