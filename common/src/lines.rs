//! Byte offsets to 1-based line and column numbers, and the text of a line, for
//! findings. Columns count characters (bytes that are not valid UTF-8 count one each).

use std::borrow::Cow;

#[derive(Debug, Clone)]
pub struct LineIndex<'a> {
    text: &'a [u8],
    /// Byte offset where each line starts.
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { text, starts }
    }

    /// 1-based (line, column) of a byte offset; an offset past the end maps to the
    /// end of the text.
    pub fn position(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset) - 1;
        let prefix = &self.text[self.starts[line]..offset];
        let column = count_chars(prefix) + 1;
        (to_u32(line + 1), to_u32(column))
    }

    /// The text of a 1-based line, without its line ending, lossily decoded.
    pub fn line_text(&self, line: u32) -> Option<Cow<'a, str>> {
        let index = usize::try_from(line).ok()?.checked_sub(1)?;
        let start = *self.starts.get(index)?;
        let end = self
            .starts
            .get(index + 1)
            .map_or(self.text.len(), |next| next - 1);
        let raw = &self.text[start..end];
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
        let idx = LineIndex::new(b"-name a\n-setcookie x\n");
        assert_eq!(idx.position(0), (1, 1));
        assert_eq!(idx.position(6), (1, 7));
        assert_eq!(idx.position(8), (2, 1));
        assert_eq!(idx.position(19), (2, 12));
        assert_eq!(idx.position(999), (3, 1));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let idx = LineIndex::new("-name é@h x".as_bytes());
        assert_eq!(idx.position(9), (1, 9));
        let bad = LineIndex::new(b"\xff\xfeab");
        assert_eq!(bad.position(3), (1, 4));
    }

    #[test]
    fn line_text_drops_line_endings() {
        let idx = LineIndex::new(b"one\r\ntwo\nthree");
        assert_eq!(idx.line_text(1).as_deref(), Some("one"));
        assert_eq!(idx.line_text(2).as_deref(), Some("two"));
        assert_eq!(idx.line_text(3).as_deref(), Some("three"));
        assert_eq!(idx.line_text(4), None);
        assert_eq!(idx.line_text(0), None);
        assert_eq!(idx.line_count(), 3);
    }
}
