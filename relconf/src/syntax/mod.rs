//! Elixir's syntax, read into the tree `Code.string_to_quoted/2` gives (Elixir
//! 1.14): the lexer mirrors Elixir's tokenizer, the parser its grammar, and every
//! node keeps the byte span of its source so that what is not evaluated can be
//! shown as written.

mod ast;
mod dump;
mod lexer;
mod parser;
pub mod query;

pub use ast::*;

pub use dump::normal_form;
pub use lexer::unescape;
pub use parser::parse;
