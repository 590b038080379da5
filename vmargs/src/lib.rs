//! vmargs: read, lint, render and compare Erlang `vm.args` files exactly as
//! `erl -args_file` reads them.
//!
//! The data flows one way: [`tokenize`] cuts the bytes into words as erlexec does,
//! [`erlexec`] follows `-args_file` and reports what erl would refuse, [`model`]
//! gives the flags their meaning; [`check`] makes findings of it, [`doc`] the JSON
//! document, [`render`] the canonical text and [`diff`] the difference between
//! two files. [`inputs`] finds the files a project uses; [`codes`] names the tool
//! and every finding code; [`cli`] is the command line; [`invariants`] holds what the
//! fuzz target checks.

pub mod boot;
pub mod check;
pub mod cli;
pub mod cluster;
pub mod codes;
pub mod diff;
pub mod doc;
pub mod erlexec;
pub mod inputs;
#[doc(hidden)]
pub mod invariants;
pub mod model;
pub mod render;
pub mod tokenize;
