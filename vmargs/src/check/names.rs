//! `-name` and `-sname`: the node name the distribution will use, and the host in it.

use super::context::{hint, show, templated, Ctx, Target};
use crate::codes::*;
use crate::erlexec::Word;
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

/// The node name checks, each by its code: Mix releases first (their start script
/// owns the name), then presence, repetition, and each name's position and value.
pub(super) fn node_names(cx: &mut Ctx) {
    if cx.unit.target == Target::Mix {
        mix_sets_node(cx);
        mix_ignores_vm_args(cx);
        return;
    }
    let uses: Vec<FlagUse> = cx.unit.parsed.model.node_names().cloned().collect();
    missing_node_name(cx, &uses);
    duplicate_node_name(cx, &uses);
    for u in &uses {
        name_not_at_line_start(cx, u);
        node_name_value(cx, u);
    }
}

/// `mix-sets-node`: -name, -sname, -setcookie or -mode in a Mix release's vm.args.
fn mix_sets_node(cx: &mut Ctx) {
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
}

/// `mix-ignores-vm-args`: a `vm.args` a Mix release never reads.
fn mix_ignores_vm_args(cx: &mut Ctx) {
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
}

/// `missing-node-name`: a start script that needs a name finds none.
fn missing_node_name(cx: &mut Ctx, uses: &[FlagUse]) {
    if uses.is_empty() && cx.unit.target.has_start_script() && cx.unit.parsed.fatal().is_none() {
        let f = cx.in_file(Severity::Error, CODE_MISSING_NODE_NAME,
            "no -name or -sname: the release's start script stops with \"vm.args needs to have either -name or -sname parameter.\"".into());
        hint(f, "add a line such as -name billing@127.0.0.1");
    }
}

/// `duplicate-node-name`: erl and the start script pick different lines.
fn duplicate_node_name(cx: &mut Ctx, uses: &[FlagUse]) {
    if uses.len() < 2 {
        return;
    }
    let effective = cx.unit.parsed.model.effective_node().cloned();
    for u in &uses[1..] {
        let f = cx.at(&u.flag, Severity::Warning, CODE_DUPLICATE_NODE_NAME,
            format!("another {}: erl uses {} (it looks at -sname first, then the first of each), while Distillery's start script uses the last name line",
                show(&u.flag.value),
                effective.as_ref().and_then(|e| e.values.first()).map(|v| show(&v.value)).unwrap_or_else(|| "neither".into())));
        hint(f, "keep exactly one -name or -sname line");
    }
}

/// `name-not-at-line-start`: start scripts find the name with `grep '^-name'`.
fn name_not_at_line_start(cx: &mut Ctx, u: &FlagUse) {
    if !cx.unit.target.has_start_script() {
        return;
    }
    let Some(o) = u.flag.origin else {
        return;
    };
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

/// The name itself: `node-name-too-long`, then by whether it has an `@`.
fn node_name_value(cx: &mut Ctx, u: &FlagUse) {
    let Some(value) = u.values.first() else {
        return;
    };
    let raw = &value.value;
    if templated(raw) {
        return;
    }
    if raw.len() > 255 {
        cx.at(value, Severity::Error, CODE_NODE_NAME_TOO_LONG,
            format!("node name is {} bytes long; atoms, and so node names, are limited to 255 characters", raw.len()));
        return;
    }
    let long = u.name() == b"name";
    let flag = show(&u.flag.value);
    match raw.iter().position(|&c| c == b'@') {
        None => name_without_at(cx, value, &flag, long),
        Some(at) => name_with_host(cx, value, &flag, long, at),
    }
}

/// No `@`: `name-without-host` (a dotted name meant as name@host) or
/// `invalid-node-name`.
fn name_without_at(cx: &mut Ctx, value: &Word, flag: &str, long: bool) {
    let head = show(&value.value);
    if long && head.contains('.') {
        let (name, rest) = head.split_once('.').unwrap_or((&head, ""));
        let f = cx.at(value, Severity::Error, CODE_NAME_WITHOUT_HOST,
            format!("{flag} {head} has no @host part: erl reads it all as the name, which may not contain '.', and the node does not start distribution"));
        hint(
            f,
            format!("did you mean {flag} {name}@{}?", suggest_host(rest)),
        );
    } else if !valid_head(&value.value) && head != "undefined" {
        invalid_node_name(cx, value, &head);
    }
}

/// `invalid-node-name`: erl logs "Invalid node name!" and runs without distribution.
fn invalid_node_name(cx: &mut Ctx, value: &Word, head: &str) {
    let f = cx.at(value, Severity::Error, CODE_INVALID_NODE_NAME,
        format!("node name {head:?} is invalid: the part before @ may only contain letters, digits, _ and -"));
    hint(
        f,
        "erl logs \"Invalid node name!\" and runs without distribution",
    );
}

/// `name@host`: `invalid-node-name`, `empty-host`, `long-name-short-host`,
/// `short-name-long-host`.
fn name_with_host(cx: &mut Ctx, value: &Word, flag: &str, long: bool, at: usize) {
    let raw = &value.value;
    let (head, host) = (&raw[..at], &raw[at + 1..]);
    if !valid_head(head) {
        invalid_node_name(cx, value, &show(head));
    } else if host.is_empty() {
        let f = cx.at(
            value,
            Severity::Error,
            CODE_EMPTY_HOST,
            format!("{flag} {} has an empty host after @", show(raw)),
        );
        hint(f, format!("did you mean {flag} {}@127.0.0.1?", show(head)));
    } else if long && !host.contains(&b'.') && !is_ip(host) {
        let f = cx.at(value, Severity::Warning, CODE_LONG_NAME_SHORT_HOST,
            format!("-name with the short host {:?}: the node starts, but other long-name nodes refuse to connect (\"Hostname {} is illegal\")", show(host), show(host)));
        hint(
            f,
            format!(
                "use a fully qualified host or an IP address (-name {}@127.0.0.1), or -sname",
                show(head)
            ),
        );
    } else if !long && (host.contains(&b'.') || is_ip(host)) {
        let f = cx.at(value, Severity::Error, CODE_SHORT_NAME_LONG_HOST,
            format!("-sname with the host {:?}: erl refuses it (\"Can't set short node name!\") and runs without distribution", show(host)));
        hint(
            f,
            format!("use -name {} for a dotted host or an IP address", show(raw)),
        );
    }
}
