//! A recursive-descent (Pratt) parser for the Elixir expressions release configs use:
//! calls with and without parentheses, `do ... end` blocks, remote calls, lists with
//! keyword sugar, tuples, maps and structs, sigils, `fn`, captures, module
//! attributes and binary operators. Every node keeps its byte span so that what
//! cannot be evaluated is reported with its source text.

use crate::lexer::{lex, LexError, StrPart, Tok, Token};

/// Nesting deeper than this is refused with an error instead of overflowing the stack.
pub const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq)]
pub enum Ex {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Atom(String),
    Str(String),
    Charlist(String),
    /// A string or charlist with `#{...}`: its parts (text, and the byte range of
    /// each piece of code), or none when they were not kept (heredocs, charlists).
    Interpolated(Vec<StrPart>),
    /// `[a, b]`; keyword pairs are two-element tuples whose first element is an atom.
    List(Vec<Node>),
    Tuple(Vec<Node>),
    Map,
    Alias(String),
    Var(String),
    Attr(String),
    Sigil {
        letter: char,
        content: String,
        modifiers: String,
    },
    Call {
        target: Option<Box<Node>>,
        name: String,
        args: Vec<Node>,
        block: Option<DoBlock>,
    },
    Op {
        op: &'static str,
        lhs: Box<Node>,
        rhs: Box<Node>,
    },
    Unary {
        op: &'static str,
        arg: Box<Node>,
    },
    Fn,
    Block(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DoBlock {
    pub body: Vec<Node>,
    /// `else`, `after`, `rescue`, `catch` sections, in order.
    pub sections: Vec<(String, Vec<Node>)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub ex: Ex,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
}

impl From<LexError> for ParseError {
    fn from(e: LexError) -> Self {
        ParseError {
            message: e.message,
            offset: e.offset,
        }
    }
}

/// Parse a whole file into its top-level expressions.
pub fn parse(src: &str) -> Result<Vec<Node>, ParseError> {
    let tokens = lex(src)?;
    let mut p = Parser {
        t: tokens,
        i: 0,
        depth: 0,
        do_allowed: vec![true],
    };
    let body = p.statements(&[])?;
    match p.peek() {
        Tok::Eof => Ok(body),
        other => Err(p.error_here(format!("unexpected {}", describe(other)))),
    }
}

struct Parser {
    t: Vec<Token>,
    i: usize,
    depth: usize,
    /// Whether a `do` block may attach to a call here: not inside the arguments of a
    /// call without parentheses (the block belongs to that outer call), again yes
    /// inside brackets.
    do_allowed: Vec<bool>,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Ident(w) if w == "end" => "`end` (is there one `end` too many?)".into(),
        Tok::Ident(w) => format!("`{w}`"),
        Tok::Alias(a) => format!("`{a}`"),
        Tok::Op(o) => format!("`{o}`"),
        Tok::RParen => "`)`".into(),
        Tok::RBracket => "`]`".into(),
        Tok::RBrace => "`}`".into(),
        Tok::Comma => "`,`".into(),
        Tok::Sep => "end of line".into(),
        Tok::Eof => "end of file".into(),
        Tok::KwKey(k) => format!("keyword `{k}:`"),
        _ => "token".into(),
    }
}

/// Binary operators: (left binding power, right binding power).
fn binary(op: &str) -> Option<(u8, u8)> {
    Some(match op {
        "\\\\" => (2, 1),
        "when" => (4, 3),
        "::" => (6, 5),
        "|" => (8, 7),
        "=>" => (10, 9),
        "=" => (12, 11),
        "||" | "or" => (13, 14),
        "&&" | "and" => (15, 16),
        "==" | "!=" | "===" | "!==" | "=~" => (17, 18),
        "<" | ">" | "<=" | ">=" => (19, 20),
        "|>" | "<<<" | ">>>" | "<<~" | "~>>" | "<~>" | "<|>" => (21, 22),
        "in" => (23, 24),
        "^^^" => (25, 26),
        "++" | "--" | ".." | "<>" => (28, 27),
        "+" | "-" => (29, 30),
        "*" | "/" => (31, 32),
        "<-" => (3, 2),
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.t[self.i].tok
    }

    fn tok(&self) -> &Token {
        &self.t[self.i]
    }

    fn next(&mut self) -> Token {
        let t = self.t[self.i].clone();
        if self.i + 1 < self.t.len() {
            self.i += 1;
        }
        t
    }

    fn prev_end(&self) -> usize {
        self.t[self.i.saturating_sub(1)].end
    }

    fn error_here(&self, message: String) -> ParseError {
        ParseError {
            message,
            offset: self.tok().start,
        }
    }

    fn expect(&mut self, want: Tok, what: &str, opened_at: usize) -> Result<(), ParseError> {
        if *self.peek() == want {
            self.next();
            Ok(())
        } else {
            let found = describe(self.peek());
            Err(ParseError {
                message: format!("expected {what} (to close what opens here), found {found}"),
                offset: opened_at,
            })
        }
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Ident(x) if x == w)
    }

    fn skip_seps(&mut self) {
        while *self.peek() == Tok::Sep {
            self.next();
        }
    }

    /// Expressions separated by newlines or `;`, up to one of `stop` words (or `end`
    /// of file / a closing bracket).
    fn statements(&mut self, stop: &[&str]) -> Result<Vec<Node>, ParseError> {
        let mut out = Vec::new();
        loop {
            self.skip_seps();
            match self.peek() {
                Tok::Eof | Tok::RParen => return Ok(out),
                Tok::Ident(w) if stop.contains(&w.as_str()) => return Ok(out),
                _ => {}
            }
            out.push(self.expr(0)?);
            match self.peek() {
                Tok::Sep => {}
                Tok::Eof | Tok::RParen => {}
                Tok::Ident(w) if stop.contains(&w.as_str()) => {}
                other => {
                    return Err(self.error_here(format!(
                        "unexpected {} after an expression",
                        describe(other)
                    )))
                }
            }
        }
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(
                self.error_here(format!("expressions nested deeper than {MAX_DEPTH} levels"))
            );
        }
        Ok(())
    }

    fn expr(&mut self, min_bp: u8) -> Result<Node, ParseError> {
        self.enter()?;
        let result = self.expr_inner(min_bp);
        self.depth -= 1;
        result
    }

    fn expr_inner(&mut self, min_bp: u8) -> Result<Node, ParseError> {
        // `fn -> ... end`: a clause without arguments.
        let mut lhs = if min_bp == 0 && *self.peek() == Tok::Op("->") {
            let at = self.tok().start;
            Node {
                ex: Ex::Block(Vec::new()),
                start: at,
                end: at,
            }
        } else {
            self.unary()?
        };
        while let Tok::Op(op) = self.peek() {
            let op = *op;
            if op == "->" {
                // A clause: `pattern -> body`; the body runs to the end of the line.
                if min_bp > 0 {
                    break;
                }
                self.next();
                self.skip_seps();
                let rhs = if matches!(self.peek(), Tok::Ident(w) if w == "end") {
                    Node {
                        ex: Ex::Nil,
                        start: self.prev_end(),
                        end: self.prev_end(),
                    }
                } else {
                    self.expr(0)?
                };
                lhs = Node {
                    start: lhs.start,
                    end: rhs.end,
                    ex: Ex::Op {
                        op: "->",
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                };
                continue;
            }
            // `a not in b`: one operator, at `in`'s precedence.
            let not_in = op == "not"
                && self
                    .t
                    .get(self.i + 1)
                    .is_some_and(|t| t.tok == Tok::Op("in"));
            let op = if not_in { "not in" } else { op };
            let Some((lbp, rbp)) = binary(if not_in { "in" } else { op }) else {
                break;
            };
            if lbp < min_bp {
                break;
            }
            self.next();
            if not_in {
                self.next();
            }
            self.skip_seps();
            let rhs = self.expr(rbp)?;
            lhs = Node {
                start: lhs.start,
                end: rhs.end,
                ex: Ex::Op {
                    op,
                    lhs: Box::new(lhs),
                    rhs: Box::new(rhs),
                },
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Node, ParseError> {
        let start = self.tok().start;
        if let Tok::Op(op) = self.peek() {
            let op = *op;
            if matches!(op, "!" | "^" | "-" | "+" | "&" | "not" | "~~~" | "...") {
                self.next();
                let arg = self.expr(40)?;
                return Ok(Node {
                    start,
                    end: arg.end,
                    ex: Ex::Unary {
                        op,
                        arg: Box::new(arg),
                    },
                });
            }
        }
        let mut node = self.primary()?;
        // Postfix: `.name`, `.name(args)`, `.(args)`, `[key]` access.
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.next();
                    match self.next() {
                        Token {
                            tok: Tok::Ident(name),
                            ..
                        } => {
                            node = self.call_rest(Some(node), name, start)?;
                        }
                        Token {
                            tok: Tok::Alias(a),
                            end,
                            ..
                        } => {
                            let joined = match &node.ex {
                                Ex::Alias(base) => format!("{base}.{a}"),
                                _ => a,
                            };
                            node = Node {
                                ex: Ex::Alias(joined),
                                start,
                                end,
                            };
                        }
                        Token {
                            tok: Tok::LParen,
                            start: open,
                            ..
                        } => {
                            let args = self.args_until(Tok::RParen, open)?;
                            node = Node {
                                start,
                                end: self.prev_end(),
                                ex: Ex::Call {
                                    target: Some(Box::new(node)),
                                    name: String::new(),
                                    args,
                                    block: None,
                                },
                            };
                        }
                        Token {
                            tok: Tok::LBrace,
                            start: open,
                            ..
                        } => {
                            self.args_until(Tok::RBrace, open)?;
                            node = Node {
                                start,
                                end: self.prev_end(),
                                ex: Ex::Map,
                            };
                        }
                        t => {
                            return Err(ParseError {
                                message: format!("unexpected {} after `.`", describe(&t.tok)),
                                offset: t.start,
                            })
                        }
                    }
                }
                Tok::LBracket if !self.tok().space_before => {
                    let open = self.next().start;
                    self.args_until(Tok::RBracket, open)?;
                    node = Node {
                        start,
                        end: self.prev_end(),
                        ex: Ex::Call {
                            target: Some(Box::new(node)),
                            name: "[]".into(),
                            args: Vec::new(),
                            block: None,
                        },
                    };
                }
                _ => break,
            }
        }
        Ok(node)
    }

    fn primary(&mut self) -> Result<Node, ParseError> {
        let t = self.next();
        let (start, end) = (t.start, t.end);
        let leaf = |ex| Ok(Node { ex, start, end });
        match t.tok {
            Tok::Int(n) => leaf(Ex::Int(n)),
            Tok::Float(f) => leaf(Ex::Float(f)),
            Tok::Str {
                interpolated: true,
                parts,
                ..
            } => leaf(Ex::Interpolated(parts)),
            Tok::Charlist {
                interpolated: true, ..
            } => leaf(Ex::Interpolated(Vec::new())),
            Tok::Str { value, .. } => leaf(Ex::Str(value)),
            Tok::Charlist { value, .. } => leaf(Ex::Charlist(value)),
            Tok::Atom(a) => leaf(Ex::Atom(a)),
            Tok::Sigil {
                letter,
                content,
                modifiers,
            } => leaf(Ex::Sigil {
                letter,
                content,
                modifiers,
            }),
            Tok::Alias(a) => {
                // A bare alias can be called without a dot only as a struct; otherwise it is a name.
                leaf(Ex::Alias(a))
            }
            Tok::Attr(name) => {
                // `@name value` defines; `@name` alone reads.
                if self.starts_arg() {
                    let value = self.expr(0)?;
                    Ok(Node {
                        start,
                        end: value.end,
                        ex: Ex::Call {
                            target: None,
                            name: format!("@{name}"),
                            args: vec![value],
                            block: None,
                        },
                    })
                } else {
                    leaf(Ex::Attr(name))
                }
            }
            Tok::LParen => {
                self.do_allowed.push(true);
                let body = self.statements(&[]);
                self.do_allowed.pop();
                let body = body?;
                self.expect(Tok::RParen, "`)`", start)?;
                let end = self.prev_end();
                match body.len() {
                    1 => Ok(body
                        .into_iter()
                        .next()
                        .map(|mut n| {
                            n.start = start;
                            n.end = end;
                            n
                        })
                        .unwrap_or(Node {
                            ex: Ex::Nil,
                            start,
                            end,
                        })),
                    _ => Ok(Node {
                        ex: Ex::Block(body),
                        start,
                        end,
                    }),
                }
            }
            Tok::LBracket => {
                let items = self.args_until(Tok::RBracket, start)?;
                Ok(Node {
                    ex: Ex::List(items),
                    start,
                    end: self.prev_end(),
                })
            }
            Tok::LBrace => {
                let items = self.args_until(Tok::RBrace, start)?;
                Ok(Node {
                    ex: Ex::Tuple(items),
                    start,
                    end: self.prev_end(),
                })
            }
            Tok::Op("<<") => {
                let mut depth = 1;
                while depth > 0 {
                    match self.next().tok {
                        Tok::Op("<<") => depth += 1,
                        Tok::Op(">>") => depth -= 1,
                        Tok::Eof => {
                            return Err(ParseError {
                                message: "unterminated `<<`".into(),
                                offset: start,
                            })
                        }
                        _ => {}
                    }
                }
                Ok(Node {
                    ex: Ex::Map,
                    start,
                    end: self.prev_end(),
                })
            }
            Tok::Percent => {
                // %{...} or %Struct{...}
                if let Tok::Alias(_) = self.peek() {
                    self.next();
                    while *self.peek() == Tok::Dot {
                        self.next();
                        self.next();
                    }
                }
                let open = self.tok().start;
                self.expect(Tok::LBrace, "`{` after `%`", open)?;
                self.args_until(Tok::RBrace, open)?;
                Ok(Node {
                    ex: Ex::Map,
                    start,
                    end: self.prev_end(),
                })
            }
            Tok::KwKey(key) => {
                // A keyword list without brackets, as the last argument of a call.
                let value = self.expr(9)?;
                let pair = Node {
                    start,
                    end: value.end,
                    ex: Ex::Tuple(vec![
                        Node {
                            ex: Ex::Atom(key),
                            start,
                            end,
                        },
                        value,
                    ]),
                };
                Ok(pair)
            }
            Tok::Ident(word) => match word.as_str() {
                "nil" => leaf(Ex::Nil),
                "true" => leaf(Ex::Bool(true)),
                "false" => leaf(Ex::Bool(false)),
                "fn" => {
                    self.do_allowed.push(true);
                    let body = self.statements(&["end"]);
                    self.do_allowed.pop();
                    body?;
                    if !self.is_word("end") {
                        return Err(ParseError {
                            message: "`fn` without a matching `end`".into(),
                            offset: start,
                        });
                    }
                    self.next();
                    Ok(Node {
                        ex: Ex::Fn,
                        start,
                        end: self.prev_end(),
                    })
                }
                "end" | "do" | "else" | "after" | "rescue" | "catch" => Err(ParseError {
                    message: format!("unexpected `{word}`"),
                    offset: start,
                }),
                _ => self.call_rest(None, word, start),
            },
            other => Err(ParseError {
                message: format!("unexpected {}", describe(&other)),
                offset: start,
            }),
        }
    }

    /// Whether the next token can start an argument of a call without parentheses.
    fn starts_arg(&self) -> bool {
        let t = self.tok();
        if !t.space_before {
            return false;
        }
        match &t.tok {
            Tok::Int(_)
            | Tok::Float(_)
            | Tok::Str { .. }
            | Tok::Charlist { .. }
            | Tok::Atom(_)
            | Tok::KwKey(_)
            | Tok::Alias(_)
            | Tok::Attr(_)
            | Tok::Sigil { .. }
            | Tok::LBracket
            | Tok::LBrace
            | Tok::Percent
            | Tok::LParen => true,
            Tok::Ident(w) => !matches!(
                w.as_str(),
                "do" | "end" | "else" | "after" | "rescue" | "catch" | "when"
            ),
            // `f -1` is a call with -1; `f - 1` is a subtraction.
            Tok::Op(op) => {
                matches!(*op, "-" | "+" | "!" | "^" | "&" | "<<")
                    && self.t.get(self.i + 1).is_some_and(|n| !n.space_before)
            }
            _ => false,
        }
    }

    /// After an identifier (or `.name`): arguments in parentheses or without, and a
    /// `do` block.
    fn call_rest(
        &mut self,
        target: Option<Node>,
        name: String,
        start: usize,
    ) -> Result<Node, ParseError> {
        let mut args = Vec::new();
        let mut called = false;
        if *self.peek() == Tok::LParen && !self.tok().space_before {
            let open = self.next().start;
            args = self.args_until(Tok::RParen, open)?;
            called = true;
        } else if self.starts_arg() {
            args = self.bare_args()?;
            called = true;
        }
        let mut block = None;
        if self.is_word("do") && self.do_allowed.last().copied().unwrap_or(true) {
            let open = self.next().start;
            block = Some(self.do_block(open)?);
            called = true;
        }
        let end = self.prev_end();
        if !called && target.is_none() {
            return Ok(Node {
                ex: Ex::Var(name),
                start,
                end,
            });
        }
        Ok(Node {
            ex: Ex::Call {
                target: target.map(Box::new),
                name,
                args,
                block,
            },
            start,
            end,
        })
    }

    fn do_block(&mut self, open: usize) -> Result<DoBlock, ParseError> {
        self.enter()?;
        self.do_allowed.push(true);
        let result = self.do_block_inner(open);
        self.do_allowed.pop();
        result
    }

    fn do_block_inner(&mut self, open: usize) -> Result<DoBlock, ParseError> {
        let stops = ["end", "else", "after", "rescue", "catch"];
        let body = self.statements(&stops)?;
        let mut sections = Vec::new();
        loop {
            match self.peek() {
                Tok::Ident(w) if w == "end" => {
                    self.next();
                    break;
                }
                Tok::Ident(w) if stops.contains(&w.as_str()) => {
                    let name = w.clone();
                    self.next();
                    let part = self.statements(&stops)?;
                    sections.push((name, part));
                }
                _ => {
                    return Err(ParseError {
                        message: "this `do` has no matching `end`".into(),
                        offset: open,
                    });
                }
            }
        }
        self.depth -= 1;
        Ok(DoBlock { body, sections })
    }

    /// Arguments of a call without parentheses: up to the end of the line, a `do`,
    /// or a closing bracket.
    fn bare_args(&mut self) -> Result<Vec<Node>, ParseError> {
        self.do_allowed.push(false);
        let mut args = Vec::new();
        let mut after_keyword = None;
        let result = loop {
            // Every operator but a clause's `->` binds inside an argument:
            // `for x <- xs, do: x`, `defp f(x) when x in @xs, do: x`.
            match self.expr(1) {
                Ok(a) => {
                    if let Err(e) = keywords_last(&a, after_keyword) {
                        break Err(e);
                    }
                    args.push(a)
                }
                Err(e) => break Err(e),
            }
            if *self.peek() == Tok::Comma {
                let comma = self.next().start;
                if args.last().is_some_and(is_keyword_pair) {
                    after_keyword = Some(comma);
                }
                self.skip_seps();
                continue;
            }
            break Ok(());
        };
        self.do_allowed.pop();
        result.map(|()| fold_keywords(args))
    }

    /// Comma-separated items up to `close`; trailing keyword pairs become one
    /// keyword list, as Elixir does for `f(a, k: v)` and `[k: v]`.
    fn args_until(&mut self, close: Tok, open: usize) -> Result<Vec<Node>, ParseError> {
        self.enter()?;
        self.do_allowed.push(true);
        let result = self.args_until_inner(close, open);
        self.do_allowed.pop();
        result
    }

    fn args_until_inner(&mut self, close: Tok, open: usize) -> Result<Vec<Node>, ParseError> {
        let mut items = Vec::new();
        let mut after_keyword = None;
        loop {
            self.skip_seps();
            if *self.peek() == close {
                break;
            }
            let item = self.expr(0)?;
            keywords_last(&item, after_keyword)?;
            items.push(item);
            self.skip_seps();
            if *self.peek() == Tok::Comma {
                let comma = self.next().start;
                if items.last().is_some_and(is_keyword_pair) {
                    after_keyword = Some(comma);
                }
                continue;
            }
            break;
        }
        self.skip_seps();
        let what = match close {
            Tok::RParen => "`)`",
            Tok::RBracket => "`]`",
            _ => "`}`",
        };
        self.expect(close.clone(), what, open)?;
        self.depth -= 1;
        Ok(if close == Tok::RBracket {
            items
        } else {
            fold_keywords(items)
        })
    }
}

fn is_pair(n: &Node) -> bool {
    matches!(&n.ex, Ex::Tuple(items) if items.len() == 2 && matches!(items[0].ex, Ex::Atom(_)) && n.start == items[0].start)
}

/// `f(a, k: 1, j: 2)` has two arguments: `a` and the list `[k: 1, j: 2]`.
/// A `key: value` pair as written (not a `{:key, value}` tuple, whose atom starts
/// after its brace).
fn is_keyword_pair(node: &Node) -> bool {
    matches!(&node.ex, Ex::Tuple(items) if items.len() == 2
        && matches!(items[0].ex, Ex::Atom(_))
        && items[0].start == node.start)
}

/// Elixir's rule: nothing but more `key: value` pairs after one (`comma` is where
/// the pairs were followed by a comma).
fn keywords_last(item: &Node, comma: Option<usize>) -> Result<(), ParseError> {
    match comma {
        Some(offset) if !is_keyword_pair(item) => Err(ParseError {
            message: "unexpected expression after keyword list: `key: value` pairs come \
                      last; move them to the end or wrap them in brackets"
                .into(),
            offset,
        }),
        _ => Ok(()),
    }
}

fn fold_keywords(mut args: Vec<Node>) -> Vec<Node> {
    let first_kw = args.iter().rposition(|a| !is_pair(a)).map_or(0, |i| i + 1);
    if first_kw >= args.len() {
        return args;
    }
    let pairs: Vec<Node> = args.drain(first_kw..).collect();
    let start = pairs[0].start;
    let end = pairs.last().map_or(start, |p| p.end);
    args.push(Node {
        ex: Ex::List(pairs),
        start,
        end,
    });
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(src: &str) -> Ex {
        let mut nodes = parse(src).unwrap();
        assert_eq!(nodes.len(), 1, "{nodes:?}");
        nodes.remove(0).ex
    }

    #[test]
    fn calls_without_parens_take_keywords() {
        let Ex::Call { name, args, .. } = one("set include_erts: true, vm_args: \"rel/vm.args\"")
        else {
            panic!()
        };
        assert_eq!(name, "set");
        assert_eq!(args.len(), 1);
        let Ex::List(pairs) = &args[0].ex else {
            panic!()
        };
        assert_eq!(pairs.len(), 2);
    }

    #[test]
    fn do_blocks_nest() {
        let src = "environment :prod do\n  set cookie: :\"x\"\n  plugin Foo.Bar, name: 1\nend\n";
        let Ex::Call {
            name,
            args,
            block: Some(b),
            ..
        } = one(src)
        else {
            panic!()
        };
        assert_eq!(name, "environment");
        assert_eq!(args[0].ex, Ex::Atom("prod".into()));
        assert_eq!(b.body.len(), 2);
    }

    #[test]
    fn pipes_sigils_and_captures() {
        let src = "~w(rel plugins *.exs)\n|> Path.join()\n|> Path.wildcard()\n|> Enum.map(&Code.eval_file(&1))\n";
        assert!(matches!(one(src), Ex::Op { op: "|>", .. }));
    }

    #[test]
    fn a_mix_project() {
        let src = r#"
defmodule Billing.MixProject do
  use Mix.Project
  @version "0.1.0"
  def project do
    [app: :billing, version: @version, releases: releases(), start_permanent: Mix.env() == :prod]
  end
  defp releases do
    [billing: [include_executables_for: [:unix], steps: [:assemble, :tar]]]
  end
  defp deps, do: [{:distillery, "~> 2.1", runtime: false}]
end
"#;
        let Ex::Call {
            name,
            block: Some(b),
            ..
        } = one(src)
        else {
            panic!()
        };
        assert_eq!(name, "defmodule");
        assert_eq!(b.body.len(), 5);
    }

    #[test]
    fn if_case_fn_and_maps_parse() {
        parse("if System.get_env(\"X\") do\n  a = 1\nelse\n  b\nend\ncase x do\n  {:ok, v} -> v\n  _ -> nil\nend\nf = fn x -> x * 2 end\nm = %{\"b\" => 2, a: 1}\ns = %URI{host: \"x\"}\n").unwrap();
    }

    #[test]
    fn errors_have_positions() {
        let e = parse("environment :prod do\n  set x: 1\n").unwrap_err();
        assert_eq!(e.offset, 18);
        assert!(e.message.contains("no matching `end`"), "{}", e.message);
        let e = parse("end").unwrap_err();
        assert!(e.message.contains("`end`"), "{}", e.message);
        let deep = "[".repeat(5000) + &"]".repeat(5000);
        assert!(parse(&deep).unwrap_err().message.contains("nested deeper"));
    }

    /// Elixir refuses anything after `key: value` pairs, at the comma after them
    /// (the columns are Code.string_to_quoted's).
    #[test]
    fn keyword_pairs_come_last() {
        for (src, offset) in [
            ("f(a: 1, b)", 6),
            ("[a: 1, b]", 5),
            ("use D, default_release: :default, defau", 32),
            ("f a: 1, b: 2, c", 12),
        ] {
            let e = parse(src).unwrap_err();
            assert_eq!(e.offset, offset, "{src}");
            assert!(e
                .message
                .starts_with("unexpected expression after keyword list"));
        }
        for fine in [
            "f(a, b: 1, c: 2)",
            "[{:a, 1}, :b]",
            "[:b, a: 1]",
            "f a, b: 1",
        ] {
            assert!(parse(fine).is_ok(), "{fine}");
        }
    }

    /// Shapes real configs use that Elixir reads (each checked with
    /// Code.string_to_quoted when written).
    #[test]
    fn closures_comprehensions_guards_and_not_in() {
        for src in [
            "cookie = fn -> :crypto.hash(:sha256, \"x\") |> Base.encode16() end",
            "region = (fn -> \"eu\" end).()",
            "hosts = for {k, v} <- [a: 1], do: {k, v}",
            "defp paths(env) when env in @test_envs, do: [\"lib\"]",
            "@sha (with {:ok, t} <- File.read(\"x\"), do: t)",
            "if \"name\" not in [\"other\"] do\n  :yes\nend",
            "pick = fn\n  {:ok, v} when is_binary(v) -> v\n  _ -> nil\nend",
        ] {
            assert!(parse(src).is_ok(), "{src}: {:?}", parse(src));
        }
        let Ex::Op { op, .. } = one("a not in b") else {
            panic!()
        };
        assert_eq!(op, "not in");
        // `not` alone before `in`'s operand is still the unary operator.
        assert!(matches!(one("not a"), Ex::Unary { op: "not", .. }));
    }
}
