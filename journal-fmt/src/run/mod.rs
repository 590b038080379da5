//! Running the pipeline: a [`processor::Processor`] takes one entry from input to
//! output (with [`merge`] keeping an Elixir event together), [`engine`] runs
//! processors over blocks in order or on threads, [`sink`] writes and reports,
//! [`detect`] picks the input form, [`journal`] reads journal files (from their end
//! in `tail`, following them in [`watch`]), [`follow`] runs `journalctl -f` where no
//! journal file can be read.

pub mod boots;
pub mod detect;
pub mod engine;
pub mod follow;
pub mod journal;
pub mod merge;
pub mod output;
pub mod processor;
pub mod sink;
mod tail;
mod teller;
pub mod watch;
