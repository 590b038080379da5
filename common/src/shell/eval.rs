//! Running the parsed script for its variables: assignments, `export`, `unset`,
//! parameter expansion with its defaults, `if`/`case`/`&&`/`||` decided when their
//! test is known and followed both ways (then merged) when it is not. What sh would
//! compute by running something (`$(...)`, a function, `. file`) is an unknown that
//! says what it depends on; it is never guessed.

use super::parse::{assignment_name, literal, At, Node, Word};
use crate::glob::glob_match;
use std::collections::BTreeMap;

/// A variable's value: its text, and when part of it is unknown, what it depends on
/// (the unknown parts are written in the text as the script wrote them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Value {
    pub text: String,
    pub unknown: Vec<String>,
}

impl Value {
    pub fn known(text: impl Into<String>) -> Value {
        Value {
            text: text.into(),
            unknown: Vec::new(),
        }
    }

    pub fn unknown(text: impl Into<String>, why: impl Into<String>) -> Value {
        Value {
            text: text.into(),
            unknown: vec![why.into()],
        }
    }

    pub fn is_known(&self) -> bool {
        self.unknown.is_empty()
    }

    /// The text when the whole value is known.
    pub fn as_known(&self) -> Option<&str> {
        self.is_known().then_some(self.text.as_str())
    }

    pub(super) fn push(&mut self, other: Value) {
        if self.text.len() + other.text.len() > MAX_VALUE {
            // `A=$A$A` doubles on every line: past a bound the value is not kept.
            let why = format!("a value longer than {MAX_VALUE} bytes is not kept");
            self.text = "${...}".into();
            if !self.unknown.contains(&why) {
                self.unknown.push(why);
            }
        } else {
            self.text.push_str(&other.text);
        }
        for why in other.unknown {
            if !self.unknown.contains(&why) {
                self.unknown.push(why);
            }
        }
    }
}

/// The longest value kept (a script's values are short; a doubling one is not).
pub const MAX_VALUE: usize = 1 << 20;

/// Who set a variable last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The environment the script started with.
    Environment,
    /// A line of the script.
    Line(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub value: Value,
    pub exported: bool,
    pub origin: Origin,
}

/// A construct the model does not follow, or a branch it could not decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub line: usize,
    pub what: String,
}

/// The shell's state as a script leaves it.
#[derive(Debug, Clone, Default)]
pub struct Shell {
    pub vars: BTreeMap<String, Var>,
    /// `$0`, `$1`...: the script's arguments (`None`: unknown).
    pub positional: Option<Vec<String>>,
    /// After `. FILE` or `eval`, any variable may have changed: why.
    pub wildcard: Option<String>,
    /// Names `export`ed while unset: exported when set.
    export_marks: std::collections::BTreeSet<String>,
    /// Functions defined so far and the names each may assign.
    functions: BTreeMap<String, Vec<String>>,
    pub notes: Vec<Note>,
    /// The script stopped (`exit`, or a failure under `set -e`) at this line.
    pub exited: Option<usize>,
    /// `set -e` is on (the start scripts that source env.sh set it).
    pub errexit: bool,
    /// The status of the last command run at the top level (`None`: not known),
    /// which `. FILE` returns.
    pub status: Option<bool>,
}

/// A command's exit status, when the model knows it.
type Status = Option<bool>;

impl Shell {
    /// A shell started with `env` (all exported, as an environment is).
    pub fn with_env<'a>(env: impl IntoIterator<Item = (&'a str, &'a str)>) -> Shell {
        let mut shell = Shell::default();
        for (name, value) in env {
            shell.vars.insert(
                name.to_string(),
                Var {
                    value: Value::known(value),
                    exported: true,
                    origin: Origin::Environment,
                },
            );
        }
        shell
    }

    /// Set a variable as the script at `line` would.
    pub fn set(&mut self, name: &str, value: Value, line: usize) {
        let exported =
            self.vars.get(name).is_some_and(|v| v.exported) || self.export_marks.contains(name);
        self.vars.insert(
            name.to_string(),
            Var {
                value,
                exported,
                origin: Origin::Line(line),
            },
        );
    }

    pub fn export(&mut self, name: &str) {
        match self.vars.get_mut(name) {
            Some(var) => var.exported = true,
            // `export NAME` of an unset name: exported once it is set.
            None => {
                self.export_marks.insert(name.to_string());
            }
        }
    }

    /// A variable's value: `None` when it is unset.
    pub fn get(&self, name: &str) -> Option<Value> {
        if let Some(var) = self.vars.get(name) {
            return Some(var.value.clone());
        }
        if let Ok(positional) = name.parse::<usize>() {
            return match &self.positional {
                Some(args) => args.get(positional).map(|a| Value::known(a.clone())),
                None => Some(Value::unknown(
                    format!("${name}"),
                    format!("the script's argument ${name}"),
                )),
            };
        }
        self.wildcard
            .as_ref()
            .map(|why| Value::unknown(format!("${{{name}}}"), why.clone()))
    }

    /// Run `nodes` (the script, or the part of it left to run).
    pub fn run(&mut self, nodes: &[Node]) {
        for node in nodes {
            if self.exited.is_some() {
                return;
            }
            let status = match node {
                Node::List { first, rest } => {
                    let (status, last_ran) = self.list(first, rest);
                    // set -e: a failing AND-OR list stops the shell only when its
                    // last command ran and failed.
                    self.status = status;
                    if last_ran {
                        status
                    } else {
                        None
                    }
                }
                _ => {
                    let status = self.node(node);
                    self.status = status;
                    status
                }
            };
            if self.errexit && status == Some(false) {
                let line = node_line(node);
                self.notes.push(Note {
                    line,
                    what: "this command fails, and set -e stops the script here".into(),
                });
                self.exited = Some(line);
            }
        }
    }

    /// An AND-OR list: its status and whether its last command ran.
    fn list(&mut self, first: &Node, rest: &[(bool, Node)]) -> (Status, bool) {
        let mut status = self.node(first);
        let mut last_ran = rest.is_empty();
        for (i, (and, next)) in rest.iter().enumerate() {
            let last = i + 1 == rest.len();
            match status {
                Some(s) if s == *and => {
                    status = self.node(next);
                    last_ran = last;
                }
                Some(_) => last_ran = false,
                None => {
                    let mut ran = self.clone();
                    ran.node(next);
                    let line = node_line(next);
                    let op = if *and { "&&" } else { "||" };
                    self.merge(ran, &format!("the command before `{op}` at line {line}"));
                    status = None;
                    last_ran = false;
                }
            }
        }
        (status, last_ran)
    }

    fn node(&mut self, node: &Node) -> Status {
        match node {
            Node::Simple { words, at } => self.simple(words, *at),
            Node::List { first, rest } => self.list(first, rest).0,
            Node::If {
                branches,
                otherwise,
                at,
            } => self.if_branches(branches, otherwise.as_deref(), *at),
            Node::Case { subject, arms, at } => self.case(subject, arms, *at),
            Node::Opaque { what, assigns, at } => {
                self.notes.push(Note {
                    line: at.line,
                    what: format!("{what} is not followed"),
                });
                if let Some(name) = what
                    .strip_prefix("the function `")
                    .and_then(|w| w.strip_suffix('`'))
                {
                    self.functions.insert(name.to_string(), assigns.clone());
                    return Some(true);
                }
                for name in assigns {
                    let why = format!("{name} may be set by {what} at line {}", at.line);
                    self.set(name, Value::unknown(format!("${{{name}}}"), why), at.line);
                }
                None
            }
        }
    }

    fn if_branches(
        &mut self,
        branches: &[(Vec<Node>, Vec<Node>)],
        otherwise: Option<&[Node]>,
        at: At,
    ) -> Status {
        // The ways taken under a test the model could not decide, merged at the end.
        let mut undecided: Vec<Shell> = Vec::new();
        let mut decided = false;
        for (condition, body) in branches {
            let mut status = Some(true);
            for node in condition {
                status = self.node(node);
            }
            match status {
                Some(true) => {
                    self.run(body);
                    decided = true;
                    break;
                }
                Some(false) => {}
                None => {
                    let mut taken = self.clone();
                    taken.run(body);
                    undecided.push(taken);
                }
            }
        }
        if !decided {
            if let Some(nodes) = otherwise {
                self.run(nodes);
            }
        }
        for taken in undecided.into_iter().rev() {
            self.merge(taken, &format!("the `if` test at line {}", at.line));
        }
        None
    }

    fn case(&mut self, subject: &Word, arms: &[(Vec<Word>, Vec<Node>)], at: At) -> Status {
        let subject = self.expand(subject);
        let mut undecided: Vec<Shell> = Vec::new();
        for (patterns, body) in arms {
            let mut matched = Some(false);
            for pattern in patterns {
                let tokens = self.pattern(pattern);
                match (subject.as_known(), tokens) {
                    (Some(text), Some(tokens)) => {
                        if glob_match(&tokens, text.as_bytes()) {
                            matched = Some(true);
                            break;
                        }
                    }
                    _ => matched = None,
                }
            }
            match matched {
                Some(true) => {
                    self.run(body);
                    for other in undecided.into_iter().rev() {
                        self.merge(other, &format!("the `case` at line {}", at.line));
                    }
                    return None;
                }
                Some(false) => {}
                None => {
                    let mut taken = self.clone();
                    taken.run(body);
                    undecided.push(taken);
                }
            }
        }
        for other in undecided.into_iter().rev() {
            self.merge(other, &format!("the `case` at line {}", at.line));
        }
        None
    }

    /// Make `self` what is known either way after a branch the model could not decide
    /// (`self` one way, `other` the other).
    fn merge(&mut self, other: Shell, why: &str) {
        // A way that ends the script (`exit`) boots nothing: the other way decides.
        if other.exited.is_some() && self.exited.is_none() {
            return;
        }
        if self.exited.is_some() && other.exited.is_none() {
            *self = other;
            return;
        }
        let names: Vec<String> = self.vars.keys().chain(other.vars.keys()).cloned().collect();
        for name in names {
            let a = self.vars.get(&name);
            let b = other.vars.get(&name);
            if a == b {
                continue;
            }
            let line = [a, b]
                .into_iter()
                .flatten()
                .find_map(|v| match v.origin {
                    Origin::Line(l) => Some(l),
                    Origin::Environment => None,
                })
                .unwrap_or(0);
            let mut unknown = vec![format!("{name} depends on {why}")];
            for v in [a, b].into_iter().flatten() {
                for u in &v.value.unknown {
                    if !unknown.contains(u) {
                        unknown.push(u.clone());
                    }
                }
            }
            let exported = a.is_some_and(|v| v.exported) && b.is_some_and(|v| v.exported);
            self.vars.insert(
                name.clone(),
                Var {
                    value: Value {
                        text: format!("${{{name}}}"),
                        unknown,
                    },
                    exported: exported || a.or(b).is_some_and(|v| v.exported),
                    origin: Origin::Line(line),
                },
            );
        }
        for note in other.notes {
            if !self.notes.contains(&note) {
                self.notes.push(note);
            }
        }
        if self.wildcard.is_none() {
            self.wildcard = other.wildcard;
        }
    }

    fn simple(&mut self, words: &[(Word, At)], at: At) -> Status {
        let command_at = words.iter().position(|(w, _)| assignment_name(w).is_none());
        let Some(command_at) = command_at else {
            for (word, _) in words {
                if let Some((name, value)) = assignment_name(word) {
                    let value = self.expand(&value);
                    self.set(&name, value, at.line);
                }
            }
            return Some(true);
        };
        let command = self.expand(&words[command_at].0);
        let args: Vec<&Word> = words[command_at + 1..].iter().map(|(w, _)| w).collect();
        let Some(name) = command.as_known() else {
            self.notes.push(Note {
                line: at.line,
                what: "a command whose name is computed is not followed".into(),
            });
            return None;
        };
        match name {
            "export" | "readonly" => {
                for word in args {
                    if let Some((var, value)) = assignment_name(word) {
                        let value = self.expand(&value);
                        self.set(&var, value, at.line);
                        self.export(&var);
                    } else if let Some(var) = literal(word) {
                        if !var.starts_with('-') {
                            self.export(&var);
                        }
                    }
                }
                Some(true)
            }
            "unset" => {
                for word in args {
                    if let Some(var) = literal(word) {
                        if !var.starts_with('-') {
                            self.vars.remove(&var);
                        }
                    }
                }
                Some(true)
            }
            "." | "source" | "eval" => {
                let what = if name == "eval" {
                    format!("`eval` at line {}", at.line)
                } else {
                    let file = args
                        .first()
                        .map(|w| self.expand(w).text)
                        .unwrap_or_default();
                    format!("`. {file}` at line {}", at.line)
                };
                self.notes.push(Note {
                    line: at.line,
                    what: format!("{what} may change any variable; it is not followed"),
                });
                self.wildcard = Some(format!("anything may be set by {what}"));
                for var in self.vars.values_mut() {
                    if !var
                        .value
                        .unknown
                        .contains(self.wildcard.as_ref().unwrap_or(&String::new()))
                    {
                        var.value
                            .unknown
                            .push(self.wildcard.clone().unwrap_or_default());
                    }
                }
                None
            }
            "read" => {
                for word in args {
                    if let Some(var) = literal(word) {
                        if !var.starts_with('-') {
                            let why = format!("{var} is read from input at line {}", at.line);
                            self.set(&var, Value::unknown(format!("${{{var}}}"), why), at.line);
                        }
                    }
                }
                None
            }
            "exit" | "return" => {
                self.exited = Some(at.line);
                None
            }
            "true" | ":" => Some(true),
            "false" => Some(false),
            "[" | "test" => {
                let mut values: Vec<Value> = args.iter().map(|w| self.expand(w)).collect();
                if name == "[" {
                    if values.last().map(|v| v.text.as_str()) != Some("]") {
                        return None;
                    }
                    values.pop();
                }
                test(&values)
            }
            _ => {
                if let Some(assigns) = self.functions.get(name).cloned() {
                    for var in assigns {
                        let why = format!(
                            "{var} may be set by the function `{name}` called at line {}",
                            at.line
                        );
                        self.set(&var, Value::unknown(format!("${{{var}}}"), why), at.line);
                    }
                }
                None
            }
        }
    }
}

fn node_line(node: &Node) -> usize {
    match node {
        Node::Simple { at, .. }
        | Node::If { at, .. }
        | Node::Case { at, .. }
        | Node::Opaque { at, .. } => at.line,
        Node::List { first, .. } => node_line(first),
    }
}

/// `test`'s answer for the forms the model reads (`-z`, `-n`, `=`, `!=`, one
/// word, `!`), when the operands are known.
fn test(values: &[Value]) -> Status {
    let texts: Option<Vec<&str>> = values.iter().map(Value::as_known).collect();
    let texts = texts?;
    match texts.as_slice() {
        [] => Some(false),
        ["!", rest @ ..] => {
            let rest: Vec<Value> = rest.iter().map(|t| Value::known(*t)).collect();
            test(&rest).map(|s| !s)
        }
        [one] => Some(!one.is_empty()),
        ["-z", s] => Some(s.is_empty()),
        ["-n", s] => Some(!s.is_empty()),
        [a, "=", b] | [a, "==", b] => Some(a == b),
        [a, "!=", b] => Some(a != b),
        _ => None,
    }
}
