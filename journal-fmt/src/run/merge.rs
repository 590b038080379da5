//! `--merge`: the entries of one Elixir event (the head line and the continuation
//! entries the level rule gives to it: same process, same stream) kept together
//! until the event ends, then written as one entry. An event ends at the next entry
//! of its stream that is not part of it, at the end of the input, or, following,
//! when a read ends; it is written there, so entries of other processes logged
//! while it was open come before it.

use crate::entry::Entry;
use crate::input::format::Format;
use crate::time::clock::Moment;

/// Where an event's first entry can be read again: the line and its form, or the
/// entry itself (export input).
#[derive(Debug)]
pub enum Head {
    Line(Format, Vec<u8>),
    Entry(Entry<'static>),
}

impl Default for Head {
    fn default() -> Head {
        Head::Line(Format::Cat, Vec::new())
    }
}

/// One event in progress.
#[derive(Debug, Default)]
pub struct OpenEvent {
    pub stream: Vec<u8>,
    pub head: Head,
    /// The first entry written as it would be alone (when it is shown).
    pub rendered: Vec<u8>,
    pub head_shown: bool,
    pub head_level: u8,
    /// The effective level (a banner inside the event raises it).
    pub level: u8,
    /// Where, in `rendered`, the message of a human line starts (the indent of the
    /// lines under it), where journal-fmt's json members start, and where the
    /// MESSAGE string's contents are (when it is a plain string of the json line).
    pub indent: usize,
    pub described_at: usize,
    pub message_span: Option<(usize, usize)>,
    /// Whether any of its entries is shown: then all of them are.
    pub shown: bool,
    /// The later entries' messages, each after a newline.
    pub lines: Vec<u8>,
    pub count: u32,
    pub first: Option<Moment>,
    pub last: Option<Moment>,
}

/// The fields journal-fmt adds to a merged entry: lowercase, so never journald's.
pub const LEVEL_FIELD: &str = "journal_fmt_level";
pub const ENTRIES_FIELD: &str = "journal_fmt_entries";
pub const FIRST_FIELD: &str = "journal_fmt_first_timestamp";
pub const LAST_FIELD: &str = "journal_fmt_last_timestamp";

/// journal-fmt's fields for an entry of `--merge -o json`: the effective level, how
/// many journal entries it joins, and the first and last of their times.
#[derive(Debug, Clone, Copy)]
pub struct Described {
    pub level: u8,
    pub count: u32,
    pub first: Option<Moment>,
    pub last: Option<Moment>,
}

impl Described {
    /// The fields as an entry's.
    pub fn push_into(&self, entry: &mut Entry<'_>) {
        entry.push(LEVEL_FIELD, Some(self.level.to_string().into_bytes()));
        entry.push(ENTRIES_FIELD, Some(self.count.to_string().into_bytes()));
        for (name, time) in [(FIRST_FIELD, self.first), (LAST_FIELD, self.last)] {
            if let Some(time) = time {
                entry.push(name, Some(time.micros.to_string().into_bytes()));
            }
        }
    }

    /// The fields as JSON members (`,"journal_fmt_level":"3",...`), written straight
    /// into a line: names and numbers need no escaping.
    pub fn write_members(&self, out: &mut Vec<u8>, first: bool) {
        out.reserve(160);
        if !first {
            out.push(b',');
        }
        member(out, LEVEL_FIELD, i64::from(self.level));
        out.push(b',');
        member(out, ENTRIES_FIELD, i64::from(self.count));
        // Not a loop over the two: the name would no longer be a constant.
        if let Some(time) = self.first {
            out.push(b',');
            member(out, FIRST_FIELD, time.micros);
        }
        if let Some(time) = self.last {
            out.push(b',');
            member(out, LAST_FIELD, time.micros);
        }
    }
}

/// `"name":"value"`. Always inlined: called with a constant name, each piece of
/// text is then a copy of known length, not a call to memcpy (every entry of
/// `--merge -o json` has four of these).
#[inline(always)]
fn member(out: &mut Vec<u8>, name: &str, value: i64) {
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":\"");
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    out.push(b'"');
}

impl OpenEvent {
    pub fn start(&mut self, time: Option<Moment>, level: u8, shown: bool) {
        self.head_shown = shown;
        self.shown = shown;
        self.head_level = level;
        self.level = level;
        self.count = 1;
        self.first = time;
        self.last = time;
    }

    /// A continuation entry: its message joins the event's.
    pub fn add(&mut self, message: Option<&[u8]>, time: Option<Moment>, level: u8, shown: bool) {
        self.lines.push(b'\n');
        self.lines.extend_from_slice(message.unwrap_or_default());
        self.count += 1;
        self.level = self.level.min(level);
        self.shown |= shown;
        if time.is_some() {
            self.last = time;
        }
    }

    /// journal-fmt's fields for the merged entry.
    pub fn described(&self) -> Described {
        Described {
            level: self.level,
            count: self.count,
            first: self.first,
            last: self.last,
        }
    }

    /// Empty again, keeping the buffers.
    pub fn clear(&mut self) {
        self.stream.clear();
        self.rendered.clear();
        self.lines.clear();
        if let Head::Line(_, line) = &mut self.head {
            line.clear();
        } else {
            self.head = Head::default();
        }
        self.count = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The members written by hand are the fields `push_into` gives an entry.
    #[test]
    fn members_are_the_described_fields() {
        let moment = |micros| Some(Moment::precise(micros));
        for described in [
            Described {
                level: 3,
                count: 12,
                first: moment(1_795_338_007_000_001),
                last: moment(1_795_338_007_903_400),
            },
            Described {
                level: 6,
                count: 1,
                first: None,
                last: None,
            },
            Described {
                level: 0,
                count: u32::MAX,
                first: moment(0),
                last: None,
            },
        ] {
            let mut entry = Entry::default();
            described.push_into(&mut entry);
            let want: serde_json::Map<String, serde_json::Value> = entry
                .fields
                .iter()
                .map(|f| {
                    let value = String::from_utf8(f.value.clone().unwrap().into_owned()).unwrap();
                    (f.name.to_string(), value.into())
                })
                .collect();
            for first in [true, false] {
                let mut out = if first {
                    b"{".to_vec()
                } else {
                    b"{\"A\":\"b\"".to_vec()
                };
                described.write_members(&mut out, first);
                out.push(b'}');
                let mut got: serde_json::Map<String, serde_json::Value> =
                    serde_json::from_slice(&out).unwrap();
                got.remove("A");
                assert_eq!(got, want, "{}", String::from_utf8_lossy(&out));
            }
        }
    }

    #[test]
    fn decimals_as_rust_writes_them() {
        for value in [
            0,
            7,
            9,
            10,
            99,
            100,
            -1,
            -10,
            1_795_338_007_903_400,
            i64::MAX,
            i64::MIN,
        ] {
            let mut out = Vec::new();
            member(&mut out, "N", value);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                format!("\"N\":\"{value}\"")
            );
        }
    }
}
