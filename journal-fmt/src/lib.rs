//! journal-fmt: filter and colourise systemd journal output of BEAM apps.
//!
//! Inputs ([`input`]: `journalctl -o json`, `json-seq`, `export`, the `short` family, `cat`
//! and Elixir console lines) become [`entry::Entry`] values; [`entry::level`] finds each
//! entry's effective level (an Elixir release logs `[error]` at `PRIORITY=6`);
//! [`filter`] applies `-p`, `-u`, `-t`, `-g`, `--since/--until` and `--field`;
//! [`render`] writes human lines; [`time`] shows and reads timestamps; [`run`] takes
//! entries from input to output, in parallel on blocks of a file or pipe with the
//! output in input order. [`codes`] names the tool, [`cli`] is the command line, [`invariants`] what the fuzz
//! targets check.

pub mod cli;
pub mod codes;
pub mod entry;
pub mod filter;
pub mod input;
#[doc(hidden)]
pub mod invariants;
mod lanes;
pub mod render;
pub mod run;
#[cfg(test)]
mod test_rng;
pub mod time;
