//! Elixir's tokens, read the way Elixir 1.14's tokenizer reads them: the same token
//! kinds (an identifier followed by `(`, `[` or ` do` is its own kind, so is one
//! followed by a space and a sign, as in `f -1`), newlines kept as tokens (the
//! grammar decides where they may stand), a newline before a binary operator
//! dropped, strings read with their interpolations tokenized in place, heredocs
//! unindented, and every `(`, `[`, `{`, `<<`, `do` and `fn` matched with its
//! closer. Hand-written: the rules are ordered prefix tests over bytes, which a
//! match reads more plainly than combinators (see the crate README).

use super::ast::{Error, MAX_DEPTH};

/// What a token is. Names follow the tokenizer's token kinds.
#[derive(Debug, Clone, PartialEq)]
pub enum Tk {
    Ident(IdKind, String),
    /// `key:` (also `"key":` without interpolation and operator keys like `+:`).
    Kw(String),
    /// `"key#{x}":`
    KwInterpolated(Vec<Part>),
    Alias(String),
    Atom(String),
    /// `:"a#{b}"`
    AtomInterpolated(Vec<Part>),
    /// Decimal digits of any size.
    Int(String),
    Float(f64),
    Char(u32),
    Str(Vec<Part>),
    Charlist(Vec<Part>),
    /// Boxed: sigils are rare, and every token is as large as the largest kind.
    Sigil(Box<Sigil>),
    Op(Op, &'static str),
    /// `.` right before `(`: `f.(x)`.
    DotCall,
    Dot,
    Fn,
    Do,
    End,
    True,
    False,
    Nil,
    /// `else`, `after`, `catch`, `rescue`.
    Block(&'static str),
    Eol,
    Semi,
    Comma,
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    LBit,
    RBit,
    /// `%{` (followed by its `{` token).
    MapOp,
    Percent,
}

/// `~w(...)a` and friends: the name after `~`, the raw content, modifiers.
#[derive(Debug, Clone, PartialEq)]
pub struct Sigil {
    pub name: String,
    pub parts: Vec<Part>,
    pub modifiers: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Plain,
    /// Right before `(`.
    Paren,
    /// Right before `[`.
    Bracket,
    /// Before ` do`.
    Do,
    /// Before a space and a sign that touches what follows: `f -1`.
    Op,
}

/// Operator classes: the grammar gives each class one precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Unary,
    At,
    Capture,
    Dual,
    Mult,
    Power,
    Concat,
    Range,
    Ternary,
    Xor,
    And,
    Or,
    Comp,
    Rel,
    Arrow,
    In,
    InMatch,
    Type,
    Pipe,
    Stab,
    When,
    Match,
    Assoc,
}

/// A piece of a string: text, or the tokens of an interpolation.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    Text(Vec<u8>),
    Code {
        tokens: Vec<Token>,
        start: usize,
        end: usize,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub tk: Tk,
    pub start: usize,
    pub end: usize,
}

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

const THREE_OPS: &[(&str, Op)] = &[
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

const TWO_OPS: &[(&str, Op)] = &[
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
const TWO_OP_ATOMS: &[&str] = &[
    "==", "=~", "!=", "<=", ">=", "&&", "||", "|>", "~>", "<~", "<-", "\\\\", "++", "--", "<>",
    "**", "->", "..",
];

/// Operators a `.` may call (`Kernel.+(1, 2)`).
const DOT_THREE: &[&str] = &[
    "~~~", "===", "!==", "&&&", "|||", "<<<", ">>>", "~>>", "<<~", "<~>", "<|>", "^^^", "+++",
    "---",
];
const DOT_TWO: &[&str] = &[
    "==", "=~", "!=", "<=", ">=", "&&", "||", "|>", "~>", "<~", "<-", "\\\\", "++", "--", "<>",
    "**", "::", "..",
];
const ONE_OP_ATOMS: &[u8] = b"@!^&+-*/<>=|.";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Opener {
    Paren,
    Bracket,
    Brace,
    Bit,
    Fn,
    Do,
}

impl Opener {
    fn opener(self) -> &'static str {
        match self {
            Opener::Paren => "(",
            Opener::Bracket => "[",
            Opener::Brace => "{",
            Opener::Bit => "<<",
            Opener::Fn => "fn",
            Opener::Do => "do",
        }
    }

    fn closer(self) -> &'static str {
        match self {
            Opener::Paren => ")",
            Opener::Bracket => "]",
            Opener::Brace => "}",
            Opener::Bit => ">>",
            Opener::Fn | Opener::Do => "end",
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    p: usize,
    out: Vec<Token>,
    /// What is open, with where it opened.
    open: Vec<(Opener, usize)>,
    /// Strings inside interpolations inside strings: bounded.
    depth: usize,
}

fn is_hex(c: u8) -> bool {
    c.is_ascii_hexdigit()
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_op_char_after_sign(c: u8) -> bool {
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
struct Word {
    alias: bool,
    end: usize,
    has_at: bool,
    ascii: bool,
    punctuated: bool,
}

impl<'a> Lexer<'a> {
    fn err<T>(&self, message: impl Into<String>, offset: usize) -> Result<T, Error> {
        Err(Error::new(message, offset))
    }

    fn at(&self, k: usize) -> u8 {
        self.b.get(self.p + k).copied().unwrap_or(0)
    }

    fn rest(&self) -> &'a [u8] {
        &self.b[self.p.min(self.b.len())..]
    }

    fn push(&mut self, tk: Tk, start: usize) {
        self.out.push(Token {
            tk,
            start,
            end: self.p,
        });
    }

    /// A token before which a newline does not end the expression.
    fn push_dropping_eol(&mut self, tk: Tk, start: usize) {
        if matches!(self.out.last(), Some(Token { tk: Tk::Eol, .. })) {
            self.out.pop();
        }
        self.push(tk, start);
    }

    fn previous_was_dot(&self) -> bool {
        matches!(self.out.last(), Some(Token { tk: Tk::Dot, .. }))
    }

    fn eol(&mut self, start: usize) {
        match self.out.last() {
            Some(Token {
                tk: Tk::Comma | Tk::Semi | Tk::Eol,
                ..
            }) => {}
            _ => self.push(Tk::Eol, start),
        }
    }

    fn horizontal_spaces_from(&self, mut q: usize) -> usize {
        while matches!(self.b.get(q), Some(b' ' | b'\t')) {
            q += 1;
        }
        q
    }

    fn open(&mut self, what: Opener, at: usize) {
        self.open.push((what, at));
    }

    fn close(&mut self, closer: &str, at: usize) -> Result<(), Error> {
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
    fn run(&mut self, in_string: bool) -> Result<(), Error> {
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

    fn token(&mut self) -> Result<(), Error> {
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

    fn char_at(&self, q: usize) -> (u32, usize) {
        let ch = self.src[q..].chars().next().unwrap_or('\0');
        (ch as u32, ch.len_utf8())
    }

    /// An identifier's kind from what follows it directly.
    fn call_kind(&self) -> IdKind {
        match self.at(0) {
            b'(' => IdKind::Paren,
            b'[' => IdKind::Bracket,
            _ => IdKind::Plain,
        }
    }

    /// `!`, `^`, `~~~`, `@`, `+`, `-`: a newline before them ends an expression.
    fn unary_op(&mut self, kind: Op, op: &'static str) -> Result<(), Error> {
        self.operator(kind, op, false)
    }

    /// A newline before a binary operator does not end the expression.
    fn binary_op(&mut self, kind: Op, op: &'static str) -> Result<(), Error> {
        self.operator(kind, op, true)
    }

    /// An operator, or its name when `:` and a space follow (`+: 1`) or `/` does
    /// (`&+/2`).
    fn operator(&mut self, kind: Op, op: &'static str, binary: bool) -> Result<(), Error> {
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
    fn space_sensitive(&mut self) {
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

    fn dot(&mut self) -> Result<(), Error> {
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
    fn push_dot(&mut self, tk: Tk, start: usize) {
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
    fn word(&self) -> Option<Word> {
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

    fn identifier(&mut self) -> Result<(), Error> {
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
    fn keyword(&mut self, name: &str, end: usize) -> Result<Option<()>, Error> {
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

    fn number(&mut self) -> Result<(), Error> {
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

    fn string(&mut self, q: u8) -> Result<(), Error> {
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

    fn quoted_atom(&mut self) -> Result<(), Error> {
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

    fn heredoc_string(&mut self, q: u8) -> Result<(), Error> {
        let start = self.p;
        self.p += 3;
        let parts = self.heredoc(q, true, start)?;
        let parts = unescape_parts(parts, start)?;
        self.push(string_token(q, parts), start);
        Ok(())
    }

    /// `~s(...)`, `~S"""..."""`, and (Elixir 1.15 on) sigils named by several
    /// uppercase letters and digits, such as `~HTML"..."`.
    fn sigil(&mut self) -> Result<(), Error> {
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
    fn heredoc(&mut self, q: u8, interpolate: bool, start: usize) -> Result<Vec<Part>, Error> {
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

    fn extract_heredoc(
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
    fn extract(
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
    fn body_piece(
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
    fn interpolation(&mut self) -> Result<Part, Error> {
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

fn push_text(parts: &mut Vec<Part>, buf: &mut Vec<u8>, last: bool) {
    if !buf.is_empty() {
        parts.push(Part::Text(std::mem::take(buf)));
    } else if last && parts.is_empty() {
        parts.push(Part::Text(Vec::new()));
    }
}

/// A string (`"`) or charlist (`'`) token.
fn string_token(q: u8, parts: Vec<Part>) -> Tk {
    if q == b'"' {
        Tk::Str(parts)
    } else {
        Tk::Charlist(parts)
    }
}

fn text_only(parts: &[Part]) -> Option<&[u8]> {
    match parts {
        [Part::Text(t)] => Some(t),
        _ => None,
    }
}

fn atom_text(text: &[u8], at: usize) -> Result<String, Error> {
    let s = String::from_utf8(text.to_vec())
        .map_err(|_| Error::new("an atom's name is not valid UTF-8", at))?;
    if s.chars().count() > 255 {
        return Err(Error::new(
            "an atom's name is longer than 255 characters",
            at,
        ));
    }
    Ok(s)
}

/// The value of `?\x`: the character an escape letter stands for, or itself.
fn unescape_char(c: u32) -> u32 {
    match char::from_u32(c) {
        Some('0') => 0,
        Some('a') => 7,
        Some('b') => 8,
        Some('d') => 127,
        Some('e') => 27,
        Some('f') => 12,
        Some('n') => 10,
        Some('r') => 13,
        Some('s') => 32,
        Some('t') => 9,
        Some('v') => 11,
        _ => c,
    }
}

fn unescape_parts(parts: Vec<Part>, at: usize) -> Result<Vec<Part>, Error> {
    parts
        .into_iter()
        .map(|p| match p {
            Part::Text(t) => unescape(&t, at).map(Part::Text),
            code => Ok(code),
        })
        .collect()
}

/// Elixir's escapes in strings, charlists and quoted atoms.
pub fn unescape(text: &[u8], at: usize) -> Result<Vec<u8>, Error> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    let hex_run = |from: usize, max: usize| {
        text[from..]
            .iter()
            .take(max)
            .take_while(|c| c.is_ascii_hexdigit())
            .count()
    };
    let push_code = |out: &mut Vec<u8>, digits: &[u8]| -> Result<(), Error> {
        let value = u32::from_str_radix(std::str::from_utf8(digits).unwrap_or("x"), 16)
            .map_err(|_| Error::new("invalid escape", at))?;
        let ch = char::from_u32(value)
            .ok_or_else(|| Error::new("an escape names an invalid or reserved code point", at))?;
        let mut b = [0; 4];
        out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
        Ok(())
    };
    while i < text.len() {
        if text[i] != b'\\' || i + 1 >= text.len() {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let e = text[i + 1];
        i += 2;
        match e {
            b'x' | b'u' => {
                // `\xHH` is a byte; `\xH`, `\x{H..}`, `\uHHHH` and `\u{H..}` code points.
                let braced = (text.get(i) == Some(&b'{'))
                    .then(|| hex_run(i + 1, 7))
                    .filter(|n| (1..=6).contains(n) && text.get(i + 1 + n) == Some(&b'}'));
                if e == b'x' && hex_run(i, 2) == 2 {
                    let v =
                        u8::from_str_radix(std::str::from_utf8(&text[i..i + 2]).unwrap_or("x"), 16)
                            .map_err(|_| Error::new("invalid escape", at))?;
                    out.push(v);
                    i += 2;
                } else if e == b'x' && hex_run(i, 1) == 1 {
                    push_code(&mut out, &text[i..i + 1])?;
                    i += 1;
                } else if e == b'u' && hex_run(i, 4) == 4 {
                    push_code(&mut out, &text[i..i + 4])?;
                    i += 4;
                } else if let Some(n) = braced {
                    push_code(&mut out, &text[i + 1..i + 1 + n])?;
                    i += n + 2;
                } else if e == b'x' {
                    return Err(Error::new("invalid hex escape: expected \\xHH", at));
                } else {
                    return Err(Error::new(
                        "invalid Unicode escape: expected \\uHHHH or \\u{H*}",
                        at,
                    ));
                }
            }
            b'\n' => {}
            b'\r' if text.get(i) == Some(&b'\n') => i += 1,
            _ => {
                let v = unescape_char(u32::from(e));
                out.push(v as u8);
            }
        }
    }
    Ok(out)
}

/// Digits in `radix` as decimal, of any length.
fn radix_to_decimal(digits: &[u8], radix: u32) -> String {
    // Little-endian limbs of 10^9.
    let mut limbs: Vec<u64> = vec![0];
    for &d in digits {
        let mut carry = u64::from((d as char).to_digit(16).unwrap_or(0));
        for limb in &mut limbs {
            let v = *limb * u64::from(radix) + carry;
            *limb = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        while carry > 0 {
            limbs.push(carry % 1_000_000_000);
            carry /= 1_000_000_000;
        }
    }
    let mut out = limbs.last().map(|l| l.to_string()).unwrap_or_default();
    for limb in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{limb:09}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tk> {
        tokenize(src).unwrap().into_iter().map(|t| t.tk).collect()
    }

    #[test]
    fn identifiers_take_their_kind_from_what_follows() {
        assert_eq!(
            kinds("f(x) g[1] h -1 k - 1"),
            vec![
                Tk::Ident(IdKind::Paren, "f".into()),
                Tk::LParen,
                Tk::Ident(IdKind::Plain, "x".into()),
                Tk::RParen,
                Tk::Ident(IdKind::Bracket, "g".into()),
                Tk::LBracket,
                Tk::Int("1".into()),
                Tk::RBracket,
                Tk::Ident(IdKind::Op, "h".into()),
                Tk::Op(Op::Dual, "-"),
                Tk::Int("1".into()),
                Tk::Ident(IdKind::Plain, "k".into()),
                Tk::Op(Op::Dual, "-"),
                Tk::Int("1".into()),
            ]
        );
        assert_eq!(kinds("if x do end")[1], Tk::Ident(IdKind::Do, "x".into()));
    }

    #[test]
    fn a_newline_before_a_binary_operator_is_dropped() {
        assert_eq!(
            kinds("a\n|> b\n-c"),
            vec![
                Tk::Ident(IdKind::Plain, "a".into()),
                Tk::Op(Op::Arrow, "|>"),
                Tk::Ident(IdKind::Plain, "b".into()),
                Tk::Eol,
                Tk::Op(Op::Dual, "-"),
                Tk::Ident(IdKind::Plain, "c".into()),
            ]
        );
    }

    #[test]
    fn numbers_in_every_base_are_decimal() {
        assert_eq!(
            kinds("0x1F 0o17 0b10 1_000"),
            vec![
                Tk::Int("31".into()),
                Tk::Int("15".into()),
                Tk::Int("2".into()),
                Tk::Int("1000".into()),
            ]
        );
        assert_eq!(
            kinds("0xFFFFFFFFFFFFFFFFFFFFFFFF"),
            vec![Tk::Int("79228162514264337593543950335".into())]
        );
        assert_eq!(kinds("1.0e-3"), vec![Tk::Float(0.001)]);
        assert!(tokenize("1.0e999").is_err());
        assert!(tokenize("12abc").is_err());
    }

    #[test]
    fn heredocs_lose_the_closing_indentation() {
        let toks = kinds("x = \"\"\"\n    a\n      b\n    \"\"\"");
        assert_eq!(toks[2], Tk::Str(vec![Part::Text(b"a\n  b\n".to_vec())]));
    }

    #[test]
    fn sigils_are_named_by_one_lowercase_or_several_uppercase_letters() {
        let names: Vec<String> = kinds("~s(a) ~HTML\"b\" ~R1/c/i ~w[d]a")
            .into_iter()
            .filter_map(|t| match t {
                Tk::Sigil(s) => Some(format!("{}:{}", s.name, s.modifiers)),
                _ => None,
            })
            .collect();
        assert_eq!(names, ["s:", "HTML:", "R1:i", "w:a"]);
        assert!(tokenize("~ab").is_err());
    }

    #[test]
    fn unmatched_closers_and_missing_terminators_are_errors() {
        assert!(tokenize("(]").is_err());
        assert!(tokenize("fn x -> x").is_err());
        assert!(tokenize("end").is_err());
        assert!(tokenize("\"abc").is_err());
        assert!(tokenize("\"#{a\"").is_err());
    }

    #[test]
    fn deep_interpolation_is_refused_not_overflowed() {
        let mut src = String::new();
        for _ in 0..10_000 {
            src.push_str("\"#{");
        }
        let err = tokenize(&src).unwrap_err();
        assert!(err.message.contains("deeper than"), "{}", err.message);
    }
}
