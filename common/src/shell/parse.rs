//! The shell grammar, as far as a start script's environment file uses it: simple
//! commands with assignments, quoting and expansions, `&&`/`||` lists, `if`, `case`,
//! and the constructs read only to be set aside (functions, loops, subshells, brace
//! groups, here-documents). Errors are the ones sh itself stops at: an unterminated
//! quote or expansion, an `if` without `fi`, a `case` without `esac`.

use crate::syntax::{Position, SyntaxError};

/// One part of a word.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal bytes; `quoted` ones are not split, globbed or read as patterns.
    Text { bytes: Vec<u8>, quoted: bool },
    /// `$NAME`, `${NAME}`, `${NAME:-word}`...: `op` is the operator (`:-`, `-`, `:=`,
    /// `=`, `:+`, `+`, `:?`, `?`) and its word.
    Param {
        name: String,
        op: Option<(String, Word)>,
        quoted: bool,
    },
    /// `${#NAME}`, `${NAME%pat}` and the other forms the model does not compute.
    OtherParam { source: String, quoted: bool },
    /// `$(...)`, `` `...` ``, `$((...))`: a value sh computes by running something.
    Command { source: String, quoted: bool },
}

pub type Word = Vec<Part>;

/// Where a command starts: 1-based line and column.
pub type At = Position;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    /// Words of a simple command (assignments first), redirections left out.
    Simple { words: Vec<(Word, At)>, at: At },
    /// `a && b`, `a || b`: `rest` holds each operator (`true` for `&&`) and command.
    List {
        first: Box<Node>,
        rest: Vec<(bool, Node)>,
    },
    If {
        branches: Vec<(Vec<Node>, Vec<Node>)>,
        otherwise: Option<Vec<Node>>,
        at: At,
    },
    Case {
        subject: Word,
        arms: Vec<(Vec<Word>, Vec<Node>)>,
        at: At,
    },
    /// A construct whose effect the model does not follow (a function definition, a
    /// loop, a subshell, a pipeline, a background job): what it is, and the names it
    /// may assign.
    Opaque {
        what: String,
        assigns: Vec<String>,
        at: At,
    },
}

pub fn parse(text: &[u8]) -> Result<Vec<Node>, SyntaxError> {
    let mut p = Parser {
        text,
        at: 0,
        heredocs: Vec::new(),
        nesting: 0,
    };
    let nodes = p.commands(&[])?;
    if p.at < text.len() {
        return Err(p.error(p.at, format!("unexpected `{}`", p.peek_word())));
    }
    Ok(nodes)
}

pub(super) struct Parser<'t> {
    pub(super) text: &'t [u8],
    pub(super) at: usize,
    /// Here-documents opened on the current line: where, the delimiter, and whether
    /// leading tabs are stripped (`<<-`).
    pub(super) heredocs: Vec<(usize, String, bool)>,
    /// How deep the command or expansion being read is nested.
    pub(super) nesting: usize,
}

pub(super) const MAX_NESTING: usize = 64;

const RESERVED_ENDS: [&str; 8] = ["then", "elif", "else", "fi", "esac", "do", "done", "}"];

pub(super) fn is_name(s: &[u8]) -> bool {
    !s.is_empty()
        && (s[0].is_ascii_alphabetic() || s[0] == b'_')
        && s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// The name of an assignment word (`NAME=...`), if it is one.
pub fn assignment_name(word: &Word) -> Option<(String, Word)> {
    let Some(Part::Text {
        bytes,
        quoted: false,
    }) = word.first()
    else {
        return None;
    };
    let eq = bytes.iter().position(|&b| b == b'=')?;
    if !is_name(&bytes[..eq]) {
        return None;
    }
    let mut value = word.clone();
    value[0] = Part::Text {
        bytes: bytes[eq + 1..].to_vec(),
        quoted: false,
    };
    Some((String::from_utf8_lossy(&bytes[..eq]).into_owned(), value))
}

/// A word's text when it is plain (no expansion), quotes taken off.
pub fn literal(word: &Word) -> Option<String> {
    let mut out = Vec::new();
    for part in word {
        match part {
            Part::Text { bytes, .. } => out.extend_from_slice(bytes),
            _ => return None,
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

impl<'t> Parser<'t> {
    pub(super) fn position(&self, offset: usize) -> At {
        Position::of_offset(self.text, offset.min(self.text.len()))
    }

    pub(super) fn error(&self, offset: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError::new(self.position(offset), message)
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.text.get(self.at).copied()
    }

    fn peek_word(&self) -> String {
        let rest = &self.text[self.at..];
        let end = rest
            .iter()
            .position(|b| b.is_ascii_whitespace())
            .unwrap_or(rest.len());
        String::from_utf8_lossy(&rest[..end.max(1).min(rest.len())]).into_owned()
    }

    /// Blanks, comments and `\`-newlines (not newlines).
    pub(super) fn skip_blanks(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' => self.at += 1,
                b'\\' if self.text.get(self.at + 1) == Some(&b'\n') => self.at += 2,
                b'#' => {
                    while self.peek().is_some_and(|b| b != b'\n') {
                        self.at += 1;
                    }
                }
                _ => break,
            }
        }
    }

    /// Blanks, newlines and `;` between commands (and the here-documents the line
    /// before opened).
    pub(super) fn skip_separators(&mut self) -> Result<(), SyntaxError> {
        loop {
            self.skip_blanks();
            match self.peek() {
                Some(b'\n') => {
                    self.at += 1;
                    self.skip_heredocs()?;
                }
                Some(b';') if self.text.get(self.at + 1) != Some(&b';') => self.at += 1,
                _ => return Ok(()),
            }
        }
    }

    /// The reserved word at the cursor, if one starts a command here.
    fn reserved(&self) -> Option<&'static str> {
        let rest = &self.text[self.at..];
        [
            "if", "then", "elif", "else", "fi", "case", "esac", "for", "while", "until", "do",
            "done", "{", "}", "!",
        ]
        .into_iter()
        .find(|w| {
            rest.starts_with(w.as_bytes())
                && rest.get(w.len()).is_none_or(|b| {
                    b.is_ascii_whitespace() || matches!(b, b';' | b'&' | b'|' | b')' | b'(')
                })
        })
    }

    /// Commands up to one of `ends` (not consumed) or the end of the text.
    fn commands(&mut self, ends: &[&str]) -> Result<Vec<Node>, SyntaxError> {
        let mut nodes = Vec::new();
        loop {
            self.skip_separators()?;
            if self.at >= self.text.len() {
                return Ok(nodes);
            }
            if let Some(word) = self.reserved() {
                if ends.contains(&word) {
                    return Ok(nodes);
                }
                if RESERVED_ENDS.contains(&word) {
                    return Err(self.error(self.at, format!("unexpected `{word}`")));
                }
            }
            if ends.contains(&";;") && self.text[self.at..].starts_with(b";;") {
                return Ok(nodes);
            }
            if ends.contains(&")") && self.peek() == Some(b')') {
                return Ok(nodes);
            }
            if ends.contains(&"esac-arm") && self.reserved() == Some("esac") {
                return Ok(nodes);
            }
            let before = self.at;
            nodes.push(self.and_or()?);
            if self.at == before {
                // Nothing read: a token no command can start with (`)`, `;;`).
                return Err(self.error(self.at, format!("unexpected `{}`", self.peek_word())));
            }
        }
    }

    fn and_or(&mut self) -> Result<Node, SyntaxError> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            self.skip_blanks();
            let and = if self.text[self.at..].starts_with(b"&&") {
                true
            } else if self.text[self.at..].starts_with(b"||") {
                false
            } else {
                break;
            };
            self.at += 2;
            self.skip_separators()?;
            rest.push((and, self.pipeline()?));
        }
        self.skip_blanks();
        if self.peek() == Some(b'&') {
            // A background job runs in a subshell: nothing it assigns stays.
            self.at += 1;
            return Ok(Node::Opaque {
                what: "a background job".into(),
                assigns: Vec::new(),
                at: node_at(&first),
            });
        }
        Ok(if rest.is_empty() {
            first
        } else {
            Node::List {
                first: Box::new(first),
                rest,
            }
        })
    }

    fn pipeline(&mut self) -> Result<Node, SyntaxError> {
        self.skip_blanks();
        let start = self.at;
        let bang = self.reserved() == Some("!");
        if bang {
            self.at += 1;
        }
        let first = self.command()?;
        let mut piped = false;
        loop {
            self.skip_blanks();
            if self.peek() == Some(b'|') && self.text.get(self.at + 1) != Some(&b'|') {
                self.at += 1;
                self.skip_separators()?;
                self.command()?;
                piped = true;
            } else {
                break;
            }
        }
        if piped || bang {
            // Each part of a pipeline runs in a subshell (dash, bash without
            // lastpipe); a negated command's assignments do stay, but its status is
            // what decides, and the model leaves that unknown.
            return Ok(Node::Opaque {
                what: if piped {
                    "a pipeline"
                } else {
                    "a negated command"
                }
                .into(),
                assigns: if piped {
                    Vec::new()
                } else {
                    assigns_of(&first)
                },
                at: self.position(start),
            });
        }
        Ok(first)
    }

    /// One command; compound commands nest no deeper than [`MAX_NESTING`] (sh has
    /// no limit but its stack; a reader on untrusted text needs one).
    fn command(&mut self) -> Result<Node, SyntaxError> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return Err(self.error(
                self.at,
                format!("commands nested more than {MAX_NESTING} deep"),
            ));
        }
        let node = self.simple_or_compound();
        self.nesting -= 1;
        node
    }

    fn simple_or_compound(&mut self) -> Result<Node, SyntaxError> {
        self.skip_blanks();
        let start = self.at;
        match self.reserved() {
            Some("if") => return self.if_clause(),
            Some("case") => return self.case_clause(),
            Some(kind @ ("for" | "while" | "until")) => {
                self.at += kind.len();
                let inner = self.skip_to_done(start)?;
                return Ok(Node::Opaque {
                    what: format!("a `{kind}` loop"),
                    assigns: inner,
                    at: self.position(start),
                });
            }
            Some("{") => {
                self.at += 1;
                let body = self.commands(&["}"])?;
                self.expect(&["}"], start, "`{` without its `}`")?;
                return Ok(Node::Opaque {
                    what: "a brace group".into(),
                    assigns: body.iter().flat_map(assigns_of).collect(),
                    at: self.position(start),
                });
            }
            _ => {}
        }
        if self.peek() == Some(b'(') {
            self.at += 1;
            self.commands(&[")"])?;
            if self.peek() != Some(b')') {
                return Err(self.error(start, "`(` without its `)`"));
            }
            self.at += 1;
            self.skip_redirections()?;
            return Ok(Node::Opaque {
                what: "a subshell".into(),
                assigns: Vec::new(),
                at: self.position(start),
            });
        }
        let mut words: Vec<(Word, At)> = Vec::new();
        loop {
            self.skip_blanks();
            if self.skip_redirection()? {
                continue;
            }
            match self.peek() {
                None | Some(b'\n' | b';' | b'&' | b'|' | b')') => break,
                Some(b'(') if words.len() == 1 => {
                    // NAME () compound: a function definition.
                    let name = literal(&words[0].0).unwrap_or_default();
                    self.at += 1;
                    self.skip_blanks();
                    if self.peek() != Some(b')') {
                        return Err(
                            self.error(self.at, "expected `)` after `(` in a function definition")
                        );
                    }
                    self.at += 1;
                    self.skip_separators()?;
                    let body = self.command()?;
                    return Ok(Node::Opaque {
                        what: format!("the function `{name}`"),
                        assigns: assigns_of(&body),
                        at: self.position(start),
                    });
                }
                Some(b'(') => return Err(self.error(self.at, "unexpected `(`")),
                Some(_) => {
                    let at = self.position(self.at);
                    let word = self.word()?;
                    words.push((word, at));
                }
            }
        }
        Ok(Node::Simple {
            words,
            at: self.position(start),
        })
    }

    fn expect(
        &mut self,
        words: &[&str],
        start: usize,
        missing: &str,
    ) -> Result<&'static str, SyntaxError> {
        self.skip_separators()?;
        match self.reserved() {
            Some(w) if words.contains(&w) => {
                self.at += w.len();
                Ok(w)
            }
            _ => Err(self.error(start, missing.to_string())),
        }
    }

    fn if_clause(&mut self) -> Result<Node, SyntaxError> {
        let start = self.at;
        self.at += 2;
        let mut branches = Vec::new();
        let mut otherwise = None;
        loop {
            let condition = self.commands(&["then"])?;
            self.expect(&["then"], start, "`if` without `then`")?;
            let body = self.commands(&["elif", "else", "fi"])?;
            branches.push((condition, body));
            match self.expect(&["elif", "else", "fi"], start, "`if` without its `fi`")? {
                "elif" => continue,
                "else" => {
                    otherwise = Some(self.commands(&["fi"])?);
                    self.expect(&["fi"], start, "`if` without its `fi`")?;
                    break;
                }
                _ => break,
            }
        }
        self.skip_redirections()?;
        Ok(Node::If {
            branches,
            otherwise,
            at: self.position(start),
        })
    }

    fn case_clause(&mut self) -> Result<Node, SyntaxError> {
        let start = self.at;
        self.at += 4;
        self.skip_blanks();
        let subject = self.word()?;
        self.skip_separators()?;
        if !(self.text[self.at..].starts_with(b"in")
            && self
                .text
                .get(self.at + 2)
                .is_none_or(|b| b.is_ascii_whitespace()))
        {
            return Err(self.error(start, "`case WORD` without `in`"));
        }
        self.at += 2;
        let mut arms = Vec::new();
        loop {
            self.skip_separators()?;
            if self.at >= self.text.len() {
                return Err(self.error(start, "`case` without its `esac`"));
            }
            if self.reserved() == Some("esac") {
                self.at += 4;
                break;
            }
            if self.peek() == Some(b'(') {
                self.at += 1;
            }
            let mut patterns = Vec::new();
            loop {
                self.skip_blanks();
                if matches!(self.peek(), None | Some(b'\n' | b')' | b'|')) {
                    return Err(self.error(self.at, "a `case` pattern is missing"));
                }
                patterns.push(self.word()?);
                self.skip_blanks();
                match self.peek() {
                    Some(b'|') => self.at += 1,
                    Some(b')') => {
                        self.at += 1;
                        break;
                    }
                    _ => return Err(self.error(self.at, "a `case` pattern must end with `)`")),
                }
            }
            let body = self.commands(&[";;", "esac-arm"])?;
            arms.push((patterns, body));
            self.skip_separators()?;
            if self.text[self.at..].starts_with(b";;") {
                self.at += 2;
            } else if self.reserved() != Some("esac") {
                return Err(self.error(start, "`case` without its `esac`"));
            }
        }
        self.skip_redirections()?;
        Ok(Node::Case {
            subject,
            arms,
            at: self.position(start),
        })
    }

    /// A loop's words up to its `done`: parsed for errors, its assignments noted.
    fn skip_to_done(&mut self, start: usize) -> Result<Vec<String>, SyntaxError> {
        // The loop header (`x in a b`, or a condition list) up to `do`.
        let header = self.commands(&["do"])?;
        self.expect(&["do"], start, "a loop without `do`")?;
        let body = self.commands(&["done"])?;
        self.expect(&["done"], start, "a loop without its `done`")?;
        self.skip_redirections()?;
        let mut names: Vec<String> = header.iter().chain(&body).flat_map(assigns_of).collect();
        // `for NAME in ...`: the loop variable.
        if let Some(Node::Simple { words, .. }) = header.first() {
            if let Some(name) = words.first().and_then(|(w, _)| literal(w)) {
                if is_name(name.as_bytes()) {
                    names.push(name);
                }
            }
        }
        Ok(names)
    }
}

fn node_at(node: &Node) -> At {
    match node {
        Node::Simple { at, .. }
        | Node::If { at, .. }
        | Node::Case { at, .. }
        | Node::Opaque { at, .. } => *at,
        Node::List { first, .. } => node_at(first),
    }
}

/// Every name a command may assign (for constructs whose effect is unknown).
pub fn assigns_of(node: &Node) -> Vec<String> {
    match node {
        Node::Simple { words, .. } => {
            let mut names = Vec::new();
            let command = words.iter().find(|(w, _)| assignment_name(w).is_none());
            let declares = command.and_then(|(w, _)| literal(w)).is_some_and(|c| {
                matches!(
                    c.as_str(),
                    "export" | "readonly" | "local" | "read" | "unset"
                )
            });
            for (word, _) in words {
                if let Some((name, _)) = assignment_name(word) {
                    names.push(name);
                } else if declares {
                    if let Some(name) = literal(word) {
                        if is_name(name.as_bytes()) {
                            names.push(name);
                        }
                    }
                }
            }
            names
        }
        Node::List { first, rest } => {
            let mut names = assigns_of(first);
            names.extend(rest.iter().flat_map(|(_, n)| assigns_of(n)));
            names
        }
        Node::If {
            branches,
            otherwise,
            ..
        } => branches
            .iter()
            .flat_map(|(c, b)| c.iter().chain(b))
            .chain(otherwise.iter().flatten())
            .flat_map(assigns_of)
            .collect(),
        Node::Case { arms, .. } => arms
            .iter()
            .flat_map(|(_, b)| b)
            .flat_map(assigns_of)
            .collect(),
        Node::Opaque { assigns, .. } => assigns.clone(),
    }
}
