//! Journal files read directly, without journalctl: one file ([`file`]) through a
//! few windows of its bytes ([`window`]), several interleaved in journalctl's order
//! ([`set`]).

mod compress;
pub mod damage;
pub mod file;
pub mod hash;
pub mod index;
mod list;
mod reread;
pub mod set;
pub mod sources;
pub mod window;

pub use file::{is_journal, Damage, JournalFile, Seek};
pub use set::{files_in, Boot, JournalSet, Located, Trouble};
