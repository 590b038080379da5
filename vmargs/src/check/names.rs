//! `-name` and `-sname`: the node name the distribution will use, and the host in it.

use super::context::{hint, show, templated, Ctx, Target};
use crate::codes::*;
use crate::model::FlagUse;
use relkit_common::Severity;

pub(super) fn is_ip(host: &[u8]) -> bool {
    let s = show(host);
    s.parse::<std::net::IpAddr>().is_ok()
}

fn valid_head(head: &[u8]) -> bool {
    !head.is_empty()
        && head
            .iter()
            .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// `billing_stage.0.0.1` was meant as `billing_stage@127.0.0.1`: the part after the
/// first dot is the host, completed to a loopback address when it is the tail of one.
fn suggest_host(rest: &str) -> String {
    let parts: Vec<&str> = rest.split('.').collect();
    let numeric = parts
        .iter()
        .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()));
    if numeric && parts.len() < 4 {
        let mut full = vec!["127"; 0];
        full.extend(["127", "0", "0", "1"].iter().take(4 - parts.len()));
        full.extend(parts.iter());
        full.join(".")
    } else {
        rest.to_string()
    }
}

pub(super) fn node_names(cx: &mut Ctx) {
    let target = cx.unit.target;
    let uses: Vec<FlagUse> = cx.unit.parsed.model.node_names().cloned().collect();
    if target == Target::Mix {
        for u in cx.unit.parsed.model.flags.clone() {
            if matches!(u.name(), b"name" | b"sname" | b"setcookie" | b"mode") {
                let f = cx.at(&u.flag, Severity::Error, CODE_MIX_SETS_NODE,
                    format!("{} in a Mix release's vm.args: the start script sets it from RELEASE_* variables, and a second one voids or overrides it", show(&u.flag.value)));
                hint(f, match u.name() {
                    b"setcookie" => "set RELEASE_COOKIE in rel/env.sh.eex (or the :cookie release option) and remove this line",
                    b"mode" => "set RELEASE_MODE in rel/env.sh.eex and remove this line",
                    _ => "set RELEASE_NODE and RELEASE_DISTRIBUTION in rel/env.sh.eex and remove this line",
                });
            }
        }
        // releases/<vsn>/vm.args in an assembled release is what Mix rendered from
        // rel/vm.args.eex, so it is the file Mix reads.
        let rendered = cx
            .unit
            .display
            .rsplit('/')
            .nth(2)
            .is_some_and(|dir| dir == "releases" || dir.ends_with(":releases"));
        if (cx.unit.display.ends_with("/vm.args") || cx.unit.display == "vm.args") && !rendered {
            let f = cx.in_file(
                Severity::Warning,
                CODE_MIX_IGNORES_VM_ARGS,
                "Mix releases read rel/vm.args.eex, not rel/vm.args: this file is ignored".into(),
            );
            hint(
                f,
                "rename it to rel/vm.args.eex (mix release.init writes one)",
            );
        }
        return;
    }
    if uses.is_empty() && target.has_start_script() && cx.unit.parsed.fatal().is_none() {
        let f = cx.in_file(Severity::Error, CODE_MISSING_NODE_NAME,
            "no -name or -sname: the release's start script stops with \"vm.args needs to have either -name or -sname parameter.\"".into());
        hint(f, "add a line such as -name billing@127.0.0.1");
    }
    if uses.len() > 1 {
        let effective = cx.unit.parsed.model.effective_node().cloned();
        for u in &uses[1..] {
            let f = cx.at(&u.flag, Severity::Warning, CODE_DUPLICATE_NODE_NAME,
                format!("another {}: erl uses {} (it looks at -sname first, then the first of each), while Distillery's start script uses the last name line",
                    show(&u.flag.value),
                    effective.as_ref().and_then(|e| e.values.first()).map(|v| show(&v.value)).unwrap_or_else(|| "neither".into())));
            hint(f, "keep exactly one -name or -sname line");
        }
    }
    for u in &uses {
        if target.has_start_script() {
            if let Some(o) = u.flag.origin {
                let tokens = &cx.unit.parsed.expansion.files[o.file].tokens.tokens;
                let bytes = &cx.unit.parsed.expansion.files[o.file].bytes;
                let start = tokens[o.token].start;
                let line_start = bytes[..start]
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                if bytes[line_start..start]
                    .iter()
                    .any(|b| !b.is_ascii_whitespace())
                    || line_start != start
                {
                    let f = cx.at(&u.flag, Severity::Warning, CODE_NAME_NOT_AT_LINE_START,
                        format!("{} is not at the start of its line: start scripts find the node name with grep '^-name', so they will not see it", show(&u.flag.value)));
                    hint(f, "put the flag at the very start of its own line");
                }
            }
        }
        let Some(value) = u.values.first() else {
            continue;
        };
        let raw = value.value.clone();
        if templated(&raw) {
            continue;
        }
        let long = u.name() == b"name";
        let flag = show(&u.flag.value);
        if raw.len() > 255 {
            cx.at(value, Severity::Error, CODE_NODE_NAME_TOO_LONG,
                format!("node name is {} bytes long; atoms, and so node names, are limited to 255 characters", raw.len()));
            continue;
        }
        match raw.iter().position(|&c| c == b'@') {
            None => {
                let head = show(&raw);
                if long && head.contains('.') {
                    let (name, rest) = head.split_once('.').unwrap_or((&head, ""));
                    let f = cx.at(value, Severity::Error, CODE_NAME_WITHOUT_HOST,
                        format!("{flag} {head} has no @host part: erl reads it all as the name, which may not contain '.', and the node does not start distribution"));
                    hint(
                        f,
                        format!("did you mean {flag} {name}@{}?", suggest_host(rest)),
                    );
                } else if !valid_head(&raw) && head != "undefined" {
                    let f = cx.at(value, Severity::Error, CODE_INVALID_NODE_NAME,
                        format!("node name {head:?} is invalid: the part before @ may only contain letters, digits, _ and -"));
                    hint(
                        f,
                        "erl logs \"Invalid node name!\" and runs without distribution",
                    );
                }
            }
            Some(at) => {
                let (head, host) = (&raw[..at], &raw[at + 1..]);
                if !valid_head(head) {
                    let f = cx.at(value, Severity::Error, CODE_INVALID_NODE_NAME,
                        format!("node name {:?} is invalid: the part before @ may only contain letters, digits, _ and -", show(head)));
                    hint(
                        f,
                        "erl logs \"Invalid node name!\" and runs without distribution",
                    );
                } else if host.is_empty() {
                    let f = cx.at(
                        value,
                        Severity::Error,
                        CODE_EMPTY_HOST,
                        format!("{flag} {} has an empty host after @", show(&raw)),
                    );
                    hint(f, format!("did you mean {flag} {}@127.0.0.1?", show(head)));
                } else if long && !host.contains(&b'.') && !is_ip(host) {
                    let f = cx.at(value, Severity::Warning, CODE_LONG_NAME_SHORT_HOST,
                        format!("-name with the short host {:?}: the node starts, but other long-name nodes refuse to connect (\"Hostname {} is illegal\")", show(host), show(host)));
                    hint(f, format!("use a fully qualified host or an IP address (-name {}@127.0.0.1), or -sname", show(head)));
                } else if !long && (host.contains(&b'.') || is_ip(host)) {
                    let f = cx.at(value, Severity::Error, CODE_SHORT_NAME_LONG_HOST,
                        format!("-sname with the host {:?}: erl refuses it (\"Can't set short node name!\") and runs without distribution", show(host)));
                    hint(
                        f,
                        format!(
                            "use -name {} for a dotted host or an IP address",
                            show(&raw)
                        ),
                    );
                }
            }
        }
    }
}
