//! The `vmargs.boot` document of a release whose start script a model follows
//! (relx: [`super::relx`]; Distillery: [`super::distillery`]), erl's reading of the line it execs with the files it renders
//! read from memory, the node and cookie erl ends up with, and the findings that
//! only show across the script and vm.args.

use super::doc::{BootDoc, BootWord, CookieInfo, Distribution, ReleaseInfo, Variable};
use super::erl::{effective_with, Erl};
use super::parts::{erl_reading, finish, secret_words};
use super::relx::{Relx, ScriptStart};
use super::request::Request;
use crate::codes::*;
use relkit_common::shell::Value;
use relkit_common::{Finding, Severity};
use std::path::Path;

/// The script's variables shown in the document, in this order.
const VARIABLES: [&str; 17] = [
    "VMARGS_PATH",
    "RELX_CONFIG_PATH",
    "RELX_REPLACE_OS_VARS",
    "RELX_OUT_FILE_PATH",
    "RELX_MULTI_NODE",
    "RELX_COOKIE",
    "CODE_LOADING_MODE",
    "ERL_DIST_PORT",
    "ERTS_DIR",
    "NAME_TYPE",
    "NAME",
    "PIPE_DIR",
    "RUNNER_LOG_DIR",
    "ERL_AFLAGS",
    "ERL_FLAGS",
    "ERL_ZFLAGS",
    "HOME",
];

/// A release whose start script one of the script models follows (relx,
/// Distillery), with what differs between them in the document.
pub struct Scripted<'a> {
    pub info: ReleaseInfo,
    /// `bin/NAME`.
    pub script: &'a Path,
    pub default_command: &'a str,
    /// The script's variables shown in the document, in order.
    pub variables: &'a [&'a str],
    /// The environment variable that gives the script its own cookie.
    pub cookie_var: &'a str,
    /// What to do when the script stops before it starts a VM.
    pub stop_hint: &'a str,
    /// What to do when the script's cookie and the node's differ.
    pub cookie_hint: &'a str,
    /// How the script's own reading of vm.args differs from erl's.
    pub assumption: &'a str,
}

pub fn boot(relx: &Relx, request: &Request) -> anyhow::Result<BootDoc> {
    let scripted = Scripted {
        info: ReleaseInfo {
            root: relx.root.display().to_string(),
            layout: "relx".into(),
            name: relx.name.clone(),
            version: relx.version.clone(),
            erts: relx.erts.clone(),
            erts_included: relx.erts_included,
        },
        script: &relx.script,
        default_command: "foreground",
        variables: &VARIABLES,
        cookie_var: "RELX_COOKIE",
        stop_hint: "give vm.args (with the files its -args_file lines name) exactly one line starting `-name ` or `-sname `",
        cookie_hint: "give the cookie once, as `-setcookie` in vm.args (vm.args.src may take it from ${RELX_COOKIE}); relx does not pass RELX_COOKIE to the node",
        assumption: "a relative -args_file is read from the release root, where the script runs erl (its own -name check reads it from the directory the script is started in)",
    };
    boot_scripted(&scripted, request, |command, args, env| {
        relx.start(command, args, env)
    })
}

/// The document of a release whose script `start` follows.
pub fn boot_scripted(
    scripted: &Scripted,
    request: &Request,
    start: impl FnOnce(&str, &[String], &[(String, String)]) -> anyhow::Result<ScriptStart>,
) -> anyhow::Result<BootDoc> {
    let launch = super::launch::launch(request, &scripted.info.name, scripted.default_command)?;
    let args = request.args();
    let started = start(&launch.command, &args, &launch.env)?;
    let stopped = !started.stops.is_empty();
    let exported = |name: &str| {
        started
            .vars
            .iter()
            .find(|(n, _, e, _)| n == name && *e)
            .map(|(_, v, ..)| v.clone())
    };
    let root = std::path::PathBuf::from(&scripted.info.root);
    let mut read = |p: &Path| -> std::io::Result<Vec<u8>> {
        // erl runs in the release root (the script's `cd "$ROOTDIR"`).
        let p = root.join(p);
        match started.written.iter().rev().find(|(w, _)| *w == p) {
            Some((_, bytes)) => Ok(bytes.clone()),
            None => std::fs::read(&p),
        }
    };
    let erl = if stopped {
        None
    } else {
        effective_with(
            &started.erl_argv,
            &[
                exported("ERL_AFLAGS"),
                exported("ERL_FLAGS"),
                exported("ERL_ZFLAGS"),
            ],
            &mut read,
        )
    };
    let argv: &[Value] = if stopped { &[] } else { &started.argv };
    let mut secrets = secret_words(argv);
    if argv.first().is_some_and(|p| p.text.ends_with("/erl_call")) {
        // erl_call takes the cookie after -c.
        secrets.extend(argv.iter().position(|w| w.text == "-c").map(|i| i + 1));
    }
    let mut doc = BootDoc {
        release: scripted.info.clone(),
        command: launch.command.clone(),
        unit: request.unit.as_ref().map(|p| p.display().to_string()),
        argv: argv
            .iter()
            .enumerate()
            .map(|(i, v)| {
                if secrets.contains(&i) && !request.show_secrets {
                    BootWord::Redacted { redacted: true }
                } else {
                    BootWord::of(v)
                }
            })
            .collect(),
        effective_args: Vec::new(),
        node: None,
        cookie: None,
        distribution: Distribution::default(),
        config: Vec::new(),
        variables: Vec::new(),
        notes: started.notes.clone(),
        assumptions: vec![scripted.assumption.into()],
        findings: Vec::new(),
        written: started.written.clone(),
    };
    doc.notes.extend(started.stops.iter().cloned());
    doc.notes.extend(launch.notes.iter().cloned());
    if let Some(erl) = &erl {
        erl_reading(&mut doc, erl, &started.erl_argv, request.show_secrets);
        if let Some(node) = doc.node.as_mut().filter(|n| n.set_by.is_empty()) {
            node.set_by =
                "the start script's remote shell: a hidden node named after vm.args' -name/-sname"
                    .into();
        }
    }
    doc.cookie = Some(match (&erl, &started.script_cookie) {
        // erl_call (rpc, eval, ping, pid, stop) is given the script's own cookie.
        (None, Some((cookie, source))) if !stopped => CookieInfo::known(
            &cookie.text,
            cookie.is_known(),
            source.clone(),
            request.show_secrets,
        ),
        _ => cookie_info(
            erl.as_ref(),
            started.script_cookie.as_ref().map(|(_, s)| s.as_str()),
            request.show_secrets,
        ),
    });
    for name in scripted.variables {
        if let Some((_, value, exported, by)) = started.vars.iter().find(|(n, ..)| n == name) {
            doc.variables.push(Variable::new(
                name,
                value,
                *exported,
                Some(by.clone()),
                scripted.script,
                *name == scripted.cookie_var && !request.show_secrets,
            ));
        }
    }
    if let Some((cookie, source)) = &started.script_cookie {
        let mut v = Variable::new(
            "COOKIE",
            cookie,
            false,
            None,
            scripted.script,
            !request.show_secrets,
        );
        v.set_by = source.clone();
        doc.variables.push(v);
    }
    doc.findings = findings(scripted, &started, &doc, erl.as_ref());
    let mut cookies: Vec<String> = started
        .script_cookie
        .iter()
        .map(|(c, _)| c.text.clone())
        .collect();
    cookies.extend(
        started
            .vars
            .iter()
            .filter(|(n, ..)| n == scripted.cookie_var)
            .map(|(_, v, ..)| v.text.clone()),
    );
    finish(
        &mut doc,
        request,
        launch.unit.as_ref(),
        &launch.env,
        erl.as_ref(),
        cookies,
    );
    Ok(doc)
}

/// The node's cookie: what erl reads from `-setcookie` in the args files (relx
/// passes one on the command line only for the remote shell: the script's own),
/// else `~/.erlang.cookie`.
pub(crate) fn cookie_info(
    erl: Option<&Erl>,
    script_source: Option<&str>,
    show: bool,
) -> CookieInfo {
    let Some(erl) = erl else {
        return CookieInfo::home("no node starts");
    };
    let uses: Vec<_> = erl.model.uses("setcookie").collect();
    match uses.as_slice() {
        [] => CookieInfo::home(
            "no -setcookie reaches erl: it reads ~/.erlang.cookie of the user it runs as",
        ),
        [one] if one.values.len() == 1 => {
            let word = &one.values[0];
            let text = String::from_utf8_lossy(&word.value).into_owned();
            let source = match word.origin {
                // On the command line: the script's own cookie (the remote shell).
                Some(o) if o.file == 0 => script_source.unwrap_or("-setcookie").to_string(),
                Some(o) => {
                    let place = erl.parsed.place(o);
                    format!(
                        "-setcookie in {}:{}",
                        erl.parsed.expansion.files[o.file].name.display(),
                        place.line
                    )
                }
                None => "-setcookie".into(),
            };
            CookieInfo::known(&text, true, source, show)
        }
        _ => CookieInfo::home(
            "-setcookie is given more than once: erl then ignores them all and reads ~/.erlang.cookie",
        ),
    }
}

fn findings(
    scripted: &Scripted,
    started: &ScriptStart,
    doc: &BootDoc,
    erl: Option<&Erl>,
) -> Vec<Finding> {
    let mut found = Vec::new();
    for stop in &started.stops {
        found.push(
            finding(Severity::Error, CODE_START_SCRIPT_STOPS, stop.clone())
                .with_hint(scripted.stop_hint),
        );
    }
    let Some(erl) = erl else {
        return found;
    };
    let uses: Vec<_> = erl.model.uses("setcookie").collect();
    if uses.len() > 1 {
        let mut f = finding(
            Severity::Error,
            CODE_COOKIE_SET_TWICE,
            "-setcookie is set twice across vm.args and its -args_file files: erl then ignores both and uses ~/.erlang.cookie, which differs between hosts",
        )
        .with_hint("keep one -setcookie, in vm.args itself (the start script reads it from there)");
        if let Some(o) = uses.iter().skip(1).find_map(|u| u.flag.origin) {
            f = erl.place(f, o);
        }
        found.push(f);
    }
    // The script's own cookie (remote, rpc, eval, and daemon's wait for the node)
    // against the node's.
    let node_cookie = doc.cookie.as_ref().and_then(|c| {
        (!c.from_home).then(|| {
            uses.first()
                .and_then(|u| u.values.first())
                .map(|w| String::from_utf8_lossy(&w.value).into_owned())
        })?
    });
    if let Some((script, source)) = &started.script_cookie {
        let differs = match (&node_cookie, script.as_known()) {
            (Some(node), Some(script)) => node != script,
            (None, Some(_)) => {
                doc.cookie.as_ref().is_some_and(|c| c.from_home) && !source.starts_with("~/")
            }
            (Some(_), None) => source.starts_with("~/"),
            _ => false,
        };
        if differs {
            let node_source = doc
                .cookie
                .as_ref()
                .map(|c| c.source.clone())
                .unwrap_or_default();
            let daemon = matches!(doc.command.as_str(), "daemon" | "start");
            found.push(
                finding(
                    if daemon { Severity::Error } else { Severity::Warning },
                    CODE_SCRIPT_COOKIE_DIFFERS,
                    format!(
                        "the start script's own cookie comes from {source}, but the node boots with the cookie of {node_source}: `remote`, `rpc`, `eval`, `stop` and `ping` cannot reach the node{}",
                        if daemon { ", and `daemon` waits for the node with it forever" } else { "" }
                    ),
                )
                .with_hint(scripted.cookie_hint),
            );
        }
    }
    found
}

fn finding(severity: Severity, code: &str, message: impl Into<String>) -> Finding {
    crate::codes::finding(severity, code, message)
}
