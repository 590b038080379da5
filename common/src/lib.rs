//! What every relkit tool shares, and nothing more: the exit-status convention and
//! the `main` wrapper, the finding type with its JSON and human forms, JSON document
//! output and input, colour choice, the clap arguments every tool takes, input
//! reading and line/column lookup.

pub mod args;
pub mod codes;
pub mod color;
pub mod erlang;
pub mod exit;
pub mod finding;
pub mod fs;
pub mod generate;
pub mod git;
pub mod glob;
pub mod input;
pub mod json;
pub mod lines;
pub mod names;
pub mod palette;
pub mod progress;
pub mod report;
pub mod secret;
pub mod shell;
pub mod ssh;
pub mod syntax;
pub mod text;
pub mod threads;
pub mod time;

pub use args::CommonArgs;
pub use color::ColorWhen;
pub use exit::{run, Detailed, Status};
pub use finding::{Finding, Severity};
pub use input::{read_input, Input};
pub use json::{Document, Documents};
pub use lines::LineIndex;
pub use names::TOOLS;
pub use progress::Progress;
pub use report::{FindingArgs, Format, Reporter};
pub use secret::Secrets;
pub use syntax::{Position, SyntaxError};
