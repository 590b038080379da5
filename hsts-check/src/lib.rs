//! hsts-check: parse Strict-Transport-Security headers strictly and explain which
//! policy covers a host.
//!
//! The data flows one way. A header value is read by [`header`]; a saved response by
//! [`dump`], a live one by [`net`]; [`report`] turns one response into findings, and
//! [`probe`] a host and its parent domains. The `config` verb reads server
//! configuration in [`config`]: each server's files (`config::nginx`,
//! `config::haproxy`) are parsed, modelled, their responses predicted, and reported;
//! [`config::names`] then finds what crosses servers. [`codes`] names the tool and
//! every finding code; [`cli`] is the command line; [`invariants`] holds what the fuzz
//! targets check.

pub mod cli;
pub mod codes;
pub mod config;
pub mod dump;
pub mod header;
#[doc(hidden)]
pub mod invariants;
pub mod net;
pub mod probe;
pub mod report;
