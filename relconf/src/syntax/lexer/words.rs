//! Identifiers, keywords and numbers.

use super::scan::*;
use super::tokens::*;
use crate::syntax::ast::Error;

impl<'a> Lexer<'a> {
    pub(super) fn char_at(&self, q: usize) -> (u32, usize) {
        let ch = self.src[q..].chars().next().unwrap_or('\0');
        (ch as u32, ch.len_utf8())
    }

    /// An identifier's kind from what follows it directly.
    pub(super) fn call_kind(&self) -> IdKind {
        match self.at(0) {
            b'(' => IdKind::Paren,
            b'[' => IdKind::Bracket,
            _ => IdKind::Plain,
        }
    }

    /// `!`, `^`, `~~~`, `@`, `+`, `-`: a newline before them ends an expression.
    pub(super) fn unary_op(&mut self, kind: Op, op: &'static str) -> Result<(), Error> {
        self.operator(kind, op, false)
    }

    /// A newline before a binary operator does not end the expression.
    pub(super) fn binary_op(&mut self, kind: Op, op: &'static str) -> Result<(), Error> {
        self.operator(kind, op, true)
    }

    /// An operator, or its name when `:` and a space follow (`+: 1`) or `/` does
    /// (`&+/2`).
    pub(super) fn operator(
        &mut self,
        kind: Op,
        op: &'static str,
        binary: bool,
    ) -> Result<(), Error> {
        let start = self.p;
        self.p += op.len();
        if self.at(0) == b':' && is_space(self.at(1)) {
            self.p += 1;
            self.push(Tk::Kw(op.into()), start);
            return Ok(());
        }
        let q = self.horizontal_spaces_from(self.p);
        if self.b.get(q) == Some(&b'/') {
            self.push(Tk::Ident(IdKind::Plain, op.into()), start);
        } else if binary {
            self.push_dropping_eol(Tk::Op(kind, op), start);
        } else {
            self.push(Tk::Op(kind, op), start);
        }
        self.p = q;
        Ok(())
    }

    /// After horizontal space: `f -1` makes `f` a call with `-1` as its argument.
    pub(super) fn space_sensitive(&mut self) {
        let sign = self.at(0);
        let next = self.at(1);
        if matches!(sign, b'+' | b'-') && self.p + 1 < self.b.len() && !is_op_char_after_sign(next)
        {
            if let Some(Token {
                tk: Tk::Ident(kind @ IdKind::Plain, _),
                ..
            }) = self.out.last_mut()
            {
                *kind = IdKind::Op;
                let start = self.p;
                self.p += 1;
                self.push(
                    Tk::Op(Op::Dual, if sign == b'+' { "+" } else { "-" }),
                    start,
                );
            }
        }
    }

    pub(super) fn dot(&mut self) -> Result<(), Error> {
        let start = self.p;
        self.p += 1;
        // Spaces, newlines and comments may follow a dot.
        loop {
            self.p = self.horizontal_spaces_from(self.p);
            match self.at(0) {
                b'#' => {
                    while self.p < self.b.len() && self.at(0) != b'\n' {
                        self.p += 1;
                    }
                }
                b'\n' => self.p += 1,
                b'\r' if self.at(1) == b'\n' => self.p += 2,
                _ => break,
            }
        }
        let rest = self.rest();
        let op = DOT_THREE
            .iter()
            .find(|o| rest.starts_with(o.as_bytes()))
            .or_else(|| DOT_TWO.iter().find(|o| rest.starts_with(o.as_bytes())))
            .map(|o| o.to_string())
            .or_else(|| {
                rest.first()
                    .filter(|c| b"@!^&+-*/<>=|".contains(c))
                    .map(|&c| (c as char).to_string())
            });
        if let Some(op) = op {
            self.push_dot(Tk::Dot, start);
            let at = self.p;
            self.p += op.len();
            let kind = self.call_kind();
            self.push(Tk::Ident(kind, op), at);
            return Ok(());
        }
        if self.at(0) == b'(' {
            self.push_dot(Tk::DotCall, start);
            return Ok(());
        }
        if matches!(self.at(0), b'"' | b'\'') {
            let q = self.at(0);
            let at = self.p;
            self.p += 1;
            let parts = self.extract(q, true, "function name", at)?;
            let name = match parts.as_slice() {
                [Part::Text(t)] => String::from_utf8(t.clone())
                    .map_err(|_| Error::new("a function name is not UTF-8", at))?,
                [] => String::new(),
                _ => return self.err("a function name cannot be interpolated", at),
            };
            self.push_dot(Tk::Dot, start);
            let kind = self.call_kind();
            self.push(Tk::Ident(kind, name), at);
            return Ok(());
        }
        self.push_dot(Tk::Dot, start);
        Ok(())
    }

    /// `.` or `.(`: one byte at `start` (spaces and newlines after it are already
    /// read), and a newline before it does not end the expression.
    pub(super) fn push_dot(&mut self, tk: Tk, start: usize) {
        if matches!(self.out.last(), Some(Token { tk: Tk::Eol, .. })) {
            self.out.pop();
        }
        self.out.push(Token {
            tk,
            start,
            end: start + 1,
        });
    }

    /// The identifier or alias at `p`, without reading it.
    pub(super) fn word(&self) -> Option<Word> {
        let s = &self.src[self.p..];
        let mut chars = s.char_indices();
        let (_, first) = chars.next()?;
        let alias = if first.is_ascii() {
            if first.is_ascii_uppercase() {
                true
            } else if first.is_ascii_lowercase() || first == '_' {
                false
            } else {
                return None;
            }
        } else if unicode_ident::is_xid_start(first) {
            first.is_uppercase()
        } else {
            return None;
        };
        let mut end = first.len_utf8();
        let mut has_at = false;
        let mut ascii = first.is_ascii();
        let mut punctuated = false;
        for (i, ch) in chars {
            if ch == '@' {
                has_at = true;
            } else if ch == '!' || ch == '?' {
                end = i + 1;
                punctuated = true;
                break;
            } else if ch.is_ascii_alphanumeric() || ch == '_' {
            } else if !ch.is_ascii() && unicode_ident::is_xid_continue(ch) {
                ascii = false;
            } else {
                end = i;
                return Some(Word {
                    alias,
                    end: self.p + end,
                    has_at,
                    ascii,
                    punctuated,
                });
            }
            end = i + ch.len_utf8();
        }
        Some(Word {
            alias,
            end: self.p + end,
            has_at,
            ascii,
            punctuated,
        })
    }

    pub(super) fn identifier(&mut self) -> Result<(), Error> {
        let start = self.p;
        let Some(word) = self.word() else {
            let (ch, _) = self.char_at(start);
            let shown = char::from_u32(ch).unwrap_or('?');
            return self.err(format!("unexpected `{shown}` (U+{ch:04X})"), start);
        };
        let name = &self.src[start..word.end];
        let after = &self.b[word.end..];
        let maybe_keyword = !self.previous_was_dot()
            && match after {
                [b':', b':', ..] => true,
                [b':', ..] => false,
                _ => true,
            };
        if maybe_keyword {
            if let Some(done) = self.keyword(name, word.end)? {
                return Ok(done);
            }
        }
        if after.first() == Some(&b':') && after.get(1).is_some_and(|&c| is_space(c)) {
            self.p = word.end + 1;
            self.push(Tk::Kw(name.to_string()), start);
            return Ok(());
        }
        if after.first() == Some(&b':') && after.get(1).is_some_and(|&c| c != b':') {
            return self.err(
                format!("a keyword must be followed by a space: `{name}: `"),
                start,
            );
        }
        if word.has_at {
            return self.err(format!("`@` cannot stand inside the name `{name}`"), start);
        }
        if name == "__aliases__" || name == "__block__" {
            return self.err(format!("`{name}` is reserved"), start);
        }
        let name = name.to_string();
        self.p = word.end;
        if word.alias {
            if !word.ascii || word.punctuated {
                return self.err(
                    format!("an alias is ASCII letters, digits and underscores: `{name}`"),
                    start,
                );
            }
            self.push(Tk::Alias(name), start);
        } else {
            let kind = self.call_kind();
            self.push(Tk::Ident(kind, name), start);
        }
        Ok(())
    }

    /// Reserved words. `Ok(None)` when `name` is not one.
    pub(super) fn keyword(&mut self, name: &str, end: usize) -> Result<Option<()>, Error> {
        let start = self.p;
        let op = match name {
            "fn" => {
                self.p = end;
                self.open(Opener::Fn, start);
                self.push(Tk::Fn, start);
                return Ok(Some(()));
            }
            "do" => {
                let prev = self.out.last().map(|t| &t.tk);
                match prev {
                    Some(Tk::Ident(IdKind::Plain, _)) => {
                        if let Some(Token {
                            tk: Tk::Ident(kind, _),
                            ..
                        }) = self.out.last_mut()
                        {
                            *kind = IdKind::Do;
                        }
                    }
                    Some(Tk::Fn) => return self.err("unexpected `do` after `fn`", start),
                    Some(Tk::Comma | Tk::Semi) => {
                        return self.err(
                            "unexpected `do`: use a do-block or a `do:` keyword after a comma",
                            start,
                        )
                    }
                    _ => {}
                }
                self.p = end;
                self.open(Opener::Do, start);
                self.push_dropping_eol(Tk::Do, start);
                return Ok(Some(()));
            }
            "end" => {
                self.p = end;
                self.close("end", start)?;
                self.push(Tk::End, start);
                return Ok(Some(()));
            }
            "true" | "false" | "nil" => {
                self.p = end;
                let tk = match name {
                    "true" => Tk::True,
                    "false" => Tk::False,
                    _ => Tk::Nil,
                };
                self.push(tk, start);
                return Ok(Some(()));
            }
            "after" | "else" | "catch" | "rescue" => {
                self.p = end;
                let word = match name {
                    "after" => "after",
                    "else" => "else",
                    "catch" => "catch",
                    _ => "rescue",
                };
                self.push(Tk::Block(word), start);
                return Ok(Some(()));
            }
            "not" => (Op::Unary, "not"),
            "and" => (Op::And, "and"),
            "or" => (Op::Or, "or"),
            "when" => (Op::When, "when"),
            "in" => (Op::In, "in"),
            _ => return Ok(None),
        };
        self.p = end;
        let q = self.horizontal_spaces_from(self.p);
        if self.b.get(q) == Some(&b'/') {
            self.push(Tk::Ident(IdKind::Plain, op.1.into()), start);
            return Ok(Some(()));
        }
        if op.1 == "in" {
            if let Some(Token {
                tk: Tk::Op(Op::Unary, "not"),
                start: not_at,
                ..
            }) = self.out.last()
            {
                let not_at = *not_at;
                self.out.pop();
                self.push_dropping_eol(Tk::Op(Op::In, "not in"), not_at);
                return Ok(Some(()));
            }
        }
        if op.0 == Op::Unary {
            self.push(Tk::Op(op.0, op.1), start);
        } else {
            self.push_dropping_eol(Tk::Op(op.0, op.1), start);
        }
        Ok(Some(()))
    }

    pub(super) fn number(&mut self) -> Result<(), Error> {
        let start = self.p;
        let mut text = String::new();
        let mut float = false;
        loop {
            let c = self.at(0);
            if c.is_ascii_digit() {
                text.push(c as char);
                self.p += 1;
            } else if c == b'_' && self.at(1).is_ascii_digit() {
                self.p += 1;
            } else if c == b'.' && !float && self.at(1).is_ascii_digit() {
                float = true;
                text.push('.');
                self.p += 1;
            } else if float
                && matches!(c, b'e' | b'E')
                && matches!(self.at(1), b'+' | b'-')
                && self.at(2).is_ascii_digit()
            {
                text.push('e');
                text.push(self.at(1) as char);
                self.p += 2;
            } else if float && matches!(c, b'e' | b'E') && self.at(1).is_ascii_digit() {
                text.push('e');
                self.p += 1;
            } else {
                break;
            }
        }
        let next = self.at(0);
        if next.is_ascii_alphabetic() || next == b'_' {
            return self.err(
                format!(
                    "`{}` right after a number: identifiers cannot start with a digit",
                    next as char
                ),
                start,
            );
        }
        if float {
            let value: f64 = text
                .parse()
                .map_err(|_| Error::new("invalid float number", start))?;
            if !value.is_finite() {
                return self.err("a float too large for 64 bits", start);
            }
            self.push(Tk::Float(value), start);
        } else {
            let digits = text.trim_start_matches('0');
            let value = if digits.is_empty() { "0" } else { digits };
            self.push(Tk::Int(value.to_string()), start);
        }
        Ok(())
    }
}
