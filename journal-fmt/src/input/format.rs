//! The input forms a stream can be in.

/// The input forms, as `--input` names them (after detection).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `-o json` and `-o json-seq`.
    Json,
    /// JSON text read through [`crate::input::jsonstream`]: `-o json-pretty`, arrays.
    JsonPretty,
    Export,
    /// The `short` family (`short`, `short-precise`, `short-iso`, `short-full` ...).
    Short,
    /// One message per line: `-o cat`, an Elixir console.
    Cat,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::JsonPretty => "json-pretty",
            Format::Export => "export",
            Format::Short => "short",
            Format::Cat => "cat",
        }
    }
}
