//! The tree: nodes, their spans and metadata, and the errors a reader returns.

use std::borrow::Cow;

/// Nesting deeper than this is refused with an error instead of overflowing the stack.
pub const MAX_DEPTH: usize = 200;

/// A node of the quoted form: literals, lists, two-tuples and calls
/// (`{head, meta, args}`, with `args` `None` for a variable).
#[derive(Debug, Clone, PartialEq)]
pub enum Ast {
    /// Decimal digits; any size.
    Int(String),
    Float(f64),
    /// An atom's name; the names the parser itself writes (`.`, `__aliases__`,
    /// operators) are not allocated.
    Atom(Cow<'static, str>),
    Bin(Vec<u8>),
    List(Vec<Node>),
    Pair(Box<Node>, Box<Node>),
    Call {
        head: Box<Node>,
        args: Option<Vec<Node>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub ast: Ast,
    pub start: usize,
    pub end: usize,
}

impl Node {
    pub fn new(ast: Ast, start: usize, end: usize) -> Node {
        Node { ast, start, end }
    }

    /// A two-tuple spanning from its first element to its second (`key: value`).
    pub fn pair(a: Node, b: Node) -> Node {
        let (start, end) = (a.start, b.end);
        Node::new(Ast::Pair(Box::new(a), Box::new(b)), start, end)
    }

    pub fn atom(name: impl Into<Cow<'static, str>>, start: usize, end: usize) -> Node {
        Node::new(Ast::Atom(name.into()), start, end)
    }

    /// `{name, [], args}`.
    pub fn call(
        name: impl Into<Cow<'static, str>>,
        args: Vec<Node>,
        start: usize,
        end: usize,
    ) -> Node {
        Node::new(
            Ast::Call {
                head: Box::new(Node::atom(name, start, end)),
                args: Some(args),
            },
            start,
            end,
        )
    }

    /// The name and arguments of a local call `{name, _, args}`.
    pub fn local_call(&self) -> Option<(&str, &[Node])> {
        match &self.ast {
            Ast::Call {
                head,
                args: Some(args),
            } => match &head.ast {
                Ast::Atom(name) => Some((name, args)),
                _ => None,
            },
            _ => None,
        }
    }

    /// A variable's name.
    pub fn var_name(&self) -> Option<&str> {
        match &self.ast {
            Ast::Call { head, args: None } => match &head.ast {
                Ast::Atom(name) => Some(name),
                _ => None,
            },
            _ => None,
        }
    }
}

/// Call `f` on `node` and every node inside it, parents first.
pub fn walk<'n>(node: &'n Node, f: &mut dyn FnMut(&'n Node)) {
    // An explicit stack: trees as deep as the parser allows, walked in constant stack.
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        f(n);
        match &n.ast {
            Ast::List(items) => stack.extend(items.iter().rev()),
            Ast::Pair(a, b) => {
                stack.push(b);
                stack.push(a);
            }
            Ast::Call { head, args } => {
                if let Some(args) = args {
                    stack.extend(args.iter().rev());
                }
                stack.push(head);
            }
            _ => {}
        }
    }
}

/// The expressions of a block: `__block__`'s, or the node itself.
pub fn block_items(node: &Node) -> &[Node] {
    match node.local_call() {
        Some(("__block__", items)) => items,
        _ => std::slice::from_ref(node),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub message: String,
    pub offset: usize,
}

impl Error {
    pub fn new(message: impl Into<String>, offset: usize) -> Error {
        Error {
            message: message.into(),
            offset,
        }
    }
}
