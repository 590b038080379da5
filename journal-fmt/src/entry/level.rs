//! An entry's effective level. An Elixir release under systemd logs to stdout, so
//! journald stores every line with `PRIORITY=6` and one entry per line: the level is
//! in the text (`[error]`), and the lines after a header (a stack trace, the rest of a
//! crash report) carry none. The rule:
//!
//! 1. `PRIORITY` counts as it is when it is not 6 or the entry did not come through
//!    stdout (`_TRANSPORT`): then the application set it on purpose.
//! 2. Otherwise an Elixir level word near the start of the message (`[error]`,
//!    `[warn]`, ... after the time and metadata) sets it, and starts an event.
//! 3. Otherwise an OTP report header (`=ERROR REPORT====`), an exception banner
//!    (`** (RuntimeError) ...`) or a crash header without a level word (`GenServer X
//!    terminating`) at the start of the message sets it.
//! 4. Otherwise a continuation line (indented, a stack frame, `Last message:`,
//!    `State:`, `  Parameters:` ..., or the SQL line right after Ecto's `QUERY OK`)
//!    takes the level of the event its stream (`_STREAM_ID`, else `_PID`) is in.
//! 5. Otherwise `PRIORITY` (6).

use super::fields::Entry;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A multiply-rotate hash taking eight bytes a step (the way rustc's FxHash does):
/// stream ids are short and not chosen by an attacker who gains by colliding them;
/// SipHash, then FNV's byte-at-a-time loop, showed in profiles.
#[derive(Default)]
struct StreamHash(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl StreamHash {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for StreamHash {
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let words = bytes.chunks_exact(8);
        let tail = words.remainder();
        for word in words {
            self.add(u64::from_le_bytes(word.try_into().unwrap_or_default()));
        }
        if !tail.is_empty() {
            self.add(tail.iter().fold(0, |word, &b| word << 8 | u64::from(b)));
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }
}

/// syslog priorities as journalctl names them, most severe first.
pub const NAMES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];
pub const INFO: u8 = 6;

/// A priority from journalctl's names (`err`) or numbers (`3`), and the Elixir words
/// (`error`, `warn`, `critical`, `emergency`).
pub fn priority_from_name(text: &str) -> Option<u8> {
    let text = text.trim().to_ascii_lowercase();
    if let Ok(n) = text.parse::<u8>() {
        return (n <= 7).then_some(n);
    }
    if let Some(i) = NAMES.iter().position(|n| *n == text) {
        return Some(i as u8);
    }
    elixir_word(text.as_bytes())
}

/// `-p` as journalctl reads it: `warning` means 0..=4; `err..warning` means 3..=4.
pub fn priority_range(text: &str) -> Option<(u8, u8)> {
    match text.split_once("..") {
        Some((low, high)) => {
            let low = if low.is_empty() {
                0
            } else {
                priority_from_name(low)?
            };
            let high = if high.is_empty() {
                7
            } else {
                priority_from_name(high)?
            };
            Some((low.min(high), low.max(high)))
        }
        None => priority_from_name(text).map(|p| (0, p)),
    }
}

fn elixir_word(word: &[u8]) -> Option<u8> {
    Some(match word {
        b"emergency" => 0,
        b"alert" => 1,
        b"critical" => 2,
        b"error" => 3,
        b"warning" | b"warn" => 4,
        b"notice" => 5,
        b"info" => 6,
        b"debug" => 7,
        _ => return None,
    })
}

/// How far into a message the `[level]` of Elixir's header may be: the time, a date
/// and a few metadata pairs (`request_id=...`) come first.
const HEADER_SPAN: usize = 160;

/// The message without terminal escape sequences, every ECMA-48 form (CSI colours,
/// OSC titles and hyperlinks ended by ST or BEL, DCS strings, charset and mode
/// escapes), through anstream's parser: Elixir colours its console output when it
/// thinks it is on a terminal, and a hyperlink's URL must not be what `-g` matches.
/// A message without ESC is returned as it is (the common case costs one search).
pub fn strip_ansi(message: &[u8]) -> std::borrow::Cow<'_, [u8]> {
    if crate::lanes::find_one(0x1b, message).is_none() {
        return std::borrow::Cow::Borrowed(message);
    }
    std::borrow::Cow::Owned(anstream::adapter::strip_bytes(message).into_vec())
}

/// An Elixir header's `[`, one past its `]`, and its level.
pub type Header = (usize, usize, u8);

/// The `[level]` of an Elixir console header: the first `[word]` in the first bytes
/// that is preceded by the start or a space, followed by a space or the end, and
/// names a level. Its `[`, one past its `]`, and the level.
pub fn elixir_header(message: &[u8]) -> Option<Header> {
    let head = &message[..message.len().min(HEADER_SPAN)];
    let mut from = 0;
    while let Some(open) = memchr::memchr(b'[', &head[from..]).map(|i| i + from) {
        from = open + 1;
        if open > 0 && head[open - 1] != b' ' {
            continue;
        }
        let close = crate::lanes::find_byte(b']', &head[open..])? + open;
        if matches!(head.get(close + 1), None | Some(b' ')) {
            if let Some(level) = elixir_word(&head[open + 1..close]) {
                return Some((open, close + 1, level));
            }
        }
    }
    None
}

/// Elixir Logger metadata written before the level word
/// (`10:00:03.402 request_id=FxK2 user_id=7 [info] GET /`): each `key=value` word
/// between the start and the `[level]` whose key is an Elixir metadata name (a
/// lowercase letter or `_`, then letters, digits, `_`). Lowercase keys cannot be
/// journald's fields, which are uppercase.
pub fn logger_metadata(message: &[u8]) -> impl Iterator<Item = (&str, &[u8])> {
    let before = elixir_header(message).map_or(&message[..0], |(open, _, _)| &message[..open]);
    before.split(|&b| b == b' ').filter_map(|word| {
        let eq = crate::lanes::find_byte(b'=', word)?;
        let (key, value) = (&word[..eq], &word[eq + 1..]);
        let first_ok = key
            .first()
            .is_some_and(|b| b.is_ascii_lowercase() || *b == b'_');
        let rest_ok = key.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_');
        if !first_ok || !rest_ok || value.is_empty() || key.starts_with(b"journal_fmt_") {
            return None;
        }
        Some((std::str::from_utf8(key).ok()?, value))
    })
}

/// An Ecto `[debug] QUERY OK ...` header, whose SQL comes on the next line.
fn is_query_header(message: &[u8]) -> bool {
    let head = &message[..message.len().min(HEADER_SPAN + 8)];
    memchr::memchr_iter(b']', head).any(|i| head[i + 1..].starts_with(b" QUERY "))
}

/// OTP report headers and exception banners that start an error event.
pub fn marker_level(message: &[u8]) -> Option<u8> {
    if message.starts_with(b"=") {
        for (title, level) in [
            (&b"=ERROR REPORT===="[..], 3),
            (b"=CRASH REPORT====", 3),
            (b"=SUPERVISOR REPORT====", 3),
            (b"=WARNING REPORT====", 4),
            (b"=INFO REPORT====", 6),
            (b"=PROGRESS REPORT====", 6),
        ] {
            if message.starts_with(title) {
                return Some(level);
            }
        }
    }
    if message.starts_with(b"** (") {
        return Some(3);
    }
    // Elixir's crash reports when the format has no [level]: `GenServer
    // Billing.Worker terminating`, `Task #PID<0.1.0> started from ... terminating`.
    if (message.starts_with(b"GenServer ")
        || message.starts_with(b"Task #PID<")
        || message.starts_with(b"Process "))
        && message.ends_with(b" terminating")
    {
        return Some(3);
    }
    None
}

const CONTINUATION_LABELS: &[&[u8]] = &[
    b"Last message",
    b"State:",
    b"Client ",
    b"Function:",
    b"Initial Call:",
    b"Current Call:",
    b"Ancestors:",
    b"Pid:",
    b"Start Call:",
    b"Start Module:",
    b"Restart:",
    b"Shutdown:",
    b"Type:",
    b"Neighbours:",
    "↳ ".as_bytes(),
];

/// A line that belongs to the event before it: indented, or one of the labelled
/// lines of Elixir's crash reports.
pub fn is_continuation(message: &[u8]) -> bool {
    matches!(message.first(), Some(b' ' | b'\t'))
        || message.starts_with(b"** (")
        || CONTINUATION_LABELS
            .iter()
            .any(|label| message.starts_with(label))
}

/// The event a stream (a process's stdout) is in: its level, whether its header
/// was an Ecto `QUERY` line (whose SQL comes next, unindented), and whether the
/// filters let its header through (its continuation lines go with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub level: u8,
    pub query: bool,
    pub shown: bool,
}

/// What the filters say of a line, asked by [`Events::step`].
pub trait Decide {
    /// Would a line at `level` that starts an event (or stands alone) be shown?
    fn head(&mut self, level: u8) -> bool;
    /// Would a continuation line be shown, given that its header was or was not?
    fn continuation(&mut self, level: u8, header_shown: bool) -> bool;
}

/// An entry's effective level and whether it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub level: u8,
    pub shown: bool,
    pub role: Role,
    /// Whether the stream had a state here before this entry (an isolated reader
    /// knows only the streams of its block). Looked up for a head and for an entry
    /// that ends an event, the roles that change it; true for the others.
    pub known: bool,
}

/// An entry's place in its process's events (what `--merge` joins).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Its level is its own and its stream's event goes on (a `PRIORITY` set on
    /// purpose, or no message).
    Apart,
    /// It starts an event.
    Head,
    /// It belongs to the event its stream is in.
    Continuation,
    /// It stands alone and ends the event its stream was in.
    Ends,
}

/// The fields the level rule reads, taken from an entry once.
pub struct Facts<'e> {
    pub priority: u8,
    pub from_stdout: bool,
    pub stream: &'e [u8],
    /// `MESSAGE` without ANSI escape sequences (stripped once for the level rule
    /// and `-g`).
    pub message: Option<std::borrow::Cow<'e, [u8]>>,
    /// The Elixir `[level]` header of that message (found once for the level rule
    /// and the colours).
    pub header: Option<Header>,
    /// `MESSAGE` is one line of printable ASCII ([`crate::lanes::is_printable_line`]):
    /// shown as it is, so `header` holds for the text shown too.
    pub printable: bool,
}

impl<'e> Facts<'e> {
    /// `printable`: every value of `entry` is known to be one line of printable
    /// ASCII (its reader checked the line they all came from).
    pub fn of(entry: &'e Entry<'_>, printable: bool) -> Facts<'e> {
        // One pass over the fields, each name's first value (as `Entry::get`).
        let (mut priority, mut text, mut transport, mut stream_id, mut pid) =
            (None, None, None, None, None);
        for field in &entry.fields {
            let value = field.value.as_deref();
            let slot = match &*field.name {
                "PRIORITY" => &mut priority,
                "MESSAGE" => &mut text,
                "_TRANSPORT" => &mut transport,
                "_STREAM_ID" => &mut stream_id,
                "_PID" => &mut pid,
                _ => continue,
            };
            slot.get_or_insert(value);
        }
        let priority = priority.flatten().and_then(parse_priority).unwrap_or(INFO);
        let text = text.flatten();
        let printable = text.is_some()
            && (printable || crate::lanes::is_printable_line(text.unwrap_or_default()));
        let message = if printable {
            text.map(std::borrow::Cow::Borrowed)
        } else {
            text.map(strip_ansi)
        };
        let header = message.as_deref().and_then(elixir_header);
        Facts {
            priority,
            from_stdout: matches!(transport, Some(Some(b"stdout")) | None),
            stream: stream_id.flatten().or(pid.flatten()).unwrap_or_default(),
            message,
            header,
            printable,
        }
    }
}

fn parse_priority(text: &[u8]) -> Option<u8> {
    match text {
        [d @ b'0'..=b'7'] => Some(d - b'0'),
        _ => None,
    }
}

/// Each stream's event in progress. In isolated mode (a worker reading one block of
/// a larger input) a stream not seen in the block is unknown: a line whose level
/// depends on it is left for the caller, who knows what came before.
#[derive(Debug, Default)]
pub struct Events {
    streams: HashMap<Vec<u8>, Option<Event>, BuildHasherDefault<StreamHash>>,
    isolated: bool,
    /// Isolated: streams still unknown here, but past a line left for the caller
    /// that does not look like a continuation (so no QUERY header's SQL is pending).
    quiet: HashSet<Vec<u8>, BuildHasherDefault<StreamHash>>,
}

impl Events {
    pub fn isolated() -> Events {
        Events {
            isolated: true,
            ..Events::default()
        }
    }

    /// The level of an entry and whether it is shown, updating its stream's event;
    /// `None` when isolated and the answer depends on lines before the block.
    pub fn step(&mut self, facts: &Facts<'_>, decide: &mut impl Decide) -> Option<Verdict> {
        let fixed = |level: u8, role: Role, decide: &mut dyn FnMut(u8) -> bool| {
            Some(Verdict {
                level,
                shown: decide(level),
                role,
                known: true,
            })
        };
        if facts.priority != INFO || !facts.from_stdout {
            return fixed(facts.priority, Role::Apart, &mut |l| decide.head(l));
        }
        let Some(message) = facts.message.as_deref() else {
            return fixed(facts.priority, Role::Apart, &mut |l| decide.head(l));
        };
        if let Some((_, _, level)) = facts.header {
            let shown = decide.head(level);
            let query = is_query_header(message);
            let known = self.set(
                facts.stream,
                Some(Event {
                    level,
                    query,
                    shown,
                }),
            );
            return Some(Verdict {
                level,
                shown,
                role: Role::Head,
                known,
            });
        }
        let current = match self.streams.get_mut(facts.stream) {
            Some(current) => current,
            None if self.isolated => {
                // What came before the block is unknown. A line that does not look
                // like a continuation continues only a QUERY header (its SQL); once
                // one such line is left for the caller, none can be pending, so the
                // next such line starts afresh here, as it would there.
                if is_continuation(message) || self.quiet.insert(facts.stream.to_vec()) {
                    return None;
                }
                &mut None
            }
            None => &mut None,
        };
        if let Some(event) = current {
            if is_continuation(message) || std::mem::take(&mut event.query) {
                let own = marker_level(message).unwrap_or(7);
                if own < event.level {
                    // A banner inside the event (`** (RuntimeError)` after an
                    // `[info]` line) raises it: this line and the rest take its level.
                    let shown = event.shown || decide.head(own);
                    event.level = own;
                    event.shown = shown;
                    return Some(Verdict {
                        level: own,
                        shown,
                        role: Role::Continuation,
                        known: true,
                    });
                }
                let shown = decide.continuation(event.level, event.shown);
                return Some(Verdict {
                    level: event.level,
                    shown,
                    role: Role::Continuation,
                    known: true,
                });
            }
        }
        if let Some(level) = marker_level(message) {
            let shown = decide.head(level);
            let known = self.set(
                facts.stream,
                Some(Event {
                    level,
                    query: false,
                    shown,
                }),
            );
            return Some(Verdict {
                level,
                shown,
                role: Role::Head,
                known,
            });
        }
        let known = self.set(facts.stream, None);
        let shown = decide.head(facts.priority);
        Some(Verdict {
            level: facts.priority,
            shown,
            role: Role::Ends,
            known,
        })
    }

    /// The stream's state from now on; whether it had one before.
    fn set(&mut self, stream: &[u8], event: Option<Event>) -> bool {
        if event.is_none() && !self.isolated {
            self.streams.remove(stream).is_some()
        } else if let Some(slot) = self.streams.get_mut(stream) {
            *slot = event;
            true
        } else {
            self.streams.insert(stream.to_vec(), event);
            false
        }
    }

    /// What an isolated reader learnt: each stream it saw a header for, and where
    /// that stream stands at the end of its block. Leaves it empty for the next block.
    pub fn take_known(&mut self) -> Vec<(Vec<u8>, Option<Event>)> {
        self.quiet.clear();
        self.streams.drain().collect()
    }

    /// Bring the state up to the end of a block read in isolation.
    pub fn apply(&mut self, known: Vec<(Vec<u8>, Option<Event>)>) {
        for (stream, event) in known {
            match event {
                Some(event) => {
                    self.streams.insert(stream, Some(event));
                }
                None => {
                    self.streams.remove(&stream);
                }
            }
        }
    }
}

/// Shows everything: the effective level alone.
struct ShowAll;

impl Decide for ShowAll {
    fn head(&mut self, _: u8) -> bool {
        true
    }
    fn continuation(&mut self, _: u8, _: bool) -> bool {
        true
    }
}

/// Effective levels for a stream of entries, remembering each process's event.
#[derive(Debug, Default)]
pub struct Levels {
    events: Events,
}

impl Levels {
    pub fn level_of(&mut self, entry: &Entry<'_>) -> u8 {
        let verdict = self.events.step(&Facts::of(entry, false), &mut ShowAll);
        verdict.map_or(INFO, |v| v.level)
    }
}

#[cfg(test)]
mod tests;
