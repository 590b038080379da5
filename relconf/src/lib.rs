//! relconf: read Distillery `rel/config.exs` and Mix `releases:` in `mix.exs` into
//! JSON, without running Elixir.
//!
//! [`syntax`] reads Elixir source into the tree `Code.string_to_quoted/2` gives,
//! [`eval`] evaluates the part a release config uses, [`config`] turns it into the
//! release document, and [`check`] makes findings of it. [`codes`] names the tool and
//! every finding code; [`cli`] is the command line; [`invariants`] holds what the
//! fuzz target checks.

pub mod check;
pub mod cli;
pub mod codes;
pub mod config;
pub mod deliver;
pub mod distillery;
pub mod eval;
#[doc(hidden)]
pub mod invariants;
pub mod read;
pub mod syntax;
