//! The normal form the differential test compares: the quoted tree without its
//! metadata, one token per value. `relconf/tests/quoted_normal_form.exs` prints
//! Elixir's own tree the same way.
//!
//! - integer: `i` and its decimal digits (`i42`)
//! - float: `f` and the decimal value of its 64 IEEE bits
//! - atom: `a`, the byte length of its name, `:` and the name (`a3:foo`)
//! - binary: `b`, its byte length, `:` and its bytes
//! - list: `[` elements separated by one space `]`
//! - two-tuple: `{` first, space, second `}`
//! - call `{head, meta, args}`: `(` head, space, args `)`, args `a3:nil` for a variable

use super::ast::{Ast, Node};

pub fn normal_form(node: &Node) -> Vec<u8> {
    let mut out = Vec::new();
    write(node, &mut out);
    out
}

fn write(node: &Node, out: &mut Vec<u8>) {
    match &node.ast {
        Ast::Int(digits) => {
            out.push(b'i');
            out.extend_from_slice(digits.as_bytes());
        }
        Ast::Float(f) => {
            out.push(b'f');
            out.extend_from_slice(f.to_bits().to_string().as_bytes());
        }
        Ast::Atom(name) => sized(b'a', name.as_bytes(), out),
        Ast::Bin(bytes) => sized(b'b', bytes, out),
        Ast::List(items) => list(items, out),
        Ast::Pair(a, b) => {
            out.push(b'{');
            write(a, out);
            out.push(b' ');
            write(b, out);
            out.push(b'}');
        }
        Ast::Call { head, args } => {
            out.push(b'(');
            write(head, out);
            out.push(b' ');
            match args {
                Some(args) => list(args, out),
                None => sized(b'a', b"nil", out),
            }
            out.push(b')');
        }
    }
}

fn sized(tag: u8, bytes: &[u8], out: &mut Vec<u8>) {
    out.push(tag);
    out.extend_from_slice(bytes.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(bytes);
}

fn list(items: &[Node], out: &mut Vec<u8>) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write(item, out);
    }
    out.push(b']');
}
