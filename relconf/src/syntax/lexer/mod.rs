//! Elixir's tokens, read the way Elixir 1.14's tokenizer reads them: the same token
//! kinds (an identifier followed by `(`, `[` or ` do` is its own kind, so is one
//! followed by a space and a sign, as in `f -1`), newlines kept as tokens (the
//! grammar decides where they may stand), a newline before a binary operator
//! dropped, strings read with their interpolations tokenized in place, heredocs
//! unindented, and every `(`, `[`, `{`, `<<`, `do` and `fn` matched with its
//! closer. Hand-written: the rules are ordered prefix tests over bytes, which a
//! match reads more plainly than combinators (see the crate README).
//!
//! [`tokens`] names the tokens; [`scan`] is the main loop, [`words`] reads
//! identifiers, keywords and numbers, [`strings`] everything quoted.

mod scan;
mod strings;
mod text;
mod tokens;
mod words;

pub use scan::tokenize;
pub use text::unescape;
pub use tokens::*;

#[cfg(test)]
mod tests;
