//! Where in a text, and why a reader refuses it: the one position type and the one
//! syntax error every relkit reader returns, printed the same way by every tool
//! (`FILE:LINE:COLUMN: message`, as compilers and editors expect).

use crate::lines::LineIndex;
use std::fmt;
use std::path::PathBuf;

/// A 1-based line and column (columns count characters, as [`LineIndex`] does).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl Position {
    pub fn new(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    /// The position of a byte offset in `text`.
    pub fn of_offset(text: &[u8], offset: usize) -> Position {
        let (line, column) = LineIndex::new(text).position(text, offset);
        Position::new(line as usize, column as usize)
    }
}

/// Input a reader refuses: the file when known, where in it, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub file: Option<PathBuf>,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl SyntaxError {
    pub fn new(at: Position, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            file: None,
            line: at.line,
            column: at.column,
            message: message.into(),
        }
    }

    /// The same error, tied to the file it was found in.
    pub fn in_file(mut self, file: impl Into<PathBuf>) -> SyntaxError {
        self.file = Some(file.into());
        self
    }

    pub fn position(&self) -> Position {
        Position::new(self.line, self.column)
    }
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}:", file.display())?;
        }
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for SyntaxError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_as_compilers_print_them() {
        let e = SyntaxError::new(Position::of_offset(b"a\nbc d", 5), "unexpected `d`");
        assert_eq!(e.position(), Position::new(2, 4));
        assert_eq!(e.to_string(), "2:4: unexpected `d`");
        assert_eq!(
            e.in_file("rel/x.conf").to_string(),
            "rel/x.conf:2:4: unexpected `d`"
        );
    }
}
