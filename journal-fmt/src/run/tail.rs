//! Journal files read from their end: `-n N` (the last N entries shown, oldest
//! first) and `-r` (newest first), as journalctl reads them. Entries are found
//! going backwards through the set, then read and formatted in their own order a
//! window at a time, because an entry's level can come from the entries before it
//! (a crash report's stack frames take the level of its first line): each window
//! starts [`LEAD`] entries early, and what those lead-in entries write is dropped.

use super::processor::Processor;
use super::sink::Sink;
use super::teller::Teller;
use crate::entry::times::entry_time;
use crate::input::journal::file::entry_of;
use crate::input::journal::{JournalSet, Located};
use std::io::Write;
use std::ops::Range;

/// Entries formatted before a window's own, for the level they pass on.
const LEAD: usize = 1024;
/// Entries written per window when reading newest first.
const CHUNK: usize = 4096;

/// Writes the last `lines` entries the filters let through, oldest first: from
/// the `lines`th of them counted from the end, up to the first entry received
/// after `until` (journalctl starts there and stops at `--until` too). `set` is
/// read newest first.
pub(super) fn last<W: Write, E: Write>(
    set: &mut JournalSet,
    lines: u64,
    until: Option<u64>,
    processor: &mut Processor,
    sink: &mut Sink<W, E>,
    teller: &mut Teller,
) -> anyhow::Result<()> {
    if lines == 0 {
        return Ok(());
    }
    let wanted = usize::try_from(lines).unwrap_or(usize::MAX);
    let mut found: Vec<Located> = Vec::new();
    let mut exhausted = false;
    let mut reach = wanted.saturating_mul(2).max(256).saturating_add(LEAD);
    loop {
        while found.len() < reach && !exhausted {
            match set.next_located() {
                Some(at) => found.push(at),
                None => exhausted = true,
            }
        }
        // Oldest first; the lead-in's writing does not count unless the window
        // starts at the first entry.
        let window: Vec<&Located> = found.iter().rev().collect();
        let lead = if exhausted { 0 } else { LEAD.min(window.len()) };
        let mut fresh = Processor::new(std::sync::Arc::clone(&processor.settings));
        let (out, pieces) = format_window(set, &window, &mut fresh);
        teller.tell(set.troubles.drain(..), sink)?;
        let written: Vec<usize> = (lead..window.len())
            .filter(|&i| !pieces[i].is_empty())
            .collect();
        if written.len() >= wanted || exhausted {
            let from = written[written.len().saturating_sub(wanted)..]
                .first()
                .copied()
                .unwrap_or(window.len());
            for (i, piece) in pieces.iter().enumerate().skip(from) {
                if until.is_some_and(|until| window[i].raw.realtime > until) {
                    break;
                }
                sink.write(&out[piece.clone()])?;
            }
            return Ok(());
        }
        reach = reach.saturating_mul(4);
    }
}

/// Writes the entries of `set` (read newest first) newest first, at most `lines`
/// of them.
pub(super) fn newest_first<W: Write, E: Write>(
    set: &mut JournalSet,
    lines: Option<u64>,
    processor: &mut Processor,
    sink: &mut Sink<W, E>,
    teller: &mut Teller,
) -> anyhow::Result<()> {
    let mut left = lines.unwrap_or(u64::MAX);
    // Found, not written yet, newest first.
    let mut found: std::collections::VecDeque<Located> = std::collections::VecDeque::new();
    let mut exhausted = false;
    while left > 0 {
        while found.len() < CHUNK + LEAD && !exhausted {
            match set.next_located() {
                Some(at) => found.push_back(at),
                None => exhausted = true,
            }
        }
        if found.is_empty() {
            break;
        }
        let own = CHUNK.min(found.len());
        let window: Vec<&Located> = found.iter().rev().collect();
        let mut fresh = Processor::new(std::sync::Arc::clone(&processor.settings));
        let (out, pieces) = format_window(set, &window, &mut fresh);
        teller.tell(set.troubles.drain(..), sink)?;
        for piece in pieces.iter().rev().take(own) {
            if left == 0 {
                break;
            }
            if !piece.is_empty() {
                sink.write(&out[piece.clone()])?;
                left -= 1;
            }
        }
        if sink.eager {
            sink.out.flush()?;
        }
        found.drain(..own);
    }
    Ok(())
}

/// Formats `window` (oldest first) with `processor`: the bytes written, and the
/// range of them each entry wrote.
fn format_window(
    set: &mut JournalSet,
    window: &[&Located],
    processor: &mut Processor,
) -> (Vec<u8>, Vec<Range<usize>>) {
    let (mut buf, mut spans) = (Vec::new(), Vec::new());
    let mut out = Vec::new();
    let mut pieces = Vec::with_capacity(window.len());
    for at in window {
        buf.clear();
        spans.clear();
        set.read_located(at, &mut buf, &mut spans);
        let entry = entry_of(&buf, &spans);
        let start = out.len();
        processor.entry(&entry, entry_time(&entry), None, &mut out);
        pieces.push(start..out.len());
    }
    (out, pieces)
}
