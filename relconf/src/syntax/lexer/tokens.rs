//! The tokens the lexer gives the parser.

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
