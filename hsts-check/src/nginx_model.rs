//! What an nginx configuration sends: the `add_header` rules in effect at each level
//! and the headers a GET request for a path gets, predicted from the tree
//! [`crate::nginx`] reads (issue 18, in progress: the rules below are the ones the
//! live test proves; anything else makes a prediction "unknown", never a guess).
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
//!   URI, whose location then answers with status 404, once.

use crate::nginx::{Config, Directive};

/// The statuses `add_header` adds on without `always`.
pub const ADD_HEADER_STATUSES: [u16; 10] = [200, 201, 204, 206, 301, 302, 303, 304, 307, 308];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderRule {
    pub name: String,
    pub value: String,
    pub always: bool,
    pub line: usize,
}

impl HeaderRule {
    /// Whether it adds its header to a response with `status`.
    pub fn applies(&self, status: u16) -> bool {
        !self.value.is_empty() && (self.always || ADD_HEADER_STATUSES.contains(&status))
    }
}

/// A level that can answer a request: a server or a location, with what it inherits
/// already applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    /// The location's match arguments (`["/api"]`, `["=", "/x"]`); empty for a server.
    pub matcher: Vec<String>,
    pub line: usize,
    /// The `add_header` rules in effect here.
    pub headers: Vec<HeaderRule>,
    /// Whether those rules are this level's own (and so drop the inherited ones).
    pub own_headers: bool,
    /// `error_page` in effect: codes and the URI.
    pub error_pages: Vec<(Vec<u16>, String)>,
    /// `return` directives of this level, in order: status and the rest.
    pub returns: Vec<(Option<u16>, Vec<String>)>,
    /// Something here the prediction does not model (named for the reader).
    pub unmodelled: Vec<String>,
    pub locations: Vec<Scope>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub names: Vec<String>,
    pub listens: Vec<Vec<String>>,
    pub scope: Scope,
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
        let http_scope = top.child(Vec::new(), http.line, &block);
        for server in block.iter().filter(|d| d.name == "server") {
            let inner = expand(config, server.block.as_deref().unwrap_or_default());
            let scope = http_scope.child_with_locations(config, Vec::new(), server.line, &inner);
            out.push(Server {
                names: args_of(&inner, "server_name"),
                listens: inner
                    .iter()
                    .filter(|d| d.name == "listen")
                    .map(|d| d.args.clone())
                    .collect(),
                scope,
            });
        }
    }
    out
}

fn args_of(block: &[Directive], name: &str) -> Vec<String> {
    block
        .iter()
        .filter(|d| d.name == name)
        .flat_map(|d| d.args.iter().cloned())
        .collect()
}

/// A block with every `include` replaced by the directives of the files it read.
fn expand(config: &Config, block: &[Directive]) -> Vec<Directive> {
    let mut out = Vec::new();
    for directive in block {
        if directive.name == "include" && directive.block.is_none() {
            for &index in &directive.includes {
                out.extend(expand(config, &config.files[index].directives));
            }
        } else {
            out.push(directive.clone());
        }
    }
    out
}

impl Scope {
    fn root() -> Scope {
        Scope {
            matcher: Vec::new(),
            line: 0,
            headers: Vec::new(),
            own_headers: false,
            error_pages: Vec::new(),
            returns: Vec::new(),
            unmodelled: Vec::new(),
            locations: Vec::new(),
        }
    }

    /// This level's rules over the parent's, without its locations.
    fn child(&self, matcher: Vec<String>, line: usize, block: &[Directive]) -> Scope {
        let own: Vec<HeaderRule> = block
            .iter()
            .filter(|d| d.name == "add_header" && d.args.len() >= 2)
            .map(|d| HeaderRule {
                name: d.args[0].clone(),
                value: d.args[1].clone(),
                always: d.args.get(2).is_some_and(|a| a == "always"),
                line: d.line,
            })
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
        let mut unmodelled = Vec::new();
        for d in block {
            let why = match d.name.as_str() {
                "more_set_headers" | "more_clear_headers" => Some("headers-more"),
                "proxy_pass" | "fastcgi_pass" | "uwsgi_pass" | "grpc_pass" => {
                    Some("an upstream answers")
                }
                "rewrite" | "try_files" => Some("a rewrite"),
                "if" if !is_false_for_get(&d.args) => Some("an `if` that may be true"),
                _ => None,
            };
            if let Some(why) = why {
                unmodelled.push(format!("{} (line {}): {why}", d.name, d.line));
            }
            if d.name == "error_page" && d.args.iter().any(|a| a.starts_with('=')) {
                unmodelled.push(format!("error_page (line {}): a changed status", d.line));
            }
        }
        Scope {
            matcher,
            line,
            own_headers: !own.is_empty(),
            headers: if own.is_empty() {
                self.headers.clone()
            } else {
                own
            },
            error_pages: if own_pages.is_empty() {
                self.error_pages.clone()
            } else {
                own_pages
            },
            returns: block
                .iter()
                .filter(|d| d.name == "return")
                .map(|d| {
                    let code = d.args.first().and_then(|c| c.parse().ok());
                    (code, d.args.clone())
                })
                .collect(),
            unmodelled,
            locations: Vec::new(),
        }
    }

    fn child_with_locations(
        &self,
        config: &Config,
        matcher: Vec<String>,
        line: usize,
        block: &[Directive],
    ) -> Scope {
        let mut scope = self.child(matcher, line, block);
        for location in block.iter().filter(|d| d.name == "location") {
            let inner = expand(config, location.block.as_deref().unwrap_or_default());
            let child =
                scope.child_with_locations(config, location.args.clone(), location.line, &inner);
            scope.locations.push(child);
        }
        scope
    }

    /// The prefix this location matches, `=` for an exact one; None for a regex.
    fn prefix(&self) -> Option<(bool, &str)> {
        match self.matcher.as_slice() {
            [path] if !path.starts_with('~') => Some((false, path)),
            [op, path] if op == "=" => Some((true, path)),
            [op, path] if op == "^~" => Some((false, path)),
            _ => None,
        }
    }
}

/// `if ($request_method = POST)`: false for a GET. Anything else is not modelled.
fn is_false_for_get(args: &[String]) -> bool {
    let joined = args.join(" ");
    let inner = joined.trim_start_matches('(').trim_end_matches(')').trim();
    let parts: Vec<&str> = inner.split_whitespace().collect();
    matches!(parts.as_slice(), ["$request_method", "=", method] if *method != "GET" && *method != "HEAD")
}

/// What a GET for a path gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prediction {
    Known {
        status: u16,
        /// The headers `add_header` adds, in the order of the rules.
        headers: Vec<(String, String)>,
        /// The line of the location that answered (0: the server itself).
        scope_line: usize,
    },
    Unknown(String),
}

/// The scope a path is answered by: the longest matching prefix, recursively.
fn select<'a>(scope: &'a Scope, path: &str) -> Result<&'a Scope, String> {
    let mut best: Option<(&Scope, usize)> = None;
    for location in &scope.locations {
        let Some((exact, prefix)) = location.prefix() else {
            return Err(format!(
                "the regex location at line {} is not modelled",
                location.line
            ));
        };
        if exact {
            if path == prefix {
                return Ok(location);
            }
            continue;
        }
        if path.starts_with(prefix) && best.is_none_or(|(_, len)| prefix.len() > len) {
            best = Some((location, prefix.len()));
        }
    }
    match best {
        Some((location, _)) => select(location, path),
        None => Ok(scope),
    }
}

/// The response to `GET path` from `server`, or why it cannot be predicted.
pub fn predict(server: &Server, path: &str) -> Prediction {
    let mut path = path.to_string();
    let mut redirected = false;
    loop {
        let answered_by_server = server.scope.returns.first().map(|_| &server.scope);
        let scope = match answered_by_server {
            Some(scope) => scope,
            None => match select(&server.scope, &path) {
                Ok(scope) => scope,
                Err(why) => return Prediction::Unknown(why),
            },
        };
        if let Some(why) = scope.unmodelled.first() {
            return Prediction::Unknown(why.clone());
        }
        let status = match scope.returns.first() {
            Some((Some(code), _)) => *code,
            Some((None, args)) => {
                return Prediction::Unknown(format!("return {} is not modelled", args.join(" ")))
            }
            None => 404,
        };
        let status = if redirected { 404 } else { status };
        if status == 404 && !redirected {
            if let Some((_, uri)) = scope
                .error_pages
                .iter()
                .find(|(codes, _)| codes.contains(&404))
            {
                if !uri.starts_with('/') {
                    return Prediction::Unknown(format!("error_page to {uri} is not modelled"));
                }
                path = uri.clone();
                redirected = true;
                continue;
            }
        }
        let headers = scope
            .headers
            .iter()
            .filter(|rule| rule.applies(status))
            .map(|rule| (rule.name.clone(), rule.value.clone()))
            .collect();
        return Prediction::Known {
            status,
            headers,
            scope_line: scope.line,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(text: &str) -> Vec<Server> {
        let directives = crate::nginx::parse_text(text.as_bytes()).unwrap();
        let config = Config {
            files: vec![crate::nginx::ConfigFile {
                path: "nginx.conf".into(),
                directives,
            }],
        };
        servers(&config)
    }

    fn known(p: Prediction) -> (u16, Vec<(String, String)>) {
        match p {
            Prediction::Known {
                status, headers, ..
            } => (status, headers),
            Prediction::Unknown(why) => panic!("unknown: {why}"),
        }
    }

    fn h(name: &str, value: &str) -> (String, String) {
        (name.to_string(), value.to_string())
    }

    #[test]
    fn a_level_with_its_own_add_header_drops_the_inherited_ones() {
        let servers = model(
            r#"http {
                add_header Strict-Transport-Security "max-age=31536000; includeSubDomains" always;
                server {
                    server_name example.test;
                    location /api { add_header X-Api 1; return 200; }
                    location /plain { return 301 https://example.test/; }
                    location /missing { }
                    error_page 404 /404.html;
                }
            }"#,
        );
        let s = &servers[0];
        assert_eq!(s.names, ["example.test"]);
        assert_eq!(known(predict(s, "/api/x")), (200, vec![h("X-Api", "1")]));
        let sts = h(
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        );
        assert_eq!(known(predict(s, "/plain")), (301, vec![sts.clone()]));
        assert_eq!(known(predict(s, "/missing")), (404, vec![sts]));
    }

    #[test]
    fn without_always_error_statuses_go_without() {
        let servers = model(
            "http { server { add_header Strict-Transport-Security max-age=300; \
             location /ok { return 200; } location /gone { return 410; } } }",
        );
        let s = &servers[0];
        assert_eq!(
            known(predict(s, "/ok")),
            (200, vec![h("Strict-Transport-Security", "max-age=300")])
        );
        assert_eq!(known(predict(s, "/gone")), (410, vec![]));
        assert_eq!(known(predict(s, "/elsewhere")), (404, vec![]));
    }

    #[test]
    fn what_is_not_modelled_is_unknown() {
        let servers = model(
            "http { server { location ~ \\.php$ { return 200; } location /p { proxy_pass http://x; } } }",
        );
        assert!(matches!(
            predict(&servers[0], "/a.php"),
            Prediction::Unknown(_)
        ));
    }
}
