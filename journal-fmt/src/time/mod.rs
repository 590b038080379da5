//! Time: timestamps shown as journalctl shows them ([`clock`]) and `--since` and
//! `--until` read as journalctl reads them ([`timespec`]).

pub mod clock;
mod strptime;
pub mod timespec;
