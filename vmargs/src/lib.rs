//! vmargs: read, lint, render and compare Erlang `vm.args` files exactly as
//! `erl -args_file` reads them.

pub mod check;
pub mod cli;
pub mod codes;
pub mod diff;
pub mod doc;
pub mod erlexec;
pub mod inputs;
pub mod invariants;
pub mod model;
pub mod render;
pub mod tokenize;
