//! Writing an entry a processor kept: human lines, journal JSON or export, and the
//! fields `-o json` adds.

use super::processor::{Added, Output, Processor};
use crate::entry::level::Header;
use crate::entry::times::with_time;
use crate::entry::Entry;
use crate::input::json;
use crate::render;
use crate::time::clock::Moment;

impl Processor {
    pub(super) fn write(
        &mut self,
        entry: &Entry<'_>,
        time: Option<Moment>,
        raw: Option<&[u8]>,
        level: u8,
        added: Added<'_>,
        out: &mut Vec<u8>,
    ) {
        let Added {
            metadata,
            described,
            printable,
            fields_printable,
        } = added;
        match self.settings.output {
            Output::Json => {
                let metadata = metadata.iter().filter(|(key, _)| entry.get(key).is_none());
                match raw.map(|line| line.strip_prefix(&[0x1e]).unwrap_or(line)) {
                    Some(line) if described.is_none() && metadata.clone().next().is_none() => {
                        out.extend_from_slice(line);
                        out.push(b'\n');
                    }
                    Some(line) => match memchr::memrchr(b'}', line) {
                        // The line as it came, Logger's metadata spliced in before
                        // its closing brace.
                        Some(close) => {
                            out.extend_from_slice(&line[..close]);
                            let mut empty = line[..close].trim_ascii_end().ends_with(b"{");
                            for (key, value) in metadata {
                                if !empty {
                                    out.push(b',');
                                }
                                empty = false;
                                json::write_string(out, key.as_bytes());
                                out.push(b':');
                                json::write_value(out, Some(value));
                            }
                            self.marks.described_at = out.len();
                            if let Some(described) = described {
                                described.write_members(out, empty);
                            }
                            out.extend_from_slice(&line[close..]);
                            out.push(b'\n');
                        }
                        None => {
                            out.extend_from_slice(line);
                            out.push(b'\n');
                        }
                    },
                    None => {
                        let mut with = with_time(entry, time).into_owned();
                        for (key, value) in metadata {
                            with.push(*key, Some(*value));
                        }
                        if let Some(described) = described {
                            described.push_into(&mut with);
                        }
                        json::write_entry(out, &with)
                    }
                }
            }
            Output::Export => {
                let _ = crate::input::export::write_entry(out, &with_time(entry, time));
            }
            Output::Short | Output::ShortIso | Output::Cat => {
                self.write_human(entry, time, level, printable, fields_printable, out)
            }
        }
    }

    pub(super) fn write_human(
        &mut self,
        entry: &Entry<'_>,
        time: Option<Moment>,
        level: u8,
        printable: Option<Option<Header>>,
        fields_printable: bool,
        out: &mut Vec<u8>,
    ) {
        let color = self.settings.color;
        let start = out.len();
        // Escape bytes take no room on screen: the indent under the prefix leaves them
        // out. So does `unknown` for a missing identifier, as journalctl leaves it out
        // (see text::continuation_indent): the output reads back as journalctl's.
        let mut uncounted = 0;
        let output = self.settings.output;
        if output != Output::Cat {
            if let Some(time) = time {
                if color {
                    render::time_esc().put(out);
                    uncounted += render::time_style().len() + render::reset().len();
                }
                if output == Output::ShortIso {
                    self.clock.write_iso(out, time);
                } else {
                    self.clock.write_short(out, time);
                }
                if color {
                    render::reset_esc().put(out);
                }
                out.push(b' ');
            }
            let ident = entry
                .text("SYSLOG_IDENTIFIER")
                .or_else(|| entry.text("_COMM"));
            let pid = entry.text("_PID").or_else(|| entry.text("SYSLOG_PID"));
            if ident.is_some() || pid.is_some() {
                if color {
                    render::identifier_esc().put(out);
                    uncounted += render::identifier_style().len() + render::reset().len();
                }
                if ident.is_none() {
                    uncounted += b"unknown".len() + usize::from(time.is_some());
                }
                out.extend_from_slice(&shown(ident.unwrap_or(b"unknown"), fields_printable));
                if color {
                    render::reset_esc().put(out);
                }
                if let Some(pid) = pid {
                    out.push(b'[');
                    out.extend_from_slice(&shown(pid, fields_printable));
                    out.push(b']');
                }
                out.extend_from_slice(b": ");
            }
        }
        let indent = out.len() - start - uncounted;
        self.marks.indent = indent;
        let base = if color {
            render::level_style(level)
        } else {
            ""
        };
        match entry.get("MESSAGE") {
            Some(Some(message)) if printable.is_some() => {
                // Shown as it is: no escape to replace, one line, its header known.
                if color {
                    render::highlight_with(out, message, base, printable.flatten());
                } else {
                    out.extend_from_slice(message);
                }
            }
            Some(Some(message)) => {
                let text = render::sanitize_bytes(message);
                if crate::lanes::find_one(b'\n', &text).is_none() {
                    self.message_line(out, &text, base);
                    out.push(b'\n');
                    return;
                }
                let mut lines = text.split(|&b| b == b'\n');
                let first = lines.next().unwrap_or_default();
                self.message_line(out, first, base);
                for more in lines {
                    // journalctl's way with a multi-line message: the rest under the first.
                    out.push(b'\n');
                    out.extend(std::iter::repeat_n(b' ', indent));
                    self.message_line(out, more, base);
                }
            }
            Some(None) => {
                let note = "[message of 4096 bytes or more: journalctl leaves it out unless run with --all]";
                let style = if color { render::time_style() } else { "" };
                self.message_line(out, note.as_bytes(), style);
            }
            None => {}
        }
        out.push(b'\n');
    }

    pub(super) fn message_line(&self, out: &mut Vec<u8>, text: &[u8], base: &str) {
        if self.settings.color {
            render::highlight(out, text, base);
        } else {
            out.extend_from_slice(text);
        }
    }
}

/// A field as a terminal shows it: as it is when known to be printable, else
/// sanitized.
fn shown(value: &[u8], printable: bool) -> std::borrow::Cow<'_, [u8]> {
    if printable {
        std::borrow::Cow::Borrowed(value)
    } else {
        render::sanitize_bytes(value)
    }
}
