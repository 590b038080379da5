//! hsts-check: parse Strict-Transport-Security headers strictly and explain which
//! policy covers a host.

pub mod cli;
pub mod dump;
pub mod header;
pub mod net;
pub mod nginx;
pub mod nginx_model;
pub mod probe;
pub mod report;
