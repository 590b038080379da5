//! Running the pipeline: a [`processor::Processor`] takes one entry from input to
//! output (with [`merge`] keeping an Elixir event together), [`engine`] runs
//! processors over blocks in order or on threads, [`sink`] writes and reports,
//! [`detect`] picks the input form, [`follow`] runs `journalctl -f`.

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
