//! A HAProxy configuration's frontends, backends and findings, from the model.

use super::model::{model, Action, HeaderRule, Proxy};
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
    let file = path.display().to_string();
    let model = model(sections);
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let at = |line: usize, column: usize| Origin {
        file: file.clone(),
        line,
        column,
    };
    let mut reports = Vec::new();
    let mut facts = Vec::new();
    let mut reported: Vec<(usize, &str)> = Vec::new();
    // Each rule's own findings, once.
    for proxy in &model.proxies {
        for rule in proxy.response.iter().chain(&proxy.after_response) {
            if rule.keyword == "rspadd" {
                findings.push(
                    finding_at(
                        Severity::Error,
                        CODE_LEGACY_DIRECTIVE,
                        format!("`rspadd` was removed in HAProxy 2.1: haproxy refuses to start with it (the header it adds is {}: {})", rule.name, rule.value),
                        &at(rule.line, rule.column),
                        "rspadd".len(),
                    )
                    .with_hint(format!("http-response add-header {} \"{}\"", rule.name, rule.value)),
                );
            }
            if rule.is_sts() && rule.action != Action::Del {
                if rule.value.contains('%') {
                    findings.push(finding_at(Severity::Info, CODE_VALUE_UNRESOLVED,
                        format!("the Strict-Transport-Security value {:?} is a log-format expression decided per request", rule.value),
                        &at(rule.line, rule.column), rule.keyword.len()));
                } else {
                    value_findings(&rule.value, &at(rule.line, rule.column), findings);
                }
            }
        }
    }
    for frontend in model.proxies.iter().filter(|p| !p.binds.is_empty()) {
        let https = frontend.binds.iter().any(|b| b.https);
        let http = frontend.binds.iter().any(|b| !b.https);
        let routed = model.routed_names(frontend);
        let default = model
            .backend_for(
                frontend,
                Request {
                    https: true,
                    host: "",
                    path: "/",
                },
            )
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
            let mut sts = BTreeMap::new();
            let mut unresolved = Vec::new();
            for (scheme, is_https) in [("http", false), ("https", true)] {
                if (is_https && !https) || (!is_https && !http) {
                    continue;
                }
                let mut classes = StatusClasses::default();
                for (status, class) in [(200u16, &mut classes.success), (404, &mut classes.error)] {
                    let request = Request {
                        https: is_https,
                        host: "",
                        path: "/",
                    };
                    match model.response_headers(frontend, *backend, request, status) {
                        Ok(fired) => {
                            let last = fired.last().map(|(_, h)| h.clone()).unwrap_or_default();
                            class.extend(
                                last.into_iter()
                                    .filter(|(n, _)| n.eq_ignore_ascii_case(STS))
                                    .map(|(_, v)| v),
                            );
                        }
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
            levels.push(Level {
                level: match backend {
                    Some(b) if !std::ptr::eq(*b, frontend) => format!("backend {}", b.name),
                    _ => format!("{} {}", frontend.kind, frontend.name),
                },
                within: Vec::new(),
                file: file.clone(),
                line: owner.line,
                headers: rules
                    .iter()
                    .map(|r| HeaderSent {
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
                            Action::Set if r.keyword != "rspadd" => {
                                format!("{} set-header", r.keyword)
                            }
                            Action::Add if r.keyword != "rspadd" => {
                                format!("{} add-header", r.keyword)
                            }
                            Action::Del => format!("{} del-header", r.keyword),
                            _ => r.keyword.clone(),
                        },
                        file: file.clone(),
                        line: r.line,
                    })
                    .collect(),
                sts,
                returns: None,
                upstream_sts: backend.map(|_| "passed".to_string()),
                unresolved,
            });
            // Findings over what this chain sends.
            let request = |https| Request {
                https,
                host: "",
                path: "/",
            };
            if https {
                if let (Ok(ok), Ok(err)) = (
                    model.response_headers(frontend, *backend, request(true), 200),
                    model.response_headers(frontend, *backend, request(true), 404),
                ) {
                    let sts_of = |fired: &Fired| -> Vec<String> {
                        fired
                            .last()
                            .map(|(_, h)| {
                                h.iter()
                                    .filter(|(n, _)| n.eq_ignore_ascii_case(STS))
                                    .map(|(_, v)| v.clone())
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    let on_ok = sts_of(&ok);
                    if on_ok.len() > 1 {
                        if let Some((rule, _)) = ok
                            .iter()
                            .find(|(r, _)| r.is_sts() && r.action == Action::Add)
                        {
                            if !reported.contains(&(rule.line, CODE_DUPLICATE_HEADER)) {
                                reported.push((rule.line, CODE_DUPLICATE_HEADER));
                                findings.push(finding_at(Severity::Warning, CODE_DUPLICATE_HEADER,
                                    format!("responses through {} carry {} Strict-Transport-Security headers: browsers use only the first", owner.name, on_ok.len()),
                                    &at(rule.line, rule.column), rule.keyword.len())
                                    .with_hint("use set-header, which replaces the header, rather than add-header"));
                            }
                        }
                    }
                    if !on_ok.is_empty() && sts_of(&err).is_empty() {
                        if let Some((rule, _)) = ok
                            .iter()
                            .find(|(r, _)| r.is_sts() && r.action != Action::Del)
                        {
                            if !reported.contains(&(rule.line, CODE_HEADER_MISSING_ON_ERRORS)) {
                                reported.push((rule.line, CODE_HEADER_MISSING_ON_ERRORS));
                                findings.push(finding_at(Severity::Warning, CODE_HEADER_MISSING_ON_ERRORS,
                                    "this Strict-Transport-Security header is not sent on error responses (its condition leaves them out, or a later rule removes it)".to_string(),
                                    &at(rule.line, rule.column), rule.keyword.len())
                                    .with_hint("drop the status condition; to cover the responses HAProxy makes itself (redirects, 503), use http-after-response set-header"));
                            }
                        }
                    }
                    for (i, (rule, after)) in ok.iter().enumerate() {
                        let before_had =
                            i > 0 && ok[i - 1].1.iter().any(|(n, _)| n.eq_ignore_ascii_case(STS));
                        if rule.is_sts()
                            && rule.action == Action::Del
                            && before_had
                            && !after.iter().any(|(n, _)| n.eq_ignore_ascii_case(STS))
                            && !reported.contains(&(rule.line, CODE_HEADER_DROPPED))
                        {
                            reported.push((rule.line, CODE_HEADER_DROPPED));
                            findings.push(finding_at(Severity::Warning, CODE_HEADER_DROPPED,
                                format!("this del-header removes the Strict-Transport-Security header an earlier rule set, so HTTPS responses through {} go without it", owner.name),
                                &at(rule.line, rule.column), rule.keyword.len())
                                .with_hint("remove the del-header, or give it a condition that keeps HTTPS responses"));
                        }
                    }
                }
            }
            if http {
                let redirected = matches!(
                    model.predict(frontend, request(false)),
                    Prediction::Known {
                        status: 301 | 302 | 303 | 307 | 308,
                        ..
                    }
                );
                if !redirected {
                    if let Ok(fired) =
                        model.response_headers(frontend, *backend, request(false), 200)
                    {
                        if let Some((rule, _)) = fired
                            .iter()
                            .rev()
                            .find(|(r, _)| r.is_sts() && r.action != Action::Del)
                        {
                            let sent = fired.last().is_some_and(|(_, h)| {
                                h.iter().any(|(n, _)| n.eq_ignore_ascii_case(STS))
                            });
                            if sent && !reported.contains(&(rule.line, CODE_STS_OVER_HTTP)) {
                                reported.push((rule.line, CODE_STS_OVER_HTTP));
                                findings.push(finding_at(Severity::Warning, CODE_STS_OVER_HTTP,
                                    format!("this Strict-Transport-Security header also goes out over plain HTTP ({} has a bind without ssl): browsers ignore it there and RFC 6797 says not to send it", frontend.name),
                                    &at(rule.line, rule.column), rule.keyword.len())
                                    .with_hint("add `if { ssl_fc }` to the rule"));
                            }
                        }
                    }
                }
            }
        }
        let http_redirects = http
            .then(|| {
                match model.predict(
                    frontend,
                    Request {
                        https: false,
                        host: "",
                        path: "/",
                    },
                ) {
                    Prediction::Known { status, .. } => {
                        Some(matches!(status, 301 | 302 | 303 | 307 | 308))
                    }
                    Prediction::Unknown(_) => None,
                }
            })
            .flatten();
        for (name, backend) in &routed {
            let mut sources = Vec::new();
            if https {
                if let Ok(fired) = model.response_headers(
                    frontend,
                    *backend,
                    Request {
                        https: true,
                        host: name,
                        path: "/",
                    },
                    200,
                ) {
                    if let Some((rule, _)) = fired
                        .iter()
                        .rev()
                        .find(|(r, _)| r.is_sts() && r.action != Action::Del)
                    {
                        if let Some((_, value)) = fired.last().and_then(|(_, h)| {
                            h.iter().find(|(n, _)| n.eq_ignore_ascii_case(STS)).cloned()
                        }) {
                            sources.push(StsSource {
                                origin: at(rule.line, rule.column),
                                https_value: Ok(value),
                            });
                        }
                    }
                }
            }
            facts.push(ServerFacts {
                names: vec![name.clone()],
                origin: at(frontend.line, 1),
                https,
                http,
                certificates: frontend
                    .binds
                    .iter()
                    .flat_map(|b| b.certificates.iter())
                    .filter(|c| !c.contains('$'))
                    .map(|c| base.join(c))
                    .filter(|c| c.is_file())
                    .collect(),
                sts: sources,
                http_redirects,
            });
        }
        reports.push(ServerReport {
            software: "haproxy".into(),
            section: Some(frontend.name.clone()),
            file: file.clone(),
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
        });
    }
    (reports, facts)
}
