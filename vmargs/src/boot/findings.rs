//! Findings about a whole boot (docs/codes.md): the mistakes that only show once
//! env.sh, the start script and vm.args have all spoken.

use super::doc::BootDoc;
use super::erl::Erl;
use super::mix::{SetBy, Started};
use super::unit::{Place, Unit};
use crate::codes::*;
use relkit_common::{Finding, Severity};
use std::path::Path;

pub fn of(started: &Started, doc: &BootDoc, erl: Option<&Erl>) -> Vec<Finding> {
    let mut found = Vec::new();
    let env_sh = started.env_sh.display().to_string();
    let shell = &started.shell;
    let var = |name: &str| shell.vars.get(name);
    let at_line = |f: Finding, name: &str| match started.set_by.iter().find(|(n, _)| n == name) {
        Some((_, SetBy::EnvSh(line))) => f.in_file(env_sh.clone()).at(*line as u32, 1, 1),
        _ => f,
    };
    for stop in &started.stops {
        found.push(
            finding(Severity::Error, CODE_START_SCRIPT_STOPS, stop.clone())
                .with_hint("restore releases/COOKIE from the build, or set RELEASE_COOKIE in the service's environment"),
        );
    }
    // Two -setcookie: erl ignores both.
    if let Some(erl) = erl {
        let uses: Vec<_> = erl.model.uses("setcookie").collect();
        if uses.len() > 1 {
            let in_file = uses.iter().flat_map(|u| u.flag.origin).find(|o| o.file > 0);
            let mut f = finding(
                Severity::Error,
                CODE_COOKIE_SET_TWICE,
                "the start script passes -setcookie and vm.args sets another: erl then ignores both and uses ~/.erlang.cookie, which differs between hosts",
            )
            .with_hint("remove -setcookie from vm.args; set the cookie with RELEASE_COOKIE or releases/COOKIE");
            if let Some(o) = in_file {
                f = erl.place(f, o);
            }
            found.push(f);
        }
        let names: Vec<_> = erl.model.node_names().collect();
        if names.len() > 1 {
            if let Some(o) = names
                .iter()
                .flat_map(|u| u.flag.origin)
                .find(|o| o.file > 0)
            {
                let used = doc
                    .node
                    .as_ref()
                    .map(|n| format!("-{} {}", n.distribution, n.name))
                    .unwrap_or_default();
                found.push(
                    erl.place(finding(
                        Severity::Warning,
                        CODE_NAME_OVERRIDDEN,
                        format!("vm.args sets a node name, but the start script passes its own: the node boots as {used}"),
                    ), o)
                    .with_hint("set the name with RELEASE_NODE (and RELEASE_DISTRIBUTION) in env.sh, not in vm.args"),
                );
            }
        }
    }
    // A cookie ending in a carriage return: written by hand on Windows.
    if let Some(cookie) = var("RELEASE_COOKIE").and_then(|v| v.value.as_known().map(str::to_string))
    {
        if cookie.ends_with('\r') || cookie.contains(['\n', '\r']) {
            let f = finding(
                Severity::Error,
                CODE_COOKIE_LINE_END,
                "the cookie holds a carriage return or a newline (a releases/COOKIE written with CRLF or an extra line): it is part of the cookie, so this node's cookie differs from the other hosts'",
            )
            .with_hint("write the cookie without line endings: printf %s \"$COOKIE\" > releases/COOKIE");
            found.push(at_line(f, "RELEASE_COOKIE"));
        }
    }
    // A long host under short names.
    let dist = var("RELEASE_DISTRIBUTION").and_then(|v| v.value.as_known().map(str::to_string));
    if let (Some(node), Some(dist)) = (
        var("RELEASE_NODE").and_then(|v| v.value.as_known().map(str::to_string)),
        dist.as_deref(),
    ) {
        if let Some((_, host)) = node.split_once('@') {
            if dist == "sname" && host.contains('.') {
                let by_default = !started.set_by.iter().any(|(n, by)| {
                    n == "RELEASE_DISTRIBUTION"
                        && matches!(by, SetBy::EnvSh(_) | SetBy::Environment)
                });
                let f = finding(
                    Severity::Error,
                    CODE_NODE_NEEDS_LONG_NAMES,
                    format!(
                        "RELEASE_NODE is {node}, a fully qualified host, but RELEASE_DISTRIBUTION is sname{}: erl refuses to start (\"Can't set short node name!\")",
                        if by_default { " (the default)" } else { "" }
                    ),
                )
                .with_hint("export RELEASE_DISTRIBUTION=name beside RELEASE_NODE in env.sh");
                found.push(at_line(f, "RELEASE_NODE"));
            }
        }
    }
    // ELIXIR_ERL_OPTIONS assigned in env.sh but never exported.
    if let Some(v) = var("ELIXIR_ERL_OPTIONS") {
        if !v.exported {
            let f = finding(
                Severity::Warning,
                CODE_UNEXPORTED_ERL_OPTIONS,
                "ELIXIR_ERL_OPTIONS is set in env.sh but not exported: the elixir script the start script execs never sees it",
            )
            .with_hint("export ELIXIR_ERL_OPTIONS=...");
            found.push(at_line(f, "ELIXIR_ERL_OPTIONS"));
        } else if matches!(
            doc.command.as_str(),
            "remote" | "rpc" | "eval" | "stop" | "restart" | "pid"
        ) && v.value.text.contains("inet_dist_listen_m")
        {
            let f = finding(
                Severity::Warning,
                CODE_DIST_PORTS_FOR_EVERY_COMMAND,
                format!(
                    "ELIXIR_ERL_OPTIONS fixes the distribution ports for `{}` too: the remote node asks for the ports the running node holds",
                    doc.command
                ),
            )
            .with_hint("set the ports only for start and daemon: case $RELEASE_COMMAND in start*|daemon*) export ELIXIR_ERL_OPTIONS=...;; esac");
            found.push(at_line(f, "ELIXIR_ERL_OPTIONS"));
        }
    }
    found
}

/// A node that other hosts must reach, with the cookie its own build wrote: the
/// first `mix release` into a build directory writes a random `releases/COOKIE`
/// (later builds there keep it), so hosts built apart do not share it.
pub fn of_cookie_source(started: &Started, doc: &BootDoc) -> Option<Finding> {
    let distributed = doc.node.as_ref().is_some_and(|n| n.distribution == "name");
    let from_build = started
        .set_by
        .iter()
        .any(|(n, by)| n == "RELEASE_COOKIE" && matches!(by, SetBy::File(_)));
    let cookie_used = doc.cookie.as_ref().is_some_and(|c| !c.from_home);
    (distributed && from_build && cookie_used).then(|| {
        finding(
            Severity::Info,
            CODE_COOKIE_FROM_BUILD,
            "the node takes its cookie from releases/COOKIE, which `mix release` writes at random into each new build directory: nodes built on different hosts, or from a clean _build, get different cookies and do not connect",
        )
        .with_hint("set the cluster's cookie in the release config (`cookie:` in mix.exs) or with RELEASE_COOKIE on every host")
    })
}

/// Whether the node's host part resolves here (`--resolve`): a name no host can
/// find is a node nobody can dial.
pub fn of_resolve(doc: &BootDoc) -> Option<Finding> {
    let node = doc.node.as_ref()?;
    let host = node.host.as_deref()?;
    if !matches!(node.value, super::doc::BootWord::Str(_)) || host.is_empty() {
        return None;
    }
    let resolves =
        std::net::ToSocketAddrs::to_socket_addrs(&(host, 0)).is_ok_and(|mut a| a.next().is_some());
    (!resolves).then(|| {
        finding(
            Severity::Warning,
            CODE_HOST_DOES_NOT_RESOLVE,
            format!("the node's host part {host} does not resolve on this host: peers that look it up the same way cannot connect"),
        )
        .with_hint("use an address or a name in DNS or /etc/hosts on every host of the cluster")
    })
}

/// Findings about the systemd unit that runs the release.
pub fn of_unit(
    unit: &Unit,
    doc: &BootDoc,
    env: &[(String, String)],
    erl: Option<&Erl>,
) -> Vec<Finding> {
    let mut found = Vec::new();
    let place = |f: Finding, at: &Place| {
        f.in_file(at.file.display().to_string())
            .at(at.line as u32, 1, 1)
    };
    let exec_at = unit.exec_start.first().map(|(_, _, at)| at.clone());
    let service_type = unit
        .service_type
        .as_ref()
        .map_or("simple", |s| s.value.as_str());
    let daemonizes = doc.command.starts_with("daemon")
        || (doc.release.layout != "mix" && doc.command == "start");
    if daemonizes && matches!(service_type, "simple" | "exec" | "notify" | "idle") {
        let f = finding(
            Severity::Error,
            CODE_UNIT_DAEMONIZES,
            format!(
                "ExecStart runs `{}`, which starts the node under run_erl and returns, but Type={service_type}{}: systemd takes the exit for the service stopping and stops the node with it (and its logs go to RELEASE_TMP/log, not the journal)",
                doc.command,
                if unit.service_type.is_none() { " (the default)" } else { "" }
            ),
        )
        .with_hint(if doc.release.layout == "relx" {
            "run `foreground` under Type=simple, or keep `daemon` with Type=forking"
        } else if doc.release.layout == "distillery" {
            "run `foreground` under Type=simple, or keep `start` with Type=forking"
        } else {
            "run `start` (the node in the foreground) under Type=simple, or keep `daemon` with Type=forking"
        });
        found.push(match &exec_at {
            Some(at) => place(f, at),
            None => f,
        });
    }
    let heart = erl.is_some_and(|e| e.model.uses("heart").next().is_some());
    if let Some(restart) = unit.restart.as_ref().filter(|r| r.value != "no") {
        if heart {
            found.push(place(
                finding(
                    Severity::Warning,
                    CODE_UNIT_RESTART_AND_HEART,
                    format!(
                        "Restart={} and the node runs with -heart: two supervisors restart one node, and heart's restart runs outside the unit",
                        restart.value
                    ),
                )
                .with_hint("let systemd restart the node (drop -heart, usually ELIXIR_ERL_OPTIONS in env.sh), or set Restart=no"),
                &restart.at,
            ));
        }
    }
    let has_home = env.iter().any(|(n, _)| n == "HOME");
    if !has_home && doc.cookie.as_ref().is_some_and(|c| c.from_home) {
        let f = finding(
            Severity::Error,
            CODE_UNIT_NO_HOME,
            "the node reads its cookie from ~/.erlang.cookie, but the unit gives it no HOME (no User=, no Environment=HOME): distribution fails to start",
        )
        .with_hint("set User= (systemd then sets HOME), or give the cookie with RELEASE_COOKIE");
        found.push(match &exec_at {
            Some(at) => place(f, at),
            None => f,
        });
    }
    if let Some(protect) = unit.protect_system.as_ref().filter(|p| p.value == "strict") {
        // What the start script writes before the node starts: Mix's RELEASE_TMP;
        // Distillery's RELEASE_MUTABLE_DIR (vm.args and sys.config copied there
        // on every start) unless RELEASE_READ_ONLY.
        let variable = |name: &str| {
            doc.variables
                .iter()
                .find(|v| v.name == name)
                .and_then(|v| match &v.value {
                    super::doc::BootWord::Str(s) => Some(s.clone()),
                    _ => None,
                })
        };
        let (tmp_var, what) = if doc.release.layout == "distillery" {
            (
                "RELEASE_MUTABLE_DIR",
                "the copies of vm.args and sys.config the start script writes on every start",
            )
        } else {
            ("RELEASE_TMP", "`daemon`'s pipes and runtime configuration")
        };
        let read_only = variable("RELEASE_READ_ONLY").is_some_and(|v| !v.is_empty());
        let tmp = variable(tmp_var).filter(|_| !read_only);
        if let Some(tmp) = tmp {
            // strict: everything read-only but /dev, /proc, /sys; PrivateTmp= gives a
            // writable /tmp and /var/tmp of the service's own.
            let private_tmp = unit
                .private_tmp
                .as_ref()
                .is_some_and(|p| matches!(p.value.as_str(), "yes" | "true" | "on" | "1"));
            let writable = unit
                .read_write_paths
                .iter()
                .any(|(p, _)| Path::new(&tmp).starts_with(p))
                || (private_tmp
                    && (Path::new(&tmp).starts_with("/tmp")
                        || Path::new(&tmp).starts_with("/var/tmp")));
            if !writable {
                found.push(place(
                    finding(
                        Severity::Warning,
                        CODE_UNIT_READ_ONLY_TMP,
                        format!("ProtectSystem=strict makes the file system read-only, and {tmp_var} ({tmp}) is not under ReadWritePaths= (nor a PrivateTmp= /tmp): {what} cannot be written"),
                    )
                    .with_hint(format!("add {tmp_var}'s directory to ReadWritePaths=, or set {tmp_var} under /tmp with PrivateTmp=yes")),
                    &protect.at,
                ));
            }
        }
    }
    found
}

fn finding(severity: Severity, code: &str, message: impl Into<String>) -> Finding {
    crate::codes::finding(severity, code, message)
}
