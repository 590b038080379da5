//! Questions asked of a node without evaluating it: is it a remote call, a module
//! attribute, an alias, a keyword list, the code inside an interpolation.

use super::ast::{Ast, Node};

/// The code inside one `#{...}` of a string (`Kernel.to_string(code)::binary`) or
/// of a charlist (`Kernel.to_string(code)`).
pub fn interpolated_code(part: &Node) -> Option<&Node> {
    let call = match part.local_call() {
        Some(("::", [call, _])) => call,
        _ => part,
    };
    match remote_call(call) {
        Some(("Elixir.Kernel", "to_string", [code])) => Some(code),
        _ => None,
    }
}

/// `Module.fun(args)` with a literal module atom: (module, fun, args).
pub fn remote_call(node: &Node) -> Option<(&str, &str, &[Node])> {
    let Ast::Call {
        head,
        args: Some(args),
    } = &node.ast
    else {
        return None;
    };
    match head.local_call()? {
        (".", [module, fun]) => match (&module.ast, &fun.ast) {
            (Ast::Atom(m), Ast::Atom(f)) => Some((m, f, args)),
            _ => None,
        },
        _ => None,
    }
}

/// `@name` used as a value (not `@name value`, which defines it).
pub fn attr_use(node: &Node) -> Option<&str> {
    match node.local_call() {
        Some(("@", [inner])) => inner.var_name(),
        _ => None,
    }
}

/// `@name value`: the attribute's name and value.
pub fn attr_definition(node: &Node) -> Option<(&str, &Node)> {
    match node.local_call() {
        Some(("@", [inner])) => match inner.local_call() {
            Some((name, [value])) => Some((name, value)),
            _ => None,
        },
        _ => None,
    }
}

pub enum Segment<'n> {
    Name(&'n str),
    /// `__MODULE__` as the first segment.
    Module,
}

/// The segments of an alias (`A.B` is `{:__aliases__, _, [:A, :B]}`).
pub fn alias_segments(node: &Node) -> Option<Vec<Segment<'_>>> {
    let ("__aliases__", parts) = node.local_call()? else {
        return None;
    };
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| match &p.ast {
            Ast::Atom(a) => Some(Segment::Name(a)),
            _ if i == 0 && p.var_name() == Some("__MODULE__") => Some(Segment::Module),
            _ => None,
        })
        .collect()
}

/// Alias text of a node written with names only (`Distillery.Releases.Config`).
pub fn alias_of(node: &Node) -> Option<String> {
    let segments = alias_segments(node)?;
    segments
        .iter()
        .map(|s| match s {
            Segment::Name(n) => Some(*n),
            Segment::Module => None,
        })
        .collect::<Option<Vec<_>>>()
        .map(|names| names.join("."))
}

/// `key: value` inside a list is a two-element tuple whose first element is an atom.
pub fn keyword_key(node: &Node) -> Option<(&str, &Node)> {
    match &node.ast {
        Ast::Pair(key, value) => match &key.ast {
            Ast::Atom(k) => Some((k.as_ref(), value)),
            _ => None,
        },
        _ => None,
    }
}

/// The `key: value` pair nodes of a keyword-list node, if it is one.
pub fn keyword_items(node: &Node) -> Option<Vec<&Node>> {
    match &node.ast {
        Ast::List(items) if items.iter().all(|i| keyword_key(i).is_some()) => {
            Some(items.iter().collect())
        }
        _ => None,
    }
}

/// The pairs of a keyword-list node, if it is one.
pub fn keyword_pairs(node: &Node) -> Option<Vec<(&str, &Node)>> {
    match &node.ast {
        Ast::List(items) => items.iter().map(keyword_key).collect(),
        _ => None,
    }
}
