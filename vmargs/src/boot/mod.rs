//! `vmargs boot`: what a release's node really boots as. The start script is
//! followed as sh runs it ([`mix`]: `bin/NAME`, env.sh through the shared shell
//! reader; [`elixir`]: the release's elixir script), giving the exact words it execs
//! (`argv`); erl's reading of them ([`crate::erlexec`], `-args_file` expanded, the
//! `ERL_*FLAGS` variables added) gives `effective_args`, and from those the node,
//! the cookie and the distribution settings, each with what set it.

pub mod assemble;
pub mod command;
pub mod distillery;
pub mod distillery_config;
pub mod doc;
pub mod elixir;
pub mod erl;
pub mod findings;
pub mod launch;
pub mod mix;
pub mod packed;
pub mod parts;
pub mod plain;
pub mod project;
pub mod relx;
pub mod relx_doc;
pub mod relx_files;
pub mod relx_remote;
pub mod request;
pub mod specifiers;
pub mod unit;

pub use assemble::boot;
pub use request::Request;
