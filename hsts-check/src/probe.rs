//! Probing hosts and their parent domains, and explaining which policy covers each
//! host. What was fetched comes from a [`Fetcher`]: saved dumps (`--from-dumps`) or
//! the network; the explanation is the same either way.

use crate::codes::{self, *};
use crate::dump::{parse_dump, Response};
use crate::header::{human_duration, parse, Policy};
use crate::report::policy_findings;
use relkit_common::{Document, Finding, Severity};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// TLDs on Chromium's preload list as whole TLDs: every name under them is HTTPS-only
/// in browsers, whatever its servers send.
pub const PRELOADED_TLDS: &[&str] = &[
    "app", "dev", "page", "new", "day", "foo", "boo", "dad", "esq", "mov", "zip", "prof", "phd",
    "ing", "meme", "nexus", "rsvp",
];

/// What one request gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Answered(Response),
    /// No answer: refused, timed out, TLS or certificate failure, no dump saved.
    Failed(String),
}

/// Fetches `scheme://host/path` without following redirects.
pub trait Fetcher: Sync {
    fn fetch(&self, host: &str, scheme: &str, path: &str) -> Outcome;
}

/// Saved dumps: `DIR/<host>.https.txt`, `DIR/<host>.http.txt`, and
/// `DIR/<host>.https-404.txt` for the response to a path that does not exist.
/// A missing file means the host did not answer that way.
pub struct DumpFetcher {
    pub dir: PathBuf,
}

impl Fetcher for DumpFetcher {
    fn fetch(&self, host: &str, scheme: &str, path: &str) -> Outcome {
        let suffix = if path == "/" {
            scheme.to_string()
        } else {
            format!("{scheme}-404")
        };
        let file = self.dir.join(format!("{host}.{suffix}.txt"));
        match std::fs::read(&file) {
            Ok(bytes) => match parse_dump(&bytes) {
                Some(r) => Outcome::Answered(r),
                None => Outcome::Failed(format!("{} holds no HTTP response", file.display())),
            },
            Err(_) => Outcome::Failed(format!("no {scheme} answer (no {} saved)", file.display())),
        }
    }
}

/// The path used to see what a missing page answers.
pub const MISSING_PATH: &str = "/relkit-hsts-check-404";

/// Every request a probe of `hosts` makes, done up front by `concurrency` threads,
/// then served from memory: many hosts are fetched at once, each name once.
pub struct Prefetched {
    answers: std::collections::HashMap<(String, String, String), Outcome>,
}

impl Prefetched {
    pub fn new(hosts: &[String], fetcher: &dyn Fetcher, concurrency: usize) -> Prefetched {
        Prefetched::with_progress(hosts, fetcher, concurrency, |_| {
            relkit_common::Progress::hidden()
        })
    }

    /// [`Prefetched::new`], counting the names done on the progress `start` makes
    /// for the number of names (the hosts and their parents).
    pub fn with_progress(
        hosts: &[String],
        fetcher: &dyn Fetcher,
        concurrency: usize,
        start: impl FnOnce(u64) -> relkit_common::Progress,
    ) -> Prefetched {
        let mut names: Vec<String> = Vec::new();
        for host in hosts {
            for name in targets(host) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        let progress = start(names.len() as u64);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let results = std::sync::Mutex::new(std::collections::HashMap::new());
        std::thread::scope(|scope| {
            for _ in 0..concurrency.clamp(1, 256).min(names.len().max(1)) {
                scope.spawn(|| loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(name) = names.get(i) else { break };
                    // One worker does all of a name's requests in turn, so the missing
                    // page reuses the HTTPS connection (and its handshake).
                    let mut done = Vec::new();
                    for (scheme, path) in [("https", "/"), ("https", MISSING_PATH), ("http", "/")] {
                        let outcome = fetcher.fetch(name, scheme, path);
                        done.push((
                            (name.clone(), scheme.to_string(), path.to_string()),
                            outcome,
                        ));
                    }
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend(done);
                    progress.add(1);
                });
            }
        });
        progress.finish();
        Prefetched {
            answers: results.into_inner().unwrap_or_else(|e| e.into_inner()),
        }
    }
}

impl Fetcher for Prefetched {
    fn fetch(&self, host: &str, scheme: &str, path: &str) -> Outcome {
        self.answers
            .get(&(host.to_string(), scheme.to_string(), path.to_string()))
            .cloned()
            .unwrap_or_else(|| Outcome::Failed("not fetched".into()))
    }
}

/// The host itself, then each parent domain up to the registrable domain
/// (`a.stage.example.com` → `stage.example.com` → `example.com`).
pub fn targets(host: &str) -> Vec<String> {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let mut out = vec![host.clone()];
    let Some(registrable) = psl::domain_str(&host).map(str::to_string) else {
        return out;
    };
    let mut current = host.as_str();
    while current != registrable {
        let Some((_, parent)) = current.split_once('.') else {
            break;
        };
        out.push(parent.to_string());
        current = parent;
    }
    out
}

/// What was seen for one host name.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    pub host: String,
    /// HTTPS answered (with a certificate the client accepted).
    pub https: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_error: Option<String>,
    /// The policy browsers note from the HTTPS answer (its first STS header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Policy>,
    pub sts_headers: usize,
    /// Plain HTTP answered without redirecting to HTTPS.
    pub http_plain: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_location: Option<String>,
    /// The 404 response carried the STS header too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_on_404: Option<bool>,
}

/// The verdict for one host given on the command line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub host: String,
    /// The host whose policy covers this one (itself, or a parent with includeSubDomains).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covered_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u64>,
    pub forced_https: bool,
    pub problem: bool,
    pub explanation: String,
}

/// `hsts-check.probe`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub hosts: Vec<Verdict>,
    pub seen: Vec<Seen>,
    pub findings: Vec<Finding>,
}

impl Document for ProbeReport {
    const KIND: &'static str = "hsts-check.probe";
}

fn redirects_to_https(r: &Response) -> Option<String> {
    let status = r.status?;
    if !(300..400).contains(&status) {
        return None;
    }
    r.all("Location")
        .first()
        .filter(|l| l.to_ascii_lowercase().starts_with("https://"))
        .map(|l| l.to_string())
}

fn look(host: &str, fetcher: &dyn Fetcher, findings: &mut Vec<Finding>) -> Seen {
    let mut seen = Seen {
        host: host.to_string(),
        https: false,
        https_status: None,
        https_error: None,
        policy: None,
        sts_headers: 0,
        http_plain: false,
        http_status: None,
        http_location: None,
        header_on_404: None,
    };
    match fetcher.fetch(host, "https", "/") {
        Outcome::Answered(r) => {
            seen.https = true;
            seen.https_status = r.status;
            let values = r.all("Strict-Transport-Security");
            seen.sts_headers = values.len();
            if let Some(first) = values.first() {
                let policy = parse(first);
                findings.extend(
                    policy_findings(&policy, first, host)
                        .into_iter()
                        .filter(|f| f.code != CODE_PRELOAD_ELIGIBILITY || policy.preload),
                );
                seen.policy = Some(policy);
            }
            findings.extend(crate::report::duplicate_headers(&values, host));
        }
        Outcome::Failed(why) => seen.https_error = Some(why),
    }
    if seen.policy.as_ref().is_some_and(|p| p.valid) {
        if let Outcome::Answered(r) = fetcher.fetch(host, "https", MISSING_PATH) {
            let has = !r.all("Strict-Transport-Security").is_empty();
            seen.header_on_404 = Some(has);
            if !has {
                findings.push(codes::finding(Severity::Warning, CODE_HEADER_MISSING_ON_ERRORS,
                    format!("the {} response to a missing page has no Strict-Transport-Security header", r.status_line))
                    .in_file(host)
                    .with_hint("nginx adds headers to error responses only with `always`: add_header Strict-Transport-Security \"max-age=31536000\" always; (and a location with its own add_header drops the server's)"));
            }
        }
    }
    match fetcher.fetch(host, "http", "/") {
        Outcome::Answered(r) => {
            seen.http_status = r.status;
            seen.http_location = redirects_to_https(&r);
            seen.http_plain = seen.http_location.is_none();
        }
        Outcome::Failed(_) => {}
    }
    seen
}

fn covering<'s>(host: &str, chain: &'s [Seen]) -> Option<(&'s Seen, &'s Policy)> {
    chain.iter().find_map(|s| {
        let p = s
            .policy
            .as_ref()
            .filter(|p| p.valid && p.max_age.unwrap_or(0) > 0)?;
        (s.host == host || p.include_subdomains).then_some((s, p))
    })
}

/// Probe every host and its parents (each name fetched once) and explain.
pub fn probe(hosts: &[String], fetcher: &dyn Fetcher) -> ProbeReport {
    let mut findings = Vec::new();
    let mut seen: Vec<Seen> = Vec::new();
    let mut verdicts = Vec::new();
    for given in hosts {
        let host = given.trim_end_matches('.').to_ascii_lowercase();
        if host.parse::<std::net::IpAddr>().is_ok() || host.starts_with('[') {
            findings.push(
                codes::finding(
                    Severity::Warning,
                    CODE_IP_LITERAL_HOST,
                    "an IP address: browsers never keep an HSTS policy for one (RFC 6797 §8.1.1)",
                )
                .in_file(host.clone()),
            );
            continue;
        }
        let names = targets(&host);
        for name in &names {
            if !seen.iter().any(|s| &s.host == name) {
                let s = look(name, fetcher, &mut findings);
                seen.push(s);
            }
        }
        let chain: Vec<Seen> = names
            .iter()
            .filter_map(|n| seen.iter().find(|s| &s.host == n).cloned())
            .collect();
        verdicts.push(judge(&host, &chain, &mut findings));
    }
    findings.sort_by_key(|f| f.severity != Severity::Error);
    ProbeReport {
        hosts: verdicts,
        seen,
        findings,
    }
}

/// How to get out of the stage trap: `host` forced to HTTPS by `parent`'s
/// includeSubDomains.
pub fn trap_fix(host: &str, parent: &str) -> String {
    format!("serve {host} over HTTPS with a valid certificate; or have {parent} send `max-age=0` (with includeSubDomains) for a while, then a policy without includeSubDomains. Meanwhile a user can delete {parent}'s entry (not {host}'s) at chrome://net-internals/#hsts")
}

fn judge(host: &str, chain: &[Seen], findings: &mut Vec<Finding>) -> Verdict {
    let me = &chain[0];
    let tld = host.rsplit('.').next().unwrap_or("");
    if PRELOADED_TLDS.contains(&tld) {
        let problem = !me.https;
        let f = codes::finding(if problem { Severity::Error } else { Severity::Info }, CODE_PRELOADED_TLD,
            format!(".{tld} is on the browsers' preload list as a whole TLD: {host} is HTTPS-only everywhere, whatever its server sends"))
            .in_file(host);
        findings.push(if problem {
            f.with_hint(format!("serve {host} over HTTPS with a valid certificate"))
        } else {
            f
        });
        return Verdict {
            host: host.into(),
            covered_by: Some(format!(".{tld} (preloaded TLD)")),
            max_age: None,
            forced_https: true,
            problem,
            explanation: format!("{host} is under .{tld}, which browsers preload: HTTPS only"),
        };
    }
    let covered = covering(host, chain);
    if me.https && me.sts_headers == 0 {
        let by_parent = covered.as_ref().is_some_and(|(by, _)| by.host != host);
        let mut f = codes::finding(
            if by_parent {
                Severity::Info
            } else {
                Severity::Warning
            },
            CODE_NO_HEADER,
            format!(
                "https://{host}/ answers {} without a Strict-Transport-Security header{}",
                me.https_status.map(|s| s.to_string()).unwrap_or_default(),
                if by_parent {
                    " (a parent's policy covers it anyway)"
                } else {
                    ""
                }
            ),
        )
        .in_file(host);
        f.hint = Some("nginx: a location with its own add_header drops every add_header of the server block; repeat the Strict-Transport-Security line there".into());
        findings.push(f);
    }
    let Some((by, policy)) = covered else {
        if me.https && me.policy.is_none() {
            findings.push(codes::finding(Severity::Info, CODE_NOT_COVERED,
                format!("no HSTS policy covers {host}: browsers use HTTPS only when told to by a link or redirect")).in_file(host));
        }
        if me.https_error.is_some() && !me.http_plain && me.http_status.is_none() {
            findings.push(
                codes::finding(
                    Severity::Warning,
                    CODE_PROBE_FAILED,
                    format!(
                        "{host} answered neither HTTPS nor HTTP: {}",
                        me.https_error.clone().unwrap_or_default()
                    ),
                )
                .in_file(host),
            );
        }
        return Verdict {
            host: host.into(),
            covered_by: None,
            max_age: None,
            forced_https: false,
            problem: false,
            explanation: format!("no policy covers {host}; HTTP is not upgraded"),
        };
    };
    let age = policy.max_age.unwrap_or(0);
    let whose = if by.host == host {
        "its own policy".to_string()
    } else {
        format!("{}'s policy (includeSubDomains)", by.host)
    };
    let mut explanation = format!(
        "{host} is forced to HTTPS by {whose} for {} after a browser sees it",
        human_duration(age)
    );
    let broken = !me.https;
    if broken {
        let how = match (&me.https_error, me.http_plain) {
            (Some(e), true) => format!("it is served over plain HTTP and HTTPS fails ({e})"),
            (Some(e), false) => format!("HTTPS fails ({e})"),
            (None, _) => "HTTPS does not work".to_string(),
        };
        explanation =
            format!("{explanation}, but {how}: browsers show an error with no way past it");
        let fix = if by.host == host {
            format!("serve {host} over HTTPS with a valid certificate, or send `Strict-Transport-Security: max-age=0` from it over HTTPS until the policy is gone from browsers")
        } else {
            trap_fix(host, &by.host)
        };
        findings.push(
            codes::finding(
                Severity::Error,
                CODE_FORCED_HTTPS_WITHOUT_HTTPS,
                format!(
                    "{host} is forced to HTTPS by {whose} ({}), but {how}",
                    human_duration(age)
                ),
            )
            .in_file(host)
            .with_hint(fix),
        );
    } else if me.http_plain && by.host == host {
        findings.push(codes::finding(Severity::Warning, CODE_HTTP_NOT_REDIRECTED,
            format!("http://{host}/ answers {} instead of redirecting to HTTPS: a first visit stays on plain HTTP", me.http_status.map(|s| s.to_string()).unwrap_or_default()))
            .in_file(host)
            .with_hint("answer plain HTTP with a 301 to https:// on the same host"));
    }
    Verdict {
        host: host.into(),
        covered_by: Some(by.host.clone()),
        max_age: Some(age),
        forced_https: true,
        problem: broken,
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_up_to_the_registrable_domain() {
        assert_eq!(
            targets("a.stage.example.com"),
            ["a.stage.example.com", "stage.example.com", "example.com"]
        );
        assert_eq!(targets("Example.COM."), ["example.com"]);
        assert_eq!(
            targets("shop.example.co.uk"),
            ["shop.example.co.uk", "example.co.uk"]
        );
    }

    #[test]
    fn the_example_stage_host_is_forced_by_its_parent() {
        let fetcher = DumpFetcher {
            dir: std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../examples/billing/headers"),
        };
        let r = probe(&["stage.example.com".into()], &fetcher);
        let v = &r.hosts[0];
        assert_eq!(v.covered_by.as_deref(), Some("example.com"));
        assert!(v.problem && v.forced_https);
        let f = r
            .findings
            .iter()
            .find(|f| f.code == CODE_FORCED_HTTPS_WITHOUT_HTTPS)
            .unwrap();
        assert!(
            f.message
                .contains("forced to HTTPS by example.com's policy (includeSubDomains) (1 year)"),
            "{}",
            f.message
        );
        assert!(f
            .hint
            .as_deref()
            .unwrap()
            .contains("delete example.com's entry (not stage.example.com's)"));
    }

    #[test]
    fn preloaded_tlds() {
        let fetcher = DumpFetcher {
            dir: "/nonexistent".into(),
        };
        let r = probe(&["api.example.dev".into()], &fetcher);
        assert!(r.hosts[0].problem);
        assert_eq!(r.findings[0].code, CODE_PRELOADED_TLD);
    }
}
