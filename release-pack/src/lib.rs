//! release-pack: pack, unpack, inspect and verify Erlang/Elixir release tarballs,
//! reproducibly and safely.
//!
//! [`pack`] writes a reproducible tarball and [`unpack`] swaps one into place
//! atomically; [`archive`] and [`gz`] read one ([`deflate_end`] makes gzip members
//! continuable), [`screen`] refuses unsafe entries before anything is written,
//! [`inspect`] describes a tarball and [`verify`] checks it as a release
//! ([`release`], [`relfile`]). [`codes`] names the tool and every finding code;
//! [`cli`] is the command line; [`invariants`] holds what the fuzz targets check.

pub mod archive;
pub mod cli;
pub mod codes;
pub mod deflate_end;
pub mod gz;
pub mod inspect;
#[doc(hidden)]
pub mod invariants;
pub mod pack;
pub mod release;
pub mod relfile;
pub mod screen;
pub mod target;
pub mod unpack;
pub mod verify;
