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
mod parse;
mod redirect;
mod word;

pub use crate::glob::{glob_match, Glob};
pub use eval::{Note, Origin, Shell, Value, Var};
pub use parse::{assignment_name, literal, parse, Node, Part, Word};

use crate::syntax::SyntaxError;

/// Run `text` in `shell` (the environment it starts with), as `. FILE` would.
pub fn source(shell: &mut Shell, text: &[u8]) -> Result<(), SyntaxError> {
    let nodes = parse(text)?;
    shell.run(&nodes);
    Ok(())
}

/// What the fuzz target checks on any bytes: the reader returns (no panic, no
/// hang), an error points inside the text, running a parse is deterministic, and a
/// known value is free of the unknown marks.
#[doc(hidden)]
pub fn invariants(data: &[u8]) {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    match parse(data) {
        Err(e) => {
            assert!(
                e.line >= 1 && e.line <= lines,
                "error line {} of {lines}",
                e.line
            );
            assert!(e.column >= 1);
        }
        Ok(nodes) => {
            let env = [("RELEASE_COMMAND", "start"), ("HOME", "/root")];
            let mut a = Shell::with_env(env);
            a.errexit = true;
            a.run(&nodes);
            let mut b = Shell::with_env(env);
            b.errexit = true;
            b.run(&nodes);
            assert_eq!(a.vars, b.vars);
            for var in a.vars.values() {
                assert!(var.value.text.len() <= eval::MAX_VALUE);
                if var.value.is_known() {
                    assert!(var.value.unknown.is_empty());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
