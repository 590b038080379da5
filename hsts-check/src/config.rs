//! `hsts-check config`: what the server configuration sends, per server name and
//! level, and the HSTS findings that can be made before any request: the stage trap
//! (a parent's `includeSubDomains` over a subdomain served without working HTTPS),
//! a level that drops the header, the header over plain HTTP, two headers, the header
//! without `always`, a value browsers ignore, `preload` without its requirements.

use crate::header::{parse, Policy};
use crate::nginx::Config;
use crate::nginx_model::{self, HeaderRule, Kind, Scope, Server, ADD_HEADER_STATUSES};
use crate::report::{
    policy_findings, CODE_DUPLICATE_HEADER, CODE_PRELOAD_ELIGIBILITY, CODE_STS_OVER_HTTP,
};
use relkit_common::{Document, Finding, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const TOOL: &str = "hsts-check";
const STS: &str = "Strict-Transport-Security";

pub const CODE_HEADER_DROPPED: &str = "header-dropped";
pub const CODE_VALUE_UNRESOLVED: &str = "value-unresolved";
pub const CODE_LEGACY_DIRECTIVE: &str = "legacy-directive";

/// `hsts-check.config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigReport {
    /// Every file read, main files first.
    pub files: Vec<String>,
    pub servers: Vec<ServerReport>,
    /// Each name a server answers for, and what browsers learn from it.
    pub names: Vec<NameReport>,
    pub findings: Vec<Finding>,
}

impl Document for ConfigReport {
    const KIND: &'static str = "hsts-check.config";
}

/// An nginx `server` or a HAProxy `frontend`/`listen`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerReport {
    /// `nginx` or `haproxy`.
    pub software: String,
    /// The HAProxy section's name; absent for nginx.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    pub file: String,
    pub line: usize,
    pub names: Vec<String>,
    pub listeners: Vec<Listener>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<String>,
    /// The server level first, then each location (nested ones after their parent)
    /// and `if` block, or each backend.
    pub levels: Vec<Level>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listener {
    pub address: String,
    /// `https` or `http`.
    pub scheme: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    pub line: usize,
}

/// One level of a server and the headers it adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// `server`, `location /api`, `if ($scheme = http)`, `backend app`.
    pub level: String,
    /// The levels it is nested in, outermost first (the server left out).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub within: Vec<String>,
    pub file: String,
    pub line: usize,
    /// The header rules in effect here.
    pub headers: Vec<HeaderSent>,
    /// The Strict-Transport-Security values sent per scheme and status class:
    /// `success` is the statuses nginx's `add_header` adds on by default (200, 201,
    /// 204, 206, 301, 302, 303, 304, 307, 308), `error` every other status.
    pub sts: BTreeMap<String, StatusClasses>,
    /// The status this level answers with (`return`), when it always does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<u16>,
    /// An upstream answers here: whether its own Strict-Transport-Security header is
    /// `passed` to the client or `hidden`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upstream_sts: Option<String>,
    /// Values that depend on the request beyond its scheme and host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unresolved: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusClasses {
    pub success: Vec<String>,
    pub error: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HeaderSent {
    pub name: String,
    /// As written (it may use variables).
    pub value: String,
    /// `success` (nginx's default statuses), `all` (`always`, `more_set_headers`), or
    /// the status list of `more_set_headers -s`.
    pub statuses: String,
    /// Inherited from an enclosing level rather than written here.
    pub inherited: bool,
    /// What writes it: `add_header`, `more_set_headers`, `http-response set-header`...
    pub directive: String,
    pub file: String,
    pub line: usize,
}

/// A server name and what browsers learn from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NameReport {
    pub name: String,
    pub https: bool,
    pub http: bool,
    /// The Strict-Transport-Security value its HTTPS responses send (the first
    /// valid one found), where it is written, and whether it has includeSubDomains.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_from: Option<String>,
    #[serde(default)]
    pub include_subdomains: bool,
    /// A parent name in the same configuration whose includeSubDomains covers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub covered_by: Option<String>,
}

/// Where a rule is written, for findings and the document.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Origin {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Origin {
    fn label(&self) -> String {
        format!("{}:{}", self.file, self.line)
    }
}

fn finding(severity: Severity, code: &str, message: String, at: &Origin, width: usize) -> Finding {
    let column = at.column.max(1) as u32;
    Finding::new(TOOL, severity, code, message)
        .in_file(at.file.clone())
        .at(at.line as u32, column, column + width.max(1) as u32)
}

/// One STS value a server sends, the way both servers' readers describe it.
#[derive(Debug, Clone)]
pub struct StsSource {
    pub origin: Origin,
    /// The value resolved for HTTPS requests, or why it cannot be.
    pub https_value: Result<String, String>,
}

/// What the analysis needs from one server, whichever software it is.
#[derive(Debug, Clone)]
pub struct ServerFacts {
    pub names: Vec<String>,
    pub origin: Origin,
    pub https: bool,
    pub http: bool,
    /// Certificate files as resolved paths, for the cover check.
    pub certificates: Vec<PathBuf>,
    /// STS values sent over HTTPS by some level.
    pub sts: Vec<StsSource>,
    /// Whether plain HTTP is answered with a redirect (None: not known).
    pub http_redirects: Option<bool>,
}

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
    let servers = nginx_model::servers(config);
    // Servers are analysed on a few threads (a large setup has hundreds), then
    // merged in order, each rule's findings kept once.
    let outs = crate::map_in_order(&servers, 16, |server| {
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
        match nginx_model::predict(
            server,
            nginx_model::Request {
                scheme: "http",
                host,
                path: "/",
            },
        ) {
            nginx_model::Prediction::Known { status, .. } => {
                Some(matches!(status, 301 | 302 | 303 | 307 | 308))
            }
            nginx_model::Prediction::Unknown(_) => None,
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
        match nginx_model::resolve(server, scheme, host, &rule.value) {
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
        match nginx_model::resolve(server, scheme, host, &more.value) {
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
    let answered = server.answers_all[usize::from(scheme == "https")];
    if scope.kind != Kind::Server && answered.is_some() {
        return false;
    }
    scope.kind != Kind::If || nginx_model::if_holds(server, scope, scheme, host).unwrap_or(true)
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
                    https_value: nginx_model::resolve(server, "https", host, &rule.value),
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
                    https_value: nginx_model::resolve(server, "https", host, &more.value),
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
        nginx_model::Step::Return { status, .. } => Some(*status),
        nginx_model::Step::If { .. } => Some(None),
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
                    finding(
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
                    finding(
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
                finding(
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
    let value = match nginx_model::resolve(server, "https", host, &rule.value) {
        Ok(value) => value,
        Err(why) => {
            findings.push(
                finding(
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
            finding(
                Severity::Warning,
                crate::probe::CODE_HEADER_MISSING_ON_ERRORS,
                "add_header Strict-Transport-Security without `always`: 4xx and 5xx responses (and `return` with them) go without it".to_string(),
                at,
                "add_header".len(),
            )
            .with_hint(format!("add_header Strict-Transport-Security {:?} always;", rule.value)),
        );
    }
}

/// What the value itself means: invalid, unknown directives, preload requirements.
pub fn value_findings(value: &str, at: &Origin, findings: &mut Vec<Finding>) {
    let policy: Policy = parse(value);
    for mut f in policy_findings(&policy, value, &at.file) {
        if f.code == CODE_PRELOAD_ELIGIBILITY {
            if !policy.preload {
                continue;
            }
            if f.message.starts_with("not eligible") {
                f.severity = Severity::Warning;
                f.hint = Some("the preload list refuses a policy without all three; drop `preload` until the site meets them".into());
            }
        }
        let column = at.column.max(1) as u32;
        findings.push(f.at(at.line as u32, column, column + 1));
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
        let status = nginx_model::server_answer(server, "http", host)
            .ok()
            .flatten();
        for rule in scope.headers.iter().filter(|r| r.is_sts()) {
            if status.is_some_and(|s| !rule.applies(s)) {
                continue;
            }
            let Ok(value) = nginx_model::resolve(server, "http", host, &rule.value) else {
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
                finding(
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
                finding(
                    Severity::Error,
                    crate::probe::CODE_FORCED_HTTPS_WITHOUT_HTTPS,
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
                    finding(
                        Severity::Warning,
                        crate::probe::CODE_HTTP_NOT_REDIRECTED,
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

/// The whole `config` run over parsed inputs.
pub fn report_nginx(config: &Config) -> ConfigReport {
    let mut findings = Vec::new();
    let (servers, facts) = nginx_report(config, &mut findings, true);
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
    if crate::haproxy::SECTIONS.contains(&first) {
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
                let config = crate::nginx::read(path).map_err(|e| {
                    anyhow::anyhow!(
                        "{}:{}:{}: {} (nginx would refuse this configuration; fix it, then run again)",
                        e.file.display(),
                        e.line,
                        e.column,
                        e.message
                    )
                })?;
                report
                    .files
                    .extend(config.files.iter().map(|f| f.path.display().to_string()));
                let (servers, more) = nginx_report(&config, &mut report.findings, with_levels);
                report.servers.extend(servers);
                facts.extend(more);
                for file in config.files {
                    sources.keep(file.path.display().to_string(), file.text);
                }
            }
            Software::Haproxy => {
                let bytes = relkit_common::input::read_file(path)?.bytes;
                let sections = crate::haproxy::parse_text(&bytes).map_err(|e| {
                    anyhow::anyhow!(
                        "{}:{}:{}: {} (haproxy -c would refuse this configuration; fix it, then run again)",
                        path.display(),
                        e.line,
                        e.column,
                        e.message
                    )
                })?;
                report.files.push(path.display().to_string());
                let (servers, more) = haproxy_report(&sections, path, &mut report.findings);
                report.servers.extend(servers);
                facts.extend(more);
                sources.keep(path.display().to_string(), bytes);
            }
        }
    }
    report.names = names_and_trap(&facts, &mut report.findings);
    Ok(report)
}

/// A file's bytes and where its lines start.
type KeptFile = (Vec<u8>, Vec<usize>);

/// Source lines for the findings' excerpts, each file read once when asked.
#[derive(Default)]
pub struct SourceLines {
    /// Each file's bytes and where its lines start.
    files: std::cell::RefCell<BTreeMap<String, KeptFile>>,
}

impl SourceLines {
    /// Keeps a file's bytes as they were read (it is not read again).
    pub fn keep(&self, path: String, bytes: Vec<u8>) {
        let starts = line_starts(&bytes);
        self.files.borrow_mut().insert(path, (bytes, starts));
    }

    pub fn line(&self, f: &Finding) -> Option<String> {
        let (path, line) = (f.path.as_ref()?, f.line? as usize);
        let mut files = self.files.borrow_mut();
        let (bytes, starts) = files.entry(path.clone()).or_insert_with(|| {
            let bytes = std::fs::read(path).unwrap_or_default();
            let starts = line_starts(&bytes);
            (bytes, starts)
        });
        let start = *starts.get(line.checked_sub(1)?)?;
        let end = starts.get(line).map_or(bytes.len(), |&next| next - 1);
        let text = bytes.get(start..end)?;
        Some(String::from_utf8_lossy(text.strip_suffix(b"\r").unwrap_or(text)).into_owned())
    }
}

fn line_starts(bytes: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            bytes
                .iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
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

/// Reads a HAProxy configuration into the document and findings: one server per
/// `frontend`/`listen` with a `bind`, a level for it and for each backend it uses.
pub fn haproxy_report(
    sections: &[crate::haproxy::Section],
    path: &Path,
    findings: &mut Vec<Finding>,
) -> (Vec<ServerReport>, Vec<ServerFacts>) {
    use crate::haproxy::{Action, Request};
    let file = path.display().to_string();
    let model = crate::haproxy::model(sections);
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
                    finding(
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
                    findings.push(finding(Severity::Info, CODE_VALUE_UNRESOLVED,
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
        let mut backends: Vec<Option<&crate::haproxy::Proxy>> = vec![default];
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
            let mut rules: Vec<&crate::haproxy::HeaderRule> = Vec::new();
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
                    let sts_of = |fired: &crate::haproxy::Fired| -> Vec<String> {
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
                                findings.push(finding(Severity::Warning, CODE_DUPLICATE_HEADER,
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
                            if !reported
                                .contains(&(rule.line, crate::probe::CODE_HEADER_MISSING_ON_ERRORS))
                            {
                                reported
                                    .push((rule.line, crate::probe::CODE_HEADER_MISSING_ON_ERRORS));
                                findings.push(finding(Severity::Warning, crate::probe::CODE_HEADER_MISSING_ON_ERRORS,
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
                            findings.push(finding(Severity::Warning, CODE_HEADER_DROPPED,
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
                    crate::haproxy::Prediction::Known {
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
                                findings.push(finding(Severity::Warning, CODE_STS_OVER_HTTP,
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
                    crate::haproxy::Prediction::Known { status, .. } => {
                        Some(matches!(status, 301 | 302 | 303 | 307 | 308))
                    }
                    crate::haproxy::Prediction::Unknown(_) => None,
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
