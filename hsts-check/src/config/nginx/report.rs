//! An nginx configuration's servers, levels and findings, from the model.

use super::model::{self, HeaderRule, Kind, Scope, Server, ADD_HEADER_STATUSES};
use super::parse::Config;
use super::predict;
use crate::codes::*;
use crate::config::report::{
    finding_at, value_findings, HeaderSent, Level, Listener, Origin, ServerFacts, ServerReport,
    StatusClasses, StsSource, STS,
};
use relkit_common::{Finding, Severity};
use std::collections::BTreeMap;
use std::path::Path;

/// Reads an nginx configuration into the document and findings.
pub fn nginx_report(
    config: &Config,
    findings: &mut Vec<Finding>,
    with_levels: bool,
) -> (Vec<ServerReport>, Vec<ServerFacts>) {
    let names: Vec<String> = config
        .files
        .iter()
        .map(|f| f.path.display().to_string())
        .collect();
    let file_name = |index: usize| names[index].clone();
    let prefix = config
        .files
        .first()
        .and_then(|f| f.path.parent())
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let servers = model::servers(config);
    // Servers are analysed on a few threads (a large setup has hundreds), then
    // merged in order, each rule's findings kept once.
    let outs = relkit_common::threads::map_in_order(&servers, 16, |server| {
        one_server(server, &file_name, &prefix, with_levels)
    });
    let mut reports = Vec::new();
    let mut facts = Vec::new();
    let mut seen_rules: std::collections::BTreeSet<Origin> = std::collections::BTreeSet::new();
    for out in outs {
        findings.extend(out.level_findings);
        for (origin, found) in out.rule_findings {
            if seen_rules.insert(origin) {
                findings.extend(found);
            }
        }
        findings.extend(out.http_findings);
        reports.extend(out.report);
        facts.extend(out.facts);
    }
    (reports, facts)
}

/// What one nginx server gives, before the merge.
#[derive(Default)]
struct ServerOut {
    report: Option<ServerReport>,
    facts: Option<ServerFacts>,
    level_findings: Vec<Finding>,
    rule_findings: Vec<(Origin, Vec<Finding>)>,
    http_findings: Vec<Finding>,
}

fn one_server(
    server: &Server,
    file_name: &(dyn Fn(usize) -> String + Sync),
    prefix: &Path,
    with_levels: bool,
) -> ServerOut {
    let mut out = ServerOut::default();
    let host = server.names.first().map(String::as_str).unwrap_or("");
    let mut levels = Vec::new();
    let mut sources = Vec::new();
    walk(
        server,
        &server.scope,
        None,
        &[],
        file_name,
        with_levels.then_some(&mut levels),
        &mut sources,
        &mut out.level_findings,
    );
    // Each rule's own findings; the merge keeps them once per rule, whichever
    // servers and levels inherit it.
    for scope_rule in all_rules(&server.scope) {
        let origin = Origin {
            file: file_name(scope_rule.file),
            line: scope_rule.line,
            column: scope_rule.column,
        };
        if !scope_rule.is_sts() || out.rule_findings.iter().any(|(o, _)| *o == origin) {
            continue;
        }
        let mut found = Vec::new();
        rule_findings(server, host, scope_rule, &origin, &mut found);
        out.rule_findings.push((origin, found));
    }
    let https = server.serves_https();
    let http = server.serves_http();
    if http {
        over_http_findings(server, host, file_name, &mut out.http_findings);
    }
    let http_redirects = if http {
        match predict::predict(
            server,
            predict::Request {
                scheme: "http",
                host,
                path: "/",
            },
        ) {
            predict::Prediction::Known { status, .. } => {
                Some(matches!(status, 301 | 302 | 303 | 307 | 308))
            }
            predict::Prediction::Unknown(_) => None,
        }
    } else {
        None
    };
    out.facts = Some(ServerFacts {
        names: server.names.clone(),
        origin: Origin {
            file: file_name(server.file()),
            line: server.scope.line,
            column: 1,
        },
        https,
        http,
        certificates: server
            .certificates
            .iter()
            .filter(|c| !c.contains('$') && !c.starts_with("data:"))
            .map(|c| prefix.join(c))
            .collect(),
        sts: if https { sources } else { Vec::new() },
        http_redirects,
    });
    out.report = Some(ServerReport {
        software: "nginx".into(),
        section: None,
        file: file_name(server.file()),
        line: server.scope.line,
        names: server.names.clone(),
        listeners: if server.listens.is_empty() {
            vec![Listener {
                address: "*:80".into(),
                scheme: "http".into(),
                port: Some(80),
                line: server.scope.line,
            }]
        } else {
            server
                .listens
                .iter()
                .map(|l| Listener {
                    address: l.args.first().cloned().unwrap_or_default(),
                    scheme: if l.https { "https" } else { "http" }.into(),
                    port: l.port,
                    line: l.line,
                })
                .collect()
        },
        certificates: server.certificates.clone(),
        levels,
    });
    out
}

fn all_rules(scope: &Scope) -> Vec<&HeaderRule> {
    let mut out: Vec<&HeaderRule> = scope.headers.iter().collect();
    for child in scope.locations.iter().chain(&scope.ifs) {
        out.extend(all_rules(child));
    }
    out
}

/// The STS values a level sends for a scheme, per status class; the unresolved ones.
fn sts_classes(server: &Server, scope: &Scope, scheme: &str) -> (StatusClasses, Vec<String>) {
    let host = server.names.first().map(String::as_str).unwrap_or("");
    let mut classes = StatusClasses::default();
    let mut unresolved = Vec::new();
    for rule in scope.headers.iter().filter(|r| r.is_sts()) {
        match predict::resolve(server, scheme, host, &rule.value) {
            Ok(value) if value.is_empty() => {}
            Ok(value) => {
                classes.success.push(value.clone());
                if rule.always {
                    classes.error.push(value);
                }
            }
            Err(why) => unresolved.push(format!("{} (line {}): {why}", rule.value, rule.line)),
        }
    }
    for more in scope
        .more_headers
        .iter()
        .filter(|m| m.name.eq_ignore_ascii_case(STS))
    {
        match predict::resolve(server, scheme, host, &more.value) {
            Ok(value) if value.is_empty() => {}
            Ok(value) => {
                let on = |class: &[u16]| {
                    more.statuses
                        .as_ref()
                        .is_none_or(|s| s.iter().any(|c| class.contains(c)))
                };
                if on(&ADD_HEADER_STATUSES) {
                    classes.success.push(value.clone());
                }
                if more
                    .statuses
                    .as_ref()
                    .is_none_or(|s| s.iter().any(|c| !ADD_HEADER_STATUSES.contains(c)))
                {
                    classes.error.push(value);
                }
            }
            Err(why) => unresolved.push(format!("{} (line {}): {why}", more.value, more.line)),
        }
    }
    (classes, unresolved)
}

/// Whether requests over `scheme` reach `scope`: not past a server-level `return`,
/// not into an `if` whose condition is false.
fn reached(server: &Server, scope: &Scope, scheme: &str) -> bool {
    let host = server.names.first().map(String::as_str).unwrap_or("");
    let answered = server.answer_to_all(scheme);
    if scope.kind != Kind::Server && answered.is_some() {
        return false;
    }
    scope.kind != Kind::If || predict::if_holds(server, scope, scheme, host).unwrap_or(true)
}

#[allow(clippy::too_many_arguments)]
fn walk(
    server: &Server,
    scope: &Scope,
    parent: Option<&Scope>,
    within: &[String],
    file_name: &dyn Fn(usize) -> String,
    mut levels: Option<&mut Vec<Level>>,
    sources: &mut Vec<StsSource>,
    findings: &mut Vec<Finding>,
) {
    let host = server.names.first().map(String::as_str).unwrap_or("");
    if server.serves_https() && reached(server, scope, "https") {
        for rule in scope.headers.iter().filter(|r| r.is_sts()) {
            let origin = Origin {
                file: file_name(rule.file),
                line: rule.line,
                column: rule.column,
            };
            if !sources.iter().any(|s| s.origin == origin) {
                sources.push(StsSource {
                    origin,
                    https_value: predict::resolve(server, "https", host, &rule.value),
                });
            }
        }
        for more in scope
            .more_headers
            .iter()
            .filter(|m| m.name.eq_ignore_ascii_case(STS))
        {
            let origin = Origin {
                file: file_name(more.file),
                line: more.line,
                column: 1,
            };
            if !sources.iter().any(|s| s.origin == origin) {
                sources.push(StsSource {
                    origin,
                    https_value: predict::resolve(server, "https", host, &more.value),
                });
            }
        }
        level_findings(server, scope, parent, file_name, findings);
    }
    if let Some(levels) = levels.as_deref_mut() {
        levels.push(level_of(server, scope, within, file_name));
    }
    let mut inner = within.to_vec();
    if scope.kind != Kind::Server {
        inner.push(scope.label());
    }
    for child in scope.ifs.iter().chain(&scope.locations) {
        walk(
            server,
            child,
            Some(scope),
            &inner,
            file_name,
            levels.as_deref_mut(),
            sources,
            findings,
        );
    }
}

/// The document's view of one level: its header rules and what they send.
fn level_of(
    server: &Server,
    scope: &Scope,
    within: &[String],
    file_name: &dyn Fn(usize) -> String,
) -> Level {
    let mut sts = BTreeMap::new();
    let mut unresolved = Vec::new();
    let schemes: &[&str] = match (server.serves_https(), server.serves_http()) {
        (true, true) => &["http", "https"],
        (true, false) => &["https"],
        _ => &["http"],
    };
    for scheme in schemes {
        if !reached(server, scope, scheme) {
            continue;
        }
        let (classes, why) = sts_classes(server, scope, scheme);
        for w in why {
            if !unresolved.contains(&w) {
                unresolved.push(w);
            }
        }
        sts.insert(scheme.to_string(), classes);
    }
    let headers = scope
        .headers
        .iter()
        .map(|r| HeaderSent {
            name: r.name.clone(),
            value: r.value.clone(),
            statuses: if r.always { "all" } else { "success" }.into(),
            inherited: !scope.own_headers,
            directive: "add_header".into(),
            file: file_name(r.file),
            line: r.line,
        })
        .chain(scope.more_headers.iter().map(|m| {
            HeaderSent {
                name: m.name.clone(),
                value: m.value.clone(),
                statuses: match &m.statuses {
                    None => "all".into(),
                    Some(list) => list
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(" "),
                },
                inherited: !scope.own_more_headers,
                directive: "more_set_headers".into(),
                file: file_name(m.file),
                line: m.line,
            }
        }))
        .collect();
    let returns = scope.steps.iter().find_map(|s| match s {
        model::Step::Return { status, .. } => Some(*status),
        model::Step::If { .. } => Some(None),
        _ => None,
    });
    Level {
        level: scope.label(),
        within: within.to_vec(),
        file: file_name(scope.file),
        line: scope.line,
        headers,
        sts,
        returns: returns.flatten(),
        upstream_sts: scope.upstream.map(|_| {
            if scope.hides_upstream_sts {
                "hidden"
            } else {
                "passed"
            }
            .to_string()
        }),
        unresolved,
    }
}

/// A level's own findings over HTTPS: it drops the inherited header; it sends two;
/// an upstream may send one more.
fn level_findings(
    server: &Server,
    scope: &Scope,
    parent: Option<&Scope>,
    file_name: &dyn Fn(usize) -> String,
    findings: &mut Vec<Finding>,
) {
    let (here, _) = sts_classes(server, scope, "https");
    // Only a level with its own add_header can drop the inherited ones.
    if let Some(parent) = parent.filter(|_| scope.own_headers) {
        let (above, _) = sts_classes(server, parent, "https");
        let parent_rule = parent.headers.iter().find(|r| r.is_sts());
        if !above.success.is_empty() && here.success.is_empty() {
            if let (Some(first), Some(parent_rule)) = (scope.headers.first(), parent_rule) {
                let at = Origin {
                    file: file_name(first.file),
                    line: first.line,
                    column: first.column,
                };
                findings.push(
                    finding_at(
                        Severity::Warning,
                        CODE_HEADER_DROPPED,
                        format!(
                            "`add_header {}` here makes {} ({}) drop every inherited add_header, so its responses go without the Strict-Transport-Security header of line {}",
                            first.name,
                            scope.label(),
                            Origin { file: file_name(scope.file), line: scope.line, column: 1 }.label(),
                            parent_rule.line
                        ),
                        &at,
                        "add_header".len(),
                    )
                    .with_hint(format!(
                        "repeat `add_header Strict-Transport-Security {:?}{};` in this {} (or keep the shared add_header lines in one file and include it at every level that adds headers)",
                        parent_rule.value,
                        if parent_rule.always { " always" } else { "" },
                        match scope.kind { Kind::If => "if block", _ => "location" }
                    )),
                );
            }
        }
    }
    for class in [&here.success, &here.error] {
        if class.len() > 1 {
            let rules: Vec<&HeaderRule> = scope.headers.iter().filter(|r| r.is_sts()).collect();
            if let Some(second) = rules.get(1) {
                let at = Origin {
                    file: file_name(second.file),
                    line: second.line,
                    column: second.column,
                };
                findings.push(
                    finding_at(
                        Severity::Warning,
                        CODE_DUPLICATE_HEADER,
                        format!(
                            "{} sends {} Strict-Transport-Security headers (lines {}): browsers use only the first",
                            scope.label(),
                            rules.len(),
                            rules.iter().map(|r| r.line.to_string()).collect::<Vec<_>>().join(", ")
                        ),
                        &at,
                        "add_header".len(),
                    )
                    .with_hint("keep one add_header Strict-Transport-Security per level"),
                );
            }
            break;
        }
    }
    if let Some(line) = scope.upstream {
        if !here.success.is_empty() && !scope.hides_upstream_sts {
            let at = Origin {
                file: file_name(scope.file),
                line,
                column: 1,
            };
            findings.push(
                finding_at(
                    Severity::Info,
                    CODE_DUPLICATE_HEADER,
                    format!(
                        "{} adds Strict-Transport-Security and passes the upstream's own: if the app sends one too (Phoenix's force_ssl does by default), responses carry two",
                        scope.label()
                    ),
                    &at,
                    1,
                )
                .with_hint("add `proxy_hide_header Strict-Transport-Security;` here so only nginx's header goes out, or turn off the app's (force_ssl: [hsts: false])"),
            );
        }
    }
}

/// Findings about one STS rule: its value, `always`.
fn rule_findings(
    server: &Server,
    host: &str,
    rule: &HeaderRule,
    at: &Origin,
    findings: &mut Vec<Finding>,
) {
    let value = match predict::resolve(server, "https", host, &rule.value) {
        Ok(value) => value,
        Err(why) => {
            findings.push(
                finding_at(
                    Severity::Info,
                    CODE_VALUE_UNRESOLVED,
                    format!("the Strict-Transport-Security value {:?} is decided per request: {why}", rule.value),
                    at,
                    "add_header".len(),
                )
                .with_hint("the findings below leave this header out; check the value with `hsts-check probe` once the site is up"),
            );
            return;
        }
    };
    if value.is_empty() {
        return;
    }
    value_findings(&value, at, findings);
    if !rule.always {
        findings.push(
            finding_at(
                Severity::Warning,
                CODE_HEADER_MISSING_ON_ERRORS,
                "add_header Strict-Transport-Security without `always`: 4xx and 5xx responses (and `return` with them) go without it".to_string(),
                at,
                "add_header".len(),
            )
            .with_hint(format!("add_header Strict-Transport-Security {:?} always;", rule.value)),
        );
    }
}

/// STS sent over plain HTTP: ignored by browsers, forbidden to servers.
fn over_http_findings(
    server: &Server,
    host: &str,
    file_name: &dyn Fn(usize) -> String,
    findings: &mut Vec<Finding>,
) {
    let mut reported = Vec::new();
    let mut visit = |scope: &Scope, findings: &mut Vec<Finding>| {
        if !reached(server, scope, "http") {
            return;
        }
        let status = predict::server_answer(server, "http", host).ok().flatten();
        for rule in scope.headers.iter().filter(|r| r.is_sts()) {
            if status.is_some_and(|s| !rule.applies(s)) {
                continue;
            }
            let Ok(value) = predict::resolve(server, "http", host, &rule.value) else {
                continue;
            };
            let at = Origin {
                file: file_name(rule.file),
                line: rule.line,
                column: rule.column,
            };
            if value.is_empty() || reported.contains(&at) {
                continue;
            }
            findings.push(
                finding_at(
                    Severity::Warning,
                    CODE_STS_OVER_HTTP,
                    "this Strict-Transport-Security header also goes out over plain HTTP (the server listens without TLS): browsers ignore it there and RFC 6797 says not to send it".to_string(),
                    &at,
                    "add_header".len(),
                )
                .with_hint(format!("send it over HTTPS only: `map $scheme $hsts {{ https {value:?}; }}` in http, then `add_header Strict-Transport-Security $hsts always;`, or split the plain-HTTP listener into its own server that only redirects")),
            );
            reported.push(at);
        }
    };
    fn each<'a>(scope: &'a Scope, out: &mut Vec<&'a Scope>) {
        out.push(scope);
        for child in scope.ifs.iter().chain(&scope.locations) {
            each(child, out);
        }
    }
    let mut scopes = Vec::new();
    each(&server.scope, &mut scopes);
    for scope in scopes {
        visit(scope, findings);
    }
}
