//! Journal files in, formatted entries out: the set's entries in journalctl's order
//! through one processor, and what the files met (a file that cannot be read, one
//! damaged or cut short) said once per file on stderr, the run going on.

use super::engine::write_open_events;
use super::processor::{Outcome, Processor};
use super::sink::Sink;
use super::teller::Teller;
use crate::entry::times::entry_time;
use crate::input::journal::file::{entry_of, Span};
use crate::input::journal::{JournalSet, Seek, Trouble};
use std::io::Write;

/// How journal files are read, from `--since`, `--until`, `-r` and `-n`, as
/// journalctl reads them: where reading starts (the first entry at `--since`, or
/// with `-r` the last at `--until`, else an end), which way it goes, the first
/// entry past the other time ending it, and at most `lines` entries shown.
#[derive(Debug, Clone, Copy, Default)]
pub struct Reading {
    pub since: Option<u64>,
    pub until: Option<u64>,
    pub reverse: bool,
    pub lines: Option<u64>,
}

impl Reading {
    /// Forwards, every entry between the filter's times (microseconds since the
    /// epoch; one before the epoch reads as the epoch).
    pub fn between(since: Option<i64>, until: Option<i64>) -> Reading {
        let micros = |t: i64| u64::try_from(t).unwrap_or(0);
        Reading {
            since: since.map(micros),
            until: until.map(micros),
            ..Reading::default()
        }
    }
}

/// Formats the entries of `set` that `reading` asks for, then reports its
/// troubles. Read forwards from the start or `--since`, with `threads` over one
/// the files are read on a thread of their own while this one formats, a batch at
/// a time (a few batches in flight, so memory stays bounded). `-r`, and `-n`
/// without `--since`, read from the end ([`super::tail`]).
pub fn run_journal<W: Write, E: Write>(
    set: &mut JournalSet,
    reading: Reading,
    threads: usize,
    processor: &mut Processor,
    sink: &mut Sink<W, E>,
) -> anyhow::Result<()> {
    let mut teller = Teller::default();
    if reading.reverse {
        let start = match reading.until {
            Some(until) => Seek::Time {
                usec: until,
                after: true,
            },
            None => Seek::Tail,
        };
        set.start(start, true, reading.since);
        super::tail::newest_first(set, reading.lines, processor, sink, &mut teller)?;
        return teller.finish(sink);
    }
    match (reading.since, reading.lines) {
        (None, Some(lines)) => {
            set.start(Seek::Tail, true, None);
            super::tail::last(set, lines, reading.until, processor, sink, &mut teller)?;
            return teller.finish(sink);
        }
        (Some(since), _) => set.start(
            Seek::Time {
                usec: since,
                after: false,
            },
            false,
            reading.until,
        ),
        (None, None) => set.start(Seek::Head, false, reading.until),
    }
    let mut left = reading.lines.unwrap_or(u64::MAX);
    if threads <= 1 || sink.eager {
        let mut batch = Batch::default();
        loop {
            let more = batch.fill(set);
            format(&batch, processor, sink, &mut left)?;
            teller.tell(batch.troubles.drain(..), sink)?;
            if !more || left == 0 {
                break;
            }
        }
        teller.finish(sink)?;
        return write_open_events(processor, sink);
    }
    let (filled, to_fill) = (
        std::sync::mpsc::sync_channel::<Batch>(4),
        std::sync::mpsc::sync_channel::<Batch>(4),
    );
    let (send_filled, get_filled) = filled;
    let (send_empty, get_empty) = to_fill;
    for _ in 0..4 {
        let _ = send_empty.send(Batch::default());
    }
    std::thread::scope(|scope| -> anyhow::Result<()> {
        // Owned here, so that leaving early drops it and the reader stops.
        let get_filled = get_filled;
        scope.spawn(move || {
            while let Ok(mut batch) = get_empty.recv() {
                let more = batch.fill(set);
                let last = !more;
                if send_filled.send(batch).is_err() || last {
                    break;
                }
            }
        });
        while let Ok(mut batch) = get_filled.recv() {
            let result = format(&batch, processor, sink, &mut left)
                .and_then(|()| teller.tell(batch.troubles.drain(..), sink));
            if result.is_err() || left == 0 {
                // Stop the reader: dropping the channel ends its loop.
                drop(send_empty);
                result?;
                break;
            }
            let _ = send_empty.send(batch);
        }
        teller.finish(sink)
    })?;
    write_open_events(processor, sink)
}

/// Entries read, a batch at a time: their bytes, their fields, where each entry's
/// fields end, and what the files met while they were read.
#[derive(Default)]
struct Batch {
    buf: Vec<u8>,
    spans: Vec<Span>,
    ends: Vec<usize>,
    troubles: Vec<Trouble>,
}

/// Entries per batch, and bytes: whichever comes first.
const BATCH_ENTRIES: usize = 512;
const BATCH_BYTES: usize = 1 << 20;

impl Batch {
    /// Empties the batch and reads entries into it; false when there were none.
    fn fill(&mut self, set: &mut JournalSet) -> bool {
        self.buf.clear();
        self.spans.clear();
        self.ends.clear();
        while self.ends.len() < BATCH_ENTRIES && self.buf.len() < BATCH_BYTES {
            if !set.next_into(&mut self.buf, &mut self.spans) {
                break;
            }
            self.ends.push(self.spans.len());
        }
        self.troubles.append(&mut set.troubles);
        !self.ends.is_empty()
    }
}

/// Formats the entries of a batch and writes them, `left` counting down the
/// entries that may still be shown (it stops at zero).
fn format<W: Write, E: Write>(
    batch: &Batch,
    processor: &mut Processor,
    sink: &mut Sink<W, E>,
    left: &mut u64,
) -> anyhow::Result<()> {
    let mut out = Vec::new();
    let mut start = 0;
    for &end in &batch.ends {
        if *left == 0 {
            break;
        }
        let entry = entry_of(&batch.buf, &batch.spans[start..end]);
        start = end;
        let time = entry_time(&entry);
        if processor.entry(&entry, time, None, &mut out) == Outcome::Shown {
            *left -= 1;
        }
        if sink.eager {
            sink.write(&out)?;
            sink.out.flush()?;
            out.clear();
        }
    }
    sink.write(&out)?;
    Ok(())
}
