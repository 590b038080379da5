//! The names view and the findings across servers: which parent's
//! includeSubDomains covers a name, the stage trap, plain HTTP not redirected.

use super::report::{finding_at, NameReport, ServerFacts};
use crate::codes::{CODE_FORCED_HTTPS_WITHOUT_HTTPS, CODE_HTTP_NOT_REDIRECTED};
use crate::header::parse;
use relkit_common::{Finding, Severity};
use std::collections::BTreeMap;
use std::path::Path;

/// Whether the first certificate in a PEM file covers `name`: Some(true/false), or
/// None when the file cannot be read.
pub fn certificate_covers(file: &Path, name: &str) -> Option<bool> {
    use rustls_pki_types::pem::PemObject;
    // Only a regular file of a certificate's size: never a device or a pipe.
    let meta = std::fs::metadata(file).ok()?;
    if !meta.is_file() || meta.len() > 1 << 20 {
        return None;
    }
    let cert = rustls_pki_types::CertificateDer::pem_file_iter(file)
        .ok()?
        .next()?
        .ok()?;
    let end_entity = webpki::EndEntityCert::try_from(&cert).ok()?;
    let server_name = rustls_pki_types::ServerName::try_from(name).ok()?;
    Some(
        end_entity
            .verify_is_valid_for_subject_name(&server_name)
            .is_ok(),
    )
}

/// Whether a server name pattern covers a host: exact, `.example.com`, `*.example.com`.
fn name_matches(pattern: &str, host: &str) -> bool {
    if let Some(suffix) = pattern.strip_prefix("*.") {
        return is_subdomain(host, suffix);
    }
    if let Some(base) = pattern.strip_prefix('.') {
        return host.eq_ignore_ascii_case(base) || is_subdomain(host, base);
    }
    pattern.eq_ignore_ascii_case(host)
}

/// Whether `host` is a name under `parent` (`a.example.com` under `example.com`).
fn is_subdomain(host: &str, parent: &str) -> bool {
    host.len() > parent.len() + 1
        && host.as_bytes()[host.len() - parent.len() - 1] == b'.'
        && host.as_bytes()[host.len() - parent.len()..].eq_ignore_ascii_case(parent.as_bytes())
}

/// A literal name a server is for (no wildcard, no regex), lowercase.
fn exact_name(pattern: &str) -> Option<String> {
    let lower = pattern.trim_end_matches('.').to_ascii_lowercase();
    if lower.is_empty()
        || lower.starts_with('~')
        || lower.contains('*')
        || lower == "_"
        || lower.contains('$')
    {
        return None;
    }
    Some(lower.trim_start_matches('.').to_string())
}

/// The names view and the cross-server findings: the stage trap, plain HTTP not
/// redirected.
pub fn names_and_trap(facts: &[ServerFacts], findings: &mut Vec<Finding>) -> Vec<NameReport> {
    let mut names: Vec<String> = Vec::new();
    for f in facts {
        for n in f.names.iter().filter_map(|n| exact_name(n)) {
            if !names.contains(&n) {
                names.push(n);
            }
        }
    }
    // The servers answering each name, found once.
    let served: BTreeMap<&str, Vec<&ServerFacts>> = names
        .iter()
        .map(|name| {
            let servers = facts
                .iter()
                .filter(|f| f.names.iter().any(|p| name_matches(p, name)))
                .collect();
            (name.as_str(), servers)
        })
        .collect();
    let serving =
        |name: &str| -> Vec<&ServerFacts> { served.get(name).cloned().unwrap_or_default() };
    let mut reports: Vec<NameReport> = Vec::new();
    for name in &names {
        let servers = serving(name);
        let mut report = NameReport {
            name: name.clone(),
            https: servers.iter().any(|s| s.https),
            http: servers.iter().any(|s| s.http),
            policy: None,
            policy_from: None,
            include_subdomains: false,
            covered_by: None,
        };
        'found: for s in servers.iter().filter(|s| s.https) {
            for source in &s.sts {
                if let Ok(value) = &source.https_value {
                    let policy = parse(value);
                    if policy.valid && policy.max_age.unwrap_or(0) > 0 {
                        report.policy = Some(value.clone());
                        report.policy_from = Some(source.origin.label());
                        report.include_subdomains = policy.include_subdomains;
                        break 'found;
                    }
                }
            }
        }
        reports.push(report);
    }
    // The trap: a parent's includeSubDomains over a name without working HTTPS.
    for i in 0..reports.len() {
        let name = reports[i].name.clone();
        let Some(parent) = reports
            .iter()
            .filter(|p| p.include_subdomains && is_subdomain(&name, &p.name))
            .max_by_key(|p| p.name.len())
            .cloned()
        else {
            continue;
        };
        reports[i].covered_by = Some(parent.name.clone());
        let servers = serving(&name);
        let at = servers
            .iter()
            .find(|s| !s.https)
            .or(servers.first())
            .map(|s| s.origin.clone());
        let Some(at) = at else { continue };
        let problem = if !reports[i].https {
            Some("it is served over plain HTTP only".to_string())
        } else {
            let covered: Vec<Option<bool>> = servers
                .iter()
                .filter(|s| s.https)
                .flat_map(|s| s.certificates.iter().map(|c| certificate_covers(c, &name)))
                .collect();
            (!covered.is_empty() && covered.iter().all(|c| *c == Some(false))).then(|| {
                format!(
                    "its HTTPS certificate ({}) does not cover it",
                    servers
                        .iter()
                        .flat_map(|s| &s.certificates)
                        .map(|c| c.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            })
        };
        if let Some(problem) = problem {
            findings.push(
                finding_at(
                    Severity::Error,
                    CODE_FORCED_HTTPS_WITHOUT_HTTPS,
                    format!(
                        "the stage trap: {name} is covered by {}'s policy `{}` (includeSubDomains, {}), but {problem}: once a browser has visited {} it refuses {name} with no way past the error",
                        parent.name,
                        parent.policy.clone().unwrap_or_default(),
                        parent.policy_from.clone().unwrap_or_default(),
                        parent.name
                    ),
                    &at,
                    "server".len(),
                )
                .with_hint(crate::probe::trap_fix(&name, &parent.name)),
            );
        }
    }
    // Its own policy, but plain HTTP answers with content: a first visit stays on HTTP.
    for report in &reports {
        if report.policy.is_none() || !report.http {
            continue;
        }
        for s in serving(&report.name) {
            if s.http && s.http_redirects == Some(false) {
                findings.push(
                    finding_at(
                        Severity::Warning,
                        CODE_HTTP_NOT_REDIRECTED,
                        format!("http://{}/ is answered with content rather than a redirect to HTTPS: a first visit stays on plain HTTP (and the preload list requires the redirect)", report.name),
                        &s.origin,
                        "server".len(),
                    )
                    .with_hint(format!("answer plain HTTP with `return 301 https://$host$request_uri;` in a server of its own for {}", report.name)),
                );
            }
        }
    }
    reports
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_under_a_parent() {
        assert!(is_subdomain("stage.example.com", "example.com"));
        assert!(is_subdomain("a.b.EXAMPLE.com", "example.com"));
        assert!(!is_subdomain("example.com", "example.com"));
        assert!(!is_subdomain("badexample.com", "example.com"));
        assert!(!is_subdomain("é.example.com", "xample.com"));
        assert!(name_matches("*.example.com", "stage.example.com"));
        assert!(!name_matches("*.example.com", "example.com"));
        assert!(name_matches(".example.com", "example.com"));
        assert_eq!(exact_name("~^www\\.(.+)$"), None);
        assert_eq!(exact_name("Example.COM."), Some("example.com".into()));
    }
}
