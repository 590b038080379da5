//! A HAProxy configuration's proxies: binds, routing, answers and header rules.

use super::parse::Section;
use std::collections::BTreeMap;
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
