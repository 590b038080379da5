//! hsts-check: parse Strict-Transport-Security headers strictly and explain which
//! policy covers a host.

pub mod cli;
pub mod config;
pub mod dump;
pub mod haproxy;
pub mod header;
pub mod net;
pub mod nginx;
pub mod nginx_model;
pub mod probe;
pub mod report;
