//! Redirections (`>f`, `2>&1`, `<<EOF`): read and set aside, here-documents with
//! them, so that their words are not taken for commands.

use super::parse::{Parser, Part};
use crate::syntax::SyntaxError;

impl Parser<'_> {
    pub(super) fn skip_redirections(&mut self) -> Result<(), SyntaxError> {
        loop {
            self.skip_blanks();
            if !self.skip_redirection()? {
                return Ok(());
            }
        }
    }

    /// A redirection at the cursor (`>f`, `2>&1`, `<<EOF` with its document).
    pub(super) fn skip_redirection(&mut self) -> Result<bool, SyntaxError> {
        let start = self.at;
        let mut i = self.at;
        while self.text.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        let Some(&op) = self.text.get(i) else {
            return Ok(false);
        };
        if op != b'<' && op != b'>' {
            return Ok(false);
        }
        let heredoc = self.text[i..].starts_with(b"<<");
        i += 1;
        while matches!(self.text.get(i), Some(b'<' | b'>' | b'&' | b'|' | b'-')) {
            i += 1;
        }
        self.at = i;
        self.skip_blanks();
        if matches!(self.peek(), None | Some(b'\n' | b';' | b'&' | b'|')) {
            return Err(self.error(start, "a redirection without its target"));
        }
        let target = self.word()?;
        if heredoc {
            let strip_tabs = self.text[start..].windows(3).next() == Some(b"<<-");
            let delimiter = target
                .iter()
                .map(|part| match part {
                    Part::Text { bytes, .. } => String::from_utf8_lossy(bytes).into_owned(),
                    Part::Param { name, .. } => format!("${name}"),
                    Part::OtherParam { source, .. } | Part::Command { source, .. } => {
                        source.clone()
                    }
                })
                .collect();
            self.heredocs.push((start, delimiter, strip_tabs));
        }
        Ok(true)
    }

    /// After the newline that ends a command line: the here-documents it opened,
    /// each up to its delimiter line.
    pub(super) fn skip_heredocs(&mut self) -> Result<(), SyntaxError> {
        for (start, delimiter, strip_tabs) in std::mem::take(&mut self.heredocs) {
            loop {
                if self.at >= self.text.len() {
                    return Err(self.error(
                        start,
                        format!("here-document without its `{delimiter}` line"),
                    ));
                }
                let end = self.text[self.at..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.text.len(), |n| self.at + n);
                let mut line = &self.text[self.at..end];
                while strip_tabs && line.first() == Some(&b'\t') {
                    line = &line[1..];
                }
                self.at = (end + 1).min(self.text.len());
                if line == delimiter.as_bytes() {
                    break;
                }
            }
        }
        Ok(())
    }
}
