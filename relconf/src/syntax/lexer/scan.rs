//! The lexer's state and its main loop: one token at a time, operators, dots and
//! the brackets that must match.

use super::text::*;
use super::tokens::*;
use crate::syntax::ast::Error;

pub fn tokenize(src: &str) -> Result<Vec<Token>, Error> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        p: 0,
        // About one token for every six bytes of configuration.
        out: Vec::with_capacity(src.len() / 6),
        open: Vec::new(),
        depth: 0,
    };
    lx.run(false)?;
    Ok(lx.out)
}

pub(super) const THREE_OPS: &[(&str, Op)] = &[
    ("===", Op::Comp),
    ("!==", Op::Comp),
    ("&&&", Op::And),
    ("|||", Op::Or),
    ("^^^", Op::Xor),
    ("+++", Op::Concat),
    ("---", Op::Concat),
    ("<<<", Op::Arrow),
    (">>>", Op::Arrow),
    ("~>>", Op::Arrow),
    ("<<~", Op::Arrow),
    ("<~>", Op::Arrow),
    ("<|>", Op::Arrow),
];

pub(super) const TWO_OPS: &[(&str, Op)] = &[
    ("**", Op::Power),
    ("..", Op::Range),
    ("++", Op::Concat),
    ("--", Op::Concat),
    ("<>", Op::Concat),
    ("|>", Op::Arrow),
    ("~>", Op::Arrow),
    ("<~", Op::Arrow),
    ("==", Op::Comp),
    ("=~", Op::Comp),
    ("!=", Op::Comp),
    ("<=", Op::Rel),
    (">=", Op::Rel),
    ("&&", Op::And),
    ("||", Op::Or),
    ("<-", Op::InMatch),
    ("\\\\", Op::InMatch),
    ("::", Op::Type),
    ("->", Op::Stab),
];

/// Two-character operators that may follow `:` to make an atom (`::` may not).
pub(super) const TWO_OP_ATOMS: &[&str] = &[
    "==", "=~", "!=", "<=", ">=", "&&", "||", "|>", "~>", "<~", "<-", "\\\\", "++", "--", "<>",
    "**", "->", "..",
];

/// Operators a `.` may call (`Kernel.+(1, 2)`).
pub(super) const DOT_THREE: &[&str] = &[
    "~~~", "===", "!==", "&&&", "|||", "<<<", ">>>", "~>>", "<<~", "<~>", "<|>", "^^^", "+++",
    "---",
];
pub(super) const DOT_TWO: &[&str] = &[
    "==", "=~", "!=", "<=", ">=", "&&", "||", "|>", "~>", "<~", "<-", "\\\\", "++", "--", "<>",
    "**", "::", "..",
];
pub(super) const ONE_OP_ATOMS: &[u8] = b"@!^&+-*/<>=|.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Opener {
    Paren,
    Bracket,
    Brace,
    Bit,
    Fn,
    Do,
}

impl Opener {
    pub(super) fn opener(self) -> &'static str {
        match self {
            Opener::Paren => "(",
            Opener::Bracket => "[",
            Opener::Brace => "{",
            Opener::Bit => "<<",
            Opener::Fn => "fn",
            Opener::Do => "do",
        }
    }

    pub(super) fn closer(self) -> &'static str {
        match self {
            Opener::Paren => ")",
            Opener::Bracket => "]",
            Opener::Brace => "}",
            Opener::Bit => ">>",
            Opener::Fn | Opener::Do => "end",
        }
    }
}

pub(super) struct Lexer<'a> {
    pub(super) src: &'a str,
    pub(super) b: &'a [u8],
    pub(super) p: usize,
    pub(super) out: Vec<Token>,
    /// What is open, with where it opened.
    pub(super) open: Vec<(Opener, usize)>,
    /// Strings inside interpolations inside strings: bounded.
    pub(super) depth: usize,
}

pub(super) fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

pub(super) fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

pub(super) fn is_op_char_after_sign(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t'
            | b'\n'
            | b'\r'
            | b'('
            | b'['
            | b'<'
            | b'{'
            | b'%'
            | b'+'
            | b'-'
            | b'/'
            | b'>'
            | b':'
    )
}

/// Where an identifier ends and what kind it is: (`alias` or not, end, has `@`).
pub(super) struct Word {
    pub(super) alias: bool,
    pub(super) end: usize,
    pub(super) has_at: bool,
    pub(super) ascii: bool,
    pub(super) punctuated: bool,
}
impl<'a> Lexer<'a> {
    pub(super) fn err<T>(&self, message: impl Into<String>, offset: usize) -> Result<T, Error> {
        Err(Error::new(message, offset))
    }

    pub(super) fn at(&self, k: usize) -> u8 {
        self.b.get(self.p + k).copied().unwrap_or(0)
    }

    pub(super) fn rest(&self) -> &'a [u8] {
        &self.b[self.p.min(self.b.len())..]
    }

    pub(super) fn push(&mut self, tk: Tk, start: usize) {
        self.out.push(Token {
            tk,
            start,
            end: self.p,
        });
    }

    /// A token before which a newline does not end the expression.
    pub(super) fn push_dropping_eol(&mut self, tk: Tk, start: usize) {
        if matches!(self.out.last(), Some(Token { tk: Tk::Eol, .. })) {
            self.out.pop();
        }
        self.push(tk, start);
    }

    pub(super) fn previous_was_dot(&self) -> bool {
        matches!(self.out.last(), Some(Token { tk: Tk::Dot, .. }))
    }

    pub(super) fn eol(&mut self, start: usize) {
        match self.out.last() {
            Some(Token {
                tk: Tk::Comma | Tk::Semi | Tk::Eol,
                ..
            }) => {}
            _ => self.push(Tk::Eol, start),
        }
    }

    pub(super) fn horizontal_spaces_from(&self, mut q: usize) -> usize {
        while matches!(self.b.get(q), Some(b' ' | b'\t')) {
            q += 1;
        }
        q
    }

    pub(super) fn open(&mut self, what: Opener, at: usize) {
        self.open.push((what, at));
    }

    pub(super) fn close(&mut self, closer: &str, at: usize) -> Result<(), Error> {
        match self.open.pop() {
            Some((opener, _)) if opener.closer() == closer => Ok(()),
            Some((opener, opened)) => {
                let (line, _) = relkit_common::LineIndex::new(self.b).position(self.b, opened);
                self.err(
                    format!(
                        "unexpected `{closer}`: the `{}` on line {line} has no matching `{}`",
                        opener.opener(),
                        opener.closer()
                    ),
                    at,
                )
            }
            None if closer == "end" => self.err("unexpected `end` (is there one too many?)", at),
            None => self.err(format!("unexpected `{closer}`"), at),
        }
    }

    /// Tokens up to the end of input, or (`in_string`) up to the `}` that closes
    /// an interpolation, which is left unread.
    pub(super) fn run(&mut self, in_string: bool) -> Result<(), Error> {
        let base = self.open.len();
        loop {
            if self.p >= self.b.len() {
                if let Some(&(opener, at)) = self.open.last() {
                    if self.open.len() > base {
                        return self.err(
                            format!(
                                "this `{}` has no matching `{}`",
                                opener.opener(),
                                opener.closer()
                            ),
                            at,
                        );
                    }
                }
                if in_string {
                    return self.err("missing `}` to close an interpolation", self.p);
                }
                return Ok(());
            }
            if in_string && self.at(0) == b'}' && self.open.len() == base {
                return Ok(());
            }
            self.token()?;
        }
    }

    pub(super) fn token(&mut self) -> Result<(), Error> {
        let start = self.p;
        let c = self.at(0);
        // Most tokens are names and blanks; no rule below can match them.
        if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            return self.identifier();
        }
        if c == b' ' || c == b'\t' {
            self.p = self.horizontal_spaces_from(self.p);
            self.space_sensitive();
            return Ok(());
        }
        let rest = self.rest();
        let column_one = start == 0 || self.b[start - 1] == b'\n';
        if column_one && rest.starts_with(b"<<<<<<<") {
            return self.err(
                "a version control conflict marker: resolve the conflict",
                start,
            );
        }
        // Integers in a base.
        if c == b'0' && matches!(self.at(1), b'x' | b'o' | b'b') {
            let (radix, ok): (u32, fn(u8) -> bool) = match self.at(1) {
                b'x' => (16, is_hex),
                b'o' => (8, |c| (b'0'..=b'7').contains(&c)),
                _ => (2, |c| c == b'0' || c == b'1'),
            };
            if ok(self.at(2)) {
                self.p += 2;
                let mut digits = vec![self.at(0)];
                self.p += 1;
                loop {
                    if ok(self.at(0)) {
                        digits.push(self.at(0));
                        self.p += 1;
                    } else if self.at(0) == b'_' && ok(self.at(1)) {
                        digits.push(self.at(1));
                        self.p += 2;
                    } else {
                        break;
                    }
                }
                let value = radix_to_decimal(&digits, radix);
                self.push(Tk::Int(value), start);
                return Ok(());
            }
        }
        match c {
            b'#' => {
                while self.p < self.b.len() && self.at(0) != b'\n' {
                    if self.at(0) == b'\r' && self.at(1) == b'\n' {
                        break;
                    }
                    self.p += 1;
                }
                return Ok(());
            }
            b'~' if self.at(1).is_ascii_alphabetic() => return self.sigil(),
            b'?' => {
                if self.at(1) == b'\\' && self.p + 2 < self.b.len() {
                    let (ch, len) = self.char_at(self.p + 2);
                    let value = unescape_char(ch);
                    self.p += 2 + len;
                    self.push(Tk::Char(value), start);
                    return Ok(());
                }
                if self.p + 1 < self.b.len() {
                    let (ch, len) = self.char_at(self.p + 1);
                    self.p += 1 + len;
                    self.push(Tk::Char(ch), start);
                    return Ok(());
                }
            }
            _ => {}
        }
        if rest.starts_with(b"\"\"\"") || rest.starts_with(b"'''") {
            return self.heredoc_string(c);
        }
        if c == b'"' || c == b'\'' {
            return self.string(c);
        }
        // Operator keys and atoms.
        for key in [".", "...", "<<>>", "%{}", "%", "&", "{}", "..//"] {
            if rest.starts_with(key.as_bytes())
                && rest.get(key.len()) == Some(&b':')
                && rest.get(key.len() + 1).is_some_and(|&c| is_space(c))
            {
                self.p += key.len() + 1;
                self.push(Tk::Kw(key.to_string()), start);
                return Ok(());
            }
        }
        if c == b':' {
            for atom in ["...", "<<>>", "%{}", "%", "{}", "..//"] {
                if rest[1..].starts_with(atom.as_bytes()) {
                    self.p += 1 + atom.len();
                    self.push(Tk::Atom(atom.to_string()), start);
                    return Ok(());
                }
            }
            let after = &rest[1..];
            if let Some(op) = ["~~~"]
                .iter()
                .chain(THREE_OPS.iter().map(|(o, _)| o))
                .find(|o| after.starts_with(o.as_bytes()))
            {
                self.p += 1 + op.len();
                self.push(Tk::Atom(op.to_string()), start);
                return Ok(());
            }
            if after.starts_with(b"::") {
                self.p += 3;
                self.push(Tk::Atom("::".into()), start);
                return Ok(());
            }
            if let Some(op) = TWO_OP_ATOMS
                .iter()
                .find(|o| after.starts_with(o.as_bytes()))
            {
                self.p += 1 + op.len();
                self.push(Tk::Atom(op.to_string()), start);
                return Ok(());
            }
            if let Some(&op) = after.first().filter(|c| ONE_OP_ATOMS.contains(c)) {
                self.p += 2;
                self.push(Tk::Atom((op as char).to_string()), start);
                return Ok(());
            }
        }
        if rest.starts_with(b"...") {
            self.p += 3;
            let kind = self.call_kind();
            self.push(Tk::Ident(kind, "...".into()), start);
            return Ok(());
        }
        if rest.starts_with(b"=>") {
            self.p += 2;
            self.push_dropping_eol(Tk::Op(Op::Assoc, "=>"), start);
            return Ok(());
        }
        if rest.starts_with(b"..//") {
            let q = self.horizontal_spaces_from(self.p + 4);
            if self.b.get(q) == Some(&b'/') {
                self.p = q;
                self.out.push(Token {
                    tk: Tk::Ident(IdKind::Plain, "..//".into()),
                    start,
                    end: start + 4,
                });
                return Ok(());
            }
            return self.err("unexpected `..//`", start);
        }
        if rest.starts_with(b"~~~") {
            return self.unary_op(Op::Unary, "~~~");
        }
        if let Some(&(op, kind)) = THREE_OPS
            .iter()
            .find(|(o, _)| rest.starts_with(o.as_bytes()))
        {
            return self.binary_op(kind, op);
        }
        match c {
            b',' => {
                self.p += 1;
                self.push(Tk::Comma, start);
                return Ok(());
            }
            b'<' if self.at(1) == b'<' => {
                self.p += 2;
                self.open(Opener::Bit, start);
                self.push(Tk::LBit, start);
                return Ok(());
            }
            b'>' if self.at(1) == b'>' => {
                self.p += 2;
                self.close(">>", start)?;
                self.push(Tk::RBit, start);
                return Ok(());
            }
            b'(' | b'[' | b'{' => {
                if c == b'('
                    && matches!(
                        self.out.last(),
                        Some(Token {
                            tk: Tk::Alias(_),
                            ..
                        })
                    )
                {
                    return self.err(
                        "unexpected `(` after an alias: function names start with a lowercase letter or underscore",
                        start,
                    );
                }
                self.p += 1;
                let (opener, tk) = match c {
                    b'(' => (Opener::Paren, Tk::LParen),
                    b'[' => (Opener::Bracket, Tk::LBracket),
                    _ => (Opener::Brace, Tk::LBrace),
                };
                self.open(opener, start);
                self.push(tk, start);
                return Ok(());
            }
            b')' | b']' | b'}' => {
                self.p += 1;
                let (closer, tk) = match c {
                    b')' => (")", Tk::RParen),
                    b']' => ("]", Tk::RBracket),
                    _ => ("}", Tk::RBrace),
                };
                self.close(closer, start)?;
                self.push(tk, start);
                return Ok(());
            }
            b'/' if self.at(1) == b'/' => {
                self.p += 2;
                self.push_dropping_eol(Tk::Op(Op::Ternary, "//"), start);
                return Ok(());
            }
            _ => {}
        }
        if let Some(&(op, kind)) = TWO_OPS.iter().find(|(o, _)| rest.starts_with(o.as_bytes())) {
            return self.binary_op(kind, op);
        }
        match c {
            b'&' => {
                let q = self.horizontal_spaces_from(self.p + 1);
                let is_name = self.b.get(q) == Some(&b'/') && {
                    let r = self.horizontal_spaces_from(q + 1);
                    self.b.get(r) != Some(&b'/')
                };
                self.p += 1;
                let tk = if is_name {
                    Tk::Ident(IdKind::Plain, "&".into())
                } else {
                    Tk::Op(Op::Capture, "&")
                };
                self.push(tk, start);
                return Ok(());
            }
            b'@' => return self.unary_op(Op::At, "@"),
            b'!' => return self.unary_op(Op::Unary, "!"),
            b'^' => return self.unary_op(Op::Unary, "^"),
            b'<' => return self.binary_op(Op::Rel, "<"),
            b'>' => return self.binary_op(Op::Rel, ">"),
            b'+' => return self.unary_op(Op::Dual, "+"),
            b'-' => return self.unary_op(Op::Dual, "-"),
            b'*' => return self.binary_op(Op::Mult, "*"),
            b'/' => return self.binary_op(Op::Mult, "/"),
            b'=' => return self.binary_op(Op::Match, "="),
            b'|' => return self.binary_op(Op::Pipe, "|"),
            b':' if matches!(self.at(1), b'"' | b'\'') => return self.quoted_atom(),
            b':' => {
                self.p += 1;
                let Some(word) = self.word() else {
                    return self.err("unexpected `:`", start);
                };
                let name = self.src[self.p..word.end].to_string();
                self.p = word.end;
                self.push(Tk::Atom(name), start);
                return Ok(());
            }
            b'0'..=b'9' => return self.number(),
            b' ' | b'\t' => {
                self.p = self.horizontal_spaces_from(self.p);
                self.space_sensitive();
                return Ok(());
            }
            b';' => {
                if matches!(self.out.last(), Some(Token { tk: Tk::Semi, .. })) {
                    return self.err("unexpected `;`", start);
                }
                self.p += 1;
                self.push(Tk::Semi, start);
                return Ok(());
            }
            b'\\' => {
                let n = if self.at(1) == b'\n' {
                    2
                } else if self.at(1) == b'\r' && self.at(2) == b'\n' {
                    3
                } else {
                    0
                };
                if n == 0 || self.p + n >= self.b.len() {
                    return self.err("unexpected `\\`", start);
                }
                self.p += n;
                self.p = self.horizontal_spaces_from(self.p);
                return Ok(());
            }
            b'\n' => {
                self.p += 1;
                self.eol(start);
                self.p = self.horizontal_spaces_from(self.p);
                return Ok(());
            }
            b'\r' if self.at(1) == b'\n' => {
                self.p += 2;
                self.eol(start);
                self.p = self.horizontal_spaces_from(self.p);
                return Ok(());
            }
            b'%' => {
                if matches!(self.at(1), b'(' | b'[') {
                    return self.err("expected `%{` to start a map", start);
                }
                self.p += 1;
                if self.at(0) == b'{' {
                    self.push(Tk::MapOp, start);
                } else {
                    self.push(Tk::Percent, start);
                }
                return Ok(());
            }
            b'.' => return self.dot(),
            _ => {}
        }
        self.identifier()
    }
}
