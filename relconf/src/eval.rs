//! Turning expressions into JSON without running them. The mapping:
//! `nil` → `null`; booleans and numbers as themselves (a literal negated with `-`
//! too); atoms, strings and charlists → strings; a keyword list (every element a
//! `key: value` pair) → an object in its order; other lists → arrays; tuples →
//! `{"tuple": [...]}`; `~w(...)` → an array of strings, `~s`/`~S` → a string.
//! Module attributes and zero-arity local functions are followed. Everything else
//! becomes `{"expr": "<source text>", "line": N}` and is listed as unresolved: it is
//! never guessed.

use crate::syntax::query::*;
use crate::syntax::{walk, Ast, Node, MAX_DEPTH};
use relkit_common::LineIndex;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// Something that could not be evaluated, with where it was used.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Unresolved {
    pub expr: String,
    pub line: u32,
    #[serde(rename = "where")]
    pub place: String,
}

/// Finds an application's version for `current_version(:app)`.
pub type VersionLookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

pub struct Evaluator<'a> {
    pub src: &'a str,
    pub lines: LineIndex,
    /// `@name value` definitions seen so far.
    pub attrs: HashMap<String, &'a Node>,
    /// Zero-arity `def`/`defp` bodies, by name.
    pub functions: HashMap<String, &'a Node>,
    /// Resolves `current_version(:app)`.
    pub version_of: VersionLookup<'a>,
    pub unresolved: Vec<Unresolved>,
    /// The `defmodule` this is (`__MODULE__`), when the file has one module.
    pub module: Option<String>,
    aliases: Aliases,
    depth: usize,
}

/// What `alias` (and `require ..., as:`) directives in the file make of a name's
/// first segment. Scopes are not followed: a name given two meanings, or a
/// directive that cannot be read, leaves the aliases it may touch unknown.
#[derive(Debug, Default)]
struct Aliases {
    to: HashMap<String, Option<String>>,
    unreadable: bool,
}

impl<'a> Evaluator<'a> {
    pub fn new(src: &'a str, version_of: VersionLookup<'a>) -> Self {
        Evaluator {
            src,
            lines: LineIndex::new(src.as_bytes()),
            attrs: HashMap::new(),
            functions: HashMap::new(),
            version_of,
            unresolved: Vec::new(),
            module: None,
            aliases: Aliases::default(),
            depth: 0,
        }
    }

    /// Read the `alias` directives anywhere in `tree`, and the module's name when
    /// there is exactly one `defmodule`.
    pub fn learn(&mut self, tree: &'a Node) {
        // Walking a large file costs more than looking for the three words.
        let has = |w: &str| memchr::memmem::find(self.src.as_bytes(), w.as_bytes()).is_some();
        if !["defmodule", "alias", "require"].into_iter().any(has) {
            return;
        }
        let mut modules = Vec::new();
        let mut directives = Vec::new();
        walk(tree, &mut |n| {
            // Most nodes are not calls to these three: a cheap test first.
            let Some((name, args)) = n.local_call() else {
                return;
            };
            if !matches!(name.as_bytes().first(), Some(b'd' | b'a' | b'r')) {
                return;
            }
            match (name, args) {
                ("defmodule", [name, ..]) => modules.push(alias_of(name)),
                (d @ ("alias" | "require"), args) => directives.push((d, args)),
                _ => {}
            }
        });
        if let [Some(module)] = modules.as_slice() {
            self.module = Some(module.clone());
        }
        for (directive, args) in directives {
            self.aliases.learn(directive, args, self.module.as_deref());
        }
    }

    /// The name of the atom `node` is, following attributes and zero-arity
    /// functions: `:app` is `app`, `Toml.Provider` is `Elixir.Toml.Provider`.
    pub fn atom_name(&mut self, node: &'a Node) -> Option<String> {
        let node = self.resolved(node)?;
        if let Some(("erlang", "binary_to_atom", [bin, _])) = remote_call(node) {
            return match bin.local_call() {
                Some(("<<>>", parts)) => self.interpolated(parts),
                _ => None,
            };
        }
        match &node.ast {
            Ast::Atom(a) => Some(a.to_string()),
            _ if node.var_name() == Some("__MODULE__") => {
                self.module.as_deref().and_then(|m| self.alias_atom(m))
            }
            _ => {
                let segments = alias_segments(node)?;
                let written = match segments.first() {
                    Some(Segment::Module) => {
                        let module = self.module.clone()?;
                        let rest: Vec<&str> = segments[1..]
                            .iter()
                            .map(|s| match s {
                                Segment::Name(n) => Some(*n),
                                Segment::Module => None,
                            })
                            .collect::<Option<_>>()?;
                        return Some(format!("Elixir.{module}.{}", rest.join(".")));
                    }
                    _ => segments
                        .iter()
                        .map(|s| match s {
                            Segment::Name(n) => Some(*n),
                            Segment::Module => None,
                        })
                        .collect::<Option<Vec<_>>>()?
                        .join("."),
                };
                self.alias_atom(&written)
            }
        }
    }

    fn alias_atom(&self, alias: &str) -> Option<String> {
        let first = alias.split('.').next().unwrap_or(alias);
        if first == "Elixir" {
            return Some(alias.to_string());
        }
        let expanded = match self.aliases.to.get(first) {
            _ if self.aliases.unreadable => return None,
            Some(Some(target)) => format!("{target}{}", &alias[first.len()..]),
            Some(None) => return None,
            None => alias.to_string(),
        };
        Some(format!("Elixir.{expanded}"))
    }

    /// The node an attribute or a zero-arity local call stands for, followed to its
    /// definition (the node itself otherwise).
    pub fn resolved(&self, node: &'a Node) -> Option<&'a Node> {
        let mut node = node;
        for _ in 0..MAX_DEPTH {
            let next = if let Some(name) = attr_use(node) {
                *self.attrs.get(name)?
            } else {
                match node.local_call() {
                    Some((name, [])) if self.functions.contains_key(name) => {
                        *self.functions.get(name)?
                    }
                    Some((name, [])) if is_function_name(name) && name != "current_version" => {
                        return None
                    }
                    _ => return Some(node),
                }
            };
            node = next;
        }
        None
    }

    /// The pairs of a keyword list: a list whose every element is a two-element
    /// tuple with an atom first (`key: value` is written so), the list and its
    /// elements followed through attributes and zero-arity functions.
    pub fn keyword_pairs(&mut self, node: &'a Node) -> Option<Vec<(String, &'a Node)>> {
        let resolved = self.resolved(node)?;
        if is_charlist(self.src, resolved) {
            return None;
        }
        let Ast::List(items) = &resolved.ast else {
            return None;
        };
        items
            .iter()
            .map(|item| {
                let Ast::Pair(key, value) = &self.resolved(item)?.ast else {
                    return None;
                };
                Some((self.atom_name(key)?, value.as_ref()))
            })
            .collect()
    }

    /// The pieces of an interpolated string or charlist joined: text as written,
    /// and each piece of code by Elixir's `to_string`, for the values that have one
    /// here (atoms, strings, charlists, integers, nil).
    fn interpolated(&mut self, parts: &'a [Node]) -> Option<String> {
        let mut text = String::new();
        for part in parts {
            match &part.ast {
                Ast::Bin(t) => text.push_str(std::str::from_utf8(t).ok()?),
                _ => text.push_str(&self.text_of(interpolated_code(part)?)?),
            }
        }
        Some(text)
    }

    fn text_of(&mut self, node: &'a Node) -> Option<String> {
        // Strings inside strings are read at each level: bounded like values.
        if self.depth >= MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let text = self.text_of_inner(node);
        self.depth -= 1;
        text
    }

    fn text_of_inner(&mut self, node: &'a Node) -> Option<String> {
        let resolved = self.resolved(node)?;
        if let Some(text) = self.string_value(resolved) {
            return text;
        }
        match &resolved.ast {
            Ast::Int(n) => Some(n.clone()),
            Ast::Atom(a) if a == "nil" => Some(String::new()),
            Ast::Call { .. } if resolved.local_call() == Some(("__block__", &[])) => {
                Some(String::new())
            }
            _ => self.atom_name(resolved),
        }
    }

    /// The text of a string or charlist node: `None` when `node` is neither,
    /// `Some(None)` when it is one whose text is not known here.
    fn string_value(&mut self, node: &'a Node) -> Option<Option<String>> {
        match &node.ast {
            Ast::Bin(b) => Some(String::from_utf8(b.clone()).ok()),
            Ast::List(codes) if is_charlist(self.src, node) => Some(
                codes
                    .iter()
                    .map(|c| match &c.ast {
                        Ast::Int(n) => n.parse::<u32>().ok().and_then(char::from_u32),
                        _ => None,
                    })
                    .collect(),
            ),
            _ => match node.local_call() {
                Some(("<<>>", parts)) if is_string(self.src, node) => {
                    Some(self.interpolated(parts))
                }
                _ => match remote_call(node) {
                    Some(("Elixir.List", "to_charlist", [list])) if is_charlist(self.src, node) => {
                        let Ast::List(parts) = &list.ast else {
                            return Some(None);
                        };
                        Some(self.interpolated(parts))
                    }
                    // `:"a#{b}"` (and a key `"a#{b}":`): an atom is written as its name.
                    Some(("erlang", "binary_to_atom", _)) => Some(self.atom_name(node)),
                    _ => None,
                },
            },
        }
    }

    pub fn line(&self, offset: usize) -> u32 {
        self.lines.position(self.src.as_bytes(), offset).0
    }

    pub fn text(&self, node: &Node) -> &'a str {
        self.src.get(node.start..node.end).unwrap_or("")
    }

    /// The value, or the expression marker (recorded as unresolved at `place`).
    pub fn value(&mut self, node: &'a Node, place: &str) -> Value {
        self.value_at(node, &Place::Root(place))
    }

    fn value_at(&mut self, node: &'a Node, place: &Place) -> Value {
        match self.try_value(node, place) {
            Some(v) => v,
            None => self.opaque(node, place),
        }
    }

    fn opaque(&mut self, node: &Node, place: &Place) -> Value {
        let expr = self.text(node).to_string();
        let line = self.line(node.start);
        self.unresolved.push(Unresolved {
            expr: expr.clone(),
            line,
            place: place.to_string(),
        });
        json!({"expr": expr, "line": line})
    }

    fn try_value(&mut self, node: &'a Node, place: &Place) -> Option<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return None;
        }
        let v = self.try_value_inner(node, place);
        self.depth -= 1;
        v
    }

    fn try_value_inner(&mut self, node: &'a Node, place: &Place) -> Option<Value> {
        if let Some(text) = self.string_value(node) {
            return text.map(Value::String);
        }
        if let Some(name) = attr_use(node) {
            let def = *self.attrs.get(name)?;
            return self.try_value(def, place);
        }
        Some(match &node.ast {
            Ast::Atom(a) => match a.as_ref() {
                "nil" => Value::Null,
                "true" => Value::Bool(true),
                "false" => Value::Bool(false),
                _ => Value::String(a.to_string()),
            },
            Ast::Int(n) => number(n, false)?,
            Ast::Float(f) => json!(f),
            Ast::List(items) => {
                // A keyword list (all keys different) is an object; anything else,
                // an array.
                let pairs = if items.is_empty() || !items.iter().all(could_be_pair) {
                    None
                } else {
                    self.keyword_pairs(node)
                };
                match pairs {
                    Some(pairs) if distinct(&pairs) => {
                        let mut obj = Map::new();
                        for (key, value) in pairs {
                            let v = self.value_at(value, &Place::Key(place, &key));
                            obj.insert(key, v);
                        }
                        Value::Object(obj)
                    }
                    _ => Value::Array(
                        items
                            .iter()
                            .enumerate()
                            .map(|(i, n)| self.value_at(n, &Place::Index(place, i)))
                            .collect(),
                    ),
                }
            }
            Ast::Pair(a, b) => {
                let items = [a.as_ref(), b.as_ref()];
                self.tuple(&items, place)
            }
            Ast::Call { .. } => return self.call_value(node, place),
            Ast::Bin(_) => return None,
        })
    }

    fn tuple(&mut self, items: &[&'a Node], place: &Place) -> Value {
        let values: Vec<Value> = items
            .iter()
            .enumerate()
            .map(|(i, n)| self.value_at(n, &Place::Tuple(place, i)))
            .collect();
        json!({ "tuple": values })
    }

    fn call_value(&mut self, node: &'a Node, place: &Place) -> Option<Value> {
        if alias_segments(node).is_some() || node.var_name() == Some("__MODULE__") {
            return Some(Value::String(self.atom_name(node)?));
        }
        match node.local_call()? {
            ("{}", items) => {
                let items: Vec<&'a Node> = items.iter().collect();
                Some(self.tuple(&items, place))
            }
            ("-", [n]) => match &n.ast {
                Ast::Int(digits) => number(digits, true),
                Ast::Float(f) => Some(json!(-f)),
                _ => None,
            },
            (sigil @ ("sigil_w" | "sigil_W"), [content, _]) => {
                let text = sigil_text(content, sigil == "sigil_w")?;
                Some(Value::Array(
                    text.split_whitespace()
                        .map(|w| Value::String(w.into()))
                        .collect(),
                ))
            }
            (sigil @ ("sigil_s" | "sigil_S"), [content, _]) => {
                Some(Value::String(sigil_text(content, sigil == "sigil_s")?))
            }
            ("current_version", [app]) => {
                let Ast::Atom(app) = &app.ast else {
                    return None;
                };
                Some(Value::String((self.version_of)(app)?))
            }
            (name, []) => {
                let body = *self.functions.get(name)?;
                self.try_value(body, place)
            }
            _ => None,
        }
    }
}

/// An element that may be a `key: value` pair once followed (a tuple, an
/// attribute, a zero-arity call).
fn could_be_pair(item: &Node) -> bool {
    matches!(item.ast, Ast::Pair(..))
        || attr_use(item).is_some()
        || item.local_call().is_some_and(|(_, args)| args.is_empty())
}

/// Whether keys are all different (a keyword list with a key twice is written as
/// a list of tuples: an object would lose one).
fn distinct(pairs: &[(String, &Node)]) -> bool {
    let keys: std::collections::HashSet<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    keys.len() == pairs.len()
}

/// Where a value stands, written out only for what stays unresolved.
enum Place<'p> {
    Root(&'p str),
    Key(&'p Place<'p>, &'p str),
    Index(&'p Place<'p>, usize),
    Tuple(&'p Place<'p>, usize),
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Place::Root(p) => f.write_str(p),
            Place::Key(parent, key) => write!(f, "{parent}.{key}"),
            Place::Index(parent, i) => write!(f, "{parent}[{i}]"),
            Place::Tuple(parent, i) => write!(f, "{parent}.tuple[{i}]"),
        }
    }
}

/// A name a local function can have (not `__block__` or an operator like `..`).
fn is_function_name(name: &str) -> bool {
    name != "__block__"
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '?' | '!'))
}

/// An integer literal as a JSON number, when it fits one exactly.
fn number(digits: &str, negative: bool) -> Option<Value> {
    if negative {
        let n: i64 = format!("-{digits}").parse().ok()?;
        return Some(json!(n));
    }
    match digits.parse::<u64>() {
        Ok(n) => Some(json!(n)),
        Err(_) => None,
    }
}

/// The text of a sigil's `<<...>>` content when it has no interpolation, with
/// escapes applied for a lowercase sigil (as `~s` and `~w` apply them).
fn sigil_text(content: &Node, unescaped: bool) -> Option<String> {
    let ("<<>>", parts) = content.local_call()? else {
        return None;
    };
    let mut text = Vec::new();
    for part in parts {
        let Ast::Bin(b) = &part.ast else {
            return None;
        };
        text.extend_from_slice(b);
    }
    if unescaped {
        text = crate::syntax::unescape(&text, content.start).ok()?;
    }
    String::from_utf8(text).ok()
}

/// A charlist is a list written between single quotes (`'abc'`, `'''` heredocs).
fn is_charlist(src: &str, node: &Node) -> bool {
    src.get(node.start..node.end)
        .is_some_and(|t| t.starts_with('\''))
}

/// A string written between double quotes (or a heredoc), as opposed to `<<...>>`.
fn is_string(src: &str, node: &Node) -> bool {
    src.get(node.start..node.end)
        .is_some_and(|t| t.starts_with('"'))
}

impl Aliases {
    /// `alias A.B`, `alias A.B, as: C`, `alias A.{B, C}`, `require A.B, as: C`;
    /// anything else makes aliases unknown.
    fn learn(&mut self, directive: &str, args: &[Node], module: Option<&str>) {
        let as_name = args.get(1).and_then(keyword_pairs).and_then(|pairs| {
            pairs
                .iter()
                .find(|(k, _)| *k == "as")
                .map(|(_, v)| alias_of(v))
        });
        let Some(target) = args.first() else {
            return;
        };
        let full_name = |n: &Node| -> Option<String> {
            let segments = alias_segments(n)?;
            let names: Vec<String> = segments
                .iter()
                .map(|s| match s {
                    Segment::Name(n) => Some(n.to_string()),
                    Segment::Module => module.map(str::to_string),
                })
                .collect::<Option<_>>()?;
            Some(names.join("."))
        };
        let mut define = |name: &str, to: String| {
            let entry = self
                .to
                .entry(name.to_string())
                .or_insert_with(|| Some(to.clone()));
            if entry.as_deref() != Some(to.as_str()) {
                *entry = None;
            }
        };
        // `alias A.{B, C}`: `{{:., _, [A, :{}]}, _, [B, C]}`.
        if let Ast::Call {
            head,
            args: Some(children),
        } = &target.ast
        {
            if let Some((".", [base, brace])) = head.local_call() {
                if matches!(&brace.ast, Ast::Atom(b) if b == "{}") && directive == "alias" {
                    let Some(base) = full_name(base) else {
                        self.unreadable = true;
                        return;
                    };
                    for child in children {
                        let Some(rest) = alias_of(child) else {
                            self.unreadable = true;
                            return;
                        };
                        let full = format!("{base}.{rest}");
                        let last = full.rsplit('.').next().unwrap_or(&full).to_string();
                        define(&last, full);
                    }
                    return;
                }
            }
        }
        match (full_name(target), as_name) {
            (Some(full), Some(Some(short))) => define(&short, full),
            (Some(full), None) if directive == "alias" => {
                let last = full.rsplit('.').next().unwrap_or(&full).to_string();
                define(&last, full);
            }
            (Some(_), None) => {}
            _ => self.unreadable = true,
        }
    }
}

#[cfg(test)]
mod tests;
