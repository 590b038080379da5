//! `-setcookie`: present, single, strong, not in the repository.

use super::context::{hint, next_raw_word, show, templated, Ctx, Target};
use crate::codes::*;
use crate::erlexec::Word;
use crate::model::FlagUse;
use relkit_common::Severity;

pub(super) fn weak_reason(cookie: &str) -> Option<&'static str> {
    let lower = cookie.to_ascii_lowercase();
    let common = [
        "cookie", "secret", "changeme", "insecure", "password", "erlang", "elixir", "default",
    ];
    if common.iter().any(|w| lower.contains(w)) {
        return Some("contains a common word");
    }
    let letters_then_digits = {
        let split = cookie
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(cookie.len());
        let (word, digits) = cookie.split_at(split);
        !word.is_empty()
            && word.chars().all(|c| c.is_ascii_alphabetic())
            && digits.chars().all(|c| c.is_ascii_digit())
    };
    if letters_then_digits {
        return Some("is a word followed by digits");
    }
    if cookie.chars().count() < 20 {
        return Some("is shorter than 20 characters");
    }
    None
}

/// The cookie checks, each by its code.
pub(super) fn cookies(cx: &mut Ctx) {
    let model = cx.unit.parsed.model.clone();
    obsolete_cookie_flag(cx, model.uses("cookie"));
    if cx.unit.target == Target::Mix {
        return;
    }
    let uses: Vec<&FlagUse> = model.uses("setcookie").collect();
    missing_cookie(cx, &uses);
    duplicate_cookie(cx, &uses);
    for u in &uses {
        match u.values.as_slice() {
            [] => cookie_without_value(cx, u),
            [value] => cookie_value(cx, value),
            _ => {}
        }
    }
}

/// `obsolete-cookie-flag`: `-cookie` does nothing.
fn obsolete_cookie_flag<'m>(cx: &mut Ctx, uses: impl Iterator<Item = &'m FlagUse>) {
    for u in uses {
        let f = cx.at(
            &u.flag,
            Severity::Error,
            CODE_OBSOLETE_COOKIE_FLAG,
            "-cookie is obsolete and has no effect: the node falls back to ~/.erlang.cookie".into(),
        );
        hint(f, "did you mean -setcookie?");
    }
}

/// `missing-cookie`: a named node with no `-setcookie` uses ~/.erlang.cookie.
fn missing_cookie(cx: &mut Ctx, uses: &[&FlagUse]) {
    if uses.is_empty()
        && cx.unit.target.has_start_script()
        && cx.unit.parsed.model.node_names().next().is_some()
        && cx.unit.parsed.fatal().is_none()
    {
        let f = cx.in_file(Severity::Info, CODE_MISSING_COOKIE,
            "no -setcookie: the node uses ~/.erlang.cookie of the user that runs it (created at random if missing)".into());
        hint(f, "set the cookie where the release's start script expects it (Distillery: set cookie: in rel/config.exs)");
    }
}

/// `duplicate-cookie`: two `-setcookie` and erl ignores both.
fn duplicate_cookie(cx: &mut Ctx, uses: &[&FlagUse]) {
    for u in uses.iter().skip(1) {
        let f = cx.at(&u.flag, Severity::Error, CODE_DUPLICATE_COOKIE,
            "-setcookie appears more than once: erl then ignores every -setcookie and falls back to ~/.erlang.cookie".into());
        hint(f, "keep exactly one -setcookie line");
    }
}

/// `cookie-without-value`: nothing after `-setcookie`, or a word erl takes for a flag.
fn cookie_without_value(cx: &mut Ctx, u: &FlagUse) {
    let next = next_raw_word(cx.unit, &u.flag);
    let f = cx.at(&u.flag, Severity::Error, CODE_COOKIE_WITHOUT_VALUE,
        match &next {
            Some(n) if n.starts_with('-') || n.starts_with('+') =>
                format!("the cookie starts with '{}', so erl reads it as a new flag: -setcookie has no value and the node falls back to ~/.erlang.cookie", &n[..1]),
            _ => "-setcookie has no value: the node falls back to ~/.erlang.cookie".into(),
        });
    hint(
        f,
        "use a cookie that starts with a letter or digit (quoting does not help)",
    );
}

/// The cookie itself: `cookie-too-long`, `cookie-special-characters`, `weak-cookie`,
/// `cookie-in-repository`. A templated or already redacted cookie says nothing.
fn cookie_value(cx: &mut Ctx, cookie: &Word) {
    if templated(&cookie.value) || cx.unit.cookie_redacted {
        return;
    }
    let text = show(&cookie.value);
    let target = cx.unit.target;
    if cookie.value.len() > 255 {
        let f = cx.at(cookie, Severity::Error, CODE_COOKIE_TOO_LONG,
            format!("the cookie is {} bytes long; erl turns it into an atom, and atoms are limited to 255 characters", cookie.value.len()));
        hint(f, "use a cookie of 32 to 64 characters");
    }
    let special = cookie
        .value
        .iter()
        .any(|&c| !c.is_ascii_graphic() || b"'\"\\#$`".contains(&c));
    if special {
        let f = cx.at(cookie, Severity::Warning, CODE_COOKIE_SPECIAL_CHARACTERS,
            "the cookie contains whitespace, quotes, a backslash, #, $ or non-ASCII characters: erl accepts it as written here, but start scripts and remote shells that read vm.args with grep and awk do not".into());
        hint(f, "use letters, digits and underscores only");
    }
    if let Some(reason) = weak_reason(&text) {
        let f = cx.at(
            cookie,
            Severity::Warning,
            CODE_WEAK_COOKIE,
            format!("weak cookie: it {reason}; anyone who guesses it can run code on the node"),
        );
        hint(
            f,
            "generate one: elixir -e 'IO.puts(Base.encode32(:crypto.strong_rand_bytes(40)))'",
        );
    }
    if cx.unit.tracked {
        let f = cx.at(cookie, Severity::Info, CODE_COOKIE_IN_REPOSITORY,
            "the cookie is committed to the git repository: everyone who can read the repository can connect to the node".into());
        hint(f, match target {
            Target::Relx => "write -setcookie ${ERLANG_COOKIE} and start with RELX_REPLACE_OS_VARS=true",
            _ => "write -setcookie ${ERLANG_COOKIE} and start with REPLACE_OS_VARS=true, or keep the cookie in a file outside the repository",
        });
    }
}
