//! What a GET request for a path gets from an nginx server: the status and the
//! headers, or why it cannot be told, by the rules [`super::model`] describes.

use super::model::{Kind, Scope, Server, Step, MAX_VARIABLE_DEPTH};
/// The request a prediction is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// `http` or `https`.
    pub scheme: &'a str,
    pub host: &'a str,
    pub path: &'a str,
}

/// What a variable reference resolves to, for one request.
pub struct Variables<'a> {
    server: &'a Server,
    request: Request<'a>,
    sets: Vec<(String, String)>,
    /// Variable lookups left: a map whose value repeats itself many times over
    /// would otherwise take exponential time.
    budget: std::cell::Cell<usize>,
}

/// Variable lookups allowed for one request.
const VARIABLE_BUDGET: usize = 10_000;

impl<'a> Variables<'a> {
    /// The variables of a request for `/` over `scheme`, before any `set` ran.
    fn for_home(server: &'a Server, scheme: &'a str, host: &'a str) -> Variables<'a> {
        Variables {
            server,
            request: Request {
                scheme,
                host,
                path: "/",
            },
            sets: Vec::new(),
            budget: std::cell::Cell::new(VARIABLE_BUDGET),
        }
    }

    /// `template` with its variables replaced, or which one is not known.
    pub fn resolve(&self, template: &str) -> Result<String, String> {
        self.resolve_at(template, 0)
    }

    fn resolve_at(&self, template: &str, depth: usize) -> Result<String, String> {
        if depth > MAX_VARIABLE_DEPTH {
            return Err(format!(
                "variables nested more than {MAX_VARIABLE_DEPTH} deep"
            ));
        }
        let mut out = String::new();
        let mut rest = template;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            let (name, next) = if let Some(braced) = after.strip_prefix('{') {
                match braced.find('}') {
                    Some(end) => (&braced[..end], &braced[end + 1..]),
                    None => return Err(format!("{template:?} has an unclosed ${{")),
                }
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            if name.is_empty() {
                out.push('$');
            } else {
                out.push_str(&self.variable(name, depth)?);
            }
            rest = next;
        }
        out.push_str(rest);
        Ok(out)
    }

    fn variable(&self, name: &str, depth: usize) -> Result<String, String> {
        let left = self.budget.get();
        if left == 0 {
            return Err("the variables expand too far to follow".into());
        }
        self.budget.set(left - 1);
        if let Some((_, value)) = self.sets.iter().rev().find(|(n, _)| n == name) {
            return Ok(value.clone());
        }
        match name {
            "scheme" => return Ok(self.request.scheme.to_string()),
            "https" => {
                return Ok(if self.request.scheme == "https" {
                    "on"
                } else {
                    ""
                }
                .to_string())
            }
            "host" => return Ok(self.request.host.to_ascii_lowercase()),
            "server_name" => return Ok(self.server.names.first().cloned().unwrap_or_default()),
            _ => {}
        }
        let Some(map) = self.server.maps.get(name) else {
            return Err(format!("${name} is only known when a request is served"));
        };
        let all_same = map.entries.iter().all(|(_, v)| *v == map.default);
        let chosen = match self.resolve_at(&map.source, depth + 1) {
            Ok(source) => {
                let source = source.to_ascii_lowercase();
                match map.entries.iter().find(|(key, _)| *key == source) {
                    Some((_, value)) => Some(value),
                    None if map.inexact => None,
                    None => Some(&map.default),
                }
            }
            Err(_) => None,
        };
        let value = match chosen {
            Some(value) => value,
            None if all_same => &map.default,
            None => {
                return Err(format!(
                "${name} comes from a map of {} (line {}) that is decided when a request is served",
                map.source, map.line
            ))
            }
        };
        self.resolve_at(value, depth + 1)
    }
}

/// An `if` condition for a request: true, false, or not known.
fn condition_holds(condition: &[String], vars: &Variables) -> Result<bool, String> {
    let joined = condition.join(" ");
    let inner = joined
        .strip_prefix('(')
        .and_then(|s| s.strip_suffix(')'))
        .unwrap_or(&joined)
        .trim();
    let words: Vec<&str> = inner.split_whitespace().collect();
    let unquote = |w: &str| -> String {
        let w = w
            .strip_prefix('"')
            .and_then(|s| s.strip_suffix('"'))
            .or_else(|| w.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
            .unwrap_or(w);
        w.to_string()
    };
    let not_modelled = || format!("if {joined} is decided when a request is served");
    match words.as_slice() {
        ["$request_method", op @ ("=" | "!="), method] => {
            Ok((unquote(method) == "GET") == (*op == "="))
        }
        [var, op @ ("=" | "!="), value] if var.starts_with('$') => {
            let left = vars.resolve(var).map_err(|_| not_modelled())?;
            let right = vars.resolve(&unquote(value)).map_err(|_| not_modelled())?;
            Ok((left == right) == (*op == "="))
        }
        [var] if var.starts_with('$') => {
            let value = vars.resolve(var).map_err(|_| not_modelled())?;
            Ok(!value.is_empty() && value != "0")
        }
        _ => Err(not_modelled()),
    }
}

/// What a GET for a path gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prediction {
    Known {
        status: u16,
        /// The headers `add_header` adds, in the order of the rules.
        headers: Vec<(String, String)>,
    },
    Unknown(String),
}

/// The locations a path is answered by, outermost first: the longest matching
/// prefix, recursively.
fn select<'a>(scope: &'a Scope, path: &str, chain: &mut Vec<&'a Scope>) -> Result<(), String> {
    let mut best: Option<(&Scope, usize)> = None;
    for location in &scope.locations {
        if location.matcher.first().is_some_and(|m| m.starts_with('@')) {
            continue;
        }
        let Some((exact, prefix)) = location.prefix() else {
            return Err(format!(
                "the regex location at line {} is not modelled",
                location.line
            ));
        };
        if exact {
            if path == prefix {
                chain.push(location);
                return Ok(());
            }
            continue;
        }
        if path.starts_with(prefix) && best.is_none_or(|(_, len)| prefix.len() > len) {
            best = Some((location, prefix.len()));
        }
    }
    if let Some((location, _)) = best {
        chain.push(location);
        select(location, path, chain)?;
    }
    Ok(())
}

/// Runs a level's rewrite steps: the status a `return` gives, if one runs; the level
/// an `if` made current.
fn run_steps<'a>(
    scope: &'a Scope,
    vars: &mut Variables,
    current: &mut &'a Scope,
) -> Result<Option<u16>, String> {
    for step in &scope.steps {
        match step {
            Step::Set { variable, value } => {
                let value = vars.resolve(value)?;
                vars.sets.push((variable.clone(), value));
            }
            Step::Return { status, args } => {
                return match status {
                    Some(code) => Ok(Some(*code)),
                    None => Err(format!("return {} is not modelled", args.join(" "))),
                }
            }
            Step::If { condition, block } => {
                if condition_holds(condition, vars)? {
                    let inner = &scope.ifs[*block];
                    if let Some(why) = inner.unmodelled.first() {
                        return Err(why.clone());
                    }
                    if scope.kind != Kind::Server {
                        *current = inner;
                    }
                    if let Some(status) = run_steps(inner, vars, current)? {
                        return Ok(Some(status));
                    }
                }
            }
        }
    }
    Ok(None)
}

/// The response to `GET path` from `server`, or why it cannot be predicted.
pub fn predict(server: &Server, request: Request) -> Prediction {
    match predict_inner(server, request) {
        Ok(p) => p,
        Err(why) => Prediction::Unknown(why),
    }
}

fn predict_inner(server: &Server, request: Request) -> Result<Prediction, String> {
    let mut path = request.path.to_string();
    let mut redirected = false;
    // What `set` assigned stays through an internal redirect (error_page).
    let mut sets = Vec::new();
    loop {
        let mut vars = Variables {
            server,
            request: Request {
                path: &path,
                ..request
            },
            sets: std::mem::take(&mut sets),
            budget: std::cell::Cell::new(VARIABLE_BUDGET),
        };
        let mut current = &server.scope;
        if let Some(why) = server.scope.unmodelled.first() {
            return Err(why.clone());
        }
        let mut status = run_steps(&server.scope, &mut vars, &mut current)?;
        if status.is_none() {
            let mut chain = Vec::new();
            select(&server.scope, &path, &mut chain)?;
            if let Some(&location) = chain.last() {
                current = location;
                if let Some(why) = location.unmodelled.first() {
                    return Err(why.clone());
                }
                status = run_steps(location, &mut vars, &mut current)?;
            }
        }
        let status = match (redirected, status) {
            (true, _) => 404,
            (false, Some(code)) => code,
            (false, None) => 404,
        };
        if status == 404 && !redirected {
            if let Some((_, uri)) = current
                .error_pages
                .iter()
                .find(|(codes, _)| codes.contains(&404))
            {
                if !uri.starts_with('/') {
                    return Err(format!("error_page to {uri} is not modelled"));
                }
                let uri = uri.clone();
                sets = vars.sets;
                path = uri;
                redirected = true;
                continue;
            }
        }
        let mut headers = Vec::new();
        for rule in current.headers.iter().filter(|rule| rule.applies(status)) {
            let value = vars.resolve(&rule.value)?;
            if !value.is_empty() {
                headers.push((rule.name.clone(), value));
            }
        }
        return Ok(Prediction::Known { status, headers });
    }
}

/// The status the server's own rewrite directives (`return`, `if`) answer every
/// request over `scheme` with, before any location: `Ok(None)` when they let
/// requests through to the locations.
pub fn server_answer(server: &Server, scheme: &str, host: &str) -> Result<Option<u16>, String> {
    let mut vars = Variables::for_home(server, scheme, host);
    let mut current = &server.scope;
    run_steps(&server.scope, &mut vars, &mut current)
}

/// Whether an `if` block's condition holds for requests over `scheme` (Err: it
/// depends on more than the scheme and host).
pub fn if_holds(server: &Server, scope: &Scope, scheme: &str, host: &str) -> Result<bool, String> {
    let vars = Variables::for_home(server, scheme, host);
    condition_holds(&scope.matcher, &vars)
}

/// Resolves `template` for a request to `server`, with no `set` run: what a value
/// written at the server or a location is, for a scheme.
pub fn resolve(
    server: &Server,
    scheme: &str,
    host: &str,
    template: &str,
) -> Result<String, String> {
    Variables::for_home(server, scheme, host).resolve(template)
}

impl Server {
    /// The status the server's own rewrite directives answer every request over
    /// `scheme` with, before any location (the first name as the host).
    pub fn answer_to_all(&self, scheme: &str) -> Option<u16> {
        let answers = self.answers_all.get_or_init(|| {
            let host = self.names.first().map(String::as_str).unwrap_or("");
            ["http", "https"].map(|scheme| server_answer(self, scheme, host).ok().flatten())
        });
        answers[usize::from(scheme == "https")]
    }
}
