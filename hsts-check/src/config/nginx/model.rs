//! What an nginx configuration sends: the `add_header` rules in effect at each level
//! and the headers a GET request for a path gets, predicted from the tree
//! [`super::parse`] reads (the rules below are the ones the live test proves;
//! anything else makes a prediction "unknown", never a guess).
//!
//! nginx's rules, as ngx_http_headers_filter_module and the core module apply them:
//!
//! - `add_header` is inherited from the enclosing level (http, server, location,
//!   nested location, `if` in a location) only by a level that has no `add_header` of
//!   its own: one `add_header` drops every inherited one;
//! - a header goes out only on 200, 201, 204, 206, 301, 302, 303, 304, 307 and 308,
//!   unless the rule says `always`; an empty value sends nothing;
//! - the location is the longest matching prefix location, then the longest matching
//!   one nested in it, and so on; `=` stops the search when the path is equal;
//! - `return` at server level runs before any location is chosen; in a location it
//!   runs in the order written;
//! - a request no `return` answers is a static file; the prediction assumes the files
//!   do not exist (404);
//! - a 404 with an `error_page 404 URI` in effect (inherited like `add_header`: a level
//!   with its own `error_page` drops the inherited ones) is redirected internally to
//!   URI, whose location then answers with status 404, once (variables `set`
//!   before the redirect keep their values);
//! - the rewrite directives (`set`, `return`, `if`) run in the order written, the
//!   server's first, then the location's; an `if` whose condition is true makes its
//!   block the level whose `add_header` rules apply (inside a location), and its own
//!   `set` and `return` run where it stands;
//! - a value's variables are resolved when they are known for the request: `$scheme`,
//!   `$https`, `$host`, `$server_name`, a `set` that ran, and a `map` whose source
//!   resolves (string keys match without regard to case; a regex key that might match
//!   makes the value unknown unless every value of the map is the same).

use super::parse::{Config, Directive};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The statuses `add_header` adds on without `always`.
pub const ADD_HEADER_STATUSES: [u16; 10] = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308];

/// Variables deeper than this (a map of a map of ...) are not followed.
pub(super) const MAX_VARIABLE_DEPTH: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRule {
    pub name: String,
    /// The value as written; it may use variables.
    pub value: String,
    pub always: bool,
    pub file: usize,
    pub line: usize,
    pub column: usize,
}

impl HeaderRule {
    /// Whether it adds its header to a response with `status` (if its value is not empty).
    pub fn applies(&self, status: u16) -> bool {
        self.always || ADD_HEADER_STATUSES.contains(&status)
    }

    pub fn is_sts(&self) -> bool {
        self.name.eq_ignore_ascii_case("strict-transport-security")
    }
}

/// A header headers-more's `more_set_headers` sets: on every status unless `-s`
/// names some.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoreHeader {
    pub name: String,
    pub value: String,
    pub statuses: Option<Vec<u16>>,
    pub file: usize,
    pub line: usize,
}

/// A rewrite-phase directive, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Set {
        variable: String,
        value: String,
    },
    Return {
        status: Option<u16>,
        args: Vec<String>,
    },
    /// `if`: its condition's words and the index of its block in [`Scope::ifs`].
    If {
        condition: Vec<String>,
        block: usize,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Http,
    Server,
    Location,
    If,
}

/// A level that can answer a request (a server, a location, an `if` block), with
/// what it inherits already applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub kind: Kind,
    /// The location's match arguments (`["/api"]`, `["=", "/x"]`), the `if`'s
    /// condition; empty for a server.
    pub matcher: Vec<String>,
    pub file: usize,
    pub line: usize,
    /// The `add_header` rules in effect here (shared with the level they are
    /// inherited from: a large configuration has thousands of levels).
    pub headers: Arc<Vec<HeaderRule>>,
    /// Whether those rules are this level's own (and so drop the inherited ones).
    pub own_headers: bool,
    /// headers-more's `more_set_headers` in effect here.
    pub more_headers: Arc<Vec<MoreHeader>>,
    /// Whether those are this level's own.
    pub own_more_headers: bool,
    /// `error_page` in effect: codes and the URI.
    pub error_pages: Arc<Vec<(Vec<u16>, String)>>,
    /// This level's `set`, `return` and `if`, in order.
    pub steps: Vec<Step>,
    /// An upstream answers here (`proxy_pass` and its kin), at this line.
    pub upstream: Option<usize>,
    /// `proxy_hide_header Strict-Transport-Security` is in effect.
    pub hides_upstream_sts: bool,
    /// Something here the prediction does not model (named for the reader).
    pub unmodelled: Vec<String>,
    pub locations: Vec<Scope>,
    pub ifs: Vec<Scope>,
}

/// A `listen` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listen {
    pub args: Vec<String>,
    /// `ssl` (or `quic`) is among its parameters, or the server says `ssl on`.
    pub https: bool,
    pub port: Option<u16>,
    pub line: usize,
}

/// A `map` of the `http` block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Map {
    pub source: String,
    pub entries: Vec<(String, String)>,
    pub default: String,
    /// `hostnames` or a regex key: string matching alone does not decide.
    pub inexact: bool,
    pub file: usize,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub names: Vec<String>,
    /// `listen`; a server without one listens on port 80 without TLS.
    pub listens: Vec<Listen>,
    /// `ssl_certificate` files in effect, as written.
    pub certificates: Vec<String>,
    pub maps: Arc<BTreeMap<String, Map>>,
    pub scope: Scope,
    /// The status the server's own rewrite directives answer every request with,
    /// before any location, over `http` and over `https`, worked out once when first
    /// asked (see `Server::answer_to_all` in [`super::predict`]).
    pub answers_all: std::sync::OnceLock<[Option<u16>; 2]>,
}

impl Server {
    pub fn file(&self) -> usize {
        self.scope.file
    }

    pub fn serves_https(&self) -> bool {
        self.listens.iter().any(|l| l.https)
    }

    pub fn serves_http(&self) -> bool {
        self.listens.is_empty() || self.listens.iter().any(|l| !l.https)
    }
}

/// The servers of a configuration's `http` blocks.
pub fn servers(config: &Config) -> Vec<Server> {
    let Some(main) = config.files.first() else {
        return Vec::new();
    };
    let top = Scope::root();
    let mut out = Vec::new();
    for http in expand(config, &main.directives)
        .iter()
        .filter(|d| d.name == "http")
    {
        let block = expand(config, http.block.as_deref().unwrap_or_default());
        let http_scope = top.child(Kind::Http, Vec::new(), http, &block);
        let maps = Arc::new(maps_of(config, &block));
        let http_certificates = args_of(&block, "ssl_certificate");
        for server in block.iter().filter(|d| d.name == "server") {
            let inner = expand(config, server.block.as_deref().unwrap_or_default());
            let scope =
                http_scope.child_with_locations(config, Kind::Server, Vec::new(), server, &inner);
            let ssl_on = inner
                .iter()
                .any(|d| d.name == "ssl" && d.args.first().is_some_and(|a| a == "on"));
            let certificates = args_of(&inner, "ssl_certificate");
            out.push(Server {
                names: args_of(&inner, "server_name"),
                listens: inner
                    .iter()
                    .filter(|d| d.name == "listen")
                    .map(|d| Listen {
                        https: ssl_on || d.args.iter().skip(1).any(|a| a == "ssl" || a == "quic"),
                        port: d.args.first().and_then(|a| listen_port(a)),
                        args: d.args.clone(),
                        line: d.line,
                    })
                    .collect(),
                certificates: if certificates.is_empty() {
                    http_certificates.clone()
                } else {
                    certificates
                },
                maps: Arc::clone(&maps),
                scope,
                answers_all: std::sync::OnceLock::new(),
            });
        }
    }
    out
}

/// The port of a `listen` address: `443`, `*:443`, `[::]:443`, `127.0.0.1` (80).
fn listen_port(address: &str) -> Option<u16> {
    if address.starts_with("unix:") {
        return None;
    }
    let port = match address.rsplit_once(':') {
        Some((host, port))
            if !port.contains(']') && (host.ends_with(']') || !host.contains(':')) =>
        {
            port
        }
        _ if address.bytes().all(|b| b.is_ascii_digit()) => address,
        _ => return Some(80),
    };
    port.parse().ok()
}

fn maps_of(config: &Config, block: &[&Directive]) -> BTreeMap<String, Map> {
    let mut maps = BTreeMap::new();
    for d in block
        .iter()
        .filter(|d| d.name == "map" && d.args.len() == 2)
    {
        let entries_block = expand(config, d.block.as_deref().unwrap_or_default());
        let mut map = Map {
            source: d.args[0].clone(),
            entries: Vec::new(),
            default: String::new(),
            inexact: false,
            file: d.file,
            line: d.line,
        };
        for entry in &entries_block {
            match (entry.name.as_str(), entry.args.as_slice()) {
                ("default", [value]) => map.default = value.clone(),
                ("hostnames", []) => map.inexact = true,
                ("volatile", []) => {}
                (key, [value]) => {
                    if key.starts_with('~') {
                        map.inexact = true;
                    }
                    let key = key.strip_prefix('\\').unwrap_or(key);
                    map.entries.push((key.to_ascii_lowercase(), value.clone()));
                }
                _ => {}
            }
        }
        if let Some(name) = d.args[1].strip_prefix('$') {
            maps.insert(name.to_string(), map);
        }
    }
    maps
}

fn args_of(block: &[&Directive], name: &str) -> Vec<String> {
    block
        .iter()
        .filter(|d| d.name == name)
        .flat_map(|d| d.args.iter().cloned())
        .collect()
}

/// A block's directives with every `include` replaced by the directives of the
/// files it read (references: nothing is copied).
fn expand<'a>(config: &'a Config, block: &'a [Directive]) -> Vec<&'a Directive> {
    let mut out = Vec::with_capacity(block.len());
    for directive in block {
        if directive.name == "include" && directive.block.is_none() {
            for &index in &directive.includes {
                out.extend(expand(config, &config.files[index].directives));
            }
        } else {
            out.push(directive);
        }
    }
    out
}

/// `more_set_headers [-s 'STATUS...'] [-t TYPES] 'Name: value'...`
fn more_set_headers(d: &Directive) -> Vec<MoreHeader> {
    let mut statuses = None;
    let mut out = Vec::new();
    let mut args = d.args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-s" => {
                statuses = args.next().map(|s| {
                    s.split_whitespace()
                        .filter_map(|c| c.parse().ok())
                        .collect()
                });
            }
            "-t" => {
                args.next();
            }
            header => {
                if let Some((name, value)) = header.split_once(':') {
                    out.push(MoreHeader {
                        name: name.trim().to_string(),
                        value: value.trim().to_string(),
                        statuses: None,
                        file: d.file,
                        line: d.line,
                    });
                }
            }
        }
    }
    for header in &mut out {
        header.statuses.clone_from(&statuses);
    }
    out
}

impl Scope {
    fn root() -> Scope {
        Scope {
            kind: Kind::Http,
            matcher: Vec::new(),
            file: 0,
            line: 0,
            headers: Arc::default(),
            own_headers: false,
            more_headers: Arc::default(),
            own_more_headers: false,
            error_pages: Arc::default(),
            steps: Vec::new(),
            upstream: None,
            hides_upstream_sts: false,
            unmodelled: Vec::new(),
            locations: Vec::new(),
            ifs: Vec::new(),
        }
    }

    /// This level's rules over the parent's, without its locations.
    fn child(
        &self,
        kind: Kind,
        matcher: Vec<String>,
        at: &Directive,
        block: &[&Directive],
    ) -> Scope {
        let own: Vec<HeaderRule> = block
            .iter()
            .filter(|d| d.name == "add_header" && d.args.len() >= 2)
            .map(|d| HeaderRule {
                name: d.args[0].clone(),
                value: d.args[1].clone(),
                always: d.args.get(2).is_some_and(|a| a == "always"),
                file: d.file,
                line: d.line,
                column: d.column,
            })
            .collect();
        let own_more: Vec<MoreHeader> = block
            .iter()
            .filter(|d| d.name == "more_set_headers")
            .flat_map(|d| more_set_headers(d))
            .collect();
        let own_pages: Vec<(Vec<u16>, String)> = block
            .iter()
            .filter(|d| d.name == "error_page" && d.args.len() >= 2)
            .map(|d| {
                let (uri, codes) = d.args.split_last().expect("two arguments");
                (
                    codes.iter().filter_map(|c| c.parse().ok()).collect(),
                    uri.clone(),
                )
            })
            .collect();
        let hides: Vec<&Directive> = block
            .iter()
            .copied()
            .filter(|d| d.name == "proxy_hide_header")
            .collect();
        let mut unmodelled = Vec::new();
        let mut upstream = None;
        let mut steps = Vec::new();
        for d in block {
            let why = match d.name.as_str() {
                "more_set_headers" | "more_clear_headers" => Some("headers-more"),
                "proxy_pass" | "fastcgi_pass" | "uwsgi_pass" | "grpc_pass" | "scgi_pass"
                | "memcached_pass" => {
                    upstream = Some(d.line);
                    Some("an upstream answers")
                }
                "rewrite" | "try_files" | "break" => Some("a rewrite"),
                _ => None,
            };
            if let Some(why) = why {
                unmodelled.push(format!("{} (line {}): {why}", d.name, d.line));
            }
            if d.name == "error_page" && d.args.iter().any(|a| a.starts_with('=')) {
                unmodelled.push(format!("error_page (line {}): a changed status", d.line));
            }
            match d.name.as_str() {
                "set" if d.args.len() == 2 => steps.push(Step::Set {
                    variable: d.args[0].trim_start_matches('$').to_string(),
                    value: d.args[1].clone(),
                }),
                "return" => steps.push(Step::Return {
                    status: d.args.first().and_then(|c| c.parse().ok()).or_else(|| {
                        let url = d.args.first()?;
                        (url.starts_with("http://")
                            || url.starts_with("https://")
                            || url.starts_with("$scheme"))
                        .then_some(302)
                    }),
                    args: d.args.clone(),
                }),
                "if" => steps.push(Step::If {
                    condition: d.args.clone(),
                    block: usize::MAX,
                }),
                _ => {}
            }
        }
        Scope {
            kind,
            matcher,
            file: at.file,
            line: at.line,
            own_headers: !own.is_empty(),
            headers: if own.is_empty() {
                Arc::clone(&self.headers)
            } else {
                Arc::new(own)
            },
            own_more_headers: !own_more.is_empty(),
            more_headers: if own_more.is_empty() {
                Arc::clone(&self.more_headers)
            } else {
                Arc::new(own_more)
            },
            error_pages: if own_pages.is_empty() {
                Arc::clone(&self.error_pages)
            } else {
                Arc::new(own_pages)
            },
            steps,
            upstream,
            hides_upstream_sts: if hides.is_empty() {
                self.hides_upstream_sts
            } else {
                hides.iter().any(|d| {
                    d.args
                        .first()
                        .is_some_and(|a| a.eq_ignore_ascii_case("strict-transport-security"))
                })
            },
            unmodelled,
            locations: Vec::new(),
            ifs: Vec::new(),
        }
    }

    fn child_with_locations(
        &self,
        config: &Config,
        kind: Kind,
        matcher: Vec<String>,
        at: &Directive,
        block: &[&Directive],
    ) -> Scope {
        let mut scope = self.child(kind, matcher, at, block);
        for d in block.iter().filter(|d| d.name == "if") {
            let inner = expand(config, d.block.as_deref().unwrap_or_default());
            let mut child = scope.child_with_locations(config, Kind::If, d.args.clone(), d, &inner);
            // An `if` block is entered from its level, not a request path of its own:
            // an upstream of the level still answers.
            child.upstream = child.upstream.or(scope.upstream);
            scope.ifs.push(child);
        }
        let mut next_if = 0;
        for step in &mut scope.steps {
            if let Step::If { block: index, .. } = step {
                *index = next_if;
                next_if += 1;
            }
        }
        for location in block.iter().filter(|d| d.name == "location") {
            let inner = expand(config, location.block.as_deref().unwrap_or_default());
            let child = scope.child_with_locations(
                config,
                Kind::Location,
                location.args.clone(),
                location,
                &inner,
            );
            scope.locations.push(child);
        }
        scope
    }

    /// The prefix this location matches, `=` for an exact one; None for a regex.
    pub(super) fn prefix(&self) -> Option<(bool, &str)> {
        match self.matcher.as_slice() {
            [path] if !path.starts_with('~') && !path.starts_with('@') => Some((false, path)),
            [op, path] if op == "=" => Some((true, path)),
            [op, path] if op == "^~" => Some((false, path)),
            _ => None,
        }
    }

    /// How a reader names this level: `server`, `location /api`, `if ($scheme = http)`.
    pub fn label(&self) -> String {
        match self.kind {
            Kind::Http => "http".to_string(),
            Kind::Server => "server".to_string(),
            Kind::Location => format!("location {}", self.matcher.join(" ")),
            Kind::If => format!("if {}", self.matcher.join(" ")),
        }
    }
}
