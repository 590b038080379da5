//! Where a journal file stopped making sense, and why: what every part of the
//! reader returns when an offset or an object does not hold.

use std::fmt;

/// Where a file stopped making sense, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub offset: u64,
    pub what: String,
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at offset {}: {}", self.offset, self.what)
    }
}

pub fn damage<T>(offset: u64, what: impl Into<String>) -> Result<T, Damage> {
    Err(Damage {
        offset,
        what: what.into(),
    })
}
