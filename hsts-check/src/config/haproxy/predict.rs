//! The route and the response headers a request gets through a HAProxy
//! configuration, by the rules the live test proves.

use super::model::{Action, Answer, Condition, HeaderRule, Model, Proxy};
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
