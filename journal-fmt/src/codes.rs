//! The tool's name. journal-fmt makes no findings, so it has no finding codes: what
//! it reports about bad input lines (`malformed-json`, `line-too-long`...) are the
//! kinds of [`crate::run::processor::Problem`], counted on stderr, never a finding.

pub const TOOL: &str = "journal-fmt";
