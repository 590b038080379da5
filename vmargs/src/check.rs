//! The checks: what erl, init, the distribution code and the release start scripts
//! would do with a vm.args file that its author did not expect. Each rule names its
//! source in docs/codes.md.

use crate::codes::*;
use crate::erlexec::{Fatal, Origin, Word};
use crate::model::{FlagUse, Parsed, KNOWN_APPS, KNOWN_FLAGS};
use crate::tokenize::Oddity;
use relkit_common::{Finding, Severity};
use std::collections::BTreeMap;

const TOOL: &str = "vmargs";

/// Which start script will run the VM with this file: it decides what is required.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Distillery releases (rel/config.exs): the start script needs -name or -sname.
    Distillery,
    /// `mix release` (rel/vm.args.eex): name and cookie come from RELEASE_* variables.
    Mix,
    /// relx/rebar3 releases: the start script needs exactly one -name or -sname.
    Relx,
    /// Plain `erl -args_file`: no start script.
    Erl,
}

impl Target {
    pub fn as_str(self) -> &'static str {
        match self {
            Target::Distillery => "distillery",
            Target::Mix => "mix",
            Target::Relx => "relx",
            Target::Erl => "erl",
        }
    }

    fn has_start_script(self) -> bool {
        matches!(self, Target::Distillery | Target::Relx)
    }
}

/// One file to check, with what is known about where it is used.
#[derive(Debug)]
pub struct Unit {
    /// The path as shown in findings.
    pub display: String,
    /// The environment the file belongs to (`stage`, `prod`), if known.
    pub env: Option<String>,
    pub target: Target,
    pub parsed: Parsed,
    /// The file is tracked by git (its contents, cookie included, are in the repository).
    pub tracked: bool,
    /// The cookie in this text was replaced before it reached vmargs (a
    /// `release-pack.inspect` document without `--show-secrets`): its value says
    /// nothing, so it is not judged or compared.
    pub cookie_redacted: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The OTP release the VM runs (decides which flags are dead or deprecated).
    pub otp: u32,
}

/// The newest OTP release the flag tables know about.
pub const NEWEST_OTP: u32 = 28;

struct Ctx<'a> {
    unit: &'a Unit,
    opts: Options,
    out: Vec<Finding>,
}

impl Ctx<'_> {
    fn path_of(&self, file: usize) -> String {
        if file == 0 {
            self.unit.display.clone()
        } else {
            self.unit.parsed.expansion.files[file]
                .name
                .display()
                .to_string()
        }
    }

    fn at_origin(
        &mut self,
        origin: Option<Origin>,
        severity: Severity,
        code: &str,
        message: String,
    ) -> &mut Finding {
        let mut f = Finding::new(TOOL, severity, code, message);
        match origin {
            Some(o) => {
                let place = self.unit.parsed.place(o);
                f = f
                    .in_file(self.path_of(o.file))
                    .at(place.line, place.column, place.end_column);
            }
            None => f = f.in_file(self.unit.display.clone()),
        }
        self.out.push(f);
        self.out.last_mut().expect("just pushed")
    }

    fn at(&mut self, word: &Word, severity: Severity, code: &str, message: String) -> &mut Finding {
        self.at_origin(word.origin, severity, code, message)
    }

    fn at_offset(
        &mut self,
        file: usize,
        offset: usize,
        len: usize,
        severity: Severity,
        code: &str,
        message: String,
    ) -> &mut Finding {
        let place = self
            .unit
            .parsed
            .place_of_span(file, offset, offset + len.max(1));
        let f = Finding::new(TOOL, severity, code, message)
            .in_file(self.path_of(file))
            .at(place.line, place.column, place.end_column);
        self.out.push(f);
        self.out.last_mut().expect("just pushed")
    }

    fn in_file(&mut self, severity: Severity, code: &str, message: String) -> &mut Finding {
        self.at_origin(None, severity, code, message)
    }
}

fn hint(f: &mut Finding, text: impl Into<String>) {
    f.hint = Some(text.into());
}

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Check one file.
pub fn check_unit(unit: &Unit, opts: Options) -> Vec<Finding> {
    let mut cx = Ctx {
        unit,
        opts,
        out: Vec::new(),
    };
    lexical(&mut cx);
    if let Some(fatal) = unit.parsed.fatal() {
        refused(&mut cx, fatal);
    }
    includes(&mut cx);
    node_names(&mut cx);
    cookies(&mut cx);
    emulator_flags(&mut cx);
    init_flags(&mut cx);
    app_params(&mut cx);
    env_vars(&mut cx);
    let mut out = cx.out;
    // Top file first, then by position, so the report reads down the file.
    out.sort_by_key(|f| {
        (
            f.path.as_deref() != Some(unit.display.as_str()),
            f.path.clone(),
            f.line,
            f.column,
        )
    });
    out
}

fn lexical(cx: &mut Ctx) {
    let files = cx.unit.parsed.expansion.files.len();
    for file in 0..files {
        let source = &cx.unit.parsed.expansion.files[file];
        let oddities = source.tokens.oddities.clone();
        let comments = source.tokens.comments.clone();
        let bad_utf8: Vec<usize> = source
            .tokens
            .tokens
            .iter()
            .enumerate()
            .filter(|(_, t)| std::str::from_utf8(&t.value).is_err())
            .map(|(i, _)| i)
            .collect();
        for oddity in oddities {
            match oddity {
                Oddity::UnterminatedQuote { at } => {
                    let f = cx.at_offset(file, at, 1, Severity::Error, CODE_UNTERMINATED_QUOTE,
                        "this quote is never closed: erl takes everything up to the end of the file into one word".into());
                    hint(f, "close the quote on the same line");
                }
                Oddity::TrailingBackslash { at } => {
                    let f = cx.at_offset(
                        file,
                        at,
                        1,
                        Severity::Warning,
                        CODE_TRAILING_BACKSLASH,
                        "a backslash at the very end of the file is dropped by erl".into(),
                    );
                    hint(f, "remove it, or add the character it was meant to escape");
                }
                Oddity::BackslashNewline { at } => {
                    let f = cx.at_offset(file, at, 1, Severity::Error, CODE_BACKSLASH_NEWLINE,
                        "a backslash before the end of the line is not a line continuation: erl puts the newline into the word and glues the next line onto it".into());
                    hint(
                        f,
                        "remove the backslash and put the flag's values on one line",
                    );
                }
                Oddity::BackslashBeforeClosingQuote { at } => {
                    let f = cx.at_offset(file, at, 2, Severity::Warning, CODE_BACKSLASH_IN_QUOTES,
                        "backslashes do not escape inside quotes: this quote closes here and the backslash is part of the value".into());
                    hint(f, "to put a quote in a value, use the other kind of quote around it, or write \\' outside quotes");
                }
                Oddity::NulByte { at } => {
                    let f = cx.at_offset(
                        file,
                        at,
                        1,
                        Severity::Error,
                        CODE_NUL_BYTE,
                        "a NUL byte: erl stops reading the file here and ignores the rest".into(),
                    );
                    hint(
                        f,
                        "remove the NUL byte (the file may be corrupt or UTF-16 encoded)",
                    );
                }
                Oddity::ByteOrderMark => {
                    let f = cx.at_offset(file, 0, 3, Severity::Error, CODE_BYTE_ORDER_MARK,
                        "a UTF-8 byte-order mark: erl glues it to the first word, so that flag is no longer a flag".into());
                    hint(f, "save the file as UTF-8 without a BOM");
                }
                Oddity::CarriageReturn { at } => {
                    let f = cx.at_offset(file, at, 1, Severity::Warning, CODE_CRLF,
                        "CRLF line endings: erl copes, but start scripts that grep vm.args keep the \\r in the node name and cookie".into());
                    hint(f, "convert the file to LF line endings (dos2unix)");
                }
            }
        }
        for c in comments.iter().filter(|c| c.glued) {
            let severity = if glued_to_secret_or_name(cx.unit, file, c.start) {
                Severity::Error
            } else {
                Severity::Warning
            };
            let f = cx.at_offset(file, c.start, 1, severity, CODE_HASH_CUTS_WORD,
                "`#` inside a word starts a comment: erl ends the word here and ignores the rest of the line".into());
            hint(f, "quote the value ('a#b') or escape the # (a\\#b)");
        }
        for token in bad_utf8 {
            let f = cx.at_origin(
                Some(Origin { file, token }),
                Severity::Warning,
                CODE_NON_UTF8,
                "this word is not valid UTF-8".into(),
            );
            hint(f, "save the file as UTF-8");
        }
    }
}

/// Whether the word cut short by a `#` at `offset` is a cookie or a node name.
fn glued_to_secret_or_name(unit: &Unit, file: usize, offset: usize) -> bool {
    let tokens = &unit.parsed.expansion.files[file].tokens.tokens;
    // Tokens are in file order, so their ends are sorted.
    let Ok(index) = tokens.binary_search_by_key(&offset, |t| t.end) else {
        return false;
    };
    index > 0
        && matches!(
            tokens[index - 1].value.as_slice(),
            b"-setcookie" | b"-name" | b"-sname"
        )
}

fn refused(cx: &mut Ctx, fatal: &Fatal) {
    let m = &fatal.message;
    let (code, hint_text) = if m.starts_with("Missing argument(s)") {
        (
            CODE_MISSING_VALUE,
            "give the flag its value on the same line",
        )
    } else if m.contains("'-smp disable'") {
        (CODE_SMP_DISABLE, "remove it; to run one scheduler use +S 1")
    } else if m.contains("'-start_epmd'") {
        (
            CODE_BAD_START_EPMD,
            "write -start_epmd true or -start_epmd false",
        )
    } else if m.starts_with("Failed to open arguments file") {
        (
            CODE_MISSING_ARGS_FILE,
            "erl opens -args_file paths relative to its working directory; use an absolute path",
        )
    } else if m.contains("includes itself") {
        (
            CODE_ARGS_FILE_CYCLE,
            "remove the -args_file line that closes the loop",
        )
    } else {
        (CODE_ERL_REFUSES, "remove or fix the flag")
    };
    let f = cx.at_origin(
        fatal.at,
        Severity::Error,
        code,
        format!("erl refuses to start: {m}"),
    );
    hint(f, hint_text);
}

fn includes(cx: &mut Ctx) {
    let includes = cx.unit.parsed.expansion.includes.clone();
    for inc in includes {
        if !inc.name.starts_with(b"/") {
            let origin = Some(Origin {
                file: inc.at.file,
                token: inc.at.token + 1,
            });
            let f = cx.at_origin(origin, Severity::Warning, CODE_RELATIVE_ARGS_FILE,
                format!("-args_file {} is relative: erl opens it from its working directory, not from this file's directory", show(&inc.name)));
            hint(
                f,
                "use an absolute path (a release's start script runs erl from varying directories)",
            );
        }
    }
}

fn is_ip(host: &[u8]) -> bool {
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

fn templated(value: &[u8]) -> bool {
    let s = show(value);
    s.contains("${") || s.contains("<%") || s.starts_with('$')
}

fn node_names(cx: &mut Ctx) {
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

fn weak_reason(cookie: &str) -> Option<&'static str> {
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

fn cookies(cx: &mut Ctx) {
    let target = cx.unit.target;
    let model = cx.unit.parsed.model.clone();
    for u in model.uses("cookie") {
        let f = cx.at(
            &u.flag,
            Severity::Error,
            CODE_OBSOLETE_COOKIE_FLAG,
            "-cookie is obsolete and has no effect: the node falls back to ~/.erlang.cookie".into(),
        );
        hint(f, "did you mean -setcookie?");
    }
    let uses: Vec<&FlagUse> = model.uses("setcookie").collect();
    if target == Target::Mix {
        return;
    }
    if uses.is_empty()
        && target.has_start_script()
        && model.node_names().next().is_some()
        && cx.unit.parsed.fatal().is_none()
    {
        let f = cx.in_file(Severity::Info, CODE_MISSING_COOKIE,
            "no -setcookie: the node uses ~/.erlang.cookie of the user that runs it (created at random if missing)".into());
        hint(f, "set the cookie where the release's start script expects it (Distillery: set cookie: in rel/config.exs)");
    }
    if uses.len() > 1 {
        for u in &uses[1..] {
            let f = cx.at(&u.flag, Severity::Error, CODE_DUPLICATE_COOKIE,
                "-setcookie appears more than once: erl then ignores every -setcookie and falls back to ~/.erlang.cookie".into());
            hint(f, "keep exactly one -setcookie line");
        }
    }
    for u in &uses {
        match u.values.as_slice() {
            [] => {
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
            [value] => {
                let cookie = value.clone();
                let text = show(&cookie.value);
                if templated(&cookie.value) || cx.unit.cookie_redacted {
                    continue;
                }
                if cookie.value.len() > 255 {
                    let f = cx.at(&cookie, Severity::Error, CODE_COOKIE_TOO_LONG,
                        format!("the cookie is {} bytes long; erl turns it into an atom, and atoms are limited to 255 characters", cookie.value.len()));
                    hint(f, "use a cookie of 32 to 64 characters");
                }
                let special = cookie
                    .value
                    .iter()
                    .any(|&c| !c.is_ascii_graphic() || b"'\"\\#$`".contains(&c));
                if special {
                    let f = cx.at(&cookie, Severity::Warning, CODE_COOKIE_SPECIAL_CHARACTERS,
                        "the cookie contains whitespace, quotes, a backslash, #, $ or non-ASCII characters: erl accepts it as written here, but start scripts and remote shells that read vm.args with grep and awk do not".into());
                    hint(f, "use letters, digits and underscores only");
                }
                if let Some(reason) = weak_reason(&text) {
                    let f = cx.at(&cookie, Severity::Warning, CODE_WEAK_COOKIE,
                        format!("weak cookie: it {reason}; anyone who guesses it can run code on the node"));
                    hint(f, "generate one: elixir -e 'IO.puts(Base.encode32(:crypto.strong_rand_bytes(40)))'");
                }
                if cx.unit.tracked {
                    let f = cx.at(&cookie, Severity::Info, CODE_COOKIE_IN_REPOSITORY,
                        "the cookie is committed to the git repository: everyone who can read the repository can connect to the node".into());
                    hint(f, match target {
                        Target::Relx => "write -setcookie ${ERLANG_COOKIE} and start with RELX_REPLACE_OS_VARS=true",
                        _ => "write -setcookie ${ERLANG_COOKIE} and start with REPLACE_OS_VARS=true, or keep the cookie in a file outside the repository",
                    });
                }
            }
            _ => {}
        }
    }
}

/// The word that followed a flag in its file, as written (to explain what erl did).
fn next_raw_word(unit: &Unit, flag: &Word) -> Option<String> {
    let o = flag.origin?;
    let tokens = &unit.parsed.expansion.files[o.file].tokens.tokens;
    tokens.get(o.token + 1).map(|t| show(&t.value))
}

/// Emulator flag letters and families the VM knows (`erts/emulator/beam/erl_init.c`).
fn known_emulator_flag(flag: &[u8]) -> bool {
    let rest = &flag[1..];
    let Some(&first) = rest.first() else {
        return false;
    };
    // erl_init.c's switch over the first letter; anything else is "unknown flag".
    b"aABcCdefhiIJKlLMnPpQrRsStTvVWxXz".contains(&first)
}

fn emulator_flags(cx: &mut Ctx) {
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

fn init_flags(cx: &mut Ctx) {
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
            _ => {
                let known =
                    KNOWN_FLAGS.contains(&name.as_str()) || KNOWN_APPS.contains(&name.as_str());
                if !known && name.len() >= 3 {
                    let candidates = KNOWN_FLAGS
                        .iter()
                        .chain(KNOWN_APPS.iter())
                        .copied()
                        .filter(|k| k.len() >= 4);
                    let close = relkit_common::text::closest(&name, candidates, |k| {
                        if k.len() >= 8 {
                            2
                        } else {
                            1
                        }
                    });
                    if let Some(suggestion) = close {
                        let f = cx.at(&u.flag, Severity::Warning, CODE_UNKNOWN_FLAG,
                            format!("-{name} is not a flag erl knows: it is kept silently as a user flag and does nothing"));
                        hint(f, format!("did you mean -{suggestion}?"));
                    }
                }
            }
        }
    }
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

fn app_params(cx: &mut Ctx) {
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

fn env_vars(cx: &mut Ctx) {
    let target = cx.unit.target;
    let files = cx.unit.parsed.expansion.files.len();
    for file in 0..files {
        let tokens = cx.unit.parsed.expansion.files[file].tokens.tokens.clone();
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

/// Checks across files: the same cookie or node name in several environments, and
/// a node name that names another environment.
pub fn check_across(units: &[Unit]) -> Vec<Finding> {
    let mut out = Vec::new();
    let envs: Vec<String> = units.iter().filter_map(|u| u.env.clone()).collect();
    let mut by_cookie: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
    let mut by_node: BTreeMap<Vec<u8>, Vec<usize>> = BTreeMap::new();
    for (i, u) in units.iter().enumerate() {
        if let Some(c) = u.parsed.model.effective_cookie() {
            if !templated(&c.value) && !u.cookie_redacted {
                by_cookie.entry(c.value.clone()).or_default().push(i);
            }
        }
        if let Some(n) = u
            .parsed
            .model
            .effective_node()
            .and_then(|n| n.values.first())
        {
            if !templated(&n.value) {
                by_node.entry(n.value.clone()).or_default().push(i);
            }
        }
    }
    let located = |u: &Unit, w: &Word, severity, code: &str, message: String| {
        let mut f = Finding::new(TOOL, severity, code, message).in_file(u.display.clone());
        if let Some(o) = w.origin.filter(|o| o.file == 0) {
            let p = u.parsed.place(o);
            f = f.at(p.line, p.column, p.end_column);
        }
        f
    };
    for list in by_cookie.values().filter(|l| l.len() > 1) {
        let names: Vec<String> = list.iter().map(|&i| label(&units[i])).collect();
        for &i in &list[1..] {
            let u = &units[i];
            let Some(w) = u.parsed.model.effective_cookie() else {
                continue;
            };
            out.push(
                located(u, w, Severity::Error, CODE_SHARED_COOKIE,
                    format!("{} use the same cookie: anyone holding one environment's cookie can connect to the others' nodes", names.join(" and ")))
                    .with_hint("give every environment its own random cookie"),
            );
        }
    }
    for list in by_node.values().filter(|l| l.len() > 1) {
        let names: Vec<String> = list.iter().map(|&i| label(&units[i])).collect();
        for &i in &list[1..] {
            let u = &units[i];
            let Some(w) = u
                .parsed
                .model
                .effective_node()
                .and_then(|n| n.values.first())
            else {
                continue;
            };
            out.push(
                located(u, w, Severity::Warning, CODE_SHARED_NODE_NAME,
                    format!("{} use the same node name: two such nodes cannot run on one host, and they can be mistaken for each other", names.join(" and ")))
                    .with_hint("name each environment's node after it (billing_stage, billing_prod)"),
            );
        }
    }
    for u in units {
        let (Some(env), Some(node)) = (
            u.env.as_deref(),
            u.parsed
                .model
                .effective_node()
                .and_then(|n| n.values.first()),
        ) else {
            continue;
        };
        let head = show(node.value.split(|&c| c == b'@').next().unwrap_or_default());
        let parts: Vec<&str> = head.split(['_', '-', '.']).collect();
        let other = envs
            .iter()
            .find(|e| e.as_str() != env && parts.contains(&e.as_str()) && !parts.contains(&env));
        if let Some(other) = other {
            out.push(
                located(u, node, Severity::Warning, CODE_NODE_NAME_ENV_MISMATCH,
                    format!("the {env} environment's node is named {head:?}, after the {other} environment"))
                    .with_hint(format!("did you mean {}?", head.replace(other.as_str(), env))),
            );
        }
    }
    out
}

fn label(u: &Unit) -> String {
    match &u.env {
        Some(env) => format!("{env} ({})", u.display),
        None => u.display.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn unit(display: &str, env: Option<&str>, target: Target, text: &str) -> Unit {
        Unit {
            display: display.into(),
            env: env.map(str::to_string),
            target,
            parsed: Parsed::from_disk(Path::new(display), text.as_bytes().to_vec()),
            tracked: false,
            cookie_redacted: false,
        }
    }

    fn codes(text: &str, target: Target) -> Vec<String> {
        let u = unit("vm.args", None, target, text);
        check_unit(&u, Options { otp: 25 })
            .into_iter()
            .map(|f| f.code)
            .collect()
    }

    fn first(text: &str, code: &str) -> Finding {
        let u = unit("rel/vm.args.stage", None, Target::Distillery, text);
        check_unit(&u, Options { otp: 25 })
            .into_iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("no {code} for {text:?}"))
    }

    const GOOD: &str = "-name billing@127.0.0.1\n-setcookie Xq7rTz9KpL2mWvB4nJ8cD3fH6gY\n";

    #[test]
    fn a_good_file_is_clean() {
        assert_eq!(codes(GOOD, Target::Distillery), Vec::<String>::new());
    }

    #[test]
    fn the_stage_typo_gets_the_right_hint() {
        let f = first(
            "## Name of the node\n-name billing_stage.0.0.1\n",
            CODE_NAME_WITHOUT_HOST,
        );
        assert_eq!(f.severity, Severity::Error);
        assert_eq!(
            (f.line, f.column, f.end_column),
            (Some(2), Some(7), Some(26))
        );
        assert_eq!(
            f.hint.as_deref(),
            Some("did you mean -name billing_stage@127.0.0.1?")
        );
        let f = first("-name app.example.com\n", CODE_NAME_WITHOUT_HOST);
        assert_eq!(
            f.hint.as_deref(),
            Some("did you mean -name app@example.com?")
        );
    }

    #[test]
    fn host_rules() {
        assert_eq!(
            first("-name billing_prod@\n", CODE_EMPTY_HOST).severity,
            Severity::Error
        );
        assert_eq!(
            first("-name foo@localhost\n", CODE_LONG_NAME_SHORT_HOST).severity,
            Severity::Warning
        );
        assert_eq!(
            first("-sname foo@127.0.0.1\n", CODE_SHORT_NAME_LONG_HOST).severity,
            Severity::Error
        );
        assert!(codes(
            "-name a@::1\n-setcookie Xq7rTz9KpL2mWvB4nJ8cD3fH6gY\n",
            Target::Erl
        )
        .is_empty());
        assert!(codes(
            "-sname a@web1\n-setcookie Xq7rTz9KpL2mWvB4nJ8cD3fH6gY\n",
            Target::Erl
        )
        .is_empty());
        assert_eq!(
            first("-name b.i@h.x\n", CODE_INVALID_NODE_NAME).severity,
            Severity::Error
        );
    }

    #[test]
    fn missing_name_depends_on_the_target() {
        assert!(codes("+A 5\n", Target::Distillery).contains(&CODE_MISSING_NODE_NAME.to_string()));
        assert!(codes("+A 5\n", Target::Relx).contains(&CODE_MISSING_NODE_NAME.to_string()));
        assert!(!codes("+A 5\n", Target::Mix).contains(&CODE_MISSING_NODE_NAME.to_string()));
        assert!(!codes("+A 5\n", Target::Erl).contains(&CODE_MISSING_NODE_NAME.to_string()));
        let mix = codes("-name a@b.c\n-setcookie x\n+A 5\n", Target::Mix);
        assert_eq!(
            mix,
            [
                CODE_MIX_IGNORES_VM_ARGS,
                CODE_MIX_SETS_NODE,
                CODE_MIX_SETS_NODE
            ]
        );
    }

    #[test]
    fn cookie_rules() {
        let weak = first("-name a@b.c\n-setcookie foo123\n", CODE_WEAK_COOKIE);
        assert!(
            weak.message.contains("word followed by digits"),
            "{}",
            weak.message
        );
        assert!(
            codes("-name a@b.c\n-setcookie a\n-setcookie b\n", Target::Erl)
                .contains(&CODE_DUPLICATE_COOKIE.to_string())
        );
        let f = first(
            "-name a@b.c\n-setcookie -abcdefghijklmnopqrstuvwxyz\n",
            CODE_COOKIE_WITHOUT_VALUE,
        );
        assert!(f.message.contains("starts with '-'"), "{}", f.message);
        assert_eq!(
            first(
                "-name a@b.c\n-setcookie yG9=kF8#hV5!\n",
                CODE_HASH_CUTS_WORD
            )
            .severity,
            Severity::Error
        );
        assert_eq!(
            first("-name a@b.c\n-cookie x\n", CODE_OBSOLETE_COOKIE_FLAG)
                .hint
                .as_deref(),
            Some("did you mean -setcookie?")
        );
        assert!(
            codes("-name a@b.c\n", Target::Distillery).contains(&CODE_MISSING_COOKIE.to_string())
        );
    }

    #[test]
    fn dead_and_misspelt_flags() {
        let c = codes(
            &format!("{GOOD}-smp auto\n+K true\n+Zfoo\n-setcokie x\n-env ERL_MAX_PORTS 4096\n"),
            Target::Distillery,
        );
        assert_eq!(
            c,
            [
                CODE_NO_EFFECT_FLAG,
                CODE_NO_EFFECT_FLAG,
                CODE_UNKNOWN_EMULATOR_FLAG,
                CODE_UNKNOWN_FLAG,
                CODE_DEPRECATED_FLAG
            ]
        );
        assert_eq!(
            first("-setcokie x\n", CODE_UNKNOWN_FLAG).hint.as_deref(),
            Some("did you mean -setcookie?")
        );
        assert_eq!(
            first("-smp disable\n", CODE_SMP_DISABLE).severity,
            Severity::Error
        );
        assert_eq!(first("+P\n", CODE_MISSING_VALUE).line, Some(1));
        let deprecated = unit("vm.args", None, Target::Erl, "-erl_epmd_port 6789\n");
        assert!(check_unit(&deprecated, Options { otp: 25 }).is_empty());
        assert_eq!(
            check_unit(&deprecated, Options { otp: 27 })[0].code,
            CODE_DEPRECATED_FLAG
        );
    }

    #[test]
    fn lexical_surprises() {
        assert_eq!(
            first("-name a@b.c\n-setcookie \"abc\n", CODE_UNTERMINATED_QUOTE).column,
            Some(12)
        );
        assert_eq!(
            first("-setcookie abc\\\n-name x@y.z\n", CODE_BACKSLASH_NEWLINE).line,
            Some(1)
        );
        assert!(
            codes("\u{feff}-name a@b.c\n", Target::Erl).contains(&CODE_BYTE_ORDER_MARK.to_string())
        );
        assert!(codes("-name a@b.c\r\n", Target::Erl).contains(&CODE_CRLF.to_string()));
        assert!(codes("-name a@b.c\0junk", Target::Erl).contains(&CODE_NUL_BYTE.to_string()));
        assert!(
            codes("-name a@b.c x\\", Target::Erl).contains(&CODE_TRAILING_BACKSLASH.to_string())
        );
    }

    #[test]
    fn kernel_ports_and_terms() {
        assert_eq!(
            first(
                "-kernel inet_dist_listen_min '\"9100\"'\n",
                CODE_DIST_PORT_NOT_INTEGER
            )
            .severity,
            Severity::Warning
        );
        assert_eq!(
            first(
                "-kernel inet_dist_listen_min 9200 inet_dist_listen_max 9100\n",
                CODE_DIST_PORT_RANGE
            )
            .severity,
            Severity::Error
        );
        assert_eq!(
            first("-kernel inet_dist_listen_min\n", CODE_APP_PARAM_ODD).severity,
            Severity::Warning
        );
        assert_eq!(
            first(
                "-kernel sync_nodes_mandatory '[a@h, b@h'\n",
                CODE_APP_PARAM_NOT_TERM
            )
            .severity,
            Severity::Error
        );
    }

    #[test]
    fn variables_are_not_expanded() {
        assert_eq!(
            first("-name ${NODE}@127.0.0.1\n", CODE_ENV_VAR_NOT_EXPANDED).severity,
            Severity::Info
        );
        let erl = unit("vm.args", None, Target::Erl, "-name ${NODE}@127.0.0.1\n");
        assert_eq!(
            check_unit(&erl, Options { otp: 25 })[0].severity,
            Severity::Warning
        );
    }

    #[test]
    fn across_environments() {
        let stage = unit(
            "rel/vm.args.stage",
            Some("stage"),
            Target::Distillery,
            "-name billing_stage@127.0.0.1\n-setcookie foo123\n",
        );
        let prod = unit(
            "rel/vm.args.prod",
            Some("prod"),
            Target::Distillery,
            "-name billing_stage@127.0.0.1\n-setcookie foo123\n",
        );
        let found = check_across(&[stage, prod]);
        let codes: Vec<&str> = found.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                CODE_SHARED_COOKIE,
                CODE_SHARED_NODE_NAME,
                CODE_NODE_NAME_ENV_MISMATCH
            ]
        );
        assert_eq!(found[0].path.as_deref(), Some("rel/vm.args.prod"));
        assert_eq!(found[2].hint.as_deref(), Some("did you mean billing_prod?"));
    }
}
