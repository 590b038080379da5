//! Words: quoting, escapes and the expansions inside them (`$NAME`, `${NAME:-word}`,
//! `$(...)`, backquotes), read as sh reads them.

use super::parse::{is_name, Parser, MAX_NESTING};
use super::parse::{Part, Word};
use crate::syntax::SyntaxError;

impl Parser<'_> {
    /// One word: quotes, escapes and expansions.
    pub(super) fn word(&mut self) -> Result<Word, SyntaxError> {
        let mut parts = Vec::new();
        let mut text = Vec::new();
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'<' | b'>' | b'(' | b')' => {
                    break
                }
                b'\\' => {
                    self.at += 1;
                    match self.peek() {
                        Some(b'\n') => self.at += 1,
                        Some(c) => {
                            flush(&mut text, &mut parts, false);
                            parts.push(Part::Text {
                                bytes: vec![c],
                                quoted: true,
                            });
                            self.at += 1;
                        }
                        None => {}
                    }
                }
                b'\'' => {
                    flush(&mut text, &mut parts, false);
                    let start = self.at;
                    self.at += 1;
                    let Some(end) = self.text[self.at..].iter().position(|&b| b == b'\'') else {
                        return Err(
                            self.error(start, "unterminated single quote: add the closing `'`")
                        );
                    };
                    parts.push(Part::Text {
                        bytes: self.text[self.at..self.at + end].to_vec(),
                        quoted: true,
                    });
                    self.at += end + 1;
                }
                b'"' => {
                    flush(&mut text, &mut parts, false);
                    self.double_quoted(&mut parts)?;
                }
                b'$' | b'`' => {
                    if let Some(part) = self.expansion(false)? {
                        flush(&mut text, &mut parts, false);
                        parts.push(part);
                    } else {
                        text.push(b'$');
                        self.at += 1;
                    }
                }
                _ => {
                    text.push(b);
                    self.at += 1;
                }
            }
        }
        flush(&mut text, &mut parts, false);
        if parts.is_empty() {
            parts.push(Part::Text {
                bytes: Vec::new(),
                quoted: true,
            });
        }
        Ok(parts)
    }

    fn double_quoted(&mut self, parts: &mut Word) -> Result<(), SyntaxError> {
        let start = self.at;
        self.at += 1;
        let mut text = Vec::new();
        // An empty "" is a word of its own.
        parts.push(Part::Text {
            bytes: Vec::new(),
            quoted: true,
        });
        loop {
            let Some(b) = self.peek() else {
                return Err(self.error(start, "unterminated double quote: add the closing `\"`"));
            };
            match b {
                b'"' => {
                    self.at += 1;
                    break;
                }
                b'\\' => {
                    let next = self.text.get(self.at + 1).copied();
                    match next {
                        Some(b'\n') => self.at += 2,
                        Some(c @ (b'$' | b'`' | b'"' | b'\\')) => {
                            text.push(c);
                            self.at += 2;
                        }
                        _ => {
                            text.push(b'\\');
                            self.at += 1;
                        }
                    }
                }
                b'$' | b'`' => {
                    if let Some(part) = self.expansion(true)? {
                        flush(&mut text, parts, true);
                        parts.push(part);
                    } else {
                        text.push(b'$');
                        self.at += 1;
                    }
                }
                _ => {
                    text.push(b);
                    self.at += 1;
                }
            }
        }
        flush(&mut text, parts, true);
        Ok(())
    }

    /// An expansion at `$` or `` ` ``, or `None` for a `$` that is literal.
    fn expansion(&mut self, quoted: bool) -> Result<Option<Part>, SyntaxError> {
        let start = self.at;
        if self.peek() == Some(b'`') {
            let mut i = self.at + 1;
            loop {
                match self.text.get(i) {
                    None => {
                        return Err(self.error(
                            start,
                            "unterminated command substitution: add the closing backquote",
                        ))
                    }
                    Some(b'\\') => i += 2,
                    Some(b'`') => break,
                    Some(_) => i += 1,
                }
            }
            self.at = i + 1;
            return Ok(Some(Part::Command {
                source: String::from_utf8_lossy(&self.text[start..self.at]).into_owned(),
                quoted,
            }));
        }
        let rest = &self.text[self.at + 1..];
        match rest.first() {
            Some(b'(') => {
                let end = self.balanced(self.at + 1, b'(', b')')?;
                self.at = end;
                Ok(Some(Part::Command {
                    source: String::from_utf8_lossy(&self.text[start..end]).into_owned(),
                    quoted,
                }))
            }
            Some(b'{') => {
                let end = self.balanced(self.at + 1, b'{', b'}')?;
                let inner = &self.text[start + 2..end - 1];
                self.at = end;
                let source = String::from_utf8_lossy(&self.text[start..end]).into_owned();
                let name_len = inner
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .unwrap_or(inner.len());
                let name = &inner[..name_len];
                let special = name_len == 0
                    && matches!(
                        inner.first(),
                        Some(b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-')
                    );
                if name.is_empty() && !special {
                    return if inner.is_empty() {
                        Err(self.error(start, "bad substitution: `${}` names no variable"))
                    } else {
                        Ok(Some(Part::OtherParam { source, quoted }))
                    };
                }
                if special || !(is_name(name) || name.iter().all(u8::is_ascii_digit)) {
                    return Ok(Some(Part::OtherParam { source, quoted }));
                }
                let after = &inner[name_len..];
                let name = String::from_utf8_lossy(name).into_owned();
                if after.is_empty() {
                    return Ok(Some(Part::Param {
                        name,
                        op: None,
                        quoted,
                    }));
                }
                let op_len = if after.first() == Some(&b':') { 2 } else { 1 };
                let op = &after[..op_len.min(after.len())];
                let op_char = *op.last().unwrap_or(&b'x');
                if !matches!(op_char, b'-' | b'=' | b'+' | b'?') || (op_len == 2 && op.len() < 2) {
                    return Ok(Some(Part::OtherParam { source, quoted }));
                }
                // The operator's word, read as a word inside the same quoting.
                let word_start = start + 2 + name_len + op_len;
                let mut sub = Parser {
                    text: &self.text[..end - 1],
                    at: word_start,
                    heredocs: Vec::new(),
                    nesting: self.nesting + 1,
                };
                if sub.nesting > MAX_NESTING {
                    return Err(self.error(
                        start,
                        format!("expansions nested more than {MAX_NESTING} deep"),
                    ));
                }
                let word = if quoted {
                    sub.quoted_word()?
                } else {
                    sub.operand_word()?
                };
                Ok(Some(Part::Param {
                    name,
                    op: Some((String::from_utf8_lossy(op).into_owned(), word)),
                    quoted,
                }))
            }
            Some(&c) if c.is_ascii_alphabetic() || c == b'_' => {
                let len = rest
                    .iter()
                    .position(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
                    .unwrap_or(rest.len());
                self.at += 1 + len;
                Ok(Some(Part::Param {
                    name: String::from_utf8_lossy(&rest[..len]).into_owned(),
                    op: None,
                    quoted,
                }))
            }
            Some(&c) if c.is_ascii_digit() => {
                self.at += 2;
                Ok(Some(Part::Param {
                    name: (c as char).to_string(),
                    op: None,
                    quoted,
                }))
            }
            Some(b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') => {
                self.at += 2;
                Ok(Some(Part::OtherParam {
                    source: String::from_utf8_lossy(&self.text[start..self.at]).into_owned(),
                    quoted,
                }))
            }
            _ => Ok(None),
        }
    }

    /// The end (one past the closer) of a `$(...)`/`${...}` opened at `open`,
    /// skipping quotes and nested pairs.
    fn balanced(&self, open: usize, opener: u8, closer: u8) -> Result<usize, SyntaxError> {
        let mut depth = 0usize;
        let mut i = open;
        let what = if opener == b'(' { "`$(`" } else { "`${`" };
        let fail = || {
            self.error(
                open - 1,
                format!("unterminated {what}: add the closing `{}`", closer as char),
            )
        };
        while let Some(&b) = self.text.get(i) {
            match b {
                b'\\' => i += 1,
                b'\'' if opener == b'(' || depth > 0 => {
                    let end = self.text[i + 1..]
                        .iter()
                        .position(|&c| c == b'\'')
                        .ok_or_else(fail)?;
                    i += end + 1;
                }
                b'"' => {
                    let mut j = i + 1;
                    loop {
                        match self.text.get(j) {
                            None => return Err(fail()),
                            Some(b'\\') => j += 2,
                            Some(b'"') => break,
                            Some(_) => j += 1,
                        }
                    }
                    i = j;
                }
                _ if b == opener => depth += 1,
                _ if b == closer => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        Err(fail())
    }

    /// The rest of the text as the word of a `${NAME:-word}` outside double quotes.
    fn operand_word(&mut self) -> Result<Word, SyntaxError> {
        let mut parts = Vec::new();
        while self.at < self.text.len() {
            let before = self.at;
            let mut word = self.word()?;
            if let [Part::Text {
                bytes,
                quoted: true,
            }] = word.as_slice()
            {
                if bytes.is_empty() && self.at == before {
                    word.clear();
                }
            }
            parts.extend(word);
            if self.at == before {
                // A blank or operator byte inside braces is literal there.
                parts.push(Part::Text {
                    bytes: vec![self.text[self.at]],
                    quoted: false,
                });
                self.at += 1;
            }
        }
        Ok(parts)
    }

    /// The rest of the text as the word of a `${NAME:-word}` inside double quotes.
    fn quoted_word(&mut self) -> Result<Word, SyntaxError> {
        let mut parts = Vec::new();
        let mut text = Vec::new();
        while let Some(b) = self.peek() {
            match b {
                b'\\'
                    if matches!(
                        self.text.get(self.at + 1),
                        Some(b'$' | b'`' | b'"' | b'\\' | b'}')
                    ) =>
                {
                    text.push(self.text[self.at + 1]);
                    self.at += 2;
                }
                b'"' => {
                    // "${X:-"a b"}": the inner quotes are quoting too.
                    flush(&mut text, &mut parts, true);
                    self.double_quoted(&mut parts)?;
                }
                b'\'' => {
                    text.push(b);
                    self.at += 1;
                }
                b'$' | b'`' => match self.expansion(true)? {
                    Some(part) => {
                        flush(&mut text, &mut parts, true);
                        parts.push(part);
                    }
                    None => {
                        text.push(b);
                        self.at += 1;
                    }
                },
                _ => {
                    text.push(b);
                    self.at += 1;
                }
            }
        }
        flush(&mut text, &mut parts, true);
        Ok(parts)
    }
}

/// Text read so far, as a part of its own (nothing when there is none).
fn flush(text: &mut Vec<u8>, parts: &mut Word, quoted: bool) {
    if !text.is_empty() {
        parts.push(Part::Text {
            bytes: std::mem::take(text),
            quoted,
        });
    }
}
