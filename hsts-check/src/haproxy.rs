//! HAProxy's configuration as HAProxy reads it (sections of lines of words) and the
//! headers a request gets through it, predicted (proven against a live haproxy in
//! `tests/haproxy_live.rs`).
//!
//! Words follow HAProxy's line parser: spaces and tabs separate words, `#` outside
//! quotes ends the line, a backslash protects the next character (`\t`, `\n`, `\r`
//! and `\xHH` are control bytes), single quotes keep everything, double quotes keep
//! everything but backslashes and `$VAR`/`${VAR}` (environment variables, left as
//! written here: their values are the running server's).
//!
//! The response rules, as HAProxy 2.x applies them:
//!
//! - a response from a server goes through the backend's `http-response` rules, then
//!   the frontend's, then the `http-after-response` rules (backend's, frontend's);
//! - a response HAProxy makes itself (`http-request redirect`, `return`, `deny`, the
//!   legacy `redirect`) skips `http-response`: only `http-after-response` applies;
//! - `set-header` replaces every header of that name, `add-header` adds one,
//!   `del-header` removes them all; a rule's `if`/`unless` condition is an ACL
//!   expression (`{ ssl_fc }`, `{ status 200:299 }`, named ACLs, `!`, `||`, `or`).

use std::collections::BTreeMap;

/// One line: its words and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub words: Vec<String>,
    pub line: usize,
    pub column: usize,
}

/// A section (`global`, `defaults`, `frontend NAME`, ...) and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub kind: String,
    pub name: String,
    pub line: usize,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

pub const SECTIONS: [&str; 13] = [
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "peers",
    "resolvers",
    "userlist",
    "program",
    "cache",
    "mailers",
    "ring",
    "http-errors",
];

/// Splits one line into words; None for a line with no words.
fn words(text: &[u8], line: usize) -> Result<Option<Line>, SyntaxError> {
    let mut out: Vec<String> = Vec::new();
    let mut word: Vec<u8> = Vec::new();
    let mut in_word = false;
    let mut first_column = 0;
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let mut quote_at = 0;
    while i < text.len() {
        let c = text[i];
        match quote {
            Some(q) if c == q => {
                quote = None;
                i += 1;
                continue;
            }
            Some(b'\'') => {
                word.push(c);
                i += 1;
                continue;
            }
            _ => {}
        }
        if quote.is_none() && (c == b' ' || c == b'\t' || c == b'\r') {
            if in_word {
                out.push(String::from_utf8_lossy(&word).into_owned());
                word.clear();
                in_word = false;
            }
            i += 1;
            continue;
        }
        if quote.is_none() && c == b'#' {
            break;
        }
        if !in_word {
            in_word = true;
            if out.is_empty() {
                first_column = i + 1;
            }
        }
        match c {
            b'"' | b'\'' if quote.is_none() => {
                quote = Some(c);
                quote_at = i;
                i += 1;
            }
            b'\\' => {
                let Some(&next) = text.get(i + 1) else {
                    // A backslash at the end of the line stays.
                    word.push(c);
                    i += 1;
                    continue;
                };
                match next {
                    b't' => word.push(b'\t'),
                    b'n' => word.push(b'\n'),
                    b'r' => word.push(b'\r'),
                    b'x' => {
                        let hex = text.get(i + 2..i + 4).and_then(|h| {
                            std::str::from_utf8(h)
                                .ok()
                                .and_then(|h| u8::from_str_radix(h, 16).ok())
                        });
                        match hex {
                            Some(b) => {
                                word.push(b);
                                i += 2;
                            }
                            None => {
                                return Err(SyntaxError {
                                    line,
                                    column: i + 1,
                                    message: "truncated or invalid hexadecimal sequence".into(),
                                })
                            }
                        }
                    }
                    other => word.push(other),
                }
                i += 2;
            }
            _ => {
                word.push(c);
                i += 1;
            }
        }
    }
    if quote.is_some() {
        return Err(SyntaxError {
            line,
            column: quote_at + 1,
            message: "unmatched quote".into(),
        });
    }
    if in_word {
        out.push(String::from_utf8_lossy(&word).into_owned());
    }
    Ok((!out.is_empty()).then_some(Line {
        words: out,
        line,
        column: first_column,
    }))
}

/// Reads a configuration's text into sections.
pub fn parse_text(text: &[u8]) -> Result<Vec<Section>, SyntaxError> {
    let mut sections: Vec<Section> = Vec::new();
    for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
        let Some(line) = words(raw, index + 1)? else {
            continue;
        };
        if SECTIONS.contains(&line.words[0].as_str()) {
            sections.push(Section {
                kind: line.words[0].clone(),
                name: line.words.get(1).cloned().unwrap_or_default(),
                line: line.line,
                lines: Vec::new(),
            });
            continue;
        }
        match sections.last_mut() {
            Some(section) => section.lines.push(line),
            None => {
                return Err(SyntaxError {
                    line: line.line,
                    column: line.column,
                    message: format!("unknown keyword '{}' out of section", line.words[0]),
                })
            }
        }
    }
    Ok(sections)
}

/// An ACL condition: `if`/`unless` and the words after it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Condition {
    pub unless: bool,
    pub words: Vec<String>,
}

/// What a header rule does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Set,
    Add,
    Del,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRule {
    pub action: Action,
    pub name: String,
    /// The value as written (a log-format string); empty for `del-header`.
    pub value: String,
    pub condition: Option<Condition>,
    /// `http-response`, `http-after-response` or the legacy `rspadd`.
    pub keyword: String,
    pub line: usize,
    pub column: usize,
}

impl HeaderRule {
    pub fn is_sts(&self) -> bool {
        self.name.eq_ignore_ascii_case("strict-transport-security")
    }
}

/// A response HAProxy makes itself from a request rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub condition: Option<Condition>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    pub address: String,
    pub port: Option<u16>,
    pub https: bool,
    /// `crt` files, as written.
    pub certificates: Vec<String>,
    pub line: usize,
}

/// A `frontend`, `backend` or `listen` section, as the model uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proxy {
    pub kind: String,
    pub name: String,
    pub line: usize,
    pub http_mode: bool,
    pub binds: Vec<Bind>,
    pub acls: BTreeMap<String, Vec<Vec<String>>>,
    pub answers: Vec<Answer>,
    pub response: Vec<HeaderRule>,
    pub after_response: Vec<HeaderRule>,
    /// `use_backend NAME if ...`, in order.
    pub use_backends: Vec<(String, Option<Condition>)>,
    pub default_backend: Option<String>,
    /// `server` addresses.
    pub servers: Vec<String>,
    /// What the prediction does not model here.
    pub unmodelled: Vec<String>,
}

/// The model of a whole configuration: every proxy by name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Model {
    pub proxies: Vec<Proxy>,
}

fn condition(words: &[String]) -> (Vec<String>, Option<Condition>) {
    match words.iter().position(|w| w == "if" || w == "unless") {
        Some(at) => (
            words[..at].to_vec(),
            Some(Condition {
                unless: words[at] == "unless",
                words: words[at + 1..].to_vec(),
            }),
        ),
        None => (words.to_vec(), None),
    }
}

/// `Name: value` of the legacy `rspadd`.
fn legacy_header(text: &str) -> Option<(String, String)> {
    let (name, value) = text.split_once(':')?;
    Some((name.trim().to_string(), value.trim().to_string()))
}

/// The proxies of a configuration, with `defaults`' mode applied.
pub fn model(sections: &[Section]) -> Model {
    let mut default_http = false;
    let mut proxies = Vec::new();
    for section in sections {
        if section.kind == "defaults" {
            default_http = section
                .lines
                .iter()
                .rev()
                .find(|l| l.words[0] == "mode")
                .map_or(default_http, |l| {
                    l.words.get(1).is_some_and(|m| m == "http")
                });
            continue;
        }
        if !["frontend", "backend", "listen"].contains(&section.kind.as_str()) {
            continue;
        }
        let mut p = Proxy {
            kind: section.kind.clone(),
            name: section.name.clone(),
            line: section.line,
            http_mode: default_http,
            binds: Vec::new(),
            acls: BTreeMap::new(),
            answers: Vec::new(),
            response: Vec::new(),
            after_response: Vec::new(),
            use_backends: Vec::new(),
            default_backend: None,
            servers: Vec::new(),
            unmodelled: Vec::new(),
        };
        let mut legacy_redirects = Vec::new();
        for l in &section.lines {
            let w = &l.words;
            match w[0].as_str() {
                "mode" => p.http_mode = w.get(1).is_some_and(|m| m == "http"),
                "bind" => {
                    let address = w.get(1).cloned().unwrap_or_default();
                    let port = address
                        .rsplit_once(':')
                        .and_then(|(_, port)| port.parse().ok());
                    let mut certificates = Vec::new();
                    let mut params = w.iter().skip(2);
                    while let Some(param) = params.next() {
                        if param == "crt" {
                            certificates.extend(params.next().cloned());
                        }
                    }
                    p.binds.push(Bind {
                        https: w.iter().skip(2).any(|x| x == "ssl"),
                        address,
                        port,
                        certificates,
                        line: l.line,
                    });
                }
                "acl" if w.len() >= 3 => p
                    .acls
                    .entry(w[1].clone())
                    .or_default()
                    .push(w[2..].to_vec()),
                "http-response" | "http-after-response" => {
                    let (action, cond) = condition(&w[1..]);
                    let rule = match action.first().map(String::as_str) {
                        Some("set-header") => Some(Action::Set),
                        Some("add-header") => Some(Action::Add),
                        Some("del-header") => Some(Action::Del),
                        _ => None,
                    };
                    match rule {
                        Some(a) if action.len() >= 2 => {
                            let rule = HeaderRule {
                                action: a,
                                name: action[1].clone(),
                                value: if a == Action::Del {
                                    String::new()
                                } else {
                                    action.get(2).cloned().unwrap_or_default()
                                },
                                condition: cond,
                                keyword: w[0].clone(),
                                line: l.line,
                                column: l.column,
                            };
                            if w[0] == "http-response" {
                                p.response.push(rule);
                            } else {
                                p.after_response.push(rule);
                            }
                        }
                        _ => {
                            let what = action.first().cloned().unwrap_or_default();
                            p.unmodelled
                                .push(format!("{} {what} (line {}): not modelled", w[0], l.line));
                        }
                    }
                }
                "rspadd" if w.len() >= 2 => {
                    let (header, cond) = condition(&w[1..]);
                    if let Some((name, value)) = header.first().and_then(|h| legacy_header(h)) {
                        p.response.push(HeaderRule {
                            action: Action::Add,
                            name,
                            value,
                            condition: cond,
                            keyword: "rspadd".into(),
                            line: l.line,
                            column: l.column,
                        });
                    }
                }
                "http-request" => {
                    let (action, cond) = condition(&w[1..]);
                    match action.first().map(String::as_str) {
                        Some("redirect") => p.answers.push(Answer {
                            status: option_after(&action, "code").unwrap_or(302),
                            headers: Vec::new(),
                            condition: cond,
                        }),
                        Some("return") => {
                            let mut headers = Vec::new();
                            let mut it = action.iter();
                            while let Some(word) = it.next() {
                                if word == "hdr" {
                                    if let (Some(n), Some(v)) = (it.next(), it.next()) {
                                        headers.push((n.clone(), v.clone()));
                                    }
                                }
                            }
                            p.answers.push(Answer {
                                status: option_after(&action, "status").unwrap_or(200),
                                headers,
                                condition: cond,
                            });
                        }
                        Some("deny") => p.answers.push(Answer {
                            status: option_after(&action, "deny_status").unwrap_or(403),
                            headers: Vec::new(),
                            condition: cond,
                        }),
                        Some("set-header" | "add-header" | "del-header" | "set-var") => {}
                        Some(other) => p.unmodelled.push(format!(
                            "http-request {other} (line {}): not modelled",
                            l.line
                        )),
                        None => {}
                    }
                }
                "redirect" => {
                    let (action, cond) = condition(&w[1..]);
                    legacy_redirects.push(Answer {
                        status: option_after(&action, "code").unwrap_or(302),
                        headers: Vec::new(),
                        condition: cond,
                    });
                }
                "use_backend" if w.len() >= 2 => {
                    let (name, cond) = condition(&w[1..]);
                    p.use_backends
                        .push((name.first().cloned().unwrap_or_default(), cond));
                }
                "default_backend" if w.len() >= 2 => p.default_backend = Some(w[1].clone()),
                "server" if w.len() >= 3 => p.servers.push(w[2].clone()),
                "rspdel" | "rspirep" | "rsprep" | "reqadd" | "reqrep" | "reqirep" => p
                    .unmodelled
                    .push(format!("{} (line {}): not modelled", w[0], l.line)),
                _ => {}
            }
        }
        // The legacy `redirect` runs after the http-request rules.
        p.answers.extend(legacy_redirects);
        proxies.push(p);
    }
    Model { proxies }
}

fn option_after(words: &[String], key: &str) -> Option<u16> {
    let at = words.iter().position(|w| w == key)?;
    words.get(at + 1)?.parse().ok()
}

/// A request through a frontend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    pub https: bool,
    /// The Host header as sent (with the port when it is not the scheme's).
    pub host: &'a str,
    pub path: &'a str,
}

/// What an ACL condition is evaluated against: the request, and the response's
/// status once there is one.
struct Context<'a> {
    request: Request<'a>,
    status: Option<u16>,
}

/// One fetch with its patterns: true, false, or not known.
fn fetch_matches(words: &[String], ctx: &Context) -> Result<bool, String> {
    let Some((fetch, rest)) = words.split_first() else {
        return Err("an empty ACL".into());
    };
    let mut patterns: Vec<&str> = Vec::new();
    let mut ignore_case = false;
    for w in rest {
        match w.as_str() {
            "-i" => ignore_case = true,
            "-m" | "-f" | "-M" => return Err(format!("{fetch} {w} is not modelled")),
            p => patterns.push(p),
        }
    }
    let eq = |a: &str, b: &str| {
        if ignore_case {
            a.eq_ignore_ascii_case(b)
        } else {
            a == b
        }
    };
    match fetch.as_str() {
        "ssl_fc" => Ok(ctx.request.https),
        "path" => Ok(patterns.iter().any(|p| eq(ctx.request.path, p))),
        "path_beg" => Ok(patterns.iter().any(|p| {
            ctx.request
                .path
                .get(..p.len())
                .is_some_and(|start| eq(start, p))
        })),
        "path_end" => Ok(patterns.iter().any(|p| {
            ctx.request
                .path
                .len()
                .checked_sub(p.len())
                .and_then(|at| ctx.request.path.get(at..))
                .is_some_and(|end| eq(end, p))
        })),
        "hdr(host)" | "req.hdr(host)" => Ok(patterns.iter().any(|p| eq(ctx.request.host, p))),
        "status" => {
            let Some(status) = ctx.status else {
                return Err("status is only known for a response".into());
            };
            for p in &patterns {
                let (low, high) = match p.split_once(':') {
                    Some((a, b)) => (a.parse::<u16>(), b.parse::<u16>()),
                    None => (p.parse::<u16>(), p.parse::<u16>()),
                };
                match (low, high) {
                    (Ok(low), Ok(high)) => {
                        if (low..=high).contains(&status) {
                            return Ok(true);
                        }
                    }
                    _ => return Err(format!("status {p} is not modelled")),
                }
            }
            Ok(false)
        }
        other => Err(format!("the fetch {other} is not modelled")),
    }
}

/// An ACL expression: terms joined by AND, `||`/`or` between groups.
fn holds(cond: &Condition, proxy: &Proxy, ctx: &Context) -> Result<bool, String> {
    let mut any = false;
    let mut group = true;
    let mut i = 0;
    let words = &cond.words;
    while i < words.len() {
        let w = words[i].as_str();
        if w == "||" || w == "or" {
            any |= group;
            group = true;
            i += 1;
            continue;
        }
        let (negate, name) = match w.strip_prefix('!') {
            Some("") => {
                i += 1;
                (true, words.get(i).map(String::as_str).unwrap_or(""))
            }
            Some(rest) => (true, rest),
            None => (false, w),
        };
        let value = if name == "{" {
            let end = words[i..]
                .iter()
                .position(|x| x == "}")
                .ok_or("an anonymous ACL without its closing }")?;
            let inner = &words[i + 1..i + end];
            i += end;
            fetch_matches(inner, ctx)?
        } else {
            let Some(definitions) = proxy.acls.get(name) else {
                return Err(format!("the ACL {name} is not known here"));
            };
            let mut matched = false;
            for d in definitions {
                matched |= fetch_matches(d, ctx)?;
            }
            matched
        };
        group &= value != negate;
        i += 1;
    }
    any |= group;
    Ok(any != cond.unless)
}

fn applies(cond: &Option<Condition>, proxy: &Proxy, ctx: &Context) -> Result<bool, String> {
    match cond {
        None => Ok(true),
        Some(c) => holds(c, proxy, ctx),
    }
}

/// What a request through a frontend gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prediction {
    Known {
        status: u16,
        headers: Vec<(String, String)>,
    },
    Unknown(String),
}

/// Applies header rules in order.
fn apply(
    rules: &[HeaderRule],
    proxy: &Proxy,
    ctx: &Context,
    headers: &mut Vec<(String, String)>,
) -> Result<(), String> {
    for rule in rules {
        if !applies(&rule.condition, proxy, ctx)? {
            continue;
        }
        if rule.value.contains('%') {
            return Err(format!(
                "the value at line {} is a log-format expression",
                rule.line
            ));
        }
        match rule.action {
            Action::Set => {
                headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&rule.name));
                headers.push((rule.name.clone(), rule.value.clone()));
            }
            Action::Add => headers.push((rule.name.clone(), rule.value.clone())),
            Action::Del => headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&rule.name)),
        }
    }
    Ok(())
}

/// A header rule that fired, and the header list it left.
pub type Fired<'a> = Vec<(&'a HeaderRule, Vec<(String, String)>)>;

impl Model {
    /// The headers HAProxy adds to a server's response with `status` through
    /// `backend` (if any) and `frontend`, starting from none, and each rule that
    /// fired with the list it left.
    pub fn response_headers<'a>(
        &self,
        frontend: &'a Proxy,
        backend: Option<&'a Proxy>,
        request: Request,
        status: u16,
    ) -> Result<Fired<'a>, String> {
        let ctx = Context {
            request,
            status: Some(status),
        };
        let mut chain: Vec<&Proxy> = Vec::new();
        if let Some(b) = backend.filter(|b| !std::ptr::eq(*b, frontend)) {
            chain.push(b);
        }
        chain.push(frontend);
        let mut headers = Vec::new();
        let mut fired = Vec::new();
        for stage in [0, 1] {
            for p in &chain {
                let rules = if stage == 0 {
                    &p.response
                } else {
                    &p.after_response
                };
                for rule in rules {
                    if applies(&rule.condition, p, &ctx)? {
                        apply(std::slice::from_ref(rule), p, &ctx, &mut headers)?;
                        fired.push((rule, headers.clone()));
                    }
                }
            }
        }
        Ok(fired)
    }

    /// The host names a frontend routes by (`hdr(host)` ACLs), each with the backend
    /// its `use_backend` sends it to.
    pub fn routed_names<'a>(&'a self, frontend: &'a Proxy) -> Vec<(String, Option<&'a Proxy>)> {
        let mut out = Vec::new();
        for (acl, definitions) in &frontend.acls {
            for d in definitions {
                let Some((fetch, patterns)) = d.split_first() else {
                    continue;
                };
                if !matches!(
                    fetch.as_str(),
                    "hdr(host)" | "req.hdr(host)" | "hdr_dom(host)" | "req.hdr_dom(host)"
                ) {
                    continue;
                }
                let backend = frontend
                    .use_backends
                    .iter()
                    .find(|(_, c)| {
                        c.as_ref()
                            .is_some_and(|c| !c.unless && c.words.len() == 1 && c.words[0] == *acl)
                    })
                    .and_then(|(name, _)| self.proxy(name))
                    .or_else(|| {
                        frontend
                            .default_backend
                            .as_deref()
                            .and_then(|n| self.proxy(n))
                    });
                for p in patterns.iter().filter(|p| !p.starts_with('-')) {
                    let name = p.split(':').next().unwrap_or(p).to_ascii_lowercase();
                    if !out.iter().any(|(n, _)| *n == name) {
                        out.push((name, backend));
                    }
                }
            }
        }
        out
    }

    pub fn proxy(&self, name: &str) -> Option<&Proxy> {
        self.proxies.iter().find(|p| p.name == name)
    }

    /// The proxy of this configuration a server address points at, if any.
    fn local_proxy(&self, address: &str) -> Option<&Proxy> {
        let port = address.rsplit_once(':')?.1;
        self.proxies.iter().find(|p| {
            p.binds
                .iter()
                .any(|b| !b.https && b.address.rsplit_once(':').is_some_and(|(_, bp)| bp == port))
        })
    }

    /// The backend a request goes to.
    pub fn backend_for<'a>(
        &'a self,
        frontend: &'a Proxy,
        request: Request,
    ) -> Result<Option<&'a Proxy>, String> {
        let ctx = Context {
            request,
            status: None,
        };
        for (name, cond) in &frontend.use_backends {
            if applies(cond, frontend, &ctx)? {
                return Ok(self.proxy(name));
            }
        }
        if frontend.kind == "listen" && !frontend.servers.is_empty() {
            return Ok(Some(frontend));
        }
        Ok(frontend
            .default_backend
            .as_deref()
            .and_then(|n| self.proxy(n)))
    }

    /// The response to `GET path` through `frontend`.
    pub fn predict(&self, frontend: &Proxy, request: Request) -> Prediction {
        match self.predict_depth(frontend, request, 0) {
            Ok((status, headers)) => Prediction::Known { status, headers },
            Err(why) => Prediction::Unknown(why),
        }
    }

    fn predict_depth(
        &self,
        frontend: &Proxy,
        request: Request,
        depth: usize,
    ) -> Result<(u16, Vec<(String, String)>), String> {
        if depth > 8 {
            return Err("servers point at each other".into());
        }
        if !frontend.http_mode {
            return Err(format!("{} is not in mode http", frontend.name));
        }
        if let Some(why) = frontend.unmodelled.first() {
            return Err(why.clone());
        }
        let ctx = Context {
            request,
            status: None,
        };
        let made = |proxy: &Proxy, answer: &Answer, others: &[&Proxy]| {
            let mut headers = answer.headers.clone();
            let ctx = Context {
                request,
                status: Some(answer.status),
            };
            for p in others.iter().copied().chain([proxy]) {
                apply(&p.after_response, p, &ctx, &mut headers)?;
            }
            Ok::<_, String>((answer.status, headers))
        };
        for answer in &frontend.answers {
            if applies(&answer.condition, frontend, &ctx)? {
                return made(frontend, answer, &[]);
            }
        }
        let unavailable = Answer {
            status: 503,
            headers: Vec::new(),
            condition: None,
        };
        let Some(backend) = self.backend_for(frontend, request)? else {
            return made(frontend, &unavailable, &[]);
        };
        let same = std::ptr::eq(backend, frontend);
        if !same {
            if let Some(why) = backend.unmodelled.first() {
                return Err(why.clone());
            }
            for answer in &backend.answers {
                if applies(&answer.condition, backend, &ctx)? {
                    return made(frontend, answer, &[backend]);
                }
            }
        }
        let Some(server) = backend.servers.first() else {
            let others: &[&Proxy] = if same { &[] } else { &[backend] };
            return made(frontend, &unavailable, others);
        };
        let Some(origin) = self.local_proxy(server) else {
            return Err(format!(
                "the server {server} of {} answers with what it answers",
                backend.name
            ));
        };
        let (status, mut headers) = self.predict_depth(
            origin,
            Request {
                https: false,
                ..request
            },
            depth + 1,
        )?;
        let ctx = Context {
            request,
            status: Some(status),
        };
        let mut chain: Vec<&Proxy> = Vec::new();
        if !same {
            chain.push(backend);
        }
        chain.push(frontend);
        for p in &chain {
            apply(&p.response, p, &ctx, &mut headers)?;
        }
        for p in &chain {
            apply(&p.after_response, p, &ctx, &mut headers)?;
        }
        Ok((status, headers))
    }
}

/// Runs the reader and the model on arbitrary bytes: no panic. The fuzz target and
/// its corpus replay call this.
#[doc(hidden)]
pub fn exercise_reader(data: &[u8]) {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    match parse_text(data) {
        Err(e) => assert!(e.line >= 1 && e.line <= lines && e.column >= 1, "{e:?}"),
        Ok(sections) => exercise_model(&sections),
    }
}

fn exercise_model(sections: &[Section]) {
    let mut findings = Vec::new();
    let _ =
        crate::config::haproxy_report(sections, std::path::Path::new("fuzz.cfg"), &mut findings);
    assert!(findings.iter().all(|f| f.line.is_some_and(|l| l >= 1)));
    let model = model(sections);
    for p in &model.proxies {
        for https in [false, true] {
            let _ = model.predict(
                p,
                Request {
                    https,
                    host: "example.test",
                    path: "/",
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(text: &str) -> Vec<String> {
        words(text.as_bytes(), 1).unwrap().unwrap().words
    }

    #[test]
    fn words_as_haproxy_splits_them() {
        assert_eq!(
            w(
                r#"  http-response set-header Strict-Transport-Security "max-age=1; preload" if { ssl_fc } # note"#
            ),
            [
                "http-response",
                "set-header",
                "Strict-Transport-Security",
                "max-age=1; preload",
                "if",
                "{",
                "ssl_fc",
                "}"
            ]
        );
        assert_eq!(w(r#"a'b c'"d e" f\ g \x41\t"#), ["ab cd e", "f g", "A\t"]);
        assert_eq!(
            w("rspadd Strict-Transport-Security:\\ max-age=5"),
            ["rspadd", "Strict-Transport-Security: max-age=5"]
        );
        assert!(words(b"a \"b", 3).is_err());
        assert!(words(b"   # only a comment", 1).unwrap().is_none());
    }

    #[test]
    fn responses_from_servers_and_from_haproxy() {
        let text = "defaults\n mode http\nfrontend fe\n bind :80\n bind :443 ssl crt /x.pem\n \
            http-request redirect scheme https code 301 unless { ssl_fc }\n \
            http-response set-header Strict-Transport-Security \"max-age=60\" if { ssl_fc } { status 200:399 }\n \
            default_backend be\nbackend be\n http-response add-header X-Stage a\n server s 127.0.0.1:9000\n\
            listen origin\n bind 127.0.0.1:9000\n http-request return status 200 hdr Strict-Transport-Security max-age=1 if { path /ok }\n\
            http-request return status 404\n";
        let m = model(&parse_text(text.as_bytes()).unwrap());
        let fe = m.proxy("fe").unwrap();
        let get = |https, path| {
            m.predict(
                fe,
                Request {
                    https,
                    host: "a",
                    path,
                },
            )
        };
        assert_eq!(
            get(false, "/ok"),
            Prediction::Known {
                status: 301,
                headers: vec![]
            }
        );
        let h = |n: &str, v: &str| (n.to_string(), v.to_string());
        assert_eq!(
            get(true, "/ok"),
            Prediction::Known {
                status: 200,
                headers: vec![
                    h("X-Stage", "a"),
                    h("Strict-Transport-Security", "max-age=60")
                ]
            }
        );
        assert_eq!(
            get(true, "/no"),
            Prediction::Known {
                status: 404,
                headers: vec![h("X-Stage", "a")]
            }
        );
    }
}
