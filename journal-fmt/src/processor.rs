//! One entry or line from input to output: its level, the filters, and the output
//! form (human lines, journal JSON, export). A processor belongs to one thread; the
//! runners in [`crate::engine`] decide which lines it sees and in what order.

use crate::clock::{Clock, Moment};
use crate::entry::Entry;
use crate::filter::{Decision, Filter};
use crate::level::{Events, Facts};
use crate::{json, render, text};
use std::sync::Arc;

/// The input forms, as `--input` names them (after detection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `-o json` and `-o json-seq`.
    Json,
    /// JSON text read through [`crate::jsonstream`]: `-o json-pretty`, arrays.
    JsonPretty,
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
            Format::JsonPretty => "json-pretty",
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
    pub(crate) fn is_human(self) -> bool {
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
    pub(crate) settings: Arc<Settings>,
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
            Format::Json | Format::JsonPretty => {
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

    /// One entry: its level, the filters, and the output form. `time` is the one
    /// shown; `raw` is the json line it came from, passed through unchanged by `-o json`.
    pub fn entry(
        &mut self,
        entry: &Entry<'_>,
        time: Option<Moment>,
        raw: Option<&[u8]>,
        out: &mut Vec<u8>,
    ) -> Outcome {
        let filter = &self.settings.filter;
        let facts = Facts::of(entry);
        let admitted = if filter.since.is_some() || filter.until.is_some() {
            let received = receive_time(entry).or(time.map(|t| t.micros));
            filter.admits(entry, received)
        } else {
            filter.admits(entry, None)
        };
        let mut decision = Decision {
            filter,
            admitted,
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
        time: Option<Moment>,
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

    fn write_human(
        &mut self,
        entry: &Entry<'_>,
        time: Option<Moment>,
        level: u8,
        out: &mut Vec<u8>,
    ) {
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

    pub(crate) fn take_known(&mut self) -> Vec<(Vec<u8>, Option<crate::level::Event>)> {
        self.events.take_known()
    }

    pub(crate) fn apply_known(&mut self, known: Vec<(Vec<u8>, Option<crate::level::Event>)>) {
        self.events.apply(known)
    }
}

/// A text line's entry with its time as the journal's `__REALTIME_TIMESTAMP`.
fn with_time<'e>(entry: &'e Entry<'e>, time: Option<Moment>) -> std::borrow::Cow<'e, Entry<'e>> {
    match time {
        Some(time) if entry.get("__REALTIME_TIMESTAMP").is_none() => {
            let mut timed = Entry::default();
            timed.push(
                "__REALTIME_TIMESTAMP",
                Some(time.micros.to_string().into_bytes()),
            );
            timed.fields.extend(entry.fields.iter().cloned());
            std::borrow::Cow::Owned(timed)
        }
        _ => std::borrow::Cow::Borrowed(entry),
    }
}

fn time_field(entry: &Entry<'_>, name: &str) -> Option<i64> {
    entry
        .text(name)
        .and_then(|t| std::str::from_utf8(t).ok())
        .and_then(|t| t.parse::<i64>().ok())
}

/// The time shown, as journalctl shows it: when the message was sent, else when the
/// journal received it.
pub fn entry_time(entry: &Entry<'_>) -> Option<Moment> {
    time_field(entry, "_SOURCE_REALTIME_TIMESTAMP")
        .or_else(|| time_field(entry, "__REALTIME_TIMESTAMP"))
        .map(Moment::precise)
}

/// The time `--since` and `--until` compare, as journalctl's: when the journal
/// received the entry.
pub fn receive_time(entry: &Entry<'_>) -> Option<i64> {
    time_field(entry, "__REALTIME_TIMESTAMP")
}

/// `[unparsed] ` and the bytes as they came (made safe for a terminal).
pub(crate) fn write_unparsed(
    out: &mut Vec<u8>,
    bytes: &[u8],
    color: bool,
    first: bool,
    last: bool,
) {
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
