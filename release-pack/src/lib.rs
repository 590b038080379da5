//! release-pack: pack, unpack, inspect and verify Erlang/Elixir release tarballs,
//! reproducibly and safely.

pub mod archive;
pub mod gz;
pub mod inspect;
pub mod pack;
pub mod release;
pub mod relfile;
pub mod screen;
pub mod unpack;
pub mod verify;

pub const TOOL: &str = "release-pack";
