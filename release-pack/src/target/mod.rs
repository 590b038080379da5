//! Will this release's native code load on that host? Every ELF file of the release
//! read ([`elf`], [`native`]), the target seen as its loader sees it ([`view`]: a root
//! on this machine, [`root`], with its [`ldcache`] and [`ldconf`], or a
//! `release-pack.host` document, [`host`], or a host over ssh, [`remote`]), the loader's work
//! done on paper ([`load`]) and what would stop it reported ([`check`]).

pub mod check;
pub mod elf;
pub mod host;
pub mod ldcache;
pub mod ldconf;
pub mod load;
pub mod native;
pub mod remote;
pub mod root;
pub mod view;
