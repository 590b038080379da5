//! A HAProxy configuration's frontends, backends and findings, from the model.

use super::model::{model, Action, HeaderRule, Model, Proxy};
use super::parse::Section;
use super::predict::{Fired, Prediction, Request};
use crate::codes::*;
use crate::config::report::{
    finding_at, value_findings, HeaderSent, Level, Listener, Origin, ServerFacts, ServerReport,
    StatusClasses, StsSource, STS,
};
use relkit_common::{Finding, Severity};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads a HAProxy configuration into the document and findings: one server per
/// `frontend`/`listen` with a `bind`, a level for it and for each backend it uses.
pub fn haproxy_report(
    sections: &[Section],
    path: &Path,
    findings: &mut Vec<Finding>,
) -> (Vec<ServerReport>, Vec<ServerFacts>) {
    let model = model(sections);
    let mut out = Report {
        file: path.display().to_string(),
        base: path.parent().map(Path::to_path_buf).unwrap_or_default(),
        model: &model,
        reported: Vec::new(),
        findings,
    };
    out.rule_findings();
    let mut reports = Vec::new();
    let mut facts = Vec::new();
    for frontend in model.proxies.iter().filter(|p| !p.binds.is_empty()) {
        let (report, more) = out.frontend(frontend);
        reports.push(report);
        facts.extend(more);
    }
    (reports, facts)
}

/// One configuration being reported: where it is, its model, and the findings so
/// far (each code once per rule, however many chains reach the rule).
struct Report<'m, 'f> {
    file: String,
    base: std::path::PathBuf,
    model: &'m Model,
    reported: Vec<(usize, &'static str)>,
    findings: &'f mut Vec<Finding>,
}

/// A request for `/` over HTTPS or HTTP, for `host` (empty: no Host header).
fn request(https: bool, host: &str) -> Request<'_> {
    Request {
        https,
        host,
        path: "/",
    }
}

/// The Strict-Transport-Security values in what the last rule left.
fn sts_of(fired: &Fired) -> Vec<String> {
    fired
        .last()
        .map(|(_, headers)| {
            headers
                .iter()
                .filter(|(n, _)| n.eq_ignore_ascii_case(STS))
                .map(|(_, v)| v.clone())
                .collect()
        })
        .unwrap_or_default()
}

fn is_redirect(status: u16) -> bool {
    matches!(status, 301 | 302 | 303 | 307 | 308)
}

impl<'m> Report<'m, '_> {
    fn at(&self, line: usize, column: usize) -> Origin {
        Origin {
            file: self.file.clone(),
            line,
            column,
        }
    }

    /// A finding at `rule`, unless this code was already given for it.
    fn once(&mut self, rule: &HeaderRule, code: &'static str, message: String, hint: &str) {
        if self.reported.contains(&(rule.line, code)) {
            return;
        }
        self.reported.push((rule.line, code));
        let at = self.at(rule.line, rule.column);
        self.findings.push(
            finding_at(Severity::Warning, code, message, &at, rule.keyword.len()).with_hint(hint),
        );
    }

    /// Each rule's own findings, once: a removed directive, a value browsers ignore.
    fn rule_findings(&mut self) {
        let model = self.model;
        for proxy in &model.proxies {
            for rule in proxy.response.iter().chain(&proxy.after_response) {
                let at = self.at(rule.line, rule.column);
                if rule.keyword == "rspadd" {
                    self.findings.push(
                        finding_at(
                            Severity::Error,
                            CODE_LEGACY_DIRECTIVE,
                            format!("`rspadd` was removed in HAProxy 2.1: haproxy refuses to start with it (the header it adds is {}: {})", rule.name, rule.value),
                            &at,
                            "rspadd".len(),
                        )
                        .with_hint(format!("http-response add-header {} \"{}\"", rule.name, rule.value)),
                    );
                }
                if rule.is_sts() && rule.action != Action::Del {
                    if rule.value.contains('%') {
                        self.findings.push(finding_at(Severity::Info, CODE_VALUE_UNRESOLVED,
                            format!("the Strict-Transport-Security value {:?} is a log-format expression decided per request", rule.value),
                            &at, rule.keyword.len()));
                    } else {
                        value_findings(&rule.value, &at, self.findings);
                    }
                }
            }
        }
    }

    /// A frontend's report, its findings, and the facts of each name it routes.
    fn frontend(&mut self, frontend: &'m Proxy) -> (ServerReport, Vec<ServerFacts>) {
        let model = self.model;
        let https = frontend.binds.iter().any(|b| b.https);
        let http = frontend.binds.iter().any(|b| !b.https);
        let routed = model.routed_names(frontend);
        let default = model
            .backend_for(frontend, request(true, ""))
            .ok()
            .flatten();
        let mut backends: Vec<Option<&Proxy>> = vec![default];
        for (_, b) in &routed {
            if !backends
                .iter()
                .any(|x| x.map(|x| x as *const _) == b.map(|y| y as *const _))
            {
                backends.push(*b);
            }
        }
        let mut levels = Vec::new();
        for backend in &backends {
            levels.push(self.level(frontend, *backend, https, http));
            let owner = backend.unwrap_or(frontend);
            if https {
                self.https_findings(frontend, *backend, owner);
            }
            if http {
                self.http_findings(frontend, *backend);
            }
        }
        let http_redirects = http
            .then(|| match model.predict(frontend, request(false, "")) {
                Prediction::Known { status, .. } => Some(is_redirect(status)),
                Prediction::Unknown(_) => None,
            })
            .flatten();
        let facts = routed
            .iter()
            .map(|(name, backend)| ServerFacts {
                names: vec![name.clone()],
                origin: self.at(frontend.line, 1),
                https,
                http,
                certificates: frontend
                    .binds
                    .iter()
                    .flat_map(|b| b.certificates.iter())
                    .filter(|c| !c.contains('$'))
                    .map(|c| self.base.join(c))
                    .filter(|c| c.is_file())
                    .collect(),
                sts: if https {
                    self.sts_sent(frontend, *backend, name)
                } else {
                    Vec::new()
                },
                http_redirects,
            })
            .collect();
        let report = ServerReport {
            software: "haproxy".into(),
            section: Some(frontend.name.clone()),
            file: self.file.clone(),
            line: frontend.line,
            names: routed.iter().map(|(n, _)| n.clone()).collect(),
            listeners: frontend
                .binds
                .iter()
                .map(|b| Listener {
                    address: b.address.clone(),
                    scheme: if b.https { "https" } else { "http" }.into(),
                    port: b.port,
                    line: b.line,
                })
                .collect(),
            certificates: frontend
                .binds
                .iter()
                .flat_map(|b| b.certificates.clone())
                .collect(),
            levels,
        };
        (report, facts)
    }

    /// The level a frontend and one of its backends make: the rules in effect and the
    /// STS values per scheme and status class.
    fn level(&self, frontend: &Proxy, backend: Option<&Proxy>, https: bool, http: bool) -> Level {
        let mut sts = BTreeMap::new();
        let mut unresolved = Vec::new();
        for (scheme, is_https) in [("http", false), ("https", true)] {
            if (is_https && !https) || (!is_https && !http) {
                continue;
            }
            let mut classes = StatusClasses::default();
            for (status, class) in [(200u16, &mut classes.success), (404, &mut classes.error)] {
                match self
                    .model
                    .response_headers(frontend, backend, request(is_https, ""), status)
                {
                    Ok(fired) => class.extend(sts_of(&fired)),
                    Err(why) => {
                        if !unresolved.contains(&why) {
                            unresolved.push(why);
                        }
                    }
                }
            }
            sts.insert(scheme.to_string(), classes);
        }
        let owner = backend.unwrap_or(frontend);
        let mut rules: Vec<&HeaderRule> = Vec::new();
        if let Some(b) = backend.filter(|b| !std::ptr::eq(*b, frontend)) {
            rules.extend(b.response.iter().chain(&b.after_response));
        }
        rules.extend(frontend.response.iter().chain(&frontend.after_response));
        Level {
            level: match backend {
                Some(b) if !std::ptr::eq(b, frontend) => format!("backend {}", b.name),
                _ => format!("{} {}", frontend.kind, frontend.name),
            },
            within: Vec::new(),
            file: self.file.clone(),
            line: owner.line,
            headers: rules.iter().map(|r| self.header_sent(r)).collect(),
            sts,
            returns: None,
            upstream_sts: backend.map(|_| "passed".to_string()),
            unresolved,
        }
    }

    fn header_sent(&self, r: &HeaderRule) -> HeaderSent {
        HeaderSent {
            name: r.name.clone(),
            value: r.value.clone(),
            statuses: match &r.condition {
                None => "all".into(),
                Some(c) => format!(
                    "{} {}",
                    if c.unless { "unless" } else { "if" },
                    c.words.join(" ")
                ),
            },
            inherited: false,
            directive: match r.action {
                Action::Set if r.keyword != "rspadd" => format!("{} set-header", r.keyword),
                Action::Add if r.keyword != "rspadd" => format!("{} add-header", r.keyword),
                Action::Del => format!("{} del-header", r.keyword),
                _ => r.keyword.clone(),
            },
            file: self.file.clone(),
            line: r.line,
        }
    }

    /// What HTTPS responses through this chain carry: two headers, none on errors,
    /// one removed by a later rule.
    fn https_findings(&mut self, frontend: &Proxy, backend: Option<&Proxy>, owner: &Proxy) {
        let model = self.model;
        let (Ok(ok), Ok(err)) = (
            model.response_headers(frontend, backend, request(true, ""), 200),
            model.response_headers(frontend, backend, request(true, ""), 404),
        ) else {
            return;
        };
        let on_ok = sts_of(&ok);
        if on_ok.len() > 1 {
            if let Some((rule, _)) = ok
                .iter()
                .find(|(r, _)| r.is_sts() && r.action == Action::Add)
            {
                self.once(
                    rule,
                    CODE_DUPLICATE_HEADER,
                    format!("responses through {} carry {} Strict-Transport-Security headers: browsers use only the first", owner.name, on_ok.len()),
                    "use set-header, which replaces the header, rather than add-header",
                );
            }
        }
        if !on_ok.is_empty() && sts_of(&err).is_empty() {
            if let Some((rule, _)) = ok
                .iter()
                .find(|(r, _)| r.is_sts() && r.action != Action::Del)
            {
                self.once(
                    rule,
                    CODE_HEADER_MISSING_ON_ERRORS,
                    "this Strict-Transport-Security header is not sent on error responses (its condition leaves them out, or a later rule removes it)".to_string(),
                    "drop the status condition; to cover the responses HAProxy makes itself (redirects, 503), use http-after-response set-header",
                );
            }
        }
        for (i, (rule, after)) in ok.iter().enumerate() {
            let before_had = i > 0 && ok[i - 1].1.iter().any(|(n, _)| n.eq_ignore_ascii_case(STS));
            if rule.is_sts()
                && rule.action == Action::Del
                && before_had
                && !after.iter().any(|(n, _)| n.eq_ignore_ascii_case(STS))
            {
                self.once(
                    rule,
                    CODE_HEADER_DROPPED,
                    format!("this del-header removes the Strict-Transport-Security header an earlier rule set, so HTTPS responses through {} go without it", owner.name),
                    "remove the del-header, or give it a condition that keeps HTTPS responses",
                );
            }
        }
    }

    /// The header sent over plain HTTP where plain HTTP is not redirected.
    fn http_findings(&mut self, frontend: &Proxy, backend: Option<&Proxy>) {
        let model = self.model;
        let redirected = matches!(
            model.predict(frontend, request(false, "")),
            Prediction::Known { status, .. } if is_redirect(status)
        );
        if redirected {
            return;
        }
        let Ok(fired) = model.response_headers(frontend, backend, request(false, ""), 200) else {
            return;
        };
        let Some((rule, _)) = fired
            .iter()
            .rev()
            .find(|(r, _)| r.is_sts() && r.action != Action::Del)
        else {
            return;
        };
        let sent = fired
            .last()
            .is_some_and(|(_, h)| h.iter().any(|(n, _)| n.eq_ignore_ascii_case(STS)));
        if sent {
            self.once(
                rule,
                CODE_STS_OVER_HTTP,
                format!("this Strict-Transport-Security header also goes out over plain HTTP ({} has a bind without ssl): browsers ignore it there and RFC 6797 says not to send it", frontend.name),
                "add `if { ssl_fc }` to the rule",
            );
        }
    }

    /// The STS value HTTPS responses for `name` carry, and the rule that sets it.
    fn sts_sent(&self, frontend: &Proxy, backend: Option<&Proxy>, name: &str) -> Vec<StsSource> {
        let Ok(fired) = self
            .model
            .response_headers(frontend, backend, request(true, name), 200)
        else {
            return Vec::new();
        };
        let rule = fired
            .iter()
            .rev()
            .find(|(r, _)| r.is_sts() && r.action != Action::Del);
        let value = fired
            .last()
            .and_then(|(_, h)| h.iter().find(|(n, _)| n.eq_ignore_ascii_case(STS)).cloned());
        match (rule, value) {
            (Some((rule, _)), Some((_, value))) => vec![StsSource {
                origin: self.at(rule.line, rule.column),
                https_value: Ok(value),
            }],
            _ => Vec::new(),
        }
    }
}
