//! POSIX shell scripts read for the variables they leave: what a release's
//! `env.sh` (sourced by the start script) and edeliver's `.deliver/config` set.
//! One reader for every tool that needs it.
//!
//! [`parse`] reads the grammar (and refuses what sh would refuse, with line and
//! column); [`Shell::run`] runs the parse for its variables. Anything whose value sh
//! would compute by running a program, or that the model does not follow (a loop, a
//! function, `. FILE`, `eval`), leaves an unknown that names what it depends on.

mod eval;
mod expand;
mod glob;
mod parse;
mod redirect;
mod word;

pub use eval::{names_assigned, Note, Origin, Shell, Value, Var};
pub use glob::{glob_match, Glob};
pub use parse::{assignment_name, literal, parse, Node, Part, Word};

use crate::syntax::SyntaxError;

/// Run `text` in `shell` (the environment it starts with), as `. FILE` would.
pub fn source(shell: &mut Shell, text: &[u8]) -> Result<(), SyntaxError> {
    let nodes = parse(text)?;
    shell.run(&nodes);
    Ok(())
}

#[cfg(test)]
mod tests;
