//! The terms the reader gives, and how Erlang writes them back.

/// A term and where it starts (a byte offset in the text read).
#[derive(Debug, Clone, PartialEq)]
pub struct Term {
    pub at: usize,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Atom(String),
    /// A string literal: a list of characters to Erlang.
    Str(String),
    /// An integer, in decimal (Erlang's integers have no bound).
    Int(String),
    Float(f64),
    Binary(Vec<u8>),
    Tuple(Vec<Term>),
    /// The items and the tail after `|` (`None`: a proper list).
    List(Vec<Term>, Option<Box<Term>>),
    Map(Vec<(Term, Term)>),
}

impl Term {
    pub fn atom(&self) -> Option<&str> {
        match &self.kind {
            Kind::Atom(a) => Some(a),
            _ => None,
        }
    }

    pub fn tuple(&self) -> Option<&[Term]> {
        match &self.kind {
            Kind::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The items of a proper list (a string literal is not read as one).
    pub fn list(&self) -> Option<&[Term]> {
        match &self.kind {
            Kind::List(items, None) => Some(items),
            _ => None,
        }
    }

    /// The text of a string literal, or of a list of character codes.
    pub fn string(&self) -> Option<String> {
        match &self.kind {
            Kind::Str(s) => Some(s.clone()),
            Kind::List(items, None) => items
                .iter()
                .map(|t| {
                    t.integer()
                        .and_then(|n| char::from_u32(u32::try_from(n).ok()?))
                })
                .collect(),
            _ => None,
        }
    }

    pub fn integer(&self) -> Option<i64> {
        match &self.kind {
            Kind::Int(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// The term as Erlang prints it (`io:format("~p")`'s shape, without line breaks).
    pub fn show(&self) -> String {
        match &self.kind {
            Kind::Atom(a) => show_atom(a),
            Kind::Str(s) => quoted(s.chars(), '"'),
            Kind::Int(n) => n.clone(),
            Kind::Float(f) => format!("{f:?}"),
            Kind::Binary(b) => format!("<<{}>>", quoted(b.iter().map(|&b| char::from(b)), '"')),
            Kind::Tuple(items) => format!("{{{}}}", join(items)),
            Kind::List(items, None) => format!("[{}]", join(items)),
            Kind::List(items, Some(tail)) => format!("[{}|{}]", join(items), tail.show()),
            Kind::Map(pairs) => {
                let pairs: Vec<String> = pairs
                    .iter()
                    .map(|(k, v)| format!("{} => {}", k.show(), v.show()))
                    .collect();
                format!("#{{{}}}", pairs.join(","))
            }
        }
    }
}

fn join(items: &[Term]) -> String {
    items.iter().map(Term::show).collect::<Vec<_>>().join(",")
}

/// An atom as Erlang writes it: bare when it can be, else in single quotes.
pub fn show_atom(atom: &str) -> String {
    let bare = atom.starts_with(|c: char| c.is_ascii_lowercase())
        && atom
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@')
        && !RESERVED.contains(&atom);
    if bare {
        atom.to_string()
    } else {
        quoted(atom.chars(), '\'')
    }
}

/// Characters in quotes, escaped where Erlang needs it (ASCII only outside them).
fn quoted(chars: impl Iterator<Item = char>, quote: char) -> String {
    let mut out = String::from(quote);
    for c in chars {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            c => out.push_str(&format!("\\x{{{:x}}}", c as u32)),
        }
    }
    out.push(quote);
    out
}

/// erl_scan's reserved words (OTP 25, without the experimental `maybe`/`else`): not
/// atoms unless quoted.
pub(super) const RESERVED: [&str; 29] = [
    "after", "and", "andalso", "band", "begin", "bnot", "bor", "bsl", "bsr", "bxor", "case",
    "catch", "cond", "div", "end", "fun", "if", "let", "not", "of", "or", "orelse", "receive",
    "rem", "try", "when", "xor", "query", "spec",
];

pub(super) const MAX_DEPTH: usize = 256;

pub(super) fn utf8_len(first: u8) -> usize {
    match first {
        0xf0..=0xf7 => 4,
        0xe0..=0xef => 3,
        0xc0..=0xdf => 2,
        _ => 1,
    }
}

pub(super) fn negate(n: &str) -> String {
    match n.strip_prefix('-') {
        Some(positive) => positive.to_string(),
        None if n == "0" => n.to_string(),
        None => format!("-{n}"),
    }
}
