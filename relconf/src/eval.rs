//! Turning expressions into JSON without running them. The mapping:
//! `nil` → `null`; booleans and numbers as themselves; atoms, strings and charlists
//! → strings; a keyword list (every element a `key: value` pair) → an object in its
//! order; other lists → arrays; tuples → `{"tuple": [...]}`; `~w(...)` → an array of
//! strings, `~s`/`~S` → a string. Module attributes and zero-arity local functions are
//! followed. Everything else becomes `{"expr": "<source text>", "line": N}` and is
//! listed as unresolved: it is never guessed.

use crate::lexer::StrPart;
use crate::parser::{Ex, Node};
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
    pub attrs: HashMap<String, Node>,
    /// Zero-arity `def`/`defp` bodies, by name.
    pub functions: HashMap<String, Node>,
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

    /// Read the `alias` directives anywhere in `nodes`, and the module's name when
    /// there is exactly one `defmodule`.
    pub fn learn(&mut self, nodes: &[Node]) {
        let mut modules = Vec::new();
        for node in nodes {
            walk(node, &mut |n| {
                let Ex::Call {
                    target: None,
                    name,
                    args,
                    ..
                } = &n.ex
                else {
                    return;
                };
                match name.as_str() {
                    "defmodule" => {
                        modules.push(args.first().and_then(alias_of).map(str::to_string))
                    }
                    "alias" | "require" => {
                        let written = args.first().is_some_and(|a| match &a.ex {
                            Ex::Alias(alias) => {
                                self.src.get(a.start..a.end) == Some(alias.as_str())
                            }
                            _ => true,
                        });
                        if written {
                            self.aliases.learn(name, args);
                        } else {
                            self.aliases.unreadable = true;
                        }
                    }
                    _ => {}
                }
            });
        }
        if let [Some(module)] = modules.as_slice() {
            self.module = Some(module.clone());
        }
    }

    /// The name of the atom `node` is, following attributes and zero-arity
    /// functions: `:app` is `app`, `Toml.Provider` is `Elixir.Toml.Provider`.
    pub fn atom_name(&mut self, node: &Node) -> Option<String> {
        let node = self.resolved(node)?;
        match &node.ex {
            Ex::Atom(a) => Some(a.clone()),
            Ex::Bool(b) => Some(b.to_string()),
            Ex::Nil => Some("nil".into()),
            // This parser reads `__MODULE__.B` as `B`: only an alias written as
            // its name is taken.
            Ex::Alias(a) if self.text(&node) == a => self.alias_atom(a),
            Ex::Var(v) if v == "__MODULE__" => {
                self.module.as_deref().and_then(|m| self.alias_atom(m))
            }
            _ => None,
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
    pub fn resolved(&mut self, node: &Node) -> Option<Node> {
        let mut node = node.clone();
        for _ in 0..crate::parser::MAX_DEPTH {
            let next = match &node.ex {
                Ex::Attr(name) => self.attrs.get(name)?.clone(),
                Ex::Call {
                    target: None,
                    name,
                    args,
                    block: None,
                } if args.is_empty() && name != "current_version" => {
                    self.functions.get(name)?.clone()
                }
                _ => return Some(node),
            };
            node = next;
        }
        None
    }

    /// The pairs of a keyword list: a list whose every element is a two-element
    /// tuple with an atom first (`key: value` is written so), the list and its
    /// elements followed through attributes and zero-arity functions.
    pub fn keyword_pairs(&mut self, node: &Node) -> Option<Vec<(String, Node)>> {
        let Ex::List(items) = self.resolved(node)?.ex else {
            return None;
        };
        items
            .iter()
            .map(|item| {
                let Ex::Tuple(pair) = self.resolved(item)?.ex else {
                    return None;
                };
                let [key, value] = <[Node; 2]>::try_from(pair).ok()?;
                Some((self.atom_name(&key)?, value))
            })
            .collect()
    }

    /// Whether `node` is a keyword list whose keys are all different (one with a key
    /// twice is written as a list of tuples: an object would lose one).
    fn distinct_keys(&mut self, node: &Node) -> bool {
        self.keyword_pairs(node).is_some_and(|pairs| {
            let keys: std::collections::HashSet<&str> =
                pairs.iter().map(|(k, _)| k.as_str()).collect();
            keys.len() == pairs.len()
        })
    }

    /// `"#{...}"`: the text of each piece of code by Elixir's `to_string`, for the
    /// values that have one here (atoms, strings, charlists, integers).
    fn interpolated(&mut self, parts: &[StrPart]) -> Option<String> {
        if parts.is_empty() {
            return None;
        }
        let mut text = String::new();
        for part in parts {
            match part {
                StrPart::Text(t) => text.push_str(t),
                StrPart::Code { start, end } => {
                    let code = self.src.get(*start..*end)?;
                    let mut nodes = crate::parser::parse(code).ok()?;
                    // Places in the code are the file's, as everywhere else.
                    nodes.iter_mut().for_each(|n| shift(n, *start));
                    match nodes.as_slice() {
                        [] => {}
                        [node] => text.push_str(&self.text_of(node)?),
                        _ => return None,
                    }
                }
            }
        }
        Some(text)
    }

    fn text_of(&mut self, node: &Node) -> Option<String> {
        // Strings inside strings are read again at each level: bounded like values.
        if self.depth >= crate::parser::MAX_DEPTH {
            return None;
        }
        self.depth += 1;
        let text = self.text_of_inner(node);
        self.depth -= 1;
        text
    }

    fn text_of_inner(&mut self, node: &Node) -> Option<String> {
        let resolved = self.resolved(node)?;
        match &resolved.ex {
            Ex::Str(s) | Ex::Charlist(s) => Some(s.clone()),
            Ex::Int(n) => Some(n.to_string()),
            Ex::Nil => Some(String::new()),
            Ex::Interpolated(parts) => self.interpolated(parts),
            _ => self.atom_name(&resolved),
        }
    }

    pub fn line(&self, offset: usize) -> u32 {
        self.lines.position(self.src.as_bytes(), offset).0
    }

    pub fn text(&self, node: &Node) -> &'a str {
        self.src.get(node.start..node.end).unwrap_or("")
    }

    /// The value, or the expression marker (recorded as unresolved at `place`).
    pub fn value(&mut self, node: &Node, place: &str) -> Value {
        match self.try_value(node, place) {
            Some(v) => v,
            None => self.opaque(node, place),
        }
    }

    /// Whether `value(node)` would be a literal (no expression marker inside).
    pub fn is_literal(&mut self, node: &Node) -> bool {
        let before = self.unresolved.len();
        let _ = self.value(node, "");
        let literal = self.unresolved.len() == before;
        self.unresolved.truncate(before);
        literal
    }

    fn opaque(&mut self, node: &Node, place: &str) -> Value {
        let expr = self.text(node).to_string();
        let line = self.line(node.start);
        self.unresolved.push(Unresolved {
            expr: expr.clone(),
            line,
            place: place.to_string(),
        });
        json!({"expr": expr, "line": line})
    }

    fn try_value(&mut self, node: &Node, place: &str) -> Option<Value> {
        self.depth += 1;
        if self.depth > crate::parser::MAX_DEPTH {
            self.depth -= 1;
            return None;
        }
        let v = self.try_value_inner(node, place);
        self.depth -= 1;
        v
    }

    fn try_value_inner(&mut self, node: &Node, place: &str) -> Option<Value> {
        Some(match &node.ex {
            Ex::Nil => Value::Null,
            Ex::Bool(b) => Value::Bool(*b),
            Ex::Int(n) => json!(n),
            Ex::Float(f) => json!(f),
            Ex::Atom(a) | Ex::Str(a) | Ex::Charlist(a) => Value::String(a.clone()),
            Ex::Sigil {
                letter: 'w' | 'W',
                content,
                ..
            } => Value::Array(
                content
                    .split_whitespace()
                    .map(|w| Value::String(w.into()))
                    .collect(),
            ),
            Ex::Sigil {
                letter: 's' | 'S',
                content,
                ..
            } => Value::String(content.clone()),
            Ex::List(items) if !items.is_empty() && self.distinct_keys(node) => {
                let mut obj = Map::new();
                for (key, value) in self.keyword_pairs(node)? {
                    let v = self.value(&value, &format!("{place}.{key}"));
                    obj.insert(key, v);
                }
                Value::Object(obj)
            }
            Ex::Alias(_) => Value::String(self.atom_name(node)?),
            Ex::Var(v) if v == "__MODULE__" => Value::String(self.atom_name(node)?),
            Ex::Interpolated(parts) => Value::String(self.interpolated(parts)?),
            Ex::List(items) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, n)| self.value(n, &format!("{place}[{i}]")))
                    .collect(),
            ),
            Ex::Tuple(items) => {
                json!({"tuple": items.iter().enumerate().map(|(i, n)| self.value(n, &format!("{place}.tuple[{i}]"))).collect::<Vec<_>>()})
            }
            Ex::Attr(name) => {
                let def = self.attrs.get(name)?.clone();
                return self.try_value(&def, place);
            }
            Ex::Call {
                target: None,
                name,
                args,
                block: None,
            } if args.is_empty() => {
                let body = self.functions.get(name)?.clone();
                return self.try_value(&body, place);
            }
            Ex::Call {
                target: None,
                name,
                args,
                block: None,
            } if name == "current_version" && args.len() == 1 => {
                let Ex::Atom(app) = &args[0].ex else {
                    return None;
                };
                Value::String((self.version_of)(app)?)
            }
            _ => return None,
        })
    }
}

/// `key: value` inside a list is a two-element tuple whose first element is an atom
/// written as the key.
pub fn keyword_key(node: &Node) -> Option<(&str, &Node)> {
    match &node.ex {
        Ex::Tuple(items) if items.len() == 2 => match &items[0].ex {
            Ex::Atom(k) => Some((k.as_str(), &items[1])),
            _ => None,
        },
        _ => None,
    }
}

/// The `key: value` pair nodes of a keyword-list node, if it is one.
pub fn keyword_items(node: &Node) -> Option<Vec<&Node>> {
    match &node.ex {
        Ex::List(items) if items.iter().all(|i| keyword_key(i).is_some()) => {
            Some(items.iter().collect())
        }
        _ => None,
    }
}

/// The pairs of a keyword-list node, if it is one.
pub fn keyword_pairs(node: &Node) -> Option<Vec<(&str, &Node)>> {
    match &node.ex {
        Ex::List(items) => items.iter().map(keyword_key).collect(),
        _ => None,
    }
}

impl Aliases {
    /// `alias A.B`, `alias A.B, as: C`, `require A.B, as: C`; anything else (such
    /// as `alias A.{B, C}`, which this parser does not keep) makes aliases unknown.
    fn learn(&mut self, directive: &str, args: &[Node]) {
        let as_name = args.get(1).and_then(keyword_pairs).and_then(|pairs| {
            pairs
                .iter()
                .find(|(k, _)| *k == "as")
                .map(|(_, v)| alias_of(v).map(str::to_string))
        });
        let Some(target) = args.first() else {
            return;
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
        match (&target.ex, as_name) {
            (Ex::Alias(full), Some(Some(short))) => define(&short, full.clone()),
            (Ex::Alias(full), None) if directive == "alias" => {
                let last = full.rsplit('.').next().unwrap_or(full);
                define(last, full.clone());
            }
            (Ex::Alias(_), None) => {}
            _ => self.unreadable = true,
        }
    }
}

/// Move `node` and everything in it `by` bytes later in the file.
fn shift(node: &mut Node, by: usize) {
    node.start += by;
    node.end += by;
    match &mut node.ex {
        Ex::List(items) | Ex::Tuple(items) | Ex::Block(items) => {
            items.iter_mut().for_each(|n| shift(n, by));
        }
        Ex::Call {
            target,
            args,
            block,
            ..
        } => {
            if let Some(t) = target {
                shift(t, by);
            }
            args.iter_mut().for_each(|n| shift(n, by));
            if let Some(b) = block {
                b.body.iter_mut().for_each(|n| shift(n, by));
                for (_, section) in &mut b.sections {
                    section.iter_mut().for_each(|n| shift(n, by));
                }
            }
        }
        Ex::Op { lhs, rhs, .. } => {
            shift(lhs, by);
            shift(rhs, by);
        }
        Ex::Unary { arg, .. } => shift(arg, by),
        Ex::Interpolated(parts) => {
            for part in parts {
                if let StrPart::Code { start, end } = part {
                    *start += by;
                    *end += by;
                }
            }
        }
        _ => {}
    }
}

/// Call `f` on `node` and every node inside it.
fn walk(node: &Node, f: &mut dyn FnMut(&Node)) {
    f(node);
    match &node.ex {
        Ex::List(items) | Ex::Tuple(items) | Ex::Block(items) => {
            items.iter().for_each(|n| walk(n, f));
        }
        Ex::Call {
            target,
            args,
            block,
            ..
        } => {
            if let Some(t) = target {
                walk(t, f);
            }
            args.iter().for_each(|n| walk(n, f));
            if let Some(b) = block {
                b.body.iter().for_each(|n| walk(n, f));
                for (_, section) in &b.sections {
                    section.iter().for_each(|n| walk(n, f));
                }
            }
        }
        Ex::Op { lhs, rhs, .. } => {
            walk(lhs, f);
            walk(rhs, f);
        }
        Ex::Unary { arg, .. } => walk(arg, f),
        _ => {}
    }
}

/// Alias text of a node (`Distillery.Releases.Config`).
pub fn alias_of(node: &Node) -> Option<&str> {
    match &node.ex {
        Ex::Alias(a) => Some(a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse;

    fn eval(src: &str) -> (Value, Vec<Unresolved>) {
        let nodes = parse(src).unwrap();
        let mut ev = Evaluator::new(
            src,
            Box::new(|app| (app == "billing").then(|| "0.1.0".to_string())),
        );
        let v = ev.value(&nodes[0], "x");
        (v, ev.unresolved)
    }

    #[test]
    fn literals_map_to_json() {
        assert_eq!(
            eval("[a: 1, b: :two, c: \"three\", d: 'four', e: nil, f: true, g: 1.5]").0,
            json!({"a": 1, "b": "two", "c": "three", "d": "four", "e": null, "f": true, "g": 1.5})
        );
        assert_eq!(
            eval("[:a, {:copy, \"x\", \"y\"}]").0,
            json!(["a", {"tuple": ["copy", "x", "y"]}])
        );
        assert_eq!(eval("~w(a b c)").0, json!(["a", "b", "c"]));
        assert_eq!(eval("[]").0, json!([]));
    }

    #[test]
    fn expressions_are_kept_not_guessed() {
        let (v, unresolved) = eval("[env: Mix.env(), home: System.get_env(\"HOME\")]");
        assert_eq!(v["env"], json!({"expr": "Mix.env()", "line": 1}));
        assert_eq!(unresolved.len(), 2);
        assert_eq!(unresolved[1].place, "x.home");
    }

    #[test]
    fn current_version_is_read_from_the_app() {
        assert_eq!(eval("current_version(:billing)").0, json!("0.1.0"));
        assert_eq!(
            eval("current_version(:other)").0,
            json!({"expr": "current_version(:other)", "line": 1})
        );
    }

    /// The last expression of `src`, after its `alias` directives and `@attr`
    /// definitions (top level, as a test convenience) were read.
    fn eval_last(src: &str) -> Value {
        let nodes = parse(src).unwrap();
        let mut ev = Evaluator::new(src, Box::new(|_| None));
        ev.learn(&nodes);
        for node in &nodes {
            if let Ex::Call { name, args, .. } = &node.ex {
                if let (Some(attr), Some(value)) = (name.strip_prefix('@'), args.first()) {
                    ev.attrs.insert(attr.to_string(), value.clone());
                }
            }
        }
        ev.value(nodes.last().unwrap(), "x")
    }

    #[test]
    fn aliases_are_atoms_named_as_elixir_names_them() {
        assert_eq!(eval_last("Toml.Provider"), json!("Elixir.Toml.Provider"));
        assert_eq!(
            eval_last("Elixir.Toml.Provider"),
            json!("Elixir.Toml.Provider")
        );
        assert_eq!(
            eval_last("alias A.B.Reader\nReader.X"),
            json!("Elixir.A.B.Reader.X")
        );
        assert_eq!(eval_last("alias A.B, as: C\nC"), json!("Elixir.A.B"));
        // Not read by this parser: every alias is then unknown.
        assert!(eval_last("alias A.{B, D}\nB")["expr"].is_string());
        // One name given two meanings (in different scopes, say): not guessed.
        assert!(eval_last("alias A.B\nalias C.B\nB")["expr"].is_string());
        assert!(eval_last("alias __MODULE__.B\nB")["expr"].is_string());
        assert_eq!(
            eval_last("defmodule Gateway.MixProject do\nend\n__MODULE__"),
            json!("Elixir.Gateway.MixProject")
        );
        assert!(
            eval_last("defmodule A do\nend\ndefmodule B do\nend\n__MODULE__")["expr"].is_string()
        );
    }

    #[test]
    fn tuples_with_atoms_first_are_keyword_lists() {
        assert_eq!(
            eval_last("@app :gateway\n[{@app, [a: 1]}, {Toml.Provider, path: \"x\"}]"),
            json!({"gateway": {"a": 1}, "Elixir.Toml.Provider": {"path": "x"}})
        );
        // A key twice stays a list of tuples: nothing is lost.
        assert_eq!(
            eval_last("[{P, 1}, {P, 2}]"),
            json!([{"tuple": ["Elixir.P", 1]}, {"tuple": ["Elixir.P", 2]}])
        );
        assert_eq!(
            eval_last("[a: 1, a: 2]"),
            json!([{"tuple": ["a", 1]}, {"tuple": ["a", 2]}])
        );
    }

    #[test]
    fn interpolation_of_known_values_is_resolved() {
        let src = "@app :gateway\n@n 3\n@none nil\n@cl 'abc'\n";
        let at = |tail: &str| eval_last(&format!("{src}{tail}"));
        assert_eq!(at("\"#{@app}_cookie\""), json!("gateway_cookie"));
        assert_eq!(at(":\"#{@app}@host\""), json!("gateway@host"));
        assert_eq!(
            at("\"n=#{@n} #{@none}|#{@cl}|#{}|#{Toml.Provider}\""),
            json!("n=3 |abc||Elixir.Toml.Provider")
        );
        assert_eq!(at("\"#{\"in #{@app}\"}\""), json!("in gateway"));
        // Code that runs, values without a text here, heredocs: kept as written.
        for kept in [
            "\"#{1 + 1}\"",
            "\"#{1.5}\"",
            "\"#{[1]}\"",
            "\"#{@missing}\"",
            "\"\"\"\n#{@app}\n\"\"\"",
            "'#{@app}'",
        ] {
            assert!(at(kept)["expr"].is_string(), "{kept}");
        }
    }
}
