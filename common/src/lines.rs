//! Byte offsets to 1-based line and column numbers, and the text of a line, for
//! findings. Columns count characters (bytes that are not valid UTF-8 count one each).
//! The index is built once per text and kept beside it; every lookup takes the same
//! text again.

use std::borrow::Cow;

#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// 1-based (line, column) of a byte offset; an offset past the end maps to the
    /// end of the text.
    pub fn position(&self, text: &[u8], offset: usize) -> (u32, u32) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let prefix = &text[self.starts[line]..offset];
        let column = count_chars(prefix) + 1;
        (to_u32(line + 1), to_u32(column))
    }

    /// The text of a 1-based line, without its line ending, lossily decoded.
    pub fn line_text<'t>(&self, text: &'t [u8], line: u32) -> Option<Cow<'t, str>> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.starts.get(index)?;
        let end = self
            .starts
            .get(index + 1)
            .map_or(text.len(), |next| next - 1);
        let raw = &text[start..end];
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        Some(String::from_utf8_lossy(raw))
    }

    pub fn line_count(&self) -> usize {
        self.starts.len()
    }
}

/// Characters in a byte string, counting each invalid byte as one.
pub fn count_chars(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .map(|c| c.valid().chars().count() + c.invalid().len())
        .sum()
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let text = b"-name a\n-setcookie x\n";
        let idx = LineIndex::new(text);
        assert_eq!(idx.position(text, 0), (1, 1));
        assert_eq!(idx.position(text, 6), (1, 7));
        assert_eq!(idx.position(text, 8), (2, 1));
        assert_eq!(idx.position(text, 19), (2, 12));
        assert_eq!(idx.position(text, 999), (3, 1));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "-name é@h x".as_bytes();
        assert_eq!(LineIndex::new(text).position(text, 9), (1, 9));
        let bad = b"\xff\xfeab";
        assert_eq!(LineIndex::new(bad).position(bad, 3), (1, 4));
    }

    #[test]
    fn line_text_drops_line_endings() {
        let text = b"one\r\ntwo\nthree";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_text(text, 1).as_deref(), Some("one"));
        assert_eq!(idx.line_text(text, 2).as_deref(), Some("two"));
        assert_eq!(idx.line_text(text, 3).as_deref(), Some("three"));
        assert_eq!(idx.line_text(text, 4), None);
        assert_eq!(idx.line_text(text, 0), None);
        assert_eq!(idx.line_count(), 3);
    }
}
