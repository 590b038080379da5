//! The parser's state and what every part of it shares: the token cursor, the
//! operator table, the node builders. The grammar itself is in the sibling files.

use crate::syntax::ast::{Ast, Error, Node, MAX_DEPTH};
use crate::syntax::lexer::{tokenize, Op, Tk, Token};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Matched,
    Unmatched,
    NoParens,
}

pub(super) type Parsed = Result<(Node, Kind), Error>;

/// Parse a whole file into the tree `Code.string_to_quoted/2` returns.
pub fn parse(src: &str) -> Result<Node, Error> {
    let tokens = tokenize(src)?;
    parse_tokens(tokens, src.len())
}

pub(super) fn parse_tokens(tokens: Vec<Token>, end: usize) -> Result<Node, Error> {
    let mut p = Parser {
        t: tokens,
        i: 0,
        end,
        ends: "end of input",
        depth: 0,
        no_do: false,
        pipe_kw: Vec::new(),
    };
    p.grammar()
}

pub(super) struct Parser {
    pub(super) t: Vec<Token>,
    pub(super) i: usize,
    /// Where input ends, and what ends it, for errors there.
    pub(super) end: usize,
    pub(super) ends: &'static str,
    pub(super) depth: usize,
    /// Inside the arguments of a call without parentheses: a `do` there belongs
    /// to that call, not to one nested in its arguments.
    pub(super) no_do: bool,
    /// Where each `| key: value` not yet claimed by a map update stands.
    pub(super) pipe_kw: Vec<usize>,
}

/// Binary operators: precedence and whether they group to the right.
pub(super) fn binary(tk: &Tk) -> Option<(u16, bool, &'static str)> {
    let Tk::Op(op, name) = tk else {
        return None;
    };
    let (prec, right) = match op {
        Op::InMatch => (40, false),
        Op::When => (50, true),
        Op::Type => (60, true),
        Op::Pipe => (70, true),
        Op::Match => (100, true),
        Op::Or => (110, false),
        Op::And => (130, false),
        Op::Comp => (140, false),
        Op::Rel => (150, false),
        Op::Arrow => (160, false),
        Op::In => (170, false),
        Op::Xor => (180, false),
        Op::Ternary => (190, true),
        Op::Concat | Op::Range => (200, true),
        Op::Dual => (210, false),
        Op::Mult => (220, false),
        Op::Power => (230, false),
        Op::Unary | Op::At | Op::Capture | Op::Stab | Op::Assoc => return None,
    };
    Some((prec, right, name))
}

pub(super) const UNARY: u16 = 300;
pub(super) const CAPTURE: u16 = 90;

pub(super) fn combine(lhs: Kind, rhs: Kind) -> Kind {
    match (lhs, rhs) {
        (Kind::Matched, k) => k,
        _ => Kind::Unmatched,
    }
}

pub(super) fn describe(tk: &Tk) -> String {
    match tk {
        Tk::Ident(_, name) => format!("`{name}`"),
        Tk::Kw(k) => format!("keyword `{k}:`"),
        Tk::Alias(a) => format!("`{a}`"),
        Tk::Op(_, o) => format!("`{o}`"),
        // Literal values are named, not quoted: one may be a secret.
        Tk::Atom(_) | Tk::AtomInterpolated(_) => "an atom".into(),
        Tk::Int(_) | Tk::Float(_) | Tk::Char(_) => "a number".into(),
        Tk::Eol => "end of line".into(),
        Tk::Semi => "`;`".into(),
        Tk::Comma => "`,`".into(),
        Tk::Dot | Tk::DotCall => "`.`".into(),
        Tk::Do => "`do`".into(),
        Tk::End => "`end`".into(),
        Tk::Fn => "`fn`".into(),
        Tk::Block(w) => format!("`{w}`"),
        Tk::LParen => "`(`".into(),
        Tk::RParen => "`)`".into(),
        Tk::LBracket => "`[`".into(),
        Tk::RBracket => "`]`".into(),
        Tk::LBrace => "`{`".into(),
        Tk::RBrace => "`}`".into(),
        Tk::LBit => "`<<`".into(),
        Tk::RBit => "`>>`".into(),
        Tk::Str(_) | Tk::Charlist(_) => "a string".into(),
        _ => "this token".into(),
    }
}

pub(super) fn kernel_to_string(expr: Node) -> Node {
    let (s, e) = (expr.start, expr.end);
    let dot = Node::call(
        ".",
        vec![
            Node::atom("Elixir.Kernel", s, e),
            Node::atom("to_string", s, e),
        ],
        s,
        e,
    );
    Node::new(
        Ast::Call {
            head: Box::new(dot),
            args: Some(vec![expr]),
        },
        s,
        e,
    )
}

pub(super) fn remote(module: &str, fun: &str, args: Vec<Node>, s: usize, e: usize) -> Node {
    let dot = Node::call(
        ".",
        vec![
            Node::atom(module.to_string(), s, e),
            Node::atom(fun.to_string(), s, e),
        ],
        s,
        e,
    );
    Node::new(
        Ast::Call {
            head: Box::new(dot),
            args: Some(args),
        },
        s,
        e,
    )
}

/// One block of expressions as the grammar builds it: one expression stands for
/// itself (but `not x` and `!x` keep their block), several make `__block__`.
pub(super) fn build_block(mut exprs: Vec<Node>, s: usize, e: usize) -> Node {
    if exprs.len() == 1 {
        let rearranged = matches!(exprs[0].local_call(), Some(("not" | "!", [_])));
        if !rearranged {
            return exprs
                .pop()
                .unwrap_or_else(|| Node::call("__block__", vec![], s, e));
        }
    }
    Node::call("__block__", exprs, s, e)
}

/// A stab item: an expression, or a clause `args -> body`.
pub(super) enum Stab {
    Expr(Node),
    Clause(Node),
}
impl Parser {
    pub(super) fn peek(&self) -> &Tk {
        self.t.get(self.i).map_or(&Tk::Eol, |t| &t.tk)
    }

    pub(super) fn at_end(&self) -> bool {
        self.i >= self.t.len()
    }

    pub(super) fn peek_at(&self, k: usize) -> Option<&Tk> {
        self.t.get(self.i + k).map(|t| &t.tk)
    }

    pub(super) fn here(&self) -> usize {
        self.t.get(self.i).map_or(self.end, |t| t.start)
    }

    pub(super) fn prev_end(&self) -> usize {
        if self.i == 0 {
            0
        } else {
            self.t[self.i - 1].end
        }
    }

    /// The next token, taken: each is read once.
    pub(super) fn bump(&mut self) -> Token {
        let slot = &mut self.t[self.i];
        let t = Token {
            tk: std::mem::replace(&mut slot.tk, Tk::Eol),
            start: slot.start,
            end: slot.end,
        };
        self.i += 1;
        t
    }

    pub(super) fn unexpected<T>(&self) -> Result<T, Error> {
        if self.at_end() {
            return Err(Error::new(format!("unexpected {}", self.ends), self.end));
        }
        Err(Error::new(
            format!("syntax error before {}", describe(self.peek())),
            self.here(),
        ))
    }

    pub(super) fn is(&self, tk: &Tk) -> bool {
        !self.at_end() && self.peek() == tk
    }

    pub(super) fn expect(&mut self, tk: Tk) -> Result<Token, Error> {
        if self.is(&tk) {
            Ok(self.bump())
        } else {
            self.unexpected()
        }
    }

    pub(super) fn skip_eol(&mut self) {
        if self.is(&Tk::Eol) {
            self.i += 1;
        }
    }

    /// `eol`, `;` or `eol ;`.
    pub(super) fn skip_eoe(&mut self) -> bool {
        let before = self.i;
        self.skip_eol();
        if self.is(&Tk::Semi) {
            self.i += 1;
        }
        self.i > before
    }

    pub(super) fn is_kw(&self) -> bool {
        !self.at_end() && matches!(self.peek(), Tk::Kw(_) | Tk::KwInterpolated(_))
    }

    pub(super) fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(
                format!("expressions nested deeper than {MAX_DEPTH} levels"),
                self.here(),
            ));
        }
        Ok(())
    }

    pub(super) fn grammar(&mut self) -> Result<Node, Error> {
        let start = self.here();
        self.skip_eoe();
        let mut exprs = Vec::new();
        while !self.at_end() {
            let (e, _) = self.expr()?;
            exprs.push(e);
            if self.at_end() {
                break;
            }
            if !self.skip_eoe() {
                return self.unexpected();
            }
        }
        if let Some(&at) = self.pipe_kw.first() {
            return Err(Error::new(
                "`| key: value` stands only inside a map update: `%{map | key: value}`",
                at,
            ));
        }
        Ok(build_block(exprs, start, self.end))
    }
}

pub(super) enum ParenHead {
    /// `(a, b)` before `->` or `when`: a clause's arguments.
    Args(Vec<Node>),
    /// `(expr)`: an ordinary parenthesised expression.
    Expr(Node),
}

pub(super) enum MapElement {
    Item(Node),
    Update(Node, Vec<Node>),
}

/// A prefix operator's node: Elixir's parser takes `@f a, b` (but not `f a, b`)
/// on either side of a map's `=>`.
pub(super) fn prefixed(n: &Node) -> bool {
    // `a not in b` is `not(a in b)`, like a prefix `not`, but starts at `a`.
    if let Some(("not", [inner])) = n.local_call() {
        if let Some(("in", [lhs, rhs])) = inner.local_call() {
            if lhs.start == n.start {
                return prefixed(rhs);
            }
        }
    }
    match n.local_call() {
        Some(("@" | "-" | "+" | "!" | "^" | "not" | "~~~" | "&", [_])) => true,
        Some((op, [_, rhs])) if op.chars().all(|c| "=!<>|&+-*/^~.:\\".contains(c)) => prefixed(rhs),
        Some(("and" | "or" | "when" | "in", [_, rhs])) => prefixed(rhs),
        _ => false,
    }
}

/// The two arguments of a binary operator's node.
pub(super) fn split_pair(n: Node) -> (Node, Node) {
    let Ast::Call {
        args: Some(mut args),
        ..
    } = n.ast
    else {
        unreachable!("a binary operator has arguments")
    };
    let rhs = args.pop().unwrap_or_else(|| unreachable!("two arguments"));
    let lhs = args.pop().unwrap_or_else(|| unreachable!("two arguments"));
    (lhs, rhs)
}

/// A map element without `=>`: a variable or a call (the grammar's `assoc_expr`
/// without an operator).
pub(super) fn bare_map_element(n: &Node) -> bool {
    match &n.ast {
        Ast::Call { head, args } => match &head.ast {
            Ast::Atom(name) => {
                let identifier_like = name
                    .chars()
                    .next()
                    .is_some_and(|c| c == '_' || c.is_lowercase());
                identifier_like
                    && !matches!(
                        name.as_ref(),
                        "and" | "or" | "not" | "when" | "in" | "fn" | "__block__" | "__aliases__"
                    )
                    && !name.starts_with("sigil_")
                    && args.as_ref().is_none_or(|a| a.len() <= 1)
            }
            Ast::Call { .. } => true,
            _ => false,
        },
        _ => false,
    }
}

/// `a, b when c -> ...`: the guard takes every argument.
pub(super) fn unwrap_when(mut args: Vec<Node>) -> Vec<Node> {
    if let Some(Some(("when", [_, _]))) = args.last().map(|a| a.local_call()) {
        if let Some(Node {
            ast: Ast::Call {
                args: Some(pair), ..
            },
            start,
            end,
            ..
        }) = args.pop()
        {
            let s = args.first().map_or(start, |a| a.start);
            args.extend(pair);
            return vec![Node::call("when", args, s, end)];
        }
    }
    args
}

pub(super) fn ambiguous(at: usize) -> Error {
    Error::new(
        "unexpected comma: parentheses are required to solve ambiguity in nested calls",
        at,
    )
}

pub(super) fn kw_not_last(at: usize) -> Error {
    Error::new(
        "unexpected expression after a keyword list: keywords must come last",
        at,
    )
}
