//! Strings, atoms in quotes, heredocs, sigils and interpolations, and unescaping.

use super::scan::*;
use super::text::*;
use super::tokens::*;
use crate::syntax::ast::{Error, MAX_DEPTH};

impl<'a> Lexer<'a> {
    pub(super) fn string(&mut self, q: u8) -> Result<(), Error> {
        let start = self.p;
        self.p += 1;
        let what = if q == b'"' { "string" } else { "charlist" };
        let parts = self.extract(q, true, what, start)?;
        let parts = unescape_parts(parts, start)?;
        if self.at(0) == b':' && is_space(self.at(1)) {
            self.p += 1;
            let tk = match text_only(&parts) {
                Some(text) => Tk::Kw(atom_text(text, start)?),
                None => Tk::KwInterpolated(parts),
            };
            self.push(tk, start);
            return Ok(());
        }
        self.push(string_token(q, parts), start);
        Ok(())
    }

    pub(super) fn quoted_atom(&mut self) -> Result<(), Error> {
        let start = self.p;
        let q = self.at(1);
        self.p += 2;
        let parts = self.extract(q, true, "atom", start + 1)?;
        let parts = unescape_parts(parts, start)?;
        let tk = match text_only(&parts) {
            Some(text) => Tk::Atom(atom_text(text, start)?),
            None => Tk::AtomInterpolated(parts),
        };
        self.push(tk, start);
        Ok(())
    }

    pub(super) fn heredoc_string(&mut self, q: u8) -> Result<(), Error> {
        let start = self.p;
        self.p += 3;
        let parts = self.heredoc(q, true, start)?;
        let parts = unescape_parts(parts, start)?;
        self.push(string_token(q, parts), start);
        Ok(())
    }

    /// `~s(...)`, `~S"""..."""`, and (Elixir 1.15 on) sigils named by several
    /// uppercase letters and digits, such as `~HTML"..."`.
    pub(super) fn sigil(&mut self) -> Result<(), Error> {
        let start = self.p;
        let first = self.at(1);
        let mut name_end = self.p + 2;
        if first.is_ascii_uppercase() {
            while self
                .b
                .get(name_end)
                .is_some_and(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            {
                name_end += 1;
            }
        }
        let name = self.src[start + 1..name_end].to_string();
        let interpolate = first.is_ascii_lowercase();
        let body = name_end - start;
        let rest = &self.b[name_end..];
        let parts = if rest.starts_with(b"\"\"\"") || rest.starts_with(b"'''") {
            let q = rest[0];
            self.p = name_end + 3;
            self.heredoc(q, interpolate, start)?
        } else {
            let open = self.b.get(name_end).copied().unwrap_or(0);
            let close = match open {
                b'(' => b')',
                b'[' => b']',
                b'{' => b'}',
                b'<' => b'>',
                b'/' | b'|' | b'"' | b'\'' => open,
                _ => {
                    return self.err(
                        "invalid sigil delimiter: use one of // || \"\" '' () [] {} <>",
                        start,
                    )
                }
            };
            self.p = name_end + 1;
            self.extract(close, interpolate, "sigil", start + body)?
        };
        let mod_start = self.p;
        while self.at(0).is_ascii_alphanumeric() {
            self.p += 1;
        }
        let modifiers = self.src[mod_start..self.p].to_string();
        self.push(
            Tk::Sigil(Box::new(Sigil {
                name,
                parts,
                modifiers,
            })),
            start,
        );
        Ok(())
    }

    /// A heredoc's body after its opening quotes: the rest of the opening line must
    /// be blank; lines lose as much indentation as the closing quotes have.
    pub(super) fn heredoc(
        &mut self,
        q: u8,
        interpolate: bool,
        start: usize,
    ) -> Result<Vec<Part>, Error> {
        let mut r = self.p;
        while matches!(self.b.get(r), Some(b' ' | b'\t')) {
            r += 1;
        }
        if self.b.get(r) == Some(&b'\r') && self.b.get(r + 1) == Some(&b'\n') {
            r += 2;
        } else if self.b.get(r) == Some(&b'\n') {
            r += 1;
        } else {
            return self.err(
                "a heredoc's opening quotes must end their line (only spaces may follow)",
                start,
            );
        }
        self.p = r;
        let closing = [q, q, q];
        let (mut parts, indent) = self.extract_heredoc(&closing, interpolate, start)?;
        // Remove up to `indent` spaces or tabs after each newline; the body is read
        // as if it began with one.
        let mut at_line_start = true;
        for part in &mut parts {
            if let Part::Text(text) = part {
                let mut out = Vec::with_capacity(text.len());
                let mut i = 0;
                while i < text.len() {
                    if at_line_start {
                        let mut n = 0;
                        while n < indent && i < text.len() && matches!(text[i], b' ' | b'\t') {
                            i += 1;
                            n += 1;
                        }
                        at_line_start = false;
                        continue;
                    }
                    if text[i] == b'\n' {
                        at_line_start = true;
                    }
                    out.push(text[i]);
                    i += 1;
                }
                *text = out;
            } else {
                at_line_start = false;
            }
        }
        Ok(parts)
    }

    pub(super) fn extract_heredoc(
        &mut self,
        closing: &[u8; 3],
        interpolate: bool,
        start: usize,
    ) -> Result<(Vec<Part>, usize), Error> {
        // The line start of each line is checked for the closing quotes.
        let mut parts = Vec::new();
        let mut buf = Vec::new();
        let mut line_start = true;
        loop {
            if line_start {
                let q = self.horizontal_spaces_from(self.p);
                if self.b[q..].starts_with(closing) {
                    let indent = q - self.p;
                    self.p = q + 3;
                    push_text(&mut parts, &mut buf, true);
                    return Ok((parts, indent));
                }
                line_start = false;
            }
            if self.p >= self.b.len() {
                let q = closing[0] as char;
                return self.err(
                    format!("unterminated heredoc (the {q}{q}{q} here is never closed)"),
                    start,
                );
            }
            let c = self.at(0);
            if c == b'\n' {
                buf.push(c);
                self.p += 1;
                line_start = true;
                continue;
            }
            if c == b'\\' && self.rest()[1..].starts_with(closing) {
                buf.extend_from_slice(closing);
                self.p += 4;
                continue;
            }
            line_start = self.body_piece(&mut parts, &mut buf, interpolate)?;
        }
    }

    /// A one-line-delimited body (strings, quoted atoms, sigils): up to `close`,
    /// which is consumed. Escapes are kept as written, but for a backslash before
    /// the closing delimiter, which leaves only the delimiter.
    pub(super) fn extract(
        &mut self,
        close: u8,
        interpolate: bool,
        what: &str,
        at: usize,
    ) -> Result<Vec<Part>, Error> {
        let opened = self.b.get(at).map_or('"', |&c| c as char);
        let mut parts = Vec::new();
        let mut buf = Vec::new();
        loop {
            if self.p >= self.b.len() {
                return self.err(
                    format!("unterminated {what} (the {opened} here is never closed)"),
                    at,
                );
            }
            let c = self.at(0);
            if c == close {
                self.p += 1;
                push_text(&mut parts, &mut buf, true);
                return Ok(parts);
            }
            if c == b'\\' && self.at(1) == close {
                buf.push(close);
                self.p += 2;
                continue;
            }
            self.body_piece(&mut parts, &mut buf, interpolate)?;
        }
    }

    /// One piece of a quoted body at `p`: an escaped `#{` (kept), an
    /// interpolation (tokenized), a backslash with the character it escapes (kept
    /// as written), or a byte. Whether it ended with a newline.
    pub(super) fn body_piece(
        &mut self,
        parts: &mut Vec<Part>,
        buf: &mut Vec<u8>,
        interpolate: bool,
    ) -> Result<bool, Error> {
        let c = self.at(0);
        if c == b'\\' && self.at(1) == b'#' && self.at(2) == b'{' && interpolate {
            buf.extend_from_slice(b"\\#{");
            self.p += 3;
        } else if c == b'#' && self.at(1) == b'{' && interpolate {
            push_text(parts, buf, false);
            parts.push(self.interpolation()?);
        } else if c == b'\\' && self.p + 1 < self.b.len() {
            let (_, len) = self.char_at(self.p + 1);
            buf.extend_from_slice(&self.b[self.p..self.p + 1 + len]);
            self.p += 1 + len;
        } else {
            buf.push(c);
            self.p += 1;
        }
        Ok(self.p > 0 && self.b[self.p - 1] == b'\n')
    }

    /// `#{ ... }`: its tokens, read by this same lexer up to the closing brace.
    pub(super) fn interpolation(&mut self) -> Result<Part, Error> {
        let start = self.p;
        if self.depth >= MAX_DEPTH {
            return self.err(
                format!("strings nested in interpolations deeper than {MAX_DEPTH} levels"),
                start,
            );
        }
        self.p += 2;
        let outer = std::mem::take(&mut self.out);
        let outer_open = std::mem::take(&mut self.open);
        self.depth += 1;
        let result = self.run(true);
        self.depth -= 1;
        let tokens = std::mem::replace(&mut self.out, outer);
        self.open = outer_open;
        result.map_err(|e| {
            if e.message.starts_with("missing `}`") {
                Error::new("missing `}` to close this interpolation", start)
            } else {
                e
            }
        })?;
        self.p += 1;
        Ok(Part::Code {
            tokens,
            start,
            end: self.p,
        })
    }
}
