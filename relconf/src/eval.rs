//! Turning expressions into JSON without running them. The mapping:
//! `nil` → `null`; booleans and numbers as themselves; atoms, strings and charlists
//! → strings; a keyword list (every element a `key: value` pair) → an object in its
//! order; other lists → arrays; tuples → `{"tuple": [...]}`; `~w(...)` → an array of
//! strings, `~s`/`~S` → a string. Module attributes and zero-arity local functions are
//! followed. Everything else becomes `{"expr": "<source text>", "line": N}` and is
//! listed as unresolved: it is never guessed.

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
    depth: usize,
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
            depth: 0,
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
            Ex::List(items)
                if !items.is_empty() && items.iter().all(|i| keyword_key(i).is_some()) =>
            {
                let mut obj = Map::new();
                for item in items {
                    let (key, value) = keyword_key(item)?;
                    let v = self.value(value, &format!("{place}.{key}"));
                    obj.insert(key.to_string(), v);
                }
                Value::Object(obj)
            }
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
}
