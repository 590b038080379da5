//! nginx: the files as nginx reads them ([`parse`]), the servers and levels they
//! define ([`model`]), the headers a request gets ([`predict`]), and the servers'
//! part of the `config` document and findings ([`report`]).

pub mod model;
pub mod parse;
pub mod predict;
pub mod report;

pub use model::*;
pub use parse::*;
pub use predict::*;

#[cfg(test)]
mod tests_model;
#[cfg(test)]
mod tests_parse;
