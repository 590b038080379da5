//! HAProxy: the configuration as HAProxy reads it ([`parse`]), its proxies and rules
//! ([`model`]), the headers a request gets ([`predict`]), and the frontends' part of
//! the `config` document and findings ([`report`]).

pub mod model;
pub mod parse;
pub mod predict;
pub mod report;

pub use model::*;
pub use parse::*;
pub use predict::*;

#[cfg(test)]
mod tests;
