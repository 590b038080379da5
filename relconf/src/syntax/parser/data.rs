//! Data: lists, tuples, bitstrings, maps and structs, strings and charlists with
//! their interpolations.
use super::state::*;
use crate::syntax::ast::{Ast, Error, Node};
use crate::syntax::lexer::{IdKind, Op, Part, Tk, Token};

impl Parser {
    pub(super) fn list(&mut self) -> Result<Node, Error> {
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
    pub(super) fn bracketed(&mut self, close: Tk) -> Result<(Token, Vec<Node>, Token), Error> {
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

    pub(super) fn tuple(&mut self) -> Result<Node, Error> {
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

    pub(super) fn bitstring(&mut self) -> Result<Node, Error> {
        let (open, items, close) = self.bracketed(Tk::RBit)?;
        Ok(Node::call("<<>>", items, open.start, close.end))
    }
    /// After `%{` or `%Name`: the map's `{ ... }`.
    pub(super) fn map_args(&mut self, start: usize) -> Result<Node, Error> {
        let saved = self.no_do;
        self.no_do = false;
        let r = self.map_args_inner(start);
        self.no_do = saved;
        r
    }

    pub(super) fn map_args_inner(&mut self, start: usize) -> Result<Node, Error> {
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
    pub(super) fn map_element(&mut self, first: bool) -> Result<MapElement, Error> {
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

    pub(super) fn peek_tk(&self) -> Option<&Tk> {
        self.t.get(self.i).map(|t| &t.tk)
    }

    /// `%Name{...}`.
    pub(super) fn structure(&mut self) -> Result<Node, Error> {
        let pct = self.bump();
        let name = self.struct_name()?;
        self.skip_eol();
        let map = self.map_args(pct.start)?;
        let e = map.end;
        Ok(Node::call("%", vec![name, map], pct.start, e))
    }

    pub(super) fn struct_name(&mut self) -> Result<Node, Error> {
        if self.at_end() {
            return self.unexpected();
        }
        self.enter()?;
        let r = self.struct_name_inner();
        self.depth -= 1;
        r
    }

    pub(super) fn struct_name_inner(&mut self) -> Result<Node, Error> {
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

    pub(super) fn interpolation(
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
    pub(super) fn string_parts(
        &mut self,
        parts: Vec<Part>,
        s: usize,
        e: usize,
    ) -> Result<Node, Error> {
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

    pub(super) fn bin_string(
        &mut self,
        parts: Vec<Part>,
        s: usize,
        e: usize,
    ) -> Result<Node, Error> {
        if let [Part::Text(t)] = parts.as_slice() {
            return Ok(Node::new(Ast::Bin(t.clone()), s, e));
        }
        self.string_parts(parts, s, e)
    }

    pub(super) fn charlist(&mut self, parts: Vec<Part>, s: usize, e: usize) -> Result<Node, Error> {
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
