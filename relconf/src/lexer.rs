//! Tokens of the part of Elixir's syntax that release configs use: comments,
//! strings with escapes and interpolation, heredocs, charlists, sigils, atoms
//! (plain and quoted), keyword keys, numbers, identifiers, aliases, module
//! attributes, operators and punctuation. Every token keeps its byte span.

/// A piece of an interpolated string: text (escapes applied), or the byte range of
/// the code between `#{` and `}`.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Text(String),
    Code { start: usize, end: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Int(i64),
    Float(f64),
    /// A string; `interpolated` when it has `#{...}`, and then, for a one-line
    /// string, its `parts` (empty for a heredoc: its value stays unknown).
    Str {
        value: String,
        interpolated: bool,
        parts: Vec<StrPart>,
    },
    Charlist {
        value: String,
        interpolated: bool,
    },
    Atom(String),
    /// `key:` in a keyword list or call (also `"quoted key":`).
    KwKey(String),
    Ident(String),
    Alias(String),
    /// `@name`
    Attr(String),
    /// `~w(...)`, `~s"..."` and friends: the letter, the raw content, modifiers.
    Sigil {
        letter: char,
        content: String,
        modifiers: String,
    },
    Op(&'static str),
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    /// `%{` (map) or `%` before an alias (struct).
    Percent,
    Comma,
    Dot,
    /// A newline or `;` that ends an expression.
    Sep,
    Eof,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
    /// Whitespace came right before it (decides `f (x)` from `f(x)`, `a -1` from `a - 1`).
    pub space_before: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub message: String,
    pub offset: usize,
}

/// Operators, longest first so that `|>` wins over `|`.
const OPS: &[&str] = &[
    "===", "!==", "...", "<<<", ">>>", "~>>", "<<~", "<~>", "<|>", "^^^", "~~~", "|>", "++", "--",
    "<>", "==", "!=", "<=", ">=", "&&", "||", "->", "=>", "::", "\\\\", "..", "<-", "=~", "<<",
    ">>", "+", "-", "*", "/", "=", "<", ">", "!", "^", "&", "|", "?",
];

const WORD_OPS: &[&str] = &["and", "or", "not", "in", "when"];

pub fn lex(src: &str) -> Result<Vec<Token>, LexError> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        p: 0,
        out: Vec::new(),
        depth: Vec::new(),
        interpolations: 0,
    };
    lx.run()?;
    Ok(lx.out)
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    p: usize,
    out: Vec<Token>,
    /// Open brackets, to know whether a newline separates expressions.
    depth: Vec<u8>,
    /// Strings inside `#{...}` inside strings, read recursively: bounded.
    interpolations: usize,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_lowercase() || c == b'_' || c >= 0x80
}

fn is_ident_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

impl Lexer<'_> {
    fn err<T>(&self, message: impl Into<String>, offset: usize) -> Result<T, LexError> {
        Err(LexError {
            message: message.into(),
            offset,
        })
    }

    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.p + k).copied().unwrap_or(0)
    }

    fn push(&mut self, tok: Tok, start: usize, space_before: bool) {
        self.out.push(Token {
            tok,
            start,
            end: self.p,
            space_before,
        });
    }

    fn run(&mut self) -> Result<(), LexError> {
        loop {
            let before = self.p;
            // Whitespace, comments, and line continuations.
            while self.p < self.b.len() {
                match self.b[self.p] {
                    b' ' | b'\t' | b'\r' => self.p += 1,
                    b'\\' if self.peek(1) == b'\n' => self.p += 2,
                    b'#' => {
                        while self.p < self.b.len() && self.b[self.p] != b'\n' {
                            self.p += 1;
                        }
                    }
                    b'\n' => {
                        let at = self.p;
                        self.p += 1;
                        if self.depth.last().is_none_or(|&d| d == b'd')
                            && self.continues_after_newline()
                            && !self.next_line_continues()
                        {
                            self.push(Tok::Sep, at, true);
                        }
                    }
                    _ => break,
                }
            }
            let space = self.p > before;
            if self.p >= self.b.len() {
                let at = self.p;
                self.push(Tok::Sep, at, true);
                self.push(Tok::Eof, at, true);
                return Ok(());
            }
            self.token(space)?;
        }
    }

    /// A newline ends an expression unless the previous token cannot end one (an
    /// operator, a comma, an opening bracket, `do`...).
    fn continues_after_newline(&self) -> bool {
        match self.out.last().map(|t| &t.tok) {
            None | Some(Tok::Sep) => false,
            Some(Tok::Op(_)) => false,
            Some(
                Tok::Comma
                | Tok::LParen
                | Tok::LBracket
                | Tok::LBrace
                | Tok::Percent
                | Tok::Dot
                | Tok::KwKey(_),
            ) => false,
            Some(Tok::Ident(w))
                if WORD_OPS.contains(&w.as_str()) || w == "do" || w == "fn" || w == "else" =>
            {
                false
            }
            _ => true,
        }
    }

    /// A line that starts with a binary operator continues the previous one
    /// (`x\n|> f()`).
    fn next_line_continues(&self) -> bool {
        let mut q = self.p;
        while q < self.b.len() {
            match self.b[q] {
                b' ' | b'\t' | b'\r' | b'\n' => q += 1,
                b'#' => {
                    while q < self.b.len() && self.b[q] != b'\n' {
                        q += 1;
                    }
                }
                _ => break,
            }
        }
        let rest = &self.b[q..];
        const CONTINUING: &[&str] = &[
            "|>", "++", "<>", "||", "&&", "==", "!=", "=~", "=>", "and ", "or ", "when ", "\\\\",
        ];
        CONTINUING.iter().any(|op| rest.starts_with(op.as_bytes()))
            || (rest.first() == Some(&b'|') && rest.get(1) != Some(&b'>'))
            || (rest.first() == Some(&b'.') && rest.get(1).is_some_and(|c| c.is_ascii_alphabetic()))
    }

    fn token(&mut self, space: bool) -> Result<(), LexError> {
        let start = self.p;
        let c = self.b[self.p];
        match c {
            b'(' | b'[' | b'{' => {
                self.p += 1;
                self.depth.push(c);
                let tok = match c {
                    b'(' => Tok::LParen,
                    b'[' => Tok::LBracket,
                    _ => Tok::LBrace,
                };
                self.push(tok, start, space);
            }
            b')' | b']' | b'}' => {
                let open = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match self.depth.pop() {
                    Some(o) if o == open => {}
                    Some(o) => {
                        return self.err(
                            format!(
                                "unexpected `{}`: the `{}` before it is not closed",
                                c as char, o as char
                            ),
                            start,
                        )
                    }
                    None => {
                        return self.err(
                            format!("unexpected `{}` with nothing open", c as char),
                            start,
                        )
                    }
                }
                self.p += 1;
                let tok = match c {
                    b')' => Tok::RParen,
                    b']' => Tok::RBracket,
                    _ => Tok::RBrace,
                };
                self.push(tok, start, space);
            }
            b',' => {
                self.p += 1;
                self.push(Tok::Comma, start, space);
            }
            b';' => {
                self.p += 1;
                self.push(Tok::Sep, start, space);
            }
            b'%' => {
                self.p += 1;
                self.push(Tok::Percent, start, space);
            }
            b'"' | b'\'' => {
                let triple = self.peek(1) == c && self.peek(2) == c;
                let mut parts = Vec::new();
                let (value, interpolated) = if triple {
                    self.heredoc(c)?
                } else {
                    self.quoted_parts(c, &mut parts)?
                };
                if !interpolated {
                    parts.clear();
                }
                if self.peek(0) == b':' && self.peek(1) != b':' && !triple && c == b'"' {
                    if interpolated {
                        // Never a key with its code left out.
                        return self.err(
                            "a keyword key with #{...} interpolation is not read yet; write the key out",
                            start,
                        );
                    }
                    self.p += 1;
                    self.push(Tok::KwKey(value), start, space);
                } else if c == b'"' {
                    self.push(
                        Tok::Str {
                            value,
                            interpolated,
                            parts,
                        },
                        start,
                        space,
                    );
                } else {
                    self.push(
                        Tok::Charlist {
                            value,
                            interpolated,
                        },
                        start,
                        space,
                    );
                }
            }
            b':' if self.peek(1) == b'"' || self.peek(1) == b'\'' => {
                let q = self.peek(1);
                self.p += 1;
                let mut parts = Vec::new();
                let (value, interpolated) = self.quoted_parts(q, &mut parts)?;
                // `:"#{app}_prod"`: its name is its text, known when the parts are.
                let tok = if interpolated {
                    Tok::Str {
                        value,
                        interpolated,
                        parts,
                    }
                } else {
                    Tok::Atom(value)
                };
                self.push(tok, start, space);
            }
            b':' if is_ident_start(self.peek(1)) || self.peek(1).is_ascii_uppercase() => {
                self.p += 1;
                let name = self.word();
                self.push(Tok::Atom(name), start, space);
            }
            b':' if self.peek(1) != b':'
                && OPS
                    .iter()
                    .any(|op| self.b[self.p + 1..].starts_with(op.as_bytes())) =>
            {
                self.p += 1;
                let op = OPS
                    .iter()
                    .find(|op| self.b[self.p..].starts_with(op.as_bytes()))
                    .copied()
                    .unwrap_or("");
                self.p += op.len();
                self.push(Tok::Atom(op.to_string()), start, space);
            }
            b'@' => {
                self.p += 1;
                let name = self.word();
                if name.is_empty() {
                    return self.err("`@` must be followed by an attribute name", start);
                }
                self.push(Tok::Attr(name), start, space);
            }
            b'~' if self.peek(1).is_ascii_alphabetic() => self.sigil(space)?,
            b'?' if self.peek(1) > b' ' => {
                // Character literal: ?a is the integer code of a.
                self.p += 1;
                let ch = self.src[self.p..].chars().next().unwrap_or('\0');
                self.p += ch.len_utf8();
                self.push(Tok::Int(i64::from(u32::from(ch))), start, space);
            }
            b'0'..=b'9' => self.number(space)?,
            b'.' if self.peek(1) != b'.' => {
                self.p += 1;
                self.push(Tok::Dot, start, space);
            }
            c if is_ident_start(c) || c.is_ascii_uppercase() => {
                let name = self.word();
                // `key:` followed by whitespace is a keyword key.
                if self.peek(0) == b':'
                    && self.peek(1) != b':'
                    && matches!(self.peek(1), b' ' | b'\t' | b'\n' | b'\r' | 0)
                {
                    self.p += 1;
                    self.push(Tok::KwKey(name), start, space);
                } else if name.as_bytes()[0].is_ascii_uppercase() {
                    self.push(Tok::Alias(name), start, space);
                } else if WORD_OPS.contains(&name.as_str()) {
                    let op = WORD_OPS
                        .iter()
                        .find(|w| **w == name)
                        .copied()
                        .unwrap_or("and");
                    self.push(Tok::Op(op), start, space);
                } else {
                    if name == "do" {
                        self.depth.push(b'd');
                    } else if name == "end" && self.depth.last() == Some(&b'd') {
                        self.depth.pop();
                    } else if name == "fn" {
                        self.depth.push(b'd');
                    }
                    self.push(Tok::Ident(name), start, space);
                }
            }
            _ => {
                let Some(op) = OPS
                    .iter()
                    .find(|op| self.b[self.p..].starts_with(op.as_bytes()))
                    .copied()
                else {
                    let ch = self.src[self.p..].chars().next().unwrap_or('?');
                    return self.err(format!("unexpected character {ch:?}"), start);
                };
                self.p += op.len();
                self.push(Tok::Op(op), start, space);
            }
        }
        Ok(())
    }

    /// An identifier or alias, with a trailing `?` or `!` as Elixir allows.
    fn word(&mut self) -> String {
        let start = self.p;
        while self.p < self.b.len()
            && (is_ident_char(self.b[self.p]) || self.b[self.p].is_ascii_uppercase())
        {
            self.p += 1;
        }
        if matches!(self.peek(0), b'?' | b'!') && self.peek(1) != b'=' {
            self.p += 1;
        }
        self.src[start..self.p].to_string()
    }

    fn number(&mut self, space: bool) -> Result<(), LexError> {
        let start = self.p;
        if self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'o' | b'b') {
            let radix = match self.peek(1) {
                b'x' => 16,
                b'o' => 8,
                _ => 2,
            };
            self.p += 2;
            let digits_start = self.p;
            while self.p < self.b.len()
                && (self.b[self.p].is_ascii_alphanumeric() || self.b[self.p] == b'_')
            {
                self.p += 1;
            }
            let digits: String = self.src[digits_start..self.p]
                .chars()
                .filter(|&c| c != '_')
                .collect();
            let Ok(n) = i64::from_str_radix(&digits, radix) else {
                return self.err("integer literal out of range or malformed", start);
            };
            self.push(Tok::Int(n), start, space);
            return Ok(());
        }
        while self.p < self.b.len() && (self.b[self.p].is_ascii_digit() || self.b[self.p] == b'_') {
            self.p += 1;
        }
        let mut float = false;
        if self.peek(0) == b'.' && self.peek(1).is_ascii_digit() {
            float = true;
            self.p += 1;
            while self.p < self.b.len()
                && (self.b[self.p].is_ascii_digit() || self.b[self.p] == b'_')
            {
                self.p += 1;
            }
            if matches!(self.peek(0), b'e' | b'E') {
                self.p += 1;
                if matches!(self.peek(0), b'+' | b'-') {
                    self.p += 1;
                }
                while self.p < self.b.len() && self.b[self.p].is_ascii_digit() {
                    self.p += 1;
                }
            }
        }
        let text: String = self.src[start..self.p]
            .chars()
            .filter(|&c| c != '_')
            .collect();
        if float {
            let Ok(f) = text.parse::<f64>() else {
                return self.err("malformed float", start);
            };
            self.push(Tok::Float(f), start, space);
        } else {
            let Ok(n) = text.parse::<i64>() else {
                return self.err("integer literal out of range", start);
            };
            self.push(Tok::Int(n), start, space);
        }
        Ok(())
    }

    /// A `"..."` or `'...'` body starting at the opening quote; returns the value with
    /// escapes applied and whether it interpolates.
    fn quoted(&mut self, q: u8) -> Result<(String, bool), LexError> {
        self.quoted_parts(q, &mut Vec::new())
    }

    /// [`Lexer::quoted`], also cutting the body into `parts` at each `#{...}`.
    fn quoted_parts(
        &mut self,
        q: u8,
        parts: &mut Vec<StrPart>,
    ) -> Result<(String, bool), LexError> {
        let open = self.p;
        self.p += 1;
        let mut value = String::new();
        let mut text = String::new();
        let mut interpolated = false;
        loop {
            if self.p >= self.b.len() {
                return self.err(
                    format!(
                        "unterminated string (the {} here is never closed)",
                        q as char
                    ),
                    open,
                );
            }
            let c = self.b[self.p];
            if c == q {
                self.p += 1;
                if !text.is_empty() {
                    parts.push(StrPart::Text(text));
                }
                return Ok((value, interpolated));
            }
            if c == b'#' && self.peek(1) == b'{' {
                interpolated = true;
                let start = self.p + 2;
                self.skip_interpolation()?;
                if !text.is_empty() {
                    parts.push(StrPart::Text(std::mem::take(&mut text)));
                }
                parts.push(StrPart::Code {
                    start,
                    end: self.p - 1,
                });
                continue;
            }
            let before = value.len();
            if c == b'\\' {
                self.escape(&mut value)?;
            } else {
                let ch = self.src[self.p..].chars().next().unwrap_or('\0');
                value.push(ch);
                self.p += ch.len_utf8();
            }
            text.push_str(&value[before..]);
        }
    }

    /// `"""` / `'''` heredocs: content from the next line to the closing triple
    /// quote, with the closing line's indentation removed from every line.
    fn heredoc(&mut self, q: u8) -> Result<(String, bool), LexError> {
        let open = self.p;
        self.p += 3;
        while self.p < self.b.len() && self.b[self.p] != b'\n' {
            if !matches!(self.b[self.p], b' ' | b'\t' | b'\r') {
                return self.err("a heredoc's opening quotes must end their line", self.p);
            }
            self.p += 1;
        }
        self.p += 1;
        let mut raw = String::new();
        let mut interpolated = false;
        loop {
            if self.p >= self.b.len() {
                return self.err("unterminated heredoc (no closing triple quote)", open);
            }
            // A line of only whitespace then the triple quote closes it.
            let line_end = self.b[self.p..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(self.b.len(), |i| self.p + i);
            let line = &self.src[self.p..line_end];
            let trimmed = line.trim_start();
            if trimmed.as_bytes().starts_with(&[q, q, q]) {
                let indent = line.len() - trimmed.len();
                self.p += indent + 3;
                let value = raw
                    .split_inclusive('\n')
                    .map(|l| {
                        let cut = l
                            .bytes()
                            .take(indent)
                            .take_while(|b| *b == b' ' || *b == b'\t')
                            .count();
                        &l[cut..]
                    })
                    .collect();
                return Ok((value, interpolated));
            }
            let stop = line_end.min(self.b.len());
            while self.p < stop {
                let c = self.b[self.p];
                if c == b'#' && self.peek(1) == b'{' {
                    interpolated = true;
                    self.skip_interpolation()?;
                } else if c == b'\\' {
                    self.escape(&mut raw)?;
                } else {
                    let ch = self.src[self.p..].chars().next().unwrap_or('\0');
                    raw.push(ch);
                    self.p += ch.len_utf8();
                }
            }
            if self.p < self.b.len() {
                raw.push('\n');
                self.p += 1;
            }
        }
    }

    fn skip_interpolation(&mut self) -> Result<(), LexError> {
        let open = self.p;
        if self.interpolations >= crate::parser::MAX_DEPTH {
            return self.err(
                format!(
                    "strings inside #{{...}} nested deeper than {} levels",
                    crate::parser::MAX_DEPTH
                ),
                open,
            );
        }
        self.interpolations += 1;
        let skipped = self.skip_interpolation_inner(open);
        self.interpolations -= 1;
        skipped
    }

    fn skip_interpolation_inner(&mut self, open: usize) -> Result<(), LexError> {
        self.p += 2;
        let mut depth = 1;
        while depth > 0 {
            if self.p >= self.b.len() {
                return self.err("unterminated #{ interpolation", open);
            }
            match self.b[self.p] {
                b'{' => depth += 1,
                b'}' => depth -= 1,
                q @ (b'"' | b'\'') => {
                    self.quoted(q)?;
                    continue;
                }
                _ => {}
            }
            self.p += 1;
        }
        Ok(())
    }

    fn escape(&mut self, value: &mut String) -> Result<(), LexError> {
        let at = self.p;
        self.p += 1;
        let Some(&c) = self.b.get(self.p) else {
            return self.err("backslash at the end of the file", at);
        };
        self.p += 1;
        match c {
            b'n' => value.push('\n'),
            b't' => value.push('\t'),
            b'r' => value.push('\r'),
            b's' => value.push(' '),
            b'e' => value.push('\u{1b}'),
            b'0' => value.push('\0'),
            b'a' => value.push('\u{7}'),
            b'b' => value.push('\u{8}'),
            b'f' => value.push('\u{c}'),
            b'v' => value.push('\u{b}'),
            b'\n' => {}
            b'x' => {
                let hex: String = self.src[self.p..]
                    .chars()
                    .take(2)
                    .take_while(|c| c.is_ascii_hexdigit())
                    .collect();
                self.p += hex.len();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => value.push(ch),
                    None => return self.err("malformed \\x escape", at),
                }
            }
            b'u' => {
                let (hex, skip) = if self.peek(0) == b'{' {
                    let end = self.b[self.p..]
                        .iter()
                        .position(|&c| c == b'}')
                        .unwrap_or(0);
                    (self.src[self.p + 1..self.p + end].to_string(), end + 1)
                } else {
                    let h: String = self.src[self.p..].chars().take(4).collect();
                    (h, 4)
                };
                self.p += skip;
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => value.push(ch),
                    None => return self.err("malformed \\u escape", at),
                }
            }
            _ => {
                self.p -= 1;
                let ch = self.src[self.p..].chars().next().unwrap_or('\0');
                value.push(ch);
                self.p += ch.len_utf8();
            }
        }
        Ok(())
    }

    fn sigil(&mut self, space: bool) -> Result<(), LexError> {
        let start = self.p;
        let letter = char::from(self.b[self.p + 1]);
        self.p += 2;
        let open = self.peek(0);
        let close = match open {
            b'(' => b')',
            b'[' => b']',
            b'{' => b'}',
            b'<' => b'>',
            b'"' | b'\'' | b'|' | b'/' => open,
            _ => return self.err("a sigil needs a delimiter such as ( [ { < \" ' | /", self.p),
        };
        let content_start = self.p + 1;
        if (open == b'"' || open == b'\'') && self.peek(1) == open && self.peek(2) == open {
            let (value, _) = self.heredoc(open)?;
            let modifiers = self.word();
            self.push(
                Tok::Sigil {
                    letter,
                    content: value,
                    modifiers,
                },
                start,
                space,
            );
            return Ok(());
        }
        self.p += 1;
        let mut nest = 0;
        loop {
            if self.p >= self.b.len() {
                return self.err("unterminated sigil", start);
            }
            let c = self.b[self.p];
            if c == b'\\' {
                self.p += 2;
                continue;
            }
            if c == open && open != close {
                nest += 1;
            } else if c == close {
                if nest == 0 {
                    break;
                }
                nest -= 1;
            }
            self.p += 1;
        }
        let content = self.src[content_start..self.p].to_string();
        self.p += 1;
        let modifiers = self.word();
        self.push(
            Tok::Sigil {
                letter,
                content,
                modifiers,
            },
            start,
            space,
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(src: &str) -> Vec<Tok> {
        lex(src).unwrap().into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn atoms_keys_and_strings() {
        assert_eq!(
            toks("set cookie: :\"foo 123\", vm_args: \"rel/vm.args\""),
            [
                Tok::Ident("set".into()),
                Tok::KwKey("cookie".into()),
                Tok::Atom("foo 123".into()),
                Tok::Comma,
                Tok::KwKey("vm_args".into()),
                Tok::Str {
                    value: "rel/vm.args".into(),
                    interpolated: false,
                    parts: vec![]
                },
                Tok::Sep,
                Tok::Eof
            ]
        );
    }

    #[test]
    fn newlines_separate_only_outside_brackets() {
        let t = toks("a [\n1,\n2\n]\nb");
        assert_eq!(t.iter().filter(|t| **t == Tok::Sep).count(), 2);
        let t = toks("x |>\n y");
        assert_eq!(t.iter().filter(|t| **t == Tok::Sep).count(), 1);
    }

    #[test]
    fn escapes_interpolation_heredocs_and_sigils() {
        assert_eq!(
            toks("\"a\\tb\\u00e9\"")[0],
            Tok::Str {
                value: "a\tbé".into(),
                interpolated: false,
                parts: vec![]
            }
        );
        assert_eq!(
            toks("\"v#{1 + \"}\"}\"")[0],
            Tok::Str {
                value: "v".into(),
                interpolated: true,
                // `v`, then the code `1 + "}"` (bytes 4 to 11).
                parts: vec![
                    StrPart::Text("v".into()),
                    StrPart::Code { start: 4, end: 11 }
                ]
            }
        );
        assert_eq!(
            toks("\"\"\"\n  one\n    two\n  \"\"\"")[0],
            Tok::Str {
                value: "one\n  two\n".into(),
                interpolated: false,
                parts: vec![]
            }
        );
        assert_eq!(
            toks("~w(rel plugins *.exs)a")[0],
            Tok::Sigil {
                letter: 'w',
                content: "rel plugins *.exs".into(),
                modifiers: "a".into()
            }
        );
        assert_eq!(toks("?a")[0], Tok::Int(97));
        assert_eq!(toks("1_000")[0], Tok::Int(1000));
        assert_eq!(toks("@version")[0], Tok::Attr("version".into()));
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(lex("x = \"open").unwrap_err().offset, 4);
        assert!(lex("x = \"open")
            .unwrap_err()
            .message
            .contains("unterminated string"));
        assert!(lex("\"\"\"\nnever closed")
            .unwrap_err()
            .message
            .contains("heredoc"));
        assert_eq!(lex("[1, 2)").unwrap_err().offset, 5);
        assert!(lex("a ]").is_err());
    }

    /// Strings nested in interpolations are read recursively: 10,000 levels are an
    /// error with a place, not a stack overflow; 64 are read.
    #[test]
    fn deep_interpolation_is_refused_not_overflowed() {
        let nested = |n: usize| format!("\"{}a{}\"", "#{\"".repeat(n), "\"}".repeat(n));
        let e = lex(&nested(10_000)).unwrap_err();
        assert!(e.message.contains("nested deeper than 64"), "{}", e.message);
        assert_eq!(e.offset, 64 * 3 + 1);
        assert!(lex(&nested(64)).is_ok());
    }
}
