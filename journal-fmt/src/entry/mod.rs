//! An entry ([`fields`]) and its effective level ([`level`]).

pub mod fields;
pub mod level;
pub mod times;

pub use fields::{Entry, Field};
