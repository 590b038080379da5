//! Erlang terms as `file:consult/1` reads them (erl_scan's tokens, erl_parse's
//! `parse_term`): the `.app`, `.rel`, `sys.config` and `-config` files of a release.
//!
//! Atoms (bare, `@` allowed, and quoted), strings (adjacent ones joined), integers
//! (`16#ff`, `1_000`, `$a`, a sign), floats, binaries of strings and bytes, tuples,
//! lists (with a `|` tail), maps; `%` comments; each term ends with a dot followed by
//! white space, a comment or the end. Reserved words and variables are refused, as
//! `parse_term` refuses them. Every term keeps the byte offset it starts at, so a
//! reader can point at it (file, line, column).
//!
//! Written by hand rather than with nom: the grammar is a dozen token kinds and one
//! recursive rule, and errors need erl's own wording at an exact offset.

mod reader;
mod term;

pub use term::{show_atom, Kind, Term};

use crate::syntax::SyntaxError;

/// Every term of `text`, as `file:consult/1` returns them.
pub fn consult(text: &str) -> Result<Vec<Term>, SyntaxError> {
    reader::consult(text)
}

/// What holds for any input (the fuzz target's check): reading never panics, an
/// error points inside the text, and the terms read print as text that reads back
/// to the same terms.
pub fn invariants(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match consult(&text) {
        Ok(terms) => {
            let shown: Vec<String> = terms.iter().map(|t| format!("{}.\n", t.show())).collect();
            let again = consult(&shown.concat())
                .unwrap_or_else(|e| panic!("{shown:?} does not read back: {e}"));
            let again: Vec<String> = again.iter().map(Term::show).collect();
            let first: Vec<String> = terms.iter().map(Term::show).collect();
            assert_eq!(first, again);
        }
        Err(e) => {
            let lines = text.lines().count().max(1);
            assert!(
                e.line >= 1 && e.line <= lines + 1,
                "{e} beyond {lines} lines"
            );
        }
    }
}

#[cfg(test)]
mod tests;
