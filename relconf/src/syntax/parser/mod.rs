//! Elixir 1.14's grammar as precedence climbing. The grammar sorts expressions into
//! three kinds, and so does this parser: *matched* (no do-block and no call without
//! parentheses taking several arguments at its top), *unmatched* (a do-block call
//! at its top) and *no-parens* (`f a, b` or `f g a, b` at its top), because where
//! each may stand is what makes `f a, g b, c` and `[f a, b]` errors.
//!
//! [`state`] holds the parser and what its parts share; [`expr`] reads operators and
//! primaries, [`calls`] calls and blocks, [`data`] containers and strings.

mod calls;
mod data;
mod expr;
mod state;

pub use state::parse;
