//! One entry or line from input to output: its level, the filters, and the output
//! form (human lines, journal JSON, export). A processor belongs to one thread; the
//! runners in [`crate::run::engine`] decide which lines it sees and in what order.

use crate::entry::fields::recycled;
use crate::entry::level::{logger_metadata, Events, Facts, Header, Role};
use crate::entry::times::{entry_time, receive_time, with_time};
use crate::entry::Entry;
use crate::filter::{Decision, Filter};
use crate::render::write_unparsed;
use crate::run::merge::{Described, Head, OpenEvent};
use crate::time::clock::{Clock, Moment};
use crate::{input::json, input::text, lanes, render};
use std::sync::Arc;

pub use crate::input::format::Format;

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

#[derive(Debug, Clone)]
pub struct Settings {
    pub output: Output,
    pub color: bool,
    pub utc: bool,
    pub filter: Filter,
    /// Now, in microseconds since the epoch (year-less `short` dates are read near it).
    pub now: i64,
    /// The longest line read as an entry; a longer one is passed on as unparsed.
    pub max_line: usize,
    /// `--merge`: an event's entries become one (never for `-o export`).
    pub merge: bool,
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
    /// It starts an event (kept until the event ends), or ends one, on a stream this
    /// isolated processor knew nothing of: an event of that stream the caller holds
    /// ended here and is written at this place (before whatever this line wrote).
    EndsHeld(Vec<u8>),
}

/// One processor per thread: the level state, a clock and the settings.
pub struct Processor {
    pub(crate) settings: Arc<Settings>,
    pub(super) events: Events,
    pub(super) clock: Clock,
    pub(super) isolated: bool,
    /// With `--merge`: the events still open, in the order they began.
    pub(super) open: Vec<OpenEvent>,
    /// Spent events, kept for their buffers.
    pub(super) spare: Vec<OpenEvent>,
    /// Where the last [`Processor::write`] put things: what `--merge` needs to
    /// extend a written entry into an event.
    pub(super) marks: Marks,
    /// The last line's field list, emptied: the next line's entry is read into it.
    spare_fields: Vec<crate::entry::Field<'static>>,
}

/// What `-o json` adds to an entry's own fields: Elixir Logger metadata, and with
/// `--merge` journal-fmt's fields.
#[derive(Clone, Copy)]
pub(super) struct Added<'m> {
    pub(super) metadata: &'m [(&'m str, &'m [u8])],
    pub(super) described: Option<Described>,
    /// `MESSAGE` is one printable line ([`Facts::printable`]) and this is its Elixir
    /// header, found once by the level rule: the line writer takes both as they are.
    pub(super) printable: Option<Option<Header>>,
    /// Every field is one printable line: the identifier and pid need no check.
    pub(super) fields_printable: bool,
}

/// Offsets in the bytes of the last entry written.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Marks {
    /// Human output: the width of the prefix a second message line is indented by.
    pub(super) indent: usize,
    /// `-o json`: where journal-fmt's own members begin.
    pub(super) described_at: usize,
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
            isolated: false,
            open: Vec::new(),
            spare: Vec::new(),
            marks: Marks::default(),
            spare_fields: Vec::new(),
        }
    }

    /// A processor for one block of a larger input, read in parallel.
    pub fn isolated(settings: Arc<Settings>) -> Processor {
        Processor {
            events: Events::isolated(),
            isolated: true,
            ..Processor::new(settings)
        }
    }

    /// Where the entry whose first line is `input[start..end]` ends, and how many
    /// lines it has after the first ([`text::record_end`]; `short` input only).
    pub(crate) fn record_end(&mut self, input: &[u8], start: usize, end: usize) -> (usize, u64) {
        text::record_end(input, start, end, &mut self.clock, self.settings.now)
    }

    /// One line of a line-based input (without its newline); for `short` input, a
    /// record (a line and the lines indented under it).
    pub fn line(&mut self, format: Format, line: &[u8], out: &mut Vec<u8>) -> Outcome {
        match format {
            Format::Json | Format::JsonPretty => {
                if line.iter().all(|b| b.is_ascii_whitespace()) {
                    return Outcome::Hidden;
                }
                // Empty already, and a list of static fields is one of shorter-lived ones.
                let fields = std::mem::take(&mut self.spare_fields);
                let parsed = if self.settings.output.is_human() {
                    let filter = &self.settings.filter;
                    json::parse_line_into(
                        line,
                        // Asked of every field name: inlined into the scanner's loop
                        // (left to itself, the compiler calls it: 2% of colouring json).
                        #[inline(always)]
                        |name| shown_field(name, filter),
                        fields,
                    )
                } else {
                    json::parse_line_into(line, |_| true, fields)
                };
                match parsed {
                    Err(e) if e.is_not_utf8() => {
                        self.bad(line, Problem::InvalidUtf8, "not UTF-8".into(), out)
                    }
                    Ok(entry) => {
                        let time = entry_time(&entry);
                        let outcome = self.entry_from(
                            &entry,
                            time,
                            Some(line),
                            Some((format, line)),
                            false,
                            out,
                        );
                        self.spare_fields = recycled(entry.fields);
                        outcome
                    }
                    Err(e) => self.bad(line, Problem::MalformedJson, e.to_string(), out),
                }
            }
            Format::Short => {
                if text::is_meta_line(line) {
                    return Outcome::Hidden;
                }
                // Every field is a piece of the line: one look at the line says
                // whether they all show as they are (and that it is one line).
                let printable = lanes::is_printable_line(line);
                // Empty already, and a list of static fields is one of shorter-lived ones.
                let fields = std::mem::take(&mut self.spare_fields);
                let now = self.settings.now;
                match text::short_line_into(line, &mut self.clock, now, fields, printable) {
                    Some(parsed) => {
                        let outcome = self.entry_from(
                            &parsed.entry,
                            parsed.time,
                            None,
                            Some((format, line)),
                            printable,
                            out,
                        );
                        self.spare_fields = recycled(parsed.entry.fields);
                        outcome
                    }
                    None => {
                        let parsed = text::cat_line(line);
                        let source = Some((format, line));
                        self.entry_from(&parsed.entry, None, None, source, printable, out)
                    }
                }
            }
            Format::Export | Format::Cat => {
                let parsed = text::cat_line(line);
                let printable = lanes::is_printable_line(line);
                let source = Some((Format::Cat, line));
                self.entry_from(&parsed.entry, None, None, source, printable, out)
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
        self.entry_from(entry, time, raw, None, false, out)
    }

    /// [`Processor::entry`], with the line the entry was read from and its form
    /// (what `--merge` keeps of an event's first entry, to read it again if the
    /// event grows), and whether every field is known to be one printable line.
    fn entry_from(
        &mut self,
        entry: &Entry<'_>,
        time: Option<Moment>,
        raw: Option<&[u8]>,
        source: Option<(Format, &[u8])>,
        fields_printable: bool,
        out: &mut Vec<u8>,
    ) -> Outcome {
        // Borrowed, not cloned: an Arc's count is two atomic operations per line.
        let settings = &*self.settings;
        let filter = &settings.filter;
        let (merge, json_out) = (settings.merge, settings.output == Output::Json);
        let facts = Facts::of(entry, fields_printable);
        let printable = facts.printable.then_some(facts.header);
        let metadata: Vec<(&str, &[u8])> = if json_out || merge || filter.wants_metadata() {
            facts
                .message
                .as_deref()
                .map_or_else(Vec::new, |m| logger_metadata(m).collect())
        } else {
            Vec::new()
        };
        let admitted = if filter.since.is_some() || filter.until.is_some() {
            let received = receive_time(entry).or(time.map(|t| t.micros));
            filter.admits(entry, received, &metadata)
        } else {
            filter.admits(entry, None, &metadata)
        };
        let mut decision = Decision {
            filter,
            admitted,
            grep: filter.grep_passes(facts.message.as_deref()),
        };
        let Some(verdict) = self.events.step(&facts, &mut decision) else {
            return Outcome::Pending;
        };
        let known_before = !merge || !self.isolated || verdict.known;
        if !merge {
            if !verdict.shown {
                return Outcome::Hidden;
            }
            let added = Added {
                metadata: &metadata,
                described: None,
                printable,
                fields_printable,
            };
            self.write(entry, time, raw, verdict.level, added, out);
            return Outcome::Shown;
        }
        // Every entry of `--merge -o json` says what it joins, one entry or more.
        let described = json_out.then_some(Described {
            level: verdict.level,
            count: 1,
            first: time,
            last: time,
        });
        match verdict.role {
            Role::Continuation => {
                if let Some(event) = self.open.iter_mut().find(|e| e.stream == facts.stream) {
                    event.add(
                        entry.get("MESSAGE").flatten(),
                        time,
                        verdict.level,
                        verdict.shown,
                    );
                    return Outcome::Hidden;
                }
            }
            Role::Head => {
                self.flush_stream(facts.stream, out);
                let mut event = self.spare.pop().unwrap_or_default();
                event.stream.extend_from_slice(facts.stream);
                match (&mut event.head, source) {
                    (Head::Line(kept, bytes), Some((format, line))) => {
                        // The spare event's buffer, reused.
                        *kept = format;
                        bytes.extend_from_slice(line);
                    }
                    (head, Some((format, line))) => *head = Head::Line(format, line.to_vec()),
                    (head, None) => *head = Head::Entry(entry.clone().into_owned()),
                }
                if verdict.shown {
                    let added = Added {
                        metadata: &metadata,
                        described,
                        printable,
                        fields_printable,
                    };
                    self.write(entry, time, raw, verdict.level, added, &mut event.rendered);
                }
                event.start(time, verdict.level, verdict.shown);
                event.indent = self.marks.indent;
                event.described_at = self.marks.described_at;
                // MESSAGE as a plain string in the line: its place, for splicing.
                event.message_span = match (raw, entry.get("MESSAGE").flatten()) {
                    (Some(line), Some(message)) if verdict.shown => {
                        let line = line.strip_prefix(&[0x1e]).unwrap_or(line);
                        let start =
                            (message.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
                        let end = start.wrapping_add(message.len());
                        let quoted = start > 0
                            && end < line.len()
                            && line[start - 1] == b'"'
                            && line[end] == b'"';
                        quoted.then_some((start, end))
                    }
                    _ => None,
                };
                self.open.push(event);
                return if known_before {
                    Outcome::Hidden
                } else {
                    Outcome::EndsHeld(facts.stream.to_vec())
                };
            }
            Role::Ends => self.flush_stream(facts.stream, out),
            Role::Apart => {}
        }
        let outcome = if !verdict.shown {
            Outcome::Hidden
        } else {
            let added = Added {
                metadata: &metadata,
                described,
                printable,
                fields_printable,
            };
            self.write(entry, time, raw, verdict.level, added, out);
            Outcome::Shown
        };
        if verdict.role == Role::Ends && !known_before {
            // The caller may hold an event of this stream from before the block.
            return Outcome::EndsHeld(facts.stream.to_vec());
        }
        outcome
    }

    /// Write the open event of `stream`, if there is one, and let it go.
    pub(crate) fn flush_stream(&mut self, stream: &[u8], out: &mut Vec<u8>) {
        if let Some(at) = self.open.iter().position(|e| e.stream == stream) {
            let event = self.open.remove(at);
            self.write_event(event, out);
        }
    }

    /// Write every open event, in the order they began.
    pub(crate) fn flush_all(&mut self, out: &mut Vec<u8>) {
        for event in std::mem::take(&mut self.open) {
            self.write_event(event, out);
        }
    }

    /// The events this isolated processor leaves open at the end of its block.
    pub(crate) fn take_open(&mut self) -> Vec<OpenEvent> {
        std::mem::take(&mut self.open)
    }

    /// Hold events left open by an isolated processor's block, which came after
    /// everything held so far.
    pub(crate) fn hold(&mut self, events: Vec<OpenEvent>) {
        self.open.extend(events);
    }

    /// One event as one entry: as it was written alone when it has one entry, else
    /// its first entry read again with the message of all and journal-fmt's fields.
    fn write_event(&mut self, mut event: OpenEvent, out: &mut Vec<u8>) {
        if event.shown {
            if event.count == 1 && event.head_shown {
                out.extend_from_slice(&event.rendered);
            } else if !self.extend_written(&event, out) {
                self.write_merged(&event, out);
            }
        }
        event.clear();
        if self.spare.len() < 64 {
            self.spare.push(event);
        }
    }

    /// The common case of a merged event, without reading its first entry again:
    /// the first entry as it was written, the later lines added (under it on screen,
    /// into its MESSAGE string in json). False when it does not apply (the first
    /// entry was not shown, a banner changed the level, a later message is bytes).
    fn extend_written(&mut self, event: &OpenEvent, out: &mut Vec<u8>) -> bool {
        if event.count == 1 || !event.head_shown {
            return false;
        }
        let rendered = &event.rendered;
        match self.settings.output {
            Output::Json => {
                let Some((_, end)) = event.message_span else {
                    return false;
                };
                if end > event.described_at
                    || event.described_at > rendered.len()
                    || !json::is_printable(&event.lines)
                {
                    return false;
                }
                out.extend_from_slice(&rendered[..end]);
                json::write_string_body(out, &event.lines);
                out.extend_from_slice(&rendered[end..event.described_at]);
                let first = rendered[..event.described_at]
                    .trim_ascii_end()
                    .ends_with(b"{");
                event.described().write_members(out, first);
                out.extend_from_slice(b"}\n");
                true
            }
            Output::Short | Output::ShortIso | Output::Cat => {
                if event.level != event.head_level {
                    return false;
                }
                out.extend_from_slice(rendered.strip_suffix(b"\n").unwrap_or(rendered));
                let base = if self.settings.color {
                    render::level_style(event.level)
                } else {
                    ""
                };
                let text = render::sanitize_bytes(&event.lines[1..]);
                for line in text.split(|&b| b == b'\n') {
                    out.push(b'\n');
                    out.extend(std::iter::repeat_n(b' ', event.indent));
                    self.message_line(out, line, base);
                }
                out.push(b'\n');
                true
            }
            Output::Export => false,
        }
    }

    /// A merged event from its first entry read again.
    fn write_merged(&mut self, event: &OpenEvent, out: &mut Vec<u8>) {
        let Some(mut merged) = self.read_head(&event.head) else {
            return;
        };
        let mut message = merged.get("MESSAGE").flatten().unwrap_or_default().to_vec();
        message.extend_from_slice(&event.lines);
        // The joined message in the first one's place; journal-fmt's own fields of an
        // earlier pass are written anew.
        let mut seen = false;
        merged.fields.retain(|f| {
            let keep = !(f.name.starts_with("journal_fmt_") || f.name == "MESSAGE" && seen);
            seen |= f.name == "MESSAGE";
            keep
        });
        match merged.fields.iter_mut().find(|f| f.name == "MESSAGE") {
            Some(field) => field.value = Some(std::borrow::Cow::Owned(message)),
            None => merged.push("MESSAGE", Some(message)),
        }
        if self.settings.output == Output::Json {
            let metadata: Vec<(String, Vec<u8>)> = merged
                .text("MESSAGE")
                .map(crate::entry::level::strip_ansi)
                .map(|m| {
                    logger_metadata(&m)
                        .map(|(k, v)| (k.to_string(), v.to_vec()))
                        .collect()
                })
                .unwrap_or_default();
            let mut with = with_time(&merged, event.first).into_owned();
            for (key, value) in metadata {
                if with.get(&key).is_none() {
                    with.push(key, Some(value));
                }
            }
            event.described().push_into(&mut with);
            json::write_entry(out, &with);
        } else {
            self.write_human(&merged, event.first, event.level, None, false, out);
        }
    }

    /// An event's first entry, read again.
    fn read_head(&mut self, head: &Head) -> Option<Entry<'static>> {
        match head {
            Head::Entry(entry) => Some(entry.clone()),
            Head::Line(Format::Json | Format::JsonPretty, line) => {
                json::parse_line(line).ok().map(Entry::into_owned)
            }
            Head::Line(Format::Short, line) => Some(
                match text::short_line(line, &mut self.clock, self.settings.now) {
                    Some(parsed) => parsed.entry,
                    None => text::cat_line(line).entry,
                }
                .into_owned(),
            ),
            Head::Line(_, line) => Some(text::cat_line(line).entry.into_owned()),
        }
    }

    /// A line that is not an entry: shown as it came, marked, in human output.
    fn bad(&mut self, line: &[u8], problem: Problem, detail: String, out: &mut Vec<u8>) -> Outcome {
        if self.settings.output.is_human() {
            write_unparsed(out, line, self.settings.color, true, true);
        }
        Outcome::Bad(problem, detail)
    }

    pub(crate) fn take_known(&mut self) -> Vec<(Vec<u8>, Option<crate::entry::level::Event>)> {
        self.events.take_known()
    }

    pub(crate) fn apply_known(
        &mut self,
        known: Vec<(Vec<u8>, Option<crate::entry::level::Event>)>,
    ) {
        self.events.apply(known)
    }
}

/// Which of an entry's fields are needed to show it, by name: every field for
/// `-o json` and `-o export` (`None`); for human output, those the line, the level
/// and the filters read.
pub fn needed_fields(settings: &Arc<Settings>) -> crate::input::journal::file::Keep {
    if !settings.output.is_human() {
        return None;
    }
    let settings = Arc::clone(settings);
    Some(Arc::new(move |name: &[u8]| {
        std::str::from_utf8(name).is_ok_and(|name| shown_field(name, &settings.filter))
    }))
}

mod shown;
use shown::shown_field;

#[cfg(test)]
mod tests;
