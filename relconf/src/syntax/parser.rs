//! Elixir 1.14's grammar as precedence climbing. The grammar sorts expressions into
//! three kinds, and so does this parser: *matched* (no do-block and no call without
//! parentheses taking several arguments at its top), *unmatched* (a do-block call
//! at its top) and *no-parens* (`f a, b` or `f g a, b` at its top), because where
//! each may stand is what makes `f a, g b, c` and `[f a, b]` errors.

use super::ast::{Ast, Error, Node, MAX_DEPTH};
use super::lexer::{tokenize, IdKind, Op, Part, Tk, Token};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Matched,
    Unmatched,
    NoParens,
}

type Parsed = Result<(Node, Kind), Error>;

/// Parse a whole file into the tree `Code.string_to_quoted/2` returns.
pub fn parse(src: &str) -> Result<Node, Error> {
    let tokens = tokenize(src)?;
    parse_tokens(tokens, src.len())
}

fn parse_tokens(tokens: Vec<Token>, end: usize) -> Result<Node, Error> {
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

struct Parser {
    t: Vec<Token>,
    i: usize,
    /// Where input ends, and what ends it, for errors there.
    end: usize,
    ends: &'static str,
    depth: usize,
    /// Inside the arguments of a call without parentheses: a `do` there belongs
    /// to that call, not to one nested in its arguments.
    no_do: bool,
    /// Where each `| key: value` not yet claimed by a map update stands.
    pipe_kw: Vec<usize>,
}

/// Binary operators: precedence and whether they group to the right.
fn binary(tk: &Tk) -> Option<(u16, bool, &'static str)> {
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

const UNARY: u16 = 300;
const CAPTURE: u16 = 90;

fn combine(lhs: Kind, rhs: Kind) -> Kind {
    match (lhs, rhs) {
        (Kind::Matched, k) => k,
        _ => Kind::Unmatched,
    }
}

fn describe(tk: &Tk) -> String {
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

fn kernel_to_string(expr: Node) -> Node {
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

fn remote(module: &str, fun: &str, args: Vec<Node>, s: usize, e: usize) -> Node {
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
fn build_block(mut exprs: Vec<Node>, s: usize, e: usize) -> Node {
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
enum Stab {
    Expr(Node),
    Clause(Node),
}

impl Parser {
    fn peek(&self) -> &Tk {
        self.t.get(self.i).map_or(&Tk::Eol, |t| &t.tk)
    }

    fn at_end(&self) -> bool {
        self.i >= self.t.len()
    }

    fn peek_at(&self, k: usize) -> Option<&Tk> {
        self.t.get(self.i + k).map(|t| &t.tk)
    }

    fn here(&self) -> usize {
        self.t.get(self.i).map_or(self.end, |t| t.start)
    }

    fn prev_end(&self) -> usize {
        if self.i == 0 {
            0
        } else {
            self.t[self.i - 1].end
        }
    }

    /// The next token, taken: each is read once.
    fn bump(&mut self) -> Token {
        let slot = &mut self.t[self.i];
        let t = Token {
            tk: std::mem::replace(&mut slot.tk, Tk::Eol),
            start: slot.start,
            end: slot.end,
        };
        self.i += 1;
        t
    }

    fn unexpected<T>(&self) -> Result<T, Error> {
        if self.at_end() {
            return Err(Error::new(format!("unexpected {}", self.ends), self.end));
        }
        Err(Error::new(
            format!("syntax error before {}", describe(self.peek())),
            self.here(),
        ))
    }

    fn is(&self, tk: &Tk) -> bool {
        !self.at_end() && self.peek() == tk
    }

    fn expect(&mut self, tk: Tk) -> Result<Token, Error> {
        if self.is(&tk) {
            Ok(self.bump())
        } else {
            self.unexpected()
        }
    }

    fn skip_eol(&mut self) {
        if self.is(&Tk::Eol) {
            self.i += 1;
        }
    }

    /// `eol`, `;` or `eol ;`.
    fn skip_eoe(&mut self) -> bool {
        let before = self.i;
        self.skip_eol();
        if self.is(&Tk::Semi) {
            self.i += 1;
        }
        self.i > before
    }

    fn is_kw(&self) -> bool {
        !self.at_end() && matches!(self.peek(), Tk::Kw(_) | Tk::KwInterpolated(_))
    }

    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::new(
                format!("expressions nested deeper than {MAX_DEPTH} levels"),
                self.here(),
            ));
        }
        Ok(())
    }

    fn grammar(&mut self) -> Result<Node, Error> {
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

    fn expr(&mut self) -> Parsed {
        self.enter()?;
        let r = self.binary_from(0);
        self.depth -= 1;
        r
    }

    fn binary_from(&mut self, min: u16) -> Parsed {
        let (lhs, kind) = self.unary()?;
        self.binary_continue(lhs, kind, min)
    }

    /// Binary operators after `lhs`, down to precedence `min`.
    fn binary_continue(&mut self, mut lhs: Node, mut kind: Kind, min: u16) -> Parsed {
        loop {
            if kind == Kind::NoParens || self.at_end() {
                break;
            }
            let Some((prec, right, name)) = binary(self.peek()) else {
                break;
            };
            if prec < min {
                break;
            }
            let op_at = self.here();
            self.bump();
            self.skip_eol();
            let (rhs, rk) = if name == "when" && self.is_kw() {
                (self.no_parens_kw()?, Kind::NoParens)
            } else if name == "|" && self.is_kw() {
                self.pipe_kw.push(op_at);
                (self.kw_list()?, Kind::Matched)
            } else {
                self.enter()?;
                let r = self.binary_from(if right { prec } else { prec + 1 });
                self.depth -= 1;
                r?
            };
            kind = combine(kind, rk);
            lhs = self.build_op(lhs, name, rhs, op_at)?;
        }
        Ok((lhs, kind))
    }

    fn build_op(&mut self, lhs: Node, op: &str, rhs: Node, at: usize) -> Result<Node, Error> {
        let (s, e) = (lhs.start, rhs.end);
        if op == "//" {
            return match lhs.local_call() {
                Some(("..", [_, _])) => {
                    let Ast::Call {
                        args: Some(mut args),
                        ..
                    } = lhs.ast
                    else {
                        unreachable!("checked above")
                    };
                    args.push(rhs);
                    Ok(Node::call("..//", args, s, e))
                }
                _ => Err(Error::new(
                    "the step operator `//` must follow a range: `first..last//step`",
                    at,
                )),
            };
        }
        if op == "in" {
            if let Some((uop @ ("not" | "!"), [_])) = lhs.local_call() {
                let uop = uop.to_string();
                let Ast::Call {
                    args: Some(mut args),
                    ..
                } = lhs.ast
                else {
                    unreachable!("checked above")
                };
                let inner = args.remove(0);
                let inn = Node::call("in", vec![inner, rhs], s, e);
                return Ok(Node::call(uop, vec![inn], s, e));
            }
        }
        if op == "not in" {
            let inn = Node::call("in", vec![lhs, rhs], s, e);
            return Ok(Node::call("not", vec![inn], s, e));
        }
        Ok(Node::new(
            Ast::Call {
                head: Box::new(Node::atom(op.to_string(), at, at + op.len())),
                args: Some(vec![lhs, rhs]),
            },
            s,
            e,
        ))
    }

    fn unary(&mut self) -> Parsed {
        if self.at_end() {
            return self.unexpected();
        }
        let start = self.here();
        match *self.peek() {
            Tk::Op(Op::Unary | Op::Dual, op) | Tk::Op(Op::Ternary, op @ "//") => {
                self.bump();
                self.skip_eol();
                let (arg, kind) = self.operand(UNARY + 1)?;
                let e = arg.end;
                let node = if op == "//" {
                    let inner = Node::new(
                        Ast::Call {
                            head: Box::new(Node::atom("/", start, e)),
                            args: None,
                        },
                        start,
                        e,
                    );
                    Node::call("/", vec![inner, arg], start, e)
                } else {
                    Node::call(op, vec![arg], start, e)
                };
                Ok((node, kind))
            }
            Tk::Op(Op::Capture, _) => {
                self.bump();
                self.skip_eol();
                if !self.at_end() && matches!(self.peek(), Tk::Int(_)) {
                    let t = self.bump();
                    let Tk::Int(n) = t.tk else {
                        unreachable!("checked above")
                    };
                    let int = Node::new(Ast::Int(n), t.start, t.end);
                    let node = Node::call("&", vec![int], start, t.end);
                    return self.postfix(node);
                }
                let (arg, kind) = self.operand(CAPTURE + 1)?;
                let e = arg.end;
                Ok((Node::call("&", vec![arg], start, e), kind))
            }
            Tk::Op(Op::At, _) => {
                let (node, kind) = self.at_node()?;
                if kind == Kind::Matched {
                    self.postfix(node)
                } else {
                    Ok((node, kind))
                }
            }
            _ => self.primary(),
        }
    }

    /// The operand of a prefix operator binding at `min`; a do-block call there
    /// takes the operators after it too (`-f do end + 1` is `-(f do end + 1)`).
    fn operand(&mut self, min: u16) -> Parsed {
        self.enter()?;
        let r = self.binary_from(min);
        self.depth -= 1;
        let (arg, kind) = r?;
        if kind == Kind::Unmatched {
            return self.binary_continue(arg, kind, 0);
        }
        Ok((arg, kind))
    }

    /// `@` and its operand (a do-block call there takes the operators after it).
    fn at_node(&mut self) -> Parsed {
        let start = self.bump().start;
        self.skip_eol();
        self.enter()?;
        let r = self.at_operand();
        self.depth -= 1;
        let (mut arg, mut kind) = r?;
        if kind == Kind::Unmatched {
            (arg, kind) = self.binary_continue(arg, kind, 0)?;
        }
        let e = arg.end;
        Ok((Node::call("@", vec![arg], start, e), kind))
    }

    /// What `@` applies to: a primary with its call arguments, but not what is
    /// reached through `.` or `[`: `@a.b` is `(@a).b`.
    fn at_operand(&mut self) -> Parsed {
        if self.at_end() {
            return self.unexpected();
        }
        match self.peek() {
            Tk::Op(Op::At, _) => {
                let (mut node, kind) = self.at_node()?;
                // `@@a[k][j]` is `(@((@a)[k]))[j]`: the first brackets bind to the
                // inner `@`, the next to the outer.
                if kind == Kind::Matched && self.is(&Tk::LBracket) {
                    node = self.access(node)?;
                }
                Ok((node, kind))
            }
            // `@&1.d` is `(@&1).d`: the capture of an integer takes nothing after it.
            Tk::Op(Op::Capture, _)
                if matches!(self.peek_at(1), Some(Tk::Int(_)))
                    || (self.peek_at(1) == Some(&Tk::Eol)
                        && matches!(self.peek_at(2), Some(Tk::Int(_)))) =>
            {
                let start = self.bump().start;
                self.skip_eol();
                let t = self.bump();
                let Tk::Int(n) = t.tk else {
                    unreachable!("checked above")
                };
                let int = Node::new(Ast::Int(n), t.start, t.end);
                Ok((Node::call("&", vec![int], start, t.end), Kind::Matched))
            }
            Tk::Op(Op::Unary | Op::Dual | Op::Capture, _) | Tk::Op(Op::Ternary, "//") => {
                self.unary()
            }
            Tk::Ident(..) => {
                let t = self.bump();
                let Tk::Ident(kind, name) = t.tk else {
                    unreachable!("checked above")
                };
                self.identifier(None, kind, name, t.start, t.end, false)
            }
            _ => self.primary_no_postfix(),
        }
    }

    fn primary(&mut self) -> Parsed {
        if !self.at_end() && matches!(self.peek(), Tk::Ident(..)) {
            let t = self.bump();
            let Tk::Ident(kind, name) = t.tk else {
                unreachable!("checked above")
            };
            return self.identifier(None, kind, name, t.start, t.end, true);
        }
        let (node, kind) = self.primary_no_postfix()?;
        if kind == Kind::Matched {
            self.postfix(node)
        } else {
            Ok((node, kind))
        }
    }

    /// Literals, containers, `fn`, parentheses and aliases.
    fn primary_no_postfix(&mut self) -> Parsed {
        if self.at_end() {
            return self.unexpected();
        }
        let start = self.here();
        let m = |n: Node| Ok((n, Kind::Matched));
        match self.peek() {
            Tk::LBracket => return m(self.list()?),
            Tk::LBrace => return m(self.tuple()?),
            Tk::LBit => return m(self.bitstring()?),
            Tk::MapOp => {
                self.bump();
                return m(self.map_args(start)?);
            }
            Tk::Percent => return m(self.structure()?),
            Tk::LParen => return m(self.parens()?),
            Tk::Fn => return m(self.fn_expr()?),
            Tk::Int(_)
            | Tk::Float(_)
            | Tk::Char(_)
            | Tk::Atom(_)
            | Tk::True
            | Tk::False
            | Tk::Nil
            | Tk::AtomInterpolated(_)
            | Tk::Str(_)
            | Tk::Charlist(_)
            | Tk::Sigil(_)
            | Tk::Alias(_)
            | Tk::Op(Op::Range, "..")
            | Tk::Ident(..) => {}
            _ => return self.unexpected(),
        }
        let t = self.bump();
        let (s, e) = (t.start, t.end);
        match t.tk {
            Tk::Int(n) => m(Node::new(Ast::Int(n), s, e)),
            Tk::Float(f) => m(Node::new(Ast::Float(f), s, e)),
            Tk::Char(c) => m(Node::new(Ast::Int(c.to_string()), s, e)),
            Tk::Atom(a) => m(Node::new(Ast::Atom(a.into()), s, e)),
            Tk::True => m(Node::atom("true", s, e)),
            Tk::False => m(Node::atom("false", s, e)),
            Tk::Nil => m(Node::atom("nil", s, e)),
            Tk::AtomInterpolated(parts) => {
                let bin = self.string_parts(parts, s, e)?;
                let utf8 = Node::atom("utf8", s, e);
                m(remote("erlang", "binary_to_atom", vec![bin, utf8], s, e))
            }
            Tk::Str(parts) => m(self.bin_string(parts, s, e)?),
            Tk::Charlist(parts) => m(self.charlist(parts, s, e)?),
            Tk::Sigil(sigil) => {
                let super::lexer::Sigil {
                    name,
                    parts,
                    modifiers,
                } = *sigil;
                let bin = self.string_parts(parts, s, e)?;
                let mods = modifiers
                    .bytes()
                    .map(|b| Node::new(Ast::Int(b.to_string()), e, e))
                    .collect();
                let mods = Node::new(Ast::List(mods), e, e);
                m(Node::call(format!("sigil_{name}"), vec![bin, mods], s, e))
            }
            Tk::Alias(a) => {
                let alias = Node::new(Ast::Atom(a.into()), s, e);
                m(Node::call("__aliases__", vec![alias], s, e))
            }
            Tk::Op(..) => m(Node::call("..", vec![], s, e)),
            Tk::Ident(kind, name) => self.identifier(None, kind, name, s, e, false),
            _ => unreachable!("checked above"),
        }
    }

    /// After an expression that can be followed by `.name`, `.Alias`, `.(args)`,
    /// `[key]` or `.{...}`.
    fn postfix(&mut self, mut node: Node) -> Parsed {
        loop {
            if self.at_end() {
                return Ok((node, Kind::Matched));
            }
            match self.peek() {
                Tk::Dot => {
                    self.bump();
                    if self.at_end() {
                        return self.unexpected();
                    }
                    match self.peek() {
                        Tk::Ident(..) => {
                            let t = self.bump();
                            let Tk::Ident(kind, name) = t.tk else {
                                unreachable!("checked above")
                            };
                            self.enter()?;
                            let r = self.identifier(Some(node), kind, name, t.start, t.end, true);
                            self.depth -= 1;
                            return r;
                        }
                        Tk::Alias(_) => {
                            let t = self.bump();
                            let Tk::Alias(a) = t.tk else {
                                unreachable!("checked above")
                            };
                            node = self.dot_alias(node, &a, t.start, t.end)?;
                        }
                        Tk::LBrace => {
                            let (open, args, close) = self.bracketed(Tk::RBrace)?;
                            let (s, e) = (node.start, close.end);
                            let dot = Node::call(
                                ".",
                                vec![node, Node::atom("{}", open.start, open.end)],
                                s,
                                e,
                            );
                            node = Node::new(
                                Ast::Call {
                                    head: Box::new(dot),
                                    args: Some(args),
                                },
                                s,
                                e,
                            );
                        }
                        _ => return self.unexpected(),
                    }
                }
                Tk::DotCall => {
                    self.bump();
                    let s = node.start;
                    let dot = Node::call(".", vec![node], s, self.prev_end());
                    let (n, k) = self.paren_call(dot, s)?;
                    if k != Kind::Matched {
                        return Ok((n, k));
                    }
                    node = n;
                }
                Tk::LBracket => {
                    node = self.access(node)?;
                }
                _ => return Ok((node, Kind::Matched)),
            }
        }
    }

    fn access(&mut self, node: Node) -> Result<Node, Error> {
        let open = self.bump();
        self.skip_eol();
        let saved = self.no_do;
        self.no_do = false;
        let arg = if self.is_kw() {
            self.kw_list()
        } else {
            match self.container_expr() {
                Ok(a) => {
                    if self.is(&Tk::Comma) {
                        self.bump();
                    }
                    Ok(a)
                }
                Err(e) => Err(e),
            }
        };
        self.no_do = saved;
        let arg = arg?;
        self.skip_eol();
        let close = self.expect(Tk::RBracket)?;
        let (s, e) = (node.start, close.end);
        let _ = open;
        Ok(remote("Elixir.Access", "get", vec![node, arg], s, e))
    }

    fn dot_alias(&mut self, lhs: Node, name: &str, s: usize, e: usize) -> Result<Node, Error> {
        let start = lhs.start;
        if let Some(("__aliases__", _)) = lhs.local_call() {
            if let Ast::Call {
                head,
                args: Some(mut args),
            } = lhs.ast
            {
                args.push(Node::atom(name.to_string(), s, e));
                return Ok(Node::new(
                    Ast::Call {
                        head,
                        args: Some(args),
                    },
                    start,
                    e,
                ));
            }
            unreachable!("checked above");
        }
        if let Ast::Atom(_) = lhs.ast {
            return Err(Error::new(
                "an atom cannot be followed by an alias: quote the atom if the `.` is part of its name",
                s,
            ));
        }
        Ok(Node::call(
            "__aliases__",
            vec![lhs, Node::atom(name.to_string(), s, e)],
            start,
            e,
        ))
    }

    /// An identifier (after `target.` when there is one): a variable, or a call
    /// with parentheses, without them, or with a do-block.
    fn identifier(
        &mut self,
        target: Option<Node>,
        kind: IdKind,
        name: String,
        s: usize,
        e: usize,
        postfix: bool,
    ) -> Parsed {
        let start = target.as_ref().map_or(s, |t| t.start);
        let head = match target {
            Some(t) => Node::call(".", vec![t, Node::atom(name, s, e)], start, e),
            None => Node::atom(name, s, e),
        };
        let dotted = !matches!(head.ast, Ast::Atom(_));
        let bare = |head: Node| {
            let args = if dotted { Some(Vec::new()) } else { None };
            Node::new(
                Ast::Call {
                    head: Box::new(head),
                    args,
                },
                start,
                e,
            )
        };
        match kind {
            IdKind::Paren => {
                let (node, k) = self.paren_call(head, start)?;
                if k == Kind::Matched && postfix {
                    return self.postfix(node);
                }
                Ok((node, k))
            }
            IdKind::Bracket => {
                let node = bare(head);
                if postfix {
                    self.postfix(node)
                } else {
                    Ok((node, Kind::Matched))
                }
            }
            IdKind::Do => {
                if self.no_do {
                    return Ok((bare(head), Kind::Matched));
                }
                let block = self.do_block()?;
                let end = block.end;
                Ok((
                    Node::new(
                        Ast::Call {
                            head: Box::new(head),
                            args: Some(vec![block]),
                        },
                        start,
                        end,
                    ),
                    Kind::Unmatched,
                ))
            }
            IdKind::Op | IdKind::Plain => {
                if self.starts_argument(kind == IdKind::Op) {
                    return self.no_parens_call(head, start);
                }
                let node = bare(head);
                if postfix {
                    self.postfix(node)
                } else {
                    Ok((node, Kind::Matched))
                }
            }
        }
    }

    /// Whether the next token begins an argument of a call without parentheses.
    fn starts_argument(&self, after_op_identifier: bool) -> bool {
        if self.at_end() {
            return false;
        }
        match self.peek() {
            Tk::Op(Op::Dual, _) => after_op_identifier,
            Tk::Op(Op::Unary | Op::At | Op::Capture, _) => true,
            Tk::Op(..) => false,
            Tk::Ident(..)
            | Tk::Kw(_)
            | Tk::KwInterpolated(_)
            | Tk::Alias(_)
            | Tk::Atom(_)
            | Tk::AtomInterpolated(_)
            | Tk::Int(_)
            | Tk::Float(_)
            | Tk::Char(_)
            | Tk::Str(_)
            | Tk::Charlist(_)
            | Tk::Sigil(_)
            | Tk::Fn
            | Tk::True
            | Tk::False
            | Tk::Nil
            | Tk::LParen
            | Tk::LBracket
            | Tk::LBrace
            | Tk::LBit
            | Tk::MapOp
            | Tk::Percent => true,
            _ => false,
        }
    }

    fn no_parens_call(&mut self, head: Node, start: usize) -> Parsed {
        let saved = self.no_do;
        self.no_do = true;
        let r = self.no_parens_args();
        self.no_do = saved;
        let (args, mut kind) = r?;
        let mut end = args.last().map_or(head.end, |a| a.end);
        let mut args = args;
        if !self.no_do && self.is(&Tk::Do) {
            let block = self.do_block()?;
            end = block.end;
            args.push(block);
            kind = Kind::Unmatched;
        }
        Ok((
            Node::new(
                Ast::Call {
                    head: Box::new(head),
                    args: Some(args),
                },
                start,
                end,
            ),
            kind,
        ))
    }

    /// `call_args_no_parens_all`: one argument, one ambiguous no-parens call, or
    /// several matched arguments with keywords last.
    fn no_parens_args(&mut self) -> Result<(Vec<Node>, Kind), Error> {
        if self.is_kw() {
            return Ok((vec![self.no_parens_kw()?], Kind::Matched));
        }
        let (first, k) = self.expr()?;
        if k == Kind::NoParens {
            return Ok((vec![first], Kind::NoParens));
        }
        if !self.is(&Tk::Comma) {
            return Ok((vec![first], k));
        }
        if k == Kind::Unmatched {
            return self.unexpected();
        }
        Ok((self.more_args(first)?, Kind::NoParens))
    }

    /// After `first`, at a comma: the rest of the arguments of a call without
    /// parentheses, matched expressions with keywords last.
    fn more_args(&mut self, first: Node) -> Result<Vec<Node>, Error> {
        let mut args = vec![first];
        while self.is(&Tk::Comma) {
            self.bump();
            if self.is_kw() {
                args.push(self.no_parens_kw()?);
                break;
            }
            let at = self.here();
            let (a, k) = self.expr()?;
            if k != Kind::Matched {
                return Err(ambiguous(at));
            }
            args.push(a);
        }
        Ok(args)
    }

    /// Keyword arguments of a call without parentheses: values may be calls
    /// without parentheses themselves.
    fn no_parens_kw(&mut self) -> Result<Node, Error> {
        let start = self.here();
        let mut pairs = Vec::new();
        loop {
            let key = self.kw_key()?;
            let (value, k) = self.expr()?;
            if k == Kind::Unmatched {
                return self.unexpected();
            }
            pairs.push(Node::pair(key, value));
            if k == Kind::NoParens || !self.is(&Tk::Comma) {
                break;
            }
            let comma = self.here();
            self.bump();
            if !self.is_kw() {
                return Err(kw_not_last(comma));
            }
        }
        let end = self.prev_end();
        Ok(Node::new(Ast::List(pairs), start, end))
    }

    fn kw_key(&mut self) -> Result<Node, Error> {
        if !self.is_kw() {
            return self.unexpected();
        }
        let t = self.bump();
        let key = match t.tk {
            Tk::Kw(k) => Node::atom(k, t.start, t.end),
            Tk::KwInterpolated(parts) => {
                let bin = self.string_parts(parts, t.start, t.end)?;
                let utf8 = Node::atom("utf8", t.start, t.end);
                remote("erlang", "binary_to_atom", vec![bin, utf8], t.start, t.end)
            }
            _ => unreachable!("checked above"),
        };
        self.skip_eol();
        Ok(key)
    }

    /// Keywords in a container or a call with parentheses: values are container
    /// expressions, a trailing comma is allowed.
    fn kw_list(&mut self) -> Result<Node, Error> {
        let start = self.here();
        let mut pairs = Vec::new();
        loop {
            let key = self.kw_key()?;
            let value = self.container_expr()?;
            pairs.push(Node::pair(key, value));
            if !self.is(&Tk::Comma) {
                break;
            }
            let comma = self.here();
            self.bump();
            if self.is_kw() {
                continue;
            }
            if self.closes_container() {
                break;
            }
            return Err(kw_not_last(comma));
        }
        let end = self.prev_end();
        Ok(Node::new(Ast::List(pairs), start, end))
    }

    fn closes_container(&self) -> bool {
        let k = usize::from(self.is(&Tk::Eol));
        matches!(
            self.peek_at(k),
            Some(Tk::RParen | Tk::RBracket | Tk::RBrace | Tk::RBit)
        )
    }

    /// An element of a list, tuple, bitstring or access: never a call without
    /// parentheses taking several arguments.
    fn container_expr(&mut self) -> Result<Node, Error> {
        let at = self.here();
        let (e, k) = self.expr()?;
        if k == Kind::NoParens {
            return Err(Error::new(
                "unexpected comma: parentheses are required to solve ambiguity inside containers",
                at,
            ));
        }
        Ok(e)
    }

    /// Elements up to `close` (not read), with a trailing comma allowed and, when
    /// `kw_last`, keyword pairs at the end (returned apart).
    fn container_args(
        &mut self,
        close: &Tk,
        kw_last: bool,
    ) -> Result<(Vec<Node>, Option<Node>), Error> {
        let saved = self.no_do;
        self.no_do = false;
        let r = self.container_args_inner(close, kw_last);
        self.no_do = saved;
        r
    }

    fn container_args_inner(
        &mut self,
        close: &Tk,
        kw_last: bool,
    ) -> Result<(Vec<Node>, Option<Node>), Error> {
        let mut args = Vec::new();
        loop {
            if self.is_kw() && kw_last && !args.is_empty() {
                return Ok((args, Some(self.kw_list()?)));
            }
            args.push(self.container_expr()?);
            if !self.is(&Tk::Comma) {
                break;
            }
            self.bump();
            let k = usize::from(self.is(&Tk::Eol));
            if self.peek_at(k) == Some(close) {
                break;
            }
        }
        Ok((args, None))
    }

    /// `container_args` with keywords as one last element (tuples, bitstrings).
    fn container_elements(&mut self, close: &Tk) -> Result<Vec<Node>, Error> {
        let (mut args, kw) = self.container_args(close, true)?;
        args.extend(kw);
        Ok(args)
    }

    fn list(&mut self) -> Result<Node, Error> {
        let open = self.bump();
        self.skip_eol();
        let mut items = Vec::new();
        if !self.is(&Tk::RBracket) {
            let saved = self.no_do;
            self.no_do = false;
            let r = if self.is_kw() {
                self.kw_list().map(|kw| (Vec::new(), Some(kw)))
            } else {
                self.container_args_inner(&Tk::RBracket, true)
            };
            self.no_do = saved;
            let (args, kw) = r?;
            items = args;
            // Keywords at the end of a list are its elements, not a nested list.
            if let Some(Node {
                ast: Ast::List(pairs),
                ..
            }) = kw
            {
                items.extend(pairs);
            }
        }
        self.skip_eol();
        let close = self.expect(Tk::RBracket)?;
        Ok(Node::new(Ast::List(items), open.start, close.end))
    }

    /// An opening bracket, container elements (keywords last) and `close`.
    fn bracketed(&mut self, close: Tk) -> Result<(Token, Vec<Node>, Token), Error> {
        let open = self.bump();
        self.skip_eol();
        let items = if self.is(&close) {
            Vec::new()
        } else {
            self.container_elements(&close)?
        };
        self.skip_eol();
        let close = self.expect(close)?;
        Ok((open, items, close))
    }

    fn tuple(&mut self) -> Result<Node, Error> {
        let (open, mut items, close) = self.bracketed(Tk::RBrace)?;
        let (s, e) = (open.start, close.end);
        if items.len() == 2 {
            let b = items.pop();
            let a = items.pop();
            if let (Some(a), Some(b)) = (a, b) {
                // The braces belong to the tuple's text.
                return Ok(Node::new(Ast::Pair(Box::new(a), Box::new(b)), s, e));
            }
        }
        Ok(Node::call("{}", items, s, e))
    }

    fn bitstring(&mut self) -> Result<Node, Error> {
        let (open, items, close) = self.bracketed(Tk::RBit)?;
        Ok(Node::call("<<>>", items, open.start, close.end))
    }

    /// `(args)` of a call, then a second `(args)` (`f(a)(b)`), then a do-block.
    fn paren_call(&mut self, head: Node, start: usize) -> Parsed {
        let args = self.call_args_parens()?;
        let mut node = Node::new(
            Ast::Call {
                head: Box::new(head),
                args: Some(args),
            },
            start,
            self.prev_end(),
        );
        if self.is(&Tk::LParen) {
            let args = self.call_args_parens()?;
            node = Node::new(
                Ast::Call {
                    head: Box::new(node),
                    args: Some(args),
                },
                start,
                self.prev_end(),
            );
        }
        if !self.no_do && self.is(&Tk::Do) {
            let block = self.do_block()?;
            let end = block.end;
            if let Ast::Call {
                args: Some(args), ..
            } = &mut node.ast
            {
                args.push(block);
            }
            node.end = end;
            return Ok((node, Kind::Unmatched));
        }
        Ok((node, Kind::Matched))
    }

    fn call_args_parens(&mut self) -> Result<Vec<Node>, Error> {
        self.expect(Tk::LParen)?;
        self.skip_eol();
        let saved = self.no_do;
        self.no_do = false;
        let r = self.call_args_parens_inner();
        self.no_do = saved;
        let args = r?;
        self.skip_eol();
        self.expect(Tk::RParen)?;
        Ok(args)
    }

    fn call_args_parens_inner(&mut self) -> Result<Vec<Node>, Error> {
        let mut args = Vec::new();
        if self.is(&Tk::RParen) {
            return Ok(args);
        }
        loop {
            if self.is_kw() {
                args.push(self.kw_list()?);
                return Ok(args);
            }
            let at = self.here();
            let (a, k) = self.expr()?;
            if k == Kind::NoParens {
                let k2 = usize::from(self.is(&Tk::Eol));
                if args.is_empty() && self.peek_at(k2) == Some(&Tk::RParen) {
                    args.push(a);
                    return Ok(args);
                }
                return Err(ambiguous(at));
            }
            args.push(a);
            if !self.is(&Tk::Comma) {
                return Ok(args);
            }
            self.bump();
        }
    }

    /// `do ... end` with its `else`/`after`/`catch`/`rescue` sections: the
    /// keyword list a do-block call gets as its last argument.
    fn do_block(&mut self) -> Result<Node, Error> {
        let saved = self.no_do;
        self.no_do = false;
        let r = self.do_block_inner();
        self.no_do = saved;
        r
    }

    fn do_block_inner(&mut self) -> Result<Node, Error> {
        let open = self.expect(Tk::Do)?;
        self.skip_eoe();
        let mut sections = Vec::new();
        let mut name = ("do", open.start, open.end);
        loop {
            let body = if self.is(&Tk::End) || matches!(self.peek(), Tk::Block(_)) {
                Node::call("__block__", vec![], self.here(), self.here())
            } else {
                self.stab_body(|tk| matches!(tk, Tk::End | Tk::Block(_)))?
            };
            let key = Node::atom(name.0, name.1, name.2);
            sections.push(Node::pair(key, body));
            if self.at_end() {
                return self.unexpected();
            }
            match *self.peek() {
                Tk::Block(word) => {
                    let t = self.bump();
                    name = (word, t.start, t.end);
                    self.skip_eoe();
                }
                Tk::End => break,
                _ => return self.unexpected(),
            }
        }
        let close = self.expect(Tk::End)?;
        Ok(Node::new(Ast::List(sections), open.start, close.end))
    }

    /// Stab items up to (not including) a token `stop` accepts, built into a
    /// block or a list of clauses.
    fn stab_body(&mut self, stop: fn(&Tk) -> bool) -> Result<Node, Error> {
        let start = self.here();
        let items = self.stab_items(stop)?;
        self.build_stab(items, start)
    }

    fn stab_items(&mut self, stop: fn(&Tk) -> bool) -> Result<Vec<Stab>, Error> {
        let mut items = Vec::new();
        loop {
            if self.at_end() {
                return self.unexpected();
            }
            if stop(self.peek()) {
                return Ok(items);
            }
            items.push(self.stab_expr()?);
            if self.skip_eoe() {
                continue;
            }
            if self.at_end() || !stop(self.peek()) {
                return self.unexpected();
            }
        }
    }

    fn build_stab(&mut self, items: Vec<Stab>, start: usize) -> Result<Node, Error> {
        let end = self.prev_end();
        if !items.iter().any(|i| matches!(i, Stab::Clause(_))) {
            let exprs = items
                .into_iter()
                .map(|i| match i {
                    Stab::Expr(e) | Stab::Clause(e) => e,
                })
                .collect();
            return Ok(build_block(exprs, start, end));
        }
        let mut clauses: Vec<(Node, Vec<Node>)> = Vec::new();
        for item in items {
            match item {
                Stab::Clause(c) => clauses.push((c, Vec::new())),
                Stab::Expr(e) => match clauses.last_mut() {
                    Some((_, rest)) => rest.push(e),
                    None => {
                        return Err(Error::new(
                            "unexpected `->`: when a block has clauses, it must begin with one",
                            e.start,
                        ))
                    }
                },
            }
        }
        let clauses = clauses
            .into_iter()
            .map(|(mut clause, rest)| {
                if !rest.is_empty() {
                    if let Ast::Call {
                        args: Some(args), ..
                    } = &mut clause.ast
                    {
                        if let Some(body) = args.pop() {
                            let (s, mut e) = (body.start, body.end);
                            if let Some(last) = rest.last() {
                                e = last.end;
                            }
                            let mut exprs = vec![body];
                            exprs.extend(rest);
                            args.push(build_block(exprs, s, e));
                        }
                    }
                } else if let Ast::Call {
                    args: Some(args), ..
                } = &mut clause.ast
                {
                    if let Some(body) = args.pop() {
                        let (s, e) = (body.start, body.end);
                        args.push(build_block(vec![body], s, e));
                    }
                }
                clause
            })
            .collect();
        Ok(Node::new(Ast::List(clauses), start, end))
    }

    /// One stab item: an expression, or `args -> body`.
    fn stab_expr(&mut self) -> Result<Stab, Error> {
        let start = self.here();
        if matches!(self.peek(), Tk::Op(Op::Stab, _)) {
            return self.clause(Vec::new(), start);
        }
        let mut parsed = None;
        if self.is(&Tk::LParen) {
            match self.paren_head()? {
                Some(ParenHead::Args(head)) => return self.clause(head, start),
                Some(ParenHead::Expr(node)) => {
                    parsed = Some(self.binary_continue(node, Kind::Matched, 0)?);
                }
                None => {}
            }
        }
        if parsed.is_none() && self.is_kw() {
            let kw = self.no_parens_kw()?;
            if !matches!(self.peek(), Tk::Op(Op::Stab, _)) {
                return self.unexpected();
            }
            return self.clause(vec![kw], start);
        }
        let (first, k) = match parsed {
            Some(p) => p,
            None => self.expr()?,
        };
        if !self.at_end() && matches!(self.peek(), Tk::Op(Op::Stab, _)) {
            if k == Kind::Unmatched {
                return self.unexpected();
            }
            return self.clause(unwrap_when(vec![first]), start);
        }
        if k == Kind::Matched && self.is(&Tk::Comma) {
            let args = self.more_args(first)?;
            if self.at_end() || !matches!(self.peek(), Tk::Op(Op::Stab, _)) {
                return self.unexpected();
            }
            return self.clause(unwrap_when(args), start);
        }
        Ok(Stab::Expr(first))
    }

    /// `()` or `(a, b)` (or `(key: v)`) before `->` or `when`: the clause's
    /// arguments, with the guard folded in. `None` when the parentheses are an
    /// ordinary expression.
    fn paren_head(&mut self) -> Result<Option<ParenHead>, Error> {
        let mut depth = 0usize;
        let mut j = self.i;
        let mut top_comma = false;
        let mut first_kw = false;
        while j < self.t.len() {
            match &self.t[j].tk {
                Tk::LParen | Tk::LBracket | Tk::LBrace | Tk::LBit | Tk::Fn | Tk::Do => depth += 1,
                Tk::RParen | Tk::RBracket | Tk::RBrace | Tk::RBit | Tk::End => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                Tk::Comma if depth == 1 => top_comma = true,
                // `(a, b -> c)` is clauses in parentheses, not arguments.
                Tk::Op(Op::Stab, _) if depth == 1 => return Ok(None),
                Tk::Kw(_) | Tk::KwInterpolated(_) if depth == 1 && j == self.i + 1 => {
                    first_kw = true
                }
                _ => {}
            }
            j += 1;
        }
        let follows = self.t.get(j + 1).map(|t| &t.tk);
        let guard = matches!(follows, Some(Tk::Op(Op::When, _)));
        if !guard && !matches!(follows, Some(Tk::Op(Op::Stab, _))) {
            return Ok(None);
        }
        let empty = j == self.i + 1 || (j == self.i + 2 && self.t[self.i + 1].tk == Tk::Eol);
        if !empty && !top_comma && !first_kw {
            return Ok(None);
        }
        let open_at = self.i;
        self.bump();
        self.skip_eol();
        let mut args = Vec::new();
        if !empty {
            let saved = self.no_do;
            self.no_do = false;
            let r = if self.is_kw() {
                self.no_parens_kw().map(|kw| vec![kw])
            } else {
                // One call taking the commas is an ordinary parenthesised
                // expression: `(f a, b) -> ...`, `(f a, b do end) -> ...`.
                self.no_parens_args().map(|(a, _)| a)
            };
            self.no_do = saved;
            args = r?;
            if args.len() == 1 && !first_kw {
                // One expression: the parentheses are an ordinary expression (a
                // block if more follow), which the guard and what follows extend
                // as usual.
                let open = self.t[open_at].start;
                let mut items: Vec<Stab> = args.into_iter().map(Stab::Expr).collect();
                if self.skip_eoe() {
                    let saved = self.no_do;
                    self.no_do = false;
                    let more = self.stab_items(|tk| *tk == Tk::RParen);
                    self.no_do = saved;
                    items.extend(more?);
                }
                let close = self.expect(Tk::RParen)?;
                let mut node = self.build_stab(items, open)?;
                node.start = open;
                node.end = close.end;
                return Ok(Some(ParenHead::Expr(node)));
            }
            self.skip_eol();
        }
        self.expect(Tk::RParen)?;
        if guard {
            let when_at = self.here();
            self.bump();
            let (g, _) = self.expr()?;
            let e = g.end;
            args.push(g);
            return Ok(Some(ParenHead::Args(vec![Node::call(
                "when", args, when_at, e,
            )])));
        }
        Ok(Some(ParenHead::Args(args)))
    }

    fn clause(&mut self, args: Vec<Node>, start: usize) -> Result<Stab, Error> {
        if !matches!(self.peek_tk(), Some(Tk::Op(Op::Stab, _))) {
            return self.unexpected();
        }
        let arrow = self.bump();
        self.skip_eol();
        let body = if self.at_end()
            || matches!(
                self.peek(),
                Tk::Eol | Tk::Semi | Tk::End | Tk::Block(_) | Tk::RParen
            ) {
            Node::atom("nil", arrow.start, arrow.end)
        } else {
            self.expr()?.0
        };
        let e = body.end;
        let args = Node::new(Ast::List(args), start, arrow.start);
        Ok(Stab::Clause(Node::call("->", vec![args, body], start, e)))
    }

    /// `( ... )`: a block, the empty block, or clauses.
    fn parens(&mut self) -> Result<Node, Error> {
        let open = self.bump();
        let saved = self.no_do;
        self.no_do = false;
        let r = self.parens_inner(open.start);
        self.no_do = saved;
        r
    }

    fn parens_inner(&mut self, start: usize) -> Result<Node, Error> {
        self.skip_eoe();
        let items = self.stab_items(|tk| *tk == Tk::RParen)?;
        let close = self.expect(Tk::RParen)?;
        let mut node = self.build_stab(items, start)?;
        node.start = start;
        node.end = close.end;
        Ok(node)
    }

    fn fn_expr(&mut self) -> Result<Node, Error> {
        let open = self.bump();
        let saved = self.no_do;
        self.no_do = false;
        let r = (|| {
            self.skip_eoe();
            let items = self.stab_items(|tk| *tk == Tk::End)?;
            if !items.iter().any(|i| matches!(i, Stab::Clause(_))) {
                return Err(Error::new(
                    "an anonymous function needs `->`: `fn pattern -> expression end`",
                    open.start,
                ));
            }
            let node = self.build_stab(items, open.start)?;
            let close = self.expect(Tk::End)?;
            let Ast::List(clauses) = node.ast else {
                unreachable!("clauses make a list")
            };
            Ok(Node::call("fn", clauses, open.start, close.end))
        })();
        self.no_do = saved;
        r
    }

    /// After `%{` or `%Name`: the map's `{ ... }`.
    fn map_args(&mut self, start: usize) -> Result<Node, Error> {
        let saved = self.no_do;
        self.no_do = false;
        let r = self.map_args_inner(start);
        self.no_do = saved;
        r
    }

    fn map_args_inner(&mut self, start: usize) -> Result<Node, Error> {
        self.expect(Tk::LBrace)?;
        self.skip_eol();
        let mut items = Vec::new();
        let mut update: Option<(Node, Vec<Node>)> = None;
        let mut first = true;
        while !(self.is(&Tk::RBrace) || self.is(&Tk::Eol) && self.peek_at(1) == Some(&Tk::RBrace)) {
            if self.is_kw() {
                let kw = self.kw_list()?;
                let Ast::List(pairs) = kw.ast else {
                    unreachable!("kw_list makes a list")
                };
                match &mut update {
                    Some((_, list)) => list.extend(pairs),
                    None => items.extend(pairs),
                }
                break;
            }
            let element = self.map_element(first)?;
            match element {
                MapElement::Update(lhs, rhs) => update = Some((lhs, rhs)),
                MapElement::Item(item) => match &mut update {
                    Some((_, list)) => list.push(item),
                    None => items.push(item),
                },
            }
            first = false;
            if !self.is(&Tk::Comma) {
                break;
            }
            self.bump();
        }
        self.skip_eol();
        let close = self.expect(Tk::RBrace)?;
        let e = close.end;
        if let Some((lhs, list)) = update {
            let s = lhs.start;
            let list = Node::new(Ast::List(list), s, e);
            items.push(Node::call("|", vec![lhs, list], s, e));
        }
        Ok(Node::call("%{}", items, start, e))
    }

    /// One element of a map: `key => value`, a variable or call standing alone,
    /// or (first) the `map | ...` of an update. `=>` binds looser than anything on
    /// either side.
    fn map_element(&mut self, first: bool) -> Result<MapElement, Error> {
        let at = self.here();
        let (e, k) = self.expr()?;
        if k == Kind::NoParens && !prefixed(&e) {
            return Err(Error::new(
                "unexpected comma: parentheses are required to solve ambiguity inside maps",
                at,
            ));
        }
        let head_at = |n: &Node| match &n.ast {
            Ast::Call { head, .. } => head.start,
            _ => usize::MAX,
        };
        // `(a | b) => c` is a pair: parentheses (which widen the node's span
        // past its left operand's) take `|` out of the update.
        let is_update =
            first && matches!(e.local_call(), Some(("|", [lhs, _])) if lhs.start == e.start);
        if is_update
            && matches!(
                e.local_call(),
                Some((
                    "|",
                    [
                        _,
                        Node {
                            ast: Ast::List(_),
                            ..
                        }
                    ]
                ))
            )
            && self.pipe_kw.last() == Some(&head_at(&e))
        {
            self.pipe_kw.pop();
            let (lhs, rhs) = split_pair(e);
            let Ast::List(pairs) = rhs.ast else {
                unreachable!("checked above")
            };
            return Ok(MapElement::Update(lhs, pairs));
        }
        if matches!(self.peek_tk(), Some(Tk::Op(Op::Assoc, _))) {
            self.bump();
            self.skip_eol();
            let (value, vk) = self.expr()?;
            if vk == Kind::NoParens && !prefixed(&value) {
                return Err(Error::new(
                    "unexpected comma: parentheses are required to solve ambiguity inside maps",
                    value.start,
                ));
            }
            if is_update {
                let (lhs, key) = split_pair(e);
                let pair = Node::pair(key, value);
                return Ok(MapElement::Update(lhs, vec![pair]));
            }
            return Ok(MapElement::Item(Node::pair(e, value)));
        }
        if is_update {
            if let Some(("|", [_, rhs])) = e.local_call() {
                if bare_map_element(rhs) {
                    let (lhs, rhs) = split_pair(e);
                    return Ok(MapElement::Update(lhs, vec![rhs]));
                }
            }
        }
        if bare_map_element(&e) {
            return Ok(MapElement::Item(e));
        }
        Err(Error::new(
            "a map holds `key => value` pairs and `key: value` keywords",
            at,
        ))
    }

    fn peek_tk(&self) -> Option<&Tk> {
        self.t.get(self.i).map(|t| &t.tk)
    }

    /// `%Name{...}`.
    fn structure(&mut self) -> Result<Node, Error> {
        let pct = self.bump();
        let name = self.struct_name()?;
        self.skip_eol();
        let map = self.map_args(pct.start)?;
        let e = map.end;
        Ok(Node::call("%", vec![name, map], pct.start, e))
    }

    fn struct_name(&mut self) -> Result<Node, Error> {
        if self.at_end() {
            return self.unexpected();
        }
        self.enter()?;
        let r = self.struct_name_inner();
        self.depth -= 1;
        r
    }

    fn struct_name_inner(&mut self) -> Result<Node, Error> {
        let start = self.here();
        let mut node = match self.peek().clone() {
            Tk::Op(Op::At | Op::Unary | Op::Dual, op) | Tk::Op(Op::Ternary, op @ "//") => {
                self.bump();
                self.skip_eol();
                let inner = self.struct_name()?;
                let e = inner.end;
                return Ok(Node::call(op, vec![inner], start, e));
            }
            Tk::Atom(a) => {
                let t = self.bump();
                return Ok(Node::atom(a, t.start, t.end));
            }
            Tk::Alias(a) => {
                let t = self.bump();
                let alias = Node::atom(a, t.start, t.end);
                Node::call("__aliases__", vec![alias], t.start, t.end)
            }
            Tk::Ident(IdKind::Paren, name) => {
                let t = self.bump();
                let head = Node::atom(name, t.start, t.end);
                let args = self.call_args_parens()?;
                Node::new(
                    Ast::Call {
                        head: Box::new(head),
                        args: Some(args),
                    },
                    t.start,
                    self.prev_end(),
                )
            }
            Tk::Ident(_, name) => {
                let t = self.bump();
                Node::new(
                    Ast::Call {
                        head: Box::new(Node::atom(name, t.start, t.end)),
                        args: None,
                    },
                    t.start,
                    t.end,
                )
            }
            // `%1.Foo{}`: any expression before `.Alias` names a struct.
            Tk::Int(_) | Tk::Float(_) | Tk::Char(_) | Tk::Str(_) | Tk::Charlist(_) => {
                let (base, _) = self.primary_no_postfix()?;
                if !self.is(&Tk::Dot) {
                    return self.unexpected();
                }
                base
            }
            _ => return self.unexpected(),
        };
        while self.is(&Tk::Dot) {
            self.bump();
            if self.at_end() {
                return self.unexpected();
            }
            match self.peek().clone() {
                Tk::Alias(a) => {
                    let t = self.bump();
                    node = self.dot_alias(node, &a, t.start, t.end)?;
                }
                Tk::Ident(IdKind::Paren, name) => {
                    let t = self.bump();
                    let s = node.start;
                    let head =
                        Node::call(".", vec![node, Node::atom(name, t.start, t.end)], s, t.end);
                    let args = self.call_args_parens()?;
                    node = Node::new(
                        Ast::Call {
                            head: Box::new(head),
                            args: Some(args),
                        },
                        s,
                        self.prev_end(),
                    );
                }
                Tk::Ident(_, name) => {
                    let t = self.bump();
                    let s = node.start;
                    let head =
                        Node::call(".", vec![node, Node::atom(name, t.start, t.end)], s, t.end);
                    node = Node::new(
                        Ast::Call {
                            head: Box::new(head),
                            args: Some(Vec::new()),
                        },
                        s,
                        t.end,
                    );
                }
                _ => return self.unexpected(),
            }
        }
        Ok(node)
    }

    fn interpolation(
        &mut self,
        tokens: Vec<Token>,
        start: usize,
        end: usize,
    ) -> Result<Node, Error> {
        let mut sub = Parser {
            t: tokens,
            i: 0,
            // The `}` that closes the interpolation.
            end: end.saturating_sub(1),
            ends: "`}`: the interpolation ends before its expression does",
            depth: self.depth,
            no_do: false,
            pipe_kw: Vec::new(),
        };
        let mut node = sub.grammar()?;
        if node.local_call() == Some(("__block__", &[])) {
            node.start = start;
            node.end = end;
        }
        Ok(node)
    }

    /// `<<"text", Kernel.to_string(code)::binary, ...>>`
    fn string_parts(&mut self, parts: Vec<Part>, s: usize, e: usize) -> Result<Node, Error> {
        let mut out = Vec::with_capacity(parts.len());
        for part in parts {
            match part {
                Part::Text(t) => out.push(Node::new(Ast::Bin(t), s, e)),
                Part::Code { tokens, start, end } => {
                    let expr = self.interpolation(tokens, start, end)?;
                    let call = kernel_to_string(expr);
                    let binary = Node::new(
                        Ast::Call {
                            head: Box::new(Node::atom("binary", start, end)),
                            args: None,
                        },
                        start,
                        end,
                    );
                    out.push(Node::call("::", vec![call, binary], start, end));
                }
            }
        }
        Ok(Node::call("<<>>", out, s, e))
    }

    fn bin_string(&mut self, parts: Vec<Part>, s: usize, e: usize) -> Result<Node, Error> {
        if let [Part::Text(t)] = parts.as_slice() {
            return Ok(Node::new(Ast::Bin(t.clone()), s, e));
        }
        self.string_parts(parts, s, e)
    }

    fn charlist(&mut self, parts: Vec<Part>, s: usize, e: usize) -> Result<Node, Error> {
        if let [Part::Text(t)] = parts.as_slice() {
            let text = std::str::from_utf8(t)
                .map_err(|_| Error::new("a charlist is not valid UTF-8", s))?;
            let codes = text
                .chars()
                .map(|c| Node::new(Ast::Int((c as u32).to_string()), s, e))
                .collect();
            return Ok(Node::new(Ast::List(codes), s, e));
        }
        let mut out = Vec::with_capacity(parts.len());
        for part in parts {
            match part {
                Part::Text(t) => out.push(Node::new(Ast::Bin(t), s, e)),
                Part::Code { tokens, start, end } => {
                    let expr = self.interpolation(tokens, start, end)?;
                    out.push(kernel_to_string(expr));
                }
            }
        }
        let list = Node::new(Ast::List(out), s, e);
        Ok(remote("Elixir.List", "to_charlist", vec![list], s, e))
    }
}

enum ParenHead {
    /// `(a, b)` before `->` or `when`: a clause's arguments.
    Args(Vec<Node>),
    /// `(expr)`: an ordinary parenthesised expression.
    Expr(Node),
}

enum MapElement {
    Item(Node),
    Update(Node, Vec<Node>),
}

/// A prefix operator's node: Elixir's parser takes `@f a, b` (but not `f a, b`)
/// on either side of a map's `=>`.
fn prefixed(n: &Node) -> bool {
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
fn split_pair(n: Node) -> (Node, Node) {
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
fn bare_map_element(n: &Node) -> bool {
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
fn unwrap_when(mut args: Vec<Node>) -> Vec<Node> {
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

fn ambiguous(at: usize) -> Error {
    Error::new(
        "unexpected comma: parentheses are required to solve ambiguity in nested calls",
        at,
    )
}

fn kw_not_last(at: usize) -> Error {
    Error::new(
        "unexpected expression after a keyword list: keywords must come last",
        at,
    )
}
