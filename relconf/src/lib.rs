//! relconf: read Distillery `rel/config.exs` and Mix `releases:` in `mix.exs` into
//! JSON, without running Elixir.

pub mod check;
pub mod cli;
pub mod config;
pub mod eval;
pub mod invariants;
pub mod syntax;
