//! Emulator flags, init flags, `-Application Key Value` and environment variables.

use super::context::{hint, show, templated, Ctx, Target};
use crate::codes::*;
use crate::erlexec::{Origin, Word};
use crate::model::{FlagUse, KNOWN_APPS, KNOWN_FLAGS};
use relkit_common::Severity;
use std::collections::BTreeMap;

/// Emulator flag letters and families the VM knows (`erts/emulator/beam/erl_init.c`).
fn known_emulator_flag(flag: &[u8]) -> bool {
    let rest = &flag[1..];
    let Some(&first) = rest.first() else {
        return false;
    };
    // erl_init.c's switch over the first letter; anything else is "unknown flag".
    b"aABcCdefhiIJKlLMnPpQrRsStTvVWxXz".contains(&first)
}

pub(super) fn emulator_flags(cx: &mut Ctx) {
    let flags = cx.unit.parsed.classified.emulator.clone();
    for e in flags {
        let Some(_) = e.flag.origin else { continue };
        let raw = e.flag.value.clone();
        if !known_emulator_flag(&raw) {
            let f = cx.at(
                &e.flag,
                Severity::Error,
                CODE_UNKNOWN_EMULATOR_FLAG,
                format!(
                    "{} is not an emulator flag: the VM stops at start-up with \"unknown flag\"",
                    show(&raw)
                ),
            );
            hint(
                f,
                "remove it or check the spelling against `erl +help` / the erl manual",
            );
        } else if raw == b"+K" && cx.opts.otp >= 21 {
            let f = cx.at(
                &e.flag,
                Severity::Warning,
                CODE_NO_EFFECT_FLAG,
                "+K has no effect since OTP 21 (kernel poll is always on)".into(),
            );
            hint(f, "remove the line");
        } else if raw == b"+R" {
            let f = cx.at(
                &e.flag,
                Severity::Info,
                CODE_DEPRECATED_FLAG,
                "+R (compatibility release) has had no use since 2012 and is no longer documented"
                    .into(),
            );
            hint(f, "remove the line");
        }
    }
}

pub(super) fn init_flags(cx: &mut Ctx) {
    let otp = cx.opts.otp;
    let model = cx.unit.parsed.model.clone();
    for u in &model.flags {
        if u.flag.origin.is_none() {
            continue;
        }
        let name = show(u.name());
        let values: Vec<String> = u.values.iter().map(|v| show(&v.value)).collect();
        match name.as_str() {
            "smp" | "smpauto" | "smpenable" if otp >= 21 => {
                let f = cx.at(
                    &u.flag,
                    Severity::Warning,
                    CODE_NO_EFFECT_FLAG,
                    format!(
                        "{}{} has no effect: every VM is SMP since OTP 21",
                        show(&u.flag.value),
                        values.first().map(|v| format!(" {v}")).unwrap_or_default()
                    ),
                );
                hint(f, "remove the line");
            }
            "epmd_module" | "erl_epmd_port" if otp >= 27 => {
                let replacement = if name == "epmd_module" {
                    "epmd_module"
                } else {
                    "erl_epmd_node_listen_port"
                };
                let f = cx.at(
                    &u.flag,
                    Severity::Warning,
                    CODE_DEPRECATED_FLAG,
                    format!("-{name} is deprecated since OTP 27"),
                );
                hint(
                    f,
                    format!(
                        "use -kernel {replacement} {}",
                        values.first().cloned().unwrap_or_default()
                    ),
                );
            }
            "code_path_choice" if otp >= 27 => {
                let f = cx.at(
                    &u.flag,
                    Severity::Warning,
                    CODE_DEPRECATED_FLAG,
                    "-code_path_choice is deprecated since OTP 27 (archives are going away)".into(),
                );
                hint(f, "remove the line");
            }
            "connect_all" => {
                let f = cx.at(
                    &u.flag,
                    Severity::Warning,
                    CODE_DEPRECATED_FLAG,
                    "-connect_all is deprecated".into(),
                );
                hint(
                    f,
                    format!(
                        "use -kernel connect_all {}",
                        values.first().cloned().unwrap_or_else(|| "false".into())
                    ),
                );
            }
            _ => unknown_flag(cx, u, &name),
        }
    }
    erl_max_ports(cx);
}

/// `unknown-flag`: a `-flag` erl keeps silently, close to one it knows.
fn unknown_flag(cx: &mut Ctx, u: &FlagUse, name: &str) {
    let known = KNOWN_FLAGS.contains(&name) || KNOWN_APPS.contains(&name);
    if !known && name.len() >= 3 {
        let candidates = KNOWN_FLAGS
            .iter()
            .chain(KNOWN_APPS.iter())
            .copied()
            .filter(|k| k.len() >= 4);
        let close =
            relkit_common::text::closest(name, candidates, |k| if k.len() >= 8 { 2 } else { 1 });
        if let Some(suggestion) = close {
            let f = cx.at(&u.flag, Severity::Warning, CODE_UNKNOWN_FLAG,
                format!("-{name} is not a flag erl knows: it is kept silently as a user flag and does nothing"));
            hint(f, format!("did you mean -{suggestion}?"));
        }
    }
}

/// `deprecated-flag` for the environment: ERL_MAX_PORTS.
fn erl_max_ports(cx: &mut Ctx) {
    for (name, value) in cx.unit.parsed.classified.env.clone() {
        if name.is("ERL_MAX_PORTS") {
            let f = cx.at(
                &name,
                Severity::Info,
                CODE_DEPRECATED_FLAG,
                "ERL_MAX_PORTS is the old way to set the port limit".into(),
            );
            hint(f, format!("use +Q {}", show(&value.value)));
        }
    }
}

/// Brackets and quotes balance, as they must in an Erlang term.
fn balanced_term(text: &[u8]) -> bool {
    let mut stack = Vec::new();
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for &c in text {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            b'"' | b'\'' => quote = Some(c),
            b'[' | b'{' | b'(' => stack.push(c),
            b']' | b'}' | b')' => {
                let open = match c {
                    b']' => b'[',
                    b'}' => b'{',
                    _ => b'(',
                };
                if stack.pop() != Some(open) {
                    return false;
                }
            }
            _ => {}
        }
    }
    quote.is_none() && stack.is_empty()
}

pub(super) fn app_params(cx: &mut Ctx) {
    let model = cx.unit.parsed.model.clone();
    let mut ports: BTreeMap<String, (Word, Option<i64>)> = BTreeMap::new();
    for u in &model.flags {
        let app = show(u.name());
        if !KNOWN_APPS.contains(&app.as_str()) || u.flag.origin.is_none() {
            continue;
        }
        if u.values.len() % 2 == 1 {
            let last = u.values.last().cloned().unwrap_or_else(|| u.flag.clone());
            let f = cx.at(
                &last,
                Severity::Warning,
                CODE_APP_PARAM_ODD,
                format!(
                    "-{app} takes key/value pairs: {:?} has no value and is ignored",
                    show(&last.value)
                ),
            );
            hint(f, "give every key a value on the same line");
        }
        for word in &u.values {
            if !balanced_term(&word.value) {
                let f = cx.at(word, Severity::Error, CODE_APP_PARAM_NOT_TERM,
                    format!("{:?} is not an Erlang term (unbalanced brackets or quotes): the application fails to load with bad_environment_value", show(&word.value)));
                hint(
                    f,
                    "quote the whole term for erl, e.g. -kernel sync_nodes_mandatory '[a@h, b@h]'",
                );
            }
        }
        if app == "kernel" {
            for pair in u.values.chunks(2) {
                let key = show(&pair[0].value);
                if key == "inet_dist_listen_min" || key == "inet_dist_listen_max" {
                    if let Some(v) = pair.get(1) {
                        let n = show(&v.value).parse::<i64>().ok();
                        if n.is_none() && !templated(&v.value) {
                            let f = cx.at(v, Severity::Warning, CODE_DIST_PORT_NOT_INTEGER,
                                format!("{key} {:?} is not an integer: the kernel ignores it and distribution listens on any port", show(&v.value)));
                            hint(f, format!("write a plain number: -kernel {key} 9100"));
                        }
                        ports.insert(key, (v.clone(), n));
                    }
                }
            }
        }
    }
    if let (Some((_, Some(min))), Some((max_word, Some(max)))) = (
        ports.get("inet_dist_listen_min"),
        ports.get("inet_dist_listen_max"),
    ) {
        if min > max {
            let max_word = max_word.clone();
            let f = cx.at(&max_word, Severity::Error, CODE_DIST_PORT_RANGE,
                format!("inet_dist_listen_max {max} is below inet_dist_listen_min {min}: distribution cannot listen"));
            hint(f, "swap the two values");
        }
    }
}

pub(super) fn env_vars(cx: &mut Ctx) {
    let target = cx.unit.target;
    let files = cx.unit.parsed.expansion.files.len();
    for file in 0..files {
        let source = &cx.unit.parsed.expansion.files[file];
        if target == Target::Relx && source.name.to_string_lossy().ends_with(".src") {
            continue; // relx's start script renders every vm.args.src
        }
        let tokens = source.tokens.tokens.clone();
        for (i, t) in tokens.iter().enumerate() {
            let text = show(&t.value);
            let Some(at) = text.find('$') else { continue };
            let braced = text[at..].starts_with("${");
            let with_default = braced
                && text[at..]
                    .find('}')
                    .is_some_and(|end| text[at..at + end].contains(":-"));
            let (severity, message, hint_text) = match target {
                Target::Distillery if with_default => (Severity::Warning,
                    format!("{text:?}: Distillery replaces ${{VAR}} but not ${{VAR:-default}} (that is relx only)"),
                    "set the variable in the environment and use ${VAR}"),
                Target::Distillery if braced => (Severity::Info,
                    format!("{text:?}: erl does not expand variables; Distillery's start script replaces ${{VAR}} only when REPLACE_OS_VARS=true, and an unset variable becomes empty"),
                    "start the release with REPLACE_OS_VARS=true and the variable set"),
                Target::Relx if braced => (Severity::Info,
                    format!("{text:?}: erl does not expand variables; relx's start script replaces them only with RELX_REPLACE_OS_VARS=true or a vm.args.src file"),
                    "start the release with RELX_REPLACE_OS_VARS=true and the variable set"),
                Target::Distillery | Target::Relx => (Severity::Warning,
                    format!("{text:?}: start scripts only replace the ${{VAR}} form; $VAR reaches erl as it is"),
                    "write ${VAR}"),
                Target::Mix | Target::Erl => (Severity::Warning,
                    format!("{text:?}: erl does not expand variables, and nothing else will: the value reaches the VM literally"),
                    "for Mix, use <%= System.get_env(\"VAR\") %> in vm.args.eex (build time) or set it in rel/env.sh.eex"),
            };
            let f = cx.at_origin(
                Some(Origin { file, token: i }),
                severity,
                CODE_ENV_VAR_NOT_EXPANDED,
                message,
            );
            hint(f, hint_text);
        }
    }
}
