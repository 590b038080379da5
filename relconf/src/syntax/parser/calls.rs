//! Calls: without parentheses and with them, keyword arguments, do-blocks and the
//! clauses of `->`, parenthesised expressions and `fn`.
use super::state::*;
use crate::syntax::ast::{Ast, Error, Node};
use crate::syntax::lexer::{Op, Tk};

impl Parser {
    pub(super) fn no_parens_call(&mut self, head: Node, start: usize) -> Parsed {
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
    pub(super) fn no_parens_args(&mut self) -> Result<(Vec<Node>, Kind), Error> {
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
    pub(super) fn more_args(&mut self, first: Node) -> Result<Vec<Node>, Error> {
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
    pub(super) fn no_parens_kw(&mut self) -> Result<Node, Error> {
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

    pub(super) fn kw_key(&mut self) -> Result<Node, Error> {
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
    pub(super) fn kw_list(&mut self) -> Result<Node, Error> {
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

    pub(super) fn closes_container(&self) -> bool {
        let k = usize::from(self.is(&Tk::Eol));
        matches!(
            self.peek_at(k),
            Some(Tk::RParen | Tk::RBracket | Tk::RBrace | Tk::RBit)
        )
    }

    /// An element of a list, tuple, bitstring or access: never a call without
    /// parentheses taking several arguments.
    pub(super) fn container_expr(&mut self) -> Result<Node, Error> {
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
    pub(super) fn container_args(
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

    pub(super) fn container_args_inner(
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
    pub(super) fn container_elements(&mut self, close: &Tk) -> Result<Vec<Node>, Error> {
        let (mut args, kw) = self.container_args(close, true)?;
        args.extend(kw);
        Ok(args)
    }
    /// `(args)` of a call, then a second `(args)` (`f(a)(b)`), then a do-block.
    pub(super) fn paren_call(&mut self, head: Node, start: usize) -> Parsed {
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

    pub(super) fn call_args_parens(&mut self) -> Result<Vec<Node>, Error> {
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

    pub(super) fn call_args_parens_inner(&mut self) -> Result<Vec<Node>, Error> {
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
    pub(super) fn do_block(&mut self) -> Result<Node, Error> {
        let saved = self.no_do;
        self.no_do = false;
        let r = self.do_block_inner();
        self.no_do = saved;
        r
    }

    pub(super) fn do_block_inner(&mut self) -> Result<Node, Error> {
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
    pub(super) fn stab_body(&mut self, stop: fn(&Tk) -> bool) -> Result<Node, Error> {
        let start = self.here();
        let items = self.stab_items(stop)?;
        self.build_stab(items, start)
    }

    pub(super) fn stab_items(&mut self, stop: fn(&Tk) -> bool) -> Result<Vec<Stab>, Error> {
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

    pub(super) fn build_stab(&mut self, items: Vec<Stab>, start: usize) -> Result<Node, Error> {
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
    pub(super) fn stab_expr(&mut self) -> Result<Stab, Error> {
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
    pub(super) fn paren_head(&mut self) -> Result<Option<ParenHead>, Error> {
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

    pub(super) fn clause(&mut self, args: Vec<Node>, start: usize) -> Result<Stab, Error> {
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

    pub(super) fn fn_expr(&mut self) -> Result<Node, Error> {
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
}
