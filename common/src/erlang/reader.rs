//! The reader: erl_scan's tokens and parse_term's grammar in one pass.

use super::term::{negate, utf8_len, Kind, Term, MAX_DEPTH, RESERVED};
use crate::syntax::{Position, SyntaxError};

pub(super) fn consult(text: &str) -> Result<Vec<Term>, SyntaxError> {
    let mut reader = Reader {
        text: text.as_bytes(),
        pos: 0,
        last_end: 0,
    };
    let mut terms = Vec::new();
    loop {
        reader.skip_blank();
        if reader.pos >= reader.text.len() {
            return Ok(terms);
        }
        let start = reader.pos;
        let term = reader.term(0).and_then(|term| {
            reader.skip_blank();
            reader.dot().map(|()| term)
        });
        match term {
            Ok(term) => terms.push(term),
            // erl scans a term's tokens up to its dot before it parses them: a
            // scanning error there is the one reported.
            Err(e) => return Err(reader.scan_error(start).unwrap_or(e)),
        }
    }
}

struct Reader<'a> {
    text: &'a [u8],
    pos: usize,
    /// Where the last token ended: an error at the end of the text is reported
    /// there, as erl reports it on the last token's line.
    last_end: usize,
}

impl Reader<'_> {
    fn error(&self, at: usize, message: impl Into<String>) -> SyntaxError {
        let at = if at >= self.text.len() {
            self.last_end
        } else {
            at
        };
        SyntaxError::new(Position::of_offset(self.text, at), message)
    }

    /// The first scanning error (an unclosed string or quoted atom) between `from`
    /// and the dot that ends the term.
    fn scan_error(&self, from: usize) -> Option<SyntaxError> {
        let text = self.text;
        let mut i = from;
        while i < text.len() {
            match text[i] {
                b'%' => {
                    while i < text.len() && text[i] != b'\n' {
                        i += 1;
                    }
                }
                quote @ (b'"' | b'\'') => {
                    let open = i;
                    i += 1;
                    loop {
                        match text.get(i) {
                            None => {
                                let what = if quote == b'"' {
                                    "string"
                                } else {
                                    "quoted atom"
                                };
                                return Some(SyntaxError::new(
                                    Position::of_offset(text, open),
                                    format!("the {what} starting here is not closed"),
                                ));
                            }
                            Some(b'\\') => i += 2,
                            Some(&b) if b == quote => break,
                            Some(_) => i += 1,
                        }
                    }
                    i += 1;
                }
                b'$' => {
                    i += if text.get(i + 1) == Some(&b'\\') {
                        3
                    } else {
                        2
                    }
                }
                b'.' if text
                    .get(i + 1)
                    .is_none_or(|b| b.is_ascii_whitespace() || *b == b'%') =>
                {
                    return None
                }
                _ => i += 1,
            }
        }
        None
    }

    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_blank(&mut self) {
        self.last_end = self.last_end.max(self.pos);
        while let Some(b) = self.peek() {
            if b == b'%' {
                while self.peek().is_some_and(|b| b != b'\n') {
                    self.pos += 1;
                }
            } else if b.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// The dot that ends a term: followed by white space, `%` or the end.
    fn dot(&mut self) -> Result<(), SyntaxError> {
        match self.peek() {
            Some(b'.') => {
                let next = self.text.get(self.pos + 1).copied();
                if next.is_none_or(|b| b.is_ascii_whitespace() || b == b'%') {
                    self.pos += 1;
                    Ok(())
                } else {
                    Err(self.error(self.pos, "a term ends with a dot and then white space"))
                }
            }
            None => Err(self.error(self.pos, "the file ends before the term's closing dot")),
            Some(_) => Err(self.error(
                self.pos,
                format!("syntax error before: {}", self.token_text()),
            )),
        }
    }

    /// The token at the cursor, for messages.
    fn token_text(&self) -> String {
        let rest = &self.text[self.pos..];
        let len = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || b",.{}[]|()".contains(b))
            .unwrap_or(rest.len())
            .max(1)
            .min(rest.len());
        String::from_utf8_lossy(&rest[..len.min(40)]).into_owned()
    }

    fn term(&mut self, depth: usize) -> Result<Term, SyntaxError> {
        if depth > MAX_DEPTH {
            return Err(self.error(self.pos, format!("terms nested more than {MAX_DEPTH} deep")));
        }
        self.skip_blank();
        let at = self.pos;
        let Some(b) = self.peek() else {
            return Err(self.error(at, "the file ends inside a term"));
        };
        let kind = match b {
            b'{' => {
                self.pos += 1;
                Kind::Tuple(self.items(b'}', depth)?.0)
            }
            b'[' => {
                self.pos += 1;
                let (mut items, tail) = self.items(b']', depth)?;
                // `[a | [b]]` is `[a, b]`, and `[a | "bc"]` is `[a, $b, $c]`.
                match tail.map(|t| (t.at, t.kind)) {
                    None => Kind::List(items, None),
                    Some((_, Kind::List(more, rest))) => {
                        items.extend(more);
                        Kind::List(items, rest)
                    }
                    Some((at, Kind::Str(text))) => {
                        items.extend(text.chars().map(|c| Term {
                            at,
                            kind: Kind::Int((c as u32).to_string()),
                        }));
                        Kind::List(items, None)
                    }
                    Some((at, kind)) => Kind::List(items, Some(Box::new(Term { at, kind }))),
                }
            }
            b'#' => {
                self.pos += 1;
                if self.peek() != Some(b'{') {
                    return Err(
                        self.error(at, "records cannot be read as terms: only maps, #{...}")
                    );
                }
                self.pos += 1;
                Kind::Map(self.pairs(depth)?)
            }
            b'<' if self.text[self.pos..].starts_with(b"<<") => {
                self.pos += 2;
                Kind::Binary(self.binary()?)
            }
            b'"' => {
                let mut text = self.quoted(b'"')?;
                // Adjacent string literals are one string.
                loop {
                    let save = self.pos;
                    self.skip_blank();
                    if self.peek() == Some(b'"') {
                        text.push_str(&self.quoted(b'"')?);
                    } else {
                        self.pos = save;
                        break;
                    }
                }
                Kind::Str(text)
            }
            b'\'' => Kind::Atom(self.quoted(b'\'')?),
            b'$' => {
                self.pos += 1;
                Kind::Int(self.char_code()?.to_string())
            }
            b'-' | b'+' => {
                self.pos += 1;
                self.skip_blank();
                let inner = self.term(depth + 1)?;
                match inner.kind {
                    Kind::Int(n) if b == b'-' => Kind::Int(negate(&n)),
                    Kind::Float(f) if b == b'-' => Kind::Float(-f),
                    number @ (Kind::Int(_) | Kind::Float(_)) => number,
                    _ => return Err(self.error(at, "a sign before something that is not a number")),
                }
            }
            b'0'..=b'9' => self.number()?,
            b if b.is_ascii_lowercase() || b >= 0xc0 => {
                let word = self.word();
                if RESERVED.contains(&word.as_str()) {
                    return Err(self.error(
                        at,
                        format!(
                            "syntax error before: {word} (a reserved word: quote it, '{word}')"
                        ),
                    ));
                }
                Kind::Atom(word)
            }
            b if b.is_ascii_uppercase() || b == b'_' => {
                let word = self.word();
                return Err(self.error(
                    at,
                    format!(
                        "{word} is a variable: a term holds none (quote it, '{word}', for an atom)"
                    ),
                ));
            }
            _ => return Err(self.error(at, format!("syntax error before: {}", self.token_text()))),
        };
        Ok(Term { at, kind })
    }

    fn word(&mut self) -> String {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b.is_ascii_alphanumeric() || b == b'_' || b == b'@' || b >= 0x80 {
                self.pos += 1;
            } else {
                break;
            }
        }
        String::from_utf8_lossy(&self.text[start..self.pos]).into_owned()
    }

    /// `{a, b}` or `[a, b | T]` after the opening bracket.
    fn items(&mut self, close: u8, depth: usize) -> Result<(Vec<Term>, Option<Term>), SyntaxError> {
        let mut items = Vec::new();
        self.skip_blank();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok((items, None));
        }
        loop {
            items.push(self.term(depth + 1)?);
            self.skip_blank();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'|') if close == b']' => {
                    self.pos += 1;
                    let tail = self.term(depth + 1)?;
                    self.skip_blank();
                    if self.peek() != Some(b']') {
                        return Err(self.error(self.pos, "a list's tail is followed by ]"));
                    }
                    self.pos += 1;
                    return Ok((items, Some(tail)));
                }
                Some(b) if b == close => {
                    self.pos += 1;
                    return Ok((items, None));
                }
                None => {
                    return Err(self.error(
                        self.pos,
                        format!("the file ends before the closing {}", close as char),
                    ))
                }
                Some(_) => {
                    return Err(self.error(
                        self.pos,
                        format!(
                            "syntax error before: {} (expected ',' or '{}')",
                            self.token_text(),
                            close as char
                        ),
                    ))
                }
            }
        }
    }

    /// `k => v, ...}` after `#{`.
    fn pairs(&mut self, depth: usize) -> Result<Vec<(Term, Term)>, SyntaxError> {
        let mut pairs = Vec::new();
        self.skip_blank();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(pairs);
        }
        loop {
            let key = self.term(depth + 1)?;
            self.skip_blank();
            if !self.text[self.pos..].starts_with(b"=>") {
                return Err(self.error(self.pos, "a map's key is followed by =>"));
            }
            self.pos += 2;
            let value = self.term(depth + 1)?;
            pairs.push((key, value));
            self.skip_blank();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(pairs);
                }
                _ => return Err(self.error(self.pos, "expected ',' or '}' in a map")),
            }
        }
    }

    /// `<<"text", 1, 2>>` after `<<`: strings and bytes, each with at most a `/utf8`
    /// or `/binary`-free default type.
    fn binary(&mut self) -> Result<Vec<u8>, SyntaxError> {
        let mut out = Vec::new();
        self.skip_blank();
        if self.text[self.pos..].starts_with(b">>") {
            self.pos += 2;
            return Ok(out);
        }
        loop {
            self.skip_blank();
            let at = self.pos;
            match self.peek() {
                Some(b'"') => {
                    let text = self.quoted(b'"')?;
                    if self.text[self.pos..].starts_with(b"/utf8") {
                        self.pos += 5;
                        out.extend_from_slice(text.as_bytes());
                    } else {
                        // Without a type each character is one byte (its low eight bits).
                        out.extend(text.chars().map(|c| c as u32 as u8));
                    }
                }
                Some(b'0'..=b'9' | b'$') => {
                    let term = self.term(1)?;
                    match term.integer() {
                        Some(n) => out.push(n as u8),
                        None => return Err(self.error(at, "a byte in a binary is an integer")),
                    }
                }
                _ => {
                    return Err(self.error(
                        at,
                        "relkit reads binaries of strings and integers only: <<\"text\">>, <<1,2>>",
                    ))
                }
            }
            self.skip_blank();
            if self.text[self.pos..].starts_with(b">>") {
                self.pos += 2;
                return Ok(out);
            }
            if self.peek() != Some(b',') {
                return Err(self.error(self.pos, "expected ',' or '>>' in a binary"));
            }
            self.pos += 1;
        }
    }

    fn number(&mut self) -> Result<Kind, SyntaxError> {
        let start = self.pos;
        let digits = |r: &mut Self, radix: u32| {
            let from = r.pos;
            while r
                .peek()
                .is_some_and(|b| (b as char).is_digit(radix) || (b == b'_' && r.pos > from))
            {
                r.pos += 1;
            }
            String::from_utf8_lossy(&r.text[from..r.pos]).replace('_', "")
        };
        let whole = digits(self, 10);
        if self.peek() == Some(b'#') {
            self.pos += 1;
            let radix: u32 = whole.parse().unwrap_or(0);
            if !(2..=36).contains(&radix) {
                return Err(self.error(start, format!("{whole}# is not a base (2 to 36)")));
            }
            let text = digits(self, radix);
            return match i128::from_str_radix(&text, radix) {
                Ok(n) => Ok(Kind::Int(n.to_string())),
                Err(_) if text.is_empty() => {
                    Err(self.error(self.pos, "a based integer needs digits"))
                }
                Err(_) => {
                    Err(self.error(start, "an integer beyond 128 bits in a base other than 10"))
                }
            };
        }
        let is_fraction = self.peek() == Some(b'.')
            && self.text.get(self.pos + 1).is_some_and(u8::is_ascii_digit);
        if !is_fraction {
            let trimmed = whole.trim_start_matches('0');
            return Ok(Kind::Int(if trimmed.is_empty() {
                "0".into()
            } else {
                trimmed.into()
            }));
        }
        self.pos += 1;
        let fraction = digits(self, 10);
        let mut text = format!("{whole}.{fraction}");
        if matches!(self.peek(), Some(b'e' | b'E')) {
            let save = self.pos;
            self.pos += 1;
            let sign = match self.peek() {
                Some(s @ (b'-' | b'+')) => {
                    self.pos += 1;
                    Some(s as char)
                }
                _ => None,
            };
            let exponent = digits(self, 10);
            if exponent.is_empty() {
                self.pos = save;
            } else {
                text.push('e');
                text.extend(sign);
                text.push_str(&exponent);
            }
        }
        text.parse()
            .map(Kind::Float)
            .map_err(|_| self.error(start, format!("{text} is not a float")))
    }

    /// A quoted string or atom, escapes read as erl_scan reads them.
    fn quoted(&mut self, quote: u8) -> Result<String, SyntaxError> {
        let start = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = &self.text[self.pos..];
            let Some(&b) = rest.first() else {
                let what = if quote == b'"' {
                    "string"
                } else {
                    "quoted atom"
                };
                return Err(self.error(start, format!("the {what} starting here is not closed")));
            };
            if b == quote {
                self.pos += 1;
                return Ok(out);
            }
            if b == b'\\' {
                self.pos += 1;
                out.push(self.escape()?);
                continue;
            }
            let len = utf8_len(b).min(rest.len());
            match std::str::from_utf8(&rest[..len]) {
                Ok(s) => out.push_str(s),
                // Latin-1 text, as erl reads a file without a UTF-8 marker that is not UTF-8.
                Err(_) => out.push(char::from(b)),
            }
            self.pos += if std::str::from_utf8(&rest[..len]).is_ok() {
                len
            } else {
                1
            };
        }
    }

    /// The character after `$`.
    fn char_code(&mut self) -> Result<u32, SyntaxError> {
        let rest = &self.text[self.pos..];
        let Some(&b) = rest.first() else {
            return Err(self.error(self.pos, "the file ends after $"));
        };
        if b == b'\\' {
            self.pos += 1;
            return Ok(self.escape()? as u32);
        }
        let len = utf8_len(b).min(rest.len());
        let c = std::str::from_utf8(&rest[..len])
            .ok()
            .and_then(|s| s.chars().next())
            .unwrap_or(char::from(b));
        self.pos += c.len_utf8().min(rest.len()).max(1);
        Ok(c as u32)
    }

    /// An escape after the backslash.
    fn escape(&mut self) -> Result<char, SyntaxError> {
        let at = self.pos;
        let Some(b) = self.peek() else {
            return Err(self.error(at, "the file ends inside an escape"));
        };
        self.pos += 1;
        let code = match b {
            b'b' => 8,
            b'd' => 127,
            b'e' => 27,
            b'f' => 12,
            b'n' => 10,
            b'r' => 13,
            b's' => 32,
            b't' => 9,
            b'v' => 11,
            b'0'..=b'7' => {
                let mut n = u32::from(b - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(d @ b'0'..=b'7') => {
                            n = n * 8 + u32::from(d - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                n
            }
            b'x' => {
                let braced = self.peek() == Some(b'{');
                if braced {
                    self.pos += 1;
                }
                let from = self.pos;
                let most = if braced { usize::MAX } else { 2 };
                while self.pos - from < most && self.peek().is_some_and(|d| d.is_ascii_hexdigit()) {
                    self.pos += 1;
                }
                let hex = String::from_utf8_lossy(&self.text[from..self.pos]).into_owned();
                if braced {
                    if self.peek() != Some(b'}') {
                        return Err(self.error(at, "\\x{ without its closing }"));
                    }
                    self.pos += 1;
                }
                u32::from_str_radix(&hex, 16)
                    .map_err(|_| self.error(at, "\\x without hex digits"))?
            }
            b'^' => {
                let Some(c) = self.peek() else {
                    return Err(self.error(at, "the file ends inside an escape"));
                };
                self.pos += 1;
                u32::from(c) & 31
            }
            other => {
                // Any other character stands for itself (\\, \', \", ...).
                let rest = &self.text[at..];
                let len = utf8_len(other).min(rest.len());
                if let Some(c) = std::str::from_utf8(&rest[..len])
                    .ok()
                    .and_then(|s| s.chars().next())
                {
                    self.pos = at + len;
                    return Ok(c);
                }
                u32::from(other)
            }
        };
        char::from_u32(code)
            .ok_or_else(|| self.error(at, format!("escape of code {code} is no character")))
    }
}
