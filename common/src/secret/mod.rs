//! Secrets in output: the one mechanism every tool uses to keep a cookie or a secret
//! file's contents out of what it prints, unless `--show-secrets`.
//!
//! A tool records where its secrets are (a span of a source file: the cookie word of
//! a vm.args, the cookie literal of a config) and what they are (the value). Every
//! rendering then asks this: a source line under a finding has its secret spans
//! masked, and any free text (a message, a hint, an error) has the values masked. A
//! mask keeps the width, so carets under a line still point at the right column.
//!
//! What is a secret is decided here too, once for every tool: [`is_secret_name`]
//! (the name rule, with its lists) and the scanners in [`scan`] for the texts a
//! release carries (env.sh, sys.config).

pub mod name;
pub mod scan;

pub use name::is_secret_name;

use crate::lines::LineIndex;
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

/// The character a secret is replaced with.
pub const MASK: char = '*';

/// The shortest value masked wherever it appears in free text; a shorter one (a
/// weak cookie, already reported as such) would mask ordinary words, so only its
/// spans are masked.
pub const MIN_VALUE_LEN: usize = 4;

/// A span of a source, 1-based lines and character columns; `end` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// What a run knows of its secrets.
#[derive(Debug, Clone, Default)]
pub struct Secrets {
    /// `--show-secrets`: nothing is masked.
    pub show: bool,
    spans: HashMap<String, Vec<Span>>,
    values: Vec<String>,
}

impl Secrets {
    /// Masking on, unless `show` (`--show-secrets`).
    pub fn new(show: bool) -> Secrets {
        Secrets {
            show,
            ..Secrets::default()
        }
    }

    /// A secret at `span` of the source named `source` (the name findings give it).
    pub fn add_span(&mut self, source: &str, span: Span) {
        self.spans.entry(source.to_string()).or_default().push(span);
    }

    /// A secret's value, masked wherever it appears in free text.
    pub fn add_value(&mut self, value: &str) {
        let value = value.trim();
        if value.chars().count() >= MIN_VALUE_LEN && !self.values.iter().any(|v| v == value) {
            self.values.push(value.to_string());
            // Longest first, so a value containing another is masked whole.
            self.values
                .sort_by_key(|v| std::cmp::Reverse(v.chars().count()));
        }
    }

    /// Secrets at byte `ranges` of `text` (the source named `source`): each range's
    /// span, and its value for free text.
    pub fn add_ranges(
        &mut self,
        source: &str,
        text: &[u8],
        ranges: impl IntoIterator<Item = Range<usize>>,
    ) {
        let mut ranges = ranges.into_iter().peekable();
        if ranges.peek().is_none() {
            return;
        }
        let lines = LineIndex::new(text);
        for range in ranges {
            self.add_byte_span(source, text, &lines, range.clone());
            let value = String::from_utf8_lossy(&text[range.clone()]).into_owned();
            let unquoted = value
                .strip_prefix(['"', '\''])
                .and_then(|v| v.strip_suffix(['"', '\'']))
                .map(str::to_string);
            self.add_value(&value);
            if let Some(unquoted) = unquoted {
                self.add_value(&unquoted);
            }
        }
    }

    /// A secret at byte `range` of `text`, with the text's line index at hand.
    pub fn add_byte_span(
        &mut self,
        source: &str,
        text: &[u8],
        lines: &LineIndex,
        range: Range<usize>,
    ) {
        let (line, column) = lines.position(text, range.start);
        let (end_line, end_column) = lines.position(text, range.end);
        self.add_span(
            source,
            Span {
                line,
                column,
                end_line,
                end_column,
            },
        );
    }

    /// All of `text` (the source named `source`), every secret span and known value
    /// masked, line endings kept.
    pub fn mask_text(&self, source: &str, text: &str) -> String {
        if self.show {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        for (n, line) in text.split_inclusive('\n').enumerate() {
            let (body, ending) = match line.strip_suffix('\n') {
                Some(body) => (body, "\n"),
                None => (line, ""),
            };
            let number = u32::try_from(n + 1).unwrap_or(u32::MAX);
            out.push_str(&self.mask_line(source, number, body));
            out.push_str(ending);
        }
        out
    }

    /// Line `line` of `source`, its secret spans masked and any known value too.
    pub fn mask_line<'t>(&self, source: &str, line: u32, text: &'t str) -> Cow<'t, str> {
        if self.show {
            return Cow::Borrowed(text);
        }
        let spans = self.spans.get(source).map_or(&[][..], Vec::as_slice);
        let covering: Vec<(u32, u32)> = spans
            .iter()
            .filter(|s| s.line <= line && line <= s.end_line)
            .map(|s| {
                let from = if s.line == line { s.column } else { 1 };
                let to = if s.end_line == line {
                    s.end_column
                } else {
                    u32::MAX
                };
                (from, to)
            })
            .collect();
        let masked: Cow<'t, str> = if covering.is_empty() {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(
                text.chars()
                    .enumerate()
                    .map(|(i, c)| {
                        let col = u32::try_from(i + 1).unwrap_or(u32::MAX);
                        if covering.iter().any(|&(a, b)| a <= col && col < b) {
                            MASK
                        } else {
                            c
                        }
                    })
                    .collect(),
            )
        };
        match self.mask(&masked) {
            Cow::Borrowed(_) => masked,
            Cow::Owned(s) => Cow::Owned(s),
        }
    }

    /// Free text with every known value masked.
    pub fn mask<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.show || !self.values.iter().any(|v| text.contains(v.as_str())) {
            return Cow::Borrowed(text);
        }
        let mut out = text.to_string();
        for value in &self.values {
            if out.contains(value.as_str()) {
                let mask: String = std::iter::repeat_n(MASK, value.chars().count()).collect();
                out = out.replace(value.as_str(), &mask);
            }
        }
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookie_at(line: u32, column: u32, len: u32) -> Span {
        Span {
            line,
            column,
            end_line: line,
            end_column: column + len,
        }
    }

    #[test]
    fn a_span_is_masked_in_its_line_only_and_keeps_its_width() {
        let mut s = Secrets::new(false);
        s.add_span("vm.args", cookie_at(5, 12, 3));
        assert_eq!(
            s.mask_line("vm.args", 5, "-setcookie abc # x"),
            "-setcookie *** # x"
        );
        assert_eq!(
            s.mask_line("vm.args", 4, "-setcookie abc"),
            "-setcookie abc"
        );
        assert_eq!(s.mask_line("other", 5, "-setcookie abc"), "-setcookie abc");
    }

    #[test]
    fn a_span_over_lines_masks_each_part() {
        let mut s = Secrets::new(false);
        s.add_span(
            "f",
            Span {
                line: 1,
                column: 12,
                end_line: 3,
                end_column: 3,
            },
        );
        assert_eq!(s.mask_line("f", 1, "-setcookie 'ab"), "-setcookie ***");
        assert_eq!(s.mask_line("f", 2, "middle"), "******");
        assert_eq!(s.mask_line("f", 3, "c' -x"), "** -x");
    }

    #[test]
    fn values_are_masked_in_free_text_longest_first() {
        let mut s = Secrets::new(false);
        s.add_value("foo123");
        s.add_value("foo1234567");
        s.add_value("ab"); // too short to mask in free text
        assert_eq!(
            s.mask("cookie foo1234567 and foo123, ab"),
            "cookie ********** and ******, ab"
        );
    }

    #[test]
    fn show_turns_masking_off() {
        let mut s = Secrets::new(true);
        s.add_value("foo123");
        s.add_span("f", cookie_at(1, 1, 3));
        assert_eq!(s.mask("foo123"), "foo123");
        assert_eq!(s.mask_line("f", 1, "abc"), "abc");
    }

    #[test]
    fn ranges_mask_whole_texts_over_lines() {
        let text = "export A=1\nexport SECRET='two\nlines' B=2\n";
        let mut s = Secrets::new(false);
        s.add_ranges("env.sh", text.as_bytes(), scan::in_shell(text.as_bytes()));
        assert_eq!(
            s.mask_text("env.sh", text),
            "export A=1\nexport SECRET=****\n****** B=2\n"
        );
        assert_eq!(s.mask("said two\nlines"), "said *********");
        assert_eq!(Secrets::new(true).mask_text("env.sh", text), text);
    }

    #[test]
    fn multibyte_columns_count_characters() {
        let mut s = Secrets::new(false);
        s.add_span("f", cookie_at(1, 3, 2));
        assert_eq!(s.mask_line("f", 1, "é ñü x"), "é ** x");
    }
}
