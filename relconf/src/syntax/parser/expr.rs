//! Expressions: operators by precedence, unary and capture operators, primaries,
//! postfix access and calls, identifiers.
use super::state::*;
use crate::syntax::ast::{Ast, Error, Node};
use crate::syntax::lexer::{IdKind, Op, Tk};

impl Parser {
    pub(super) fn expr(&mut self) -> Parsed {
        self.enter()?;
        let r = self.binary_from(0);
        self.depth -= 1;
        r
    }

    pub(super) fn binary_from(&mut self, min: u16) -> Parsed {
        let (lhs, kind) = self.unary()?;
        self.binary_continue(lhs, kind, min)
    }

    /// Binary operators after `lhs`, down to precedence `min`.
    pub(super) fn binary_continue(&mut self, mut lhs: Node, mut kind: Kind, min: u16) -> Parsed {
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

    pub(super) fn build_op(
        &mut self,
        lhs: Node,
        op: &str,
        rhs: Node,
        at: usize,
    ) -> Result<Node, Error> {
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

    pub(super) fn unary(&mut self) -> Parsed {
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
    pub(super) fn operand(&mut self, min: u16) -> Parsed {
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
    pub(super) fn at_node(&mut self) -> Parsed {
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
    pub(super) fn at_operand(&mut self) -> Parsed {
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

    pub(super) fn primary(&mut self) -> Parsed {
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
    pub(super) fn primary_no_postfix(&mut self) -> Parsed {
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
                let crate::syntax::lexer::Sigil {
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
    pub(super) fn postfix(&mut self, mut node: Node) -> Parsed {
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

    pub(super) fn access(&mut self, node: Node) -> Result<Node, Error> {
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

    pub(super) fn dot_alias(
        &mut self,
        lhs: Node,
        name: &str,
        s: usize,
        e: usize,
    ) -> Result<Node, Error> {
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
    pub(super) fn identifier(
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
    pub(super) fn starts_argument(&self, after_op_identifier: bool) -> bool {
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

    /// `( ... )`: a block, the empty block, or clauses.
    pub(super) fn parens(&mut self) -> Result<Node, Error> {
        let open = self.bump();
        let saved = self.no_do;
        self.no_do = false;
        let r = self.parens_inner(open.start);
        self.no_do = saved;
        r
    }

    pub(super) fn parens_inner(&mut self, start: usize) -> Result<Node, Error> {
        self.skip_eoe();
        let items = self.stab_items(|tk| *tk == Tk::RParen)?;
        let close = self.expect(Tk::RParen)?;
        let mut node = self.build_stab(items, start)?;
        node.start = start;
        node.end = close.end;
        Ok(node)
    }
}
