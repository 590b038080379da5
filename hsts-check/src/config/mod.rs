//! `hsts-check config`: what the server configuration sends, per server name and
//! level, and the HSTS findings that can be made before any request: the stage trap
//! (a parent's `includeSubDomains` over a subdomain served without working HTTPS),
//! a level that drops the header, the header over plain HTTP, two headers, the header
//! without `always`, a value browsers ignore, `preload` without its requirements.

pub mod haproxy;
pub mod names;
pub mod nginx;
pub mod report;

pub use report::*;

use names::names_and_trap;
use nginx::Config;
use relkit_common::{Finding, LineIndex};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The whole `config` run over parsed inputs.
pub fn report_nginx(config: &Config) -> ConfigReport {
    let mut findings = Vec::new();
    let (servers, facts) = nginx::report::nginx_report(config, &mut findings, true);
    let names = names_and_trap(&facts, &mut findings);
    ConfigReport {
        files: config
            .files
            .iter()
            .map(|f| f.path.display().to_string())
            .collect(),
        servers,
        names,
        findings,
    }
}

/// Which server a configuration file is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Software {
    Nginx,
    Haproxy,
}

/// Tells a HAProxy configuration from an nginx one by its first word.
pub fn software_of(bytes: &[u8]) -> Software {
    let text = String::from_utf8_lossy(bytes);
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or("");
    // A file whose first word is one of HAProxy's section keywords is HAProxy's.
    if haproxy::SECTIONS.contains(&first) {
        Software::Haproxy
    } else {
        Software::Nginx
    }
}

/// Reads every input and makes one report: the trap is found across them (a HAProxy
/// in front of one site and nginx behind another is one configuration to a browser).
/// `with_levels`: fill each nginx server's `levels` (only the JSON document shows
/// them; the findings do not need them).
pub fn read(
    inputs: &[(Software, PathBuf)],
    with_levels: bool,
    sources: &SourceLines,
) -> anyhow::Result<ConfigReport> {
    let mut report = ConfigReport {
        files: Vec::new(),
        servers: Vec::new(),
        names: Vec::new(),
        findings: Vec::new(),
    };
    let mut facts = Vec::new();
    for (software, path) in inputs {
        match software {
            Software::Nginx => {
                let config = nginx::read(path).map_err(|e| {
                    anyhow::anyhow!(
                        "{e} (nginx would refuse this configuration; fix it, then run again)"
                    )
                })?;
                report
                    .files
                    .extend(config.files.iter().map(|f| f.path.display().to_string()));
                let (servers, more) =
                    nginx::report::nginx_report(&config, &mut report.findings, with_levels);
                report.servers.extend(servers);
                facts.extend(more);
                for file in config.files {
                    sources.keep(file.path.display().to_string(), file.text);
                }
            }
            Software::Haproxy => {
                let bytes = relkit_common::input::read_file(path)?.bytes;
                let sections = haproxy::parse_text(&bytes).map_err(|e| {
                    anyhow::anyhow!(
                        "{} (haproxy -c would refuse this configuration; fix it, then run again)",
                        e.in_file(path)
                    )
                })?;
                report.files.push(path.display().to_string());
                let (servers, more) =
                    haproxy::report::haproxy_report(&sections, path, &mut report.findings);
                report.servers.extend(servers);
                facts.extend(more);
                sources.keep(path.display().to_string(), bytes);
            }
        }
    }
    report.names = names_and_trap(&facts, &mut report.findings);
    Ok(report)
}

/// Source lines for the findings' excerpts, each file read once when asked.
#[derive(Default)]
pub struct SourceLines {
    /// Each file's bytes and where its lines start.
    files: std::cell::RefCell<BTreeMap<String, (Vec<u8>, LineIndex)>>,
}

impl SourceLines {
    /// Keeps a file's bytes as they were read (it is not read again).
    pub fn keep(&self, path: String, bytes: Vec<u8>) {
        let index = LineIndex::new(&bytes);
        self.files.borrow_mut().insert(path, (bytes, index));
    }

    pub fn line(&self, f: &Finding) -> Option<String> {
        let (path, line) = (f.path.as_ref()?, f.line?);
        let mut files = self.files.borrow_mut();
        let (bytes, index) = files.entry(path.clone()).or_insert_with(|| {
            let bytes = std::fs::read(path).unwrap_or_default();
            let index = LineIndex::new(&bytes);
            (bytes, index)
        });
        Some(index.line_text(bytes, line)?.into_owned())
    }
}

/// The human summary: one line per name, then per server what its levels send.
pub fn summary(report: &ConfigReport) -> Vec<String> {
    let mut out = Vec::new();
    for name in &report.names {
        let schemes = match (name.https, name.http) {
            (true, true) => "HTTPS and HTTP",
            (true, false) => "HTTPS",
            (false, true) => "plain HTTP only",
            (false, false) => "no listener",
        };
        let policy = match (&name.policy, &name.covered_by) {
            (Some(p), _) => format!(
                "sends `{p}` ({})",
                name.policy_from.clone().unwrap_or_default()
            ),
            (None, Some(by)) => {
                format!("no policy of its own; covered by {by}'s includeSubDomains")
            }
            (None, None) => "no Strict-Transport-Security header".to_string(),
        };
        let covered = match (&name.policy, &name.covered_by) {
            (Some(_), Some(by)) => format!("; also covered by {by}'s includeSubDomains"),
            _ => String::new(),
        };
        out.push(format!("{}: {schemes}; {policy}{covered}", name.name));
    }
    out
}
