//! The `hsts-check.report` document and the findings for parsed headers.

use crate::codes::{self, *};
use crate::header::{human_duration, parse, Policy, PRELOAD_MIN_MAX_AGE};
use relkit_common::{Document, Finding, Severity};
use serde::{Deserialize, Serialize};

/// One header value and what it means.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderReport {
    pub value: String,
    /// Browsers use it: the first STS header of an HTTPS response for a host name.
    pub counted: bool,
    pub policy: Policy,
}

/// `hsts-check.report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// `https` or `http`: how the response was received.
    pub scheme: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub headers: Vec<HeaderReport>,
    pub findings: Vec<Finding>,
}

impl Document for Report {
    const KIND: &'static str = "hsts-check.report";
}

fn finding(severity: Severity, code: &str, message: impl Into<String>, path: &str) -> Finding {
    codes::finding(severity, code, message).in_file(path)
}

/// More than one STS header in one response: only the first counts (RFC 6797 §8.1).
pub fn duplicate_headers<S: AsRef<str>>(values: &[S], subject: &str) -> Option<Finding> {
    (values.len() > 1).then(|| {
        finding(
            Severity::Warning,
            CODE_DUPLICATE_HEADER,
            format!("{} Strict-Transport-Security headers: browsers use only the first ({:?})", values.len(), values[0].as_ref()),
            subject,
        )
        .with_hint("send one: usually nginx's add_header and the app (Plug.SSL's hsts) both add it; remove one of them")
    })
}

/// Findings about one policy, named after `subject` (a host or "argument 1").
pub fn policy_findings(p: &Policy, value: &str, subject: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(why) = &p.invalid_reason {
        out.push(
            finding(Severity::Error, CODE_INVALID_HEADER, format!("browsers ignore this header: {why}"), subject)
                .with_hint(format!("send exactly: Strict-Transport-Security: max-age=31536000; includeSubDomains (was {value:?})")),
        );
        return out;
    }
    for name in &p.unknown {
        if !p.repeated.contains(name) {
            out.push(
                finding(
                    Severity::Info,
                    CODE_UNKNOWN_DIRECTIVE,
                    format!("{name:?} is not an STS directive; browsers ignore it"),
                    subject,
                )
                .with_hint(if name.eq_ignore_ascii_case("always") {
                    "`always` belongs to nginx's add_header line, outside the quoted value"
                        .to_string()
                } else {
                    "remove it".to_string()
                }),
            );
        }
    }
    for name in &p.repeated {
        out.push(finding(Severity::Warning, CODE_REPEATED_DIRECTIVE,
            format!("{name} appears more than once: RFC 6797 §6.1 says to ignore the whole header; Chromium accepts it"), subject)
            .with_hint("send each directive once"));
    }
    for note in &p.chromium_notes {
        out.push(finding(
            Severity::Info,
            CODE_CHROMIUM_DIFFERS,
            note.clone(),
            subject,
        ));
    }
    let max_age = p.max_age.unwrap_or(0);
    if max_age == 0 {
        out.push(finding(Severity::Info, CODE_POLICY_DELETED,
            "max-age=0: browsers that see this forget the host's policy (includeSubDomains with it)".to_string(), subject));
    }
    let mut missing = Vec::new();
    if max_age < PRELOAD_MIN_MAX_AGE {
        missing.push(format!(
            "max-age of at least {PRELOAD_MIN_MAX_AGE} (1 year; it is {})",
            human_duration(max_age)
        ));
    }
    if !p.include_subdomains {
        missing.push("includeSubDomains".to_string());
    }
    if !p.preload {
        missing.push("preload".to_string());
    }
    let message = if missing.is_empty() {
        "eligible for the HSTS preload list (max-age at least 1 year, includeSubDomains, preload); every subdomain must then serve HTTPS".to_string()
    } else {
        format!(
            "not eligible for the HSTS preload list: it needs {}",
            missing.join(", ")
        )
    };
    out.push(finding(
        Severity::Info,
        CODE_PRELOAD_ELIGIBILITY,
        message,
        subject,
    ));
    out
}

/// A report for header values given directly.
pub fn from_values(values: &[String]) -> Report {
    let mut headers = Vec::new();
    let mut findings = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let policy = parse(value);
        findings.extend(policy_findings(
            &policy,
            value,
            &format!("argument {}", i + 1),
        ));
        headers.push(HeaderReport {
            value: value.clone(),
            counted: true,
            policy,
        });
    }
    Report {
        host: None,
        scheme: "https".into(),
        status: None,
        headers,
        findings,
    }
}

fn is_ip_literal(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.parse::<std::net::IpAddr>().is_ok()
}

/// A report for one response-header dump received over `scheme` for `host`.
pub fn from_dump(dump: &[u8], host: Option<&str>, scheme: &str, source: &str) -> Option<Report> {
    let response = crate::dump::parse_dump(dump)?;
    let subject = host.unwrap_or(source).to_string();
    let values: Vec<String> = response
        .all("Strict-Transport-Security")
        .into_iter()
        .map(str::to_string)
        .collect();
    let mut findings = Vec::new();
    let ignored_for_ip = host.is_some_and(is_ip_literal);
    let over_http = scheme == "http";
    if values.is_empty() {
        if !over_http {
            findings.push(
                finding(
                    Severity::Warning,
                    CODE_NO_HEADER,
                    format!(
                        "no Strict-Transport-Security header in the {} response",
                        response.status_line
                    ),
                    &subject,
                )
                .with_hint(
                    "nginx: add_header Strict-Transport-Security \"max-age=31536000\" always;",
                ),
            );
        }
    } else if let Some(f) = duplicate_headers(&values, &subject) {
        findings.push(f);
    }
    if over_http && !values.is_empty() {
        findings.push(finding(Severity::Warning, CODE_STS_OVER_HTTP,
            "a Strict-Transport-Security header over plain HTTP: browsers ignore it (RFC 6797 §8.1), and servers must not send it there (§7.2)".to_string(), &subject)
            .with_hint("redirect HTTP to HTTPS with a 301 and send the header over HTTPS only"));
    }
    if ignored_for_ip {
        findings.push(finding(Severity::Warning, CODE_IP_LITERAL_HOST,
            "the host is an IP address: browsers never keep an HSTS policy for one (RFC 6797 §8.1.1)".to_string(), &subject));
    }
    let mut headers = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let policy = parse(value);
        let counted = i == 0 && !over_http && !ignored_for_ip;
        if i == 0 {
            findings.extend(policy_findings(&policy, value, &subject));
        }
        headers.push(HeaderReport {
            value: value.clone(),
            counted,
            policy,
        });
    }
    Some(Report {
        host: host.map(str::to_string),
        scheme: scheme.to_string(),
        status: response.status,
        headers,
        findings,
    })
}

/// One line a human reads first: what the counted policy says.
pub fn summary(r: &Report) -> String {
    let who = r.host.clone().unwrap_or_else(|| "header".into());
    match r.headers.iter().find(|h| h.counted) {
        Some(h) if h.policy.valid => {
            let age = h.policy.max_age.unwrap_or(0);
            let mut parts = vec![format!("max-age {} ({})", age, human_duration(age))];
            if h.policy.include_subdomains {
                parts.push("includeSubDomains: every subdomain is forced to HTTPS too".into());
            }
            if h.policy.preload {
                parts.push("preload".into());
            }
            format!("{who}: {}", parts.join("; "))
        }
        Some(_) => format!("{who}: the header is invalid, so browsers ignore it"),
        None if r.headers.is_empty() => format!("{who}: no HSTS policy in this response"),
        None => format!(
            "{who}: the header does not count ({})",
            if r.scheme == "http" {
                "received over plain HTTP"
            } else {
                "IP address"
            }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PARENT: &[u8] = include_bytes!("../../examples/billing/headers/example.com.https.txt");
    const STAGE: &[u8] =
        include_bytes!("../../examples/billing/headers/stage.example.com.http.txt");

    fn codes(r: &Report) -> Vec<&str> {
        r.findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn the_example_parent_dump() {
        let r = from_dump(PARENT, Some("example.com"), "https", "-").unwrap();
        assert_eq!(r.status, Some(200));
        assert!(r.headers[0].counted);
        assert!(r.headers[0].policy.include_subdomains);
        assert_eq!(codes(&r), [CODE_PRELOAD_ELIGIBILITY]);
        assert_eq!(summary(&r), "example.com: max-age 31536000 (1 year); includeSubDomains: every subdomain is forced to HTTPS too");
    }

    #[test]
    fn the_example_stage_dump_has_no_policy() {
        let r = from_dump(STAGE, Some("stage.example.com"), "http", "-").unwrap();
        assert!(r.headers.is_empty());
        assert!(r.findings.is_empty());
    }

    #[test]
    fn duplicates_http_and_ip_hosts() {
        let two = b"HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=31536000\r\nStrict-Transport-Security: max-age=300; includeSubDomains\r\n\r\n";
        let r = from_dump(two, Some("a.example"), "https", "-").unwrap();
        assert_eq!(codes(&r)[0], CODE_DUPLICATE_HEADER);
        assert!(r.headers[0].counted && !r.headers[1].counted);
        let r = from_dump(two, Some("a.example"), "http", "-").unwrap();
        assert!(codes(&r).contains(&CODE_STS_OVER_HTTP));
        assert!(!r.headers[0].counted);
        let r = from_dump(two, Some("10.0.0.1"), "https", "-").unwrap();
        assert!(codes(&r).contains(&CODE_IP_LITERAL_HOST));
    }

    #[test]
    fn values_given_directly() {
        let r = from_values(&[
            "max-age=63072000; includeSubDomains; preload".into(),
            "max-age=1, max-age=2".into(),
        ]);
        assert!(r
            .findings
            .iter()
            .any(|f| f.code == CODE_PRELOAD_ELIGIBILITY && f.message.starts_with("eligible")));
        let invalid = r
            .findings
            .iter()
            .find(|f| f.code == CODE_INVALID_HEADER)
            .unwrap();
        assert_eq!(invalid.path.as_deref(), Some("argument 2"));
        assert!(invalid.message.contains("folded"));
    }
}
