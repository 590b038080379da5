//! The Strict-Transport-Security header value, parsed as RFC 6797 §6.1 says
//! (directives separated by `;`, names case-insensitive, values a token or a
//! quoted-string, each directive at most once, `max-age` required and made of
//! digits, `includeSubDomains` without a value, unknown directives ignored), with
//! the points where Chromium's parser (net/http/http_security_headers.cc) differs
//! noted as such.

use serde::{Deserialize, Serialize};

/// Chromium stores at most one year, whatever max-age says.
pub const CHROMIUM_MAX_AGE_CAP: u64 = 86_400 * 365;
/// hstspreload.org's minimum for preloading.
pub const PRELOAD_MIN_MAX_AGE: u64 = 31_536_000;

/// One directive as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Directive {
    /// The name as written (compare lowercased).
    pub name: String,
    /// The value after unquoting, if there was `=`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub quoted: bool,
}

/// What a header value means, or why a browser ignores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub valid: bool,
    /// Why the whole header is ignored (RFC 6797 §6.1 rule 4), when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid_reason: Option<String>,
    /// Seconds, as the RFC reads them (saturated at u64::MAX).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<u64>,
    pub include_subdomains: bool,
    pub preload: bool,
    pub directives: Vec<Directive>,
    /// Unknown directives (ignored by browsers).
    pub unknown: Vec<String>,
    /// Places where Chromium reads the value differently from the RFC.
    pub chromium_notes: Vec<String>,
    /// Directives repeated that only the RFC forbids (Chromium accepts them).
    pub repeated: Vec<String>,
}

fn is_tchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

fn is_token(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_tchar)
}

/// Split at `;` outside quoted strings.
fn split_directives(value: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in value.char_indices() {
        if in_quotes {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_quotes = false;
            }
        } else if c == '"' {
            in_quotes = true;
        } else if c == ';' {
            parts.push(&value[start..i]);
            start = i + 1;
        }
    }
    if in_quotes {
        return Err("a quoted value is never closed".into());
    }
    parts.push(&value[start..]);
    Ok(parts)
}

fn unquote(raw: &str) -> Result<String, String> {
    let inner = &raw[1..raw.len() - 1];
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(n) => out.push(n),
                None => return Err("a quoted value ends with a lone backslash".into()),
            },
            '"' => return Err("a quote inside a quoted value must be escaped".into()),
            c => out.push(c),
        }
    }
    Ok(out)
}

fn invalid(mut p: Policy, reason: impl Into<String>) -> Policy {
    p.valid = false;
    p.invalid_reason = Some(reason.into());
    p
}

/// `value` with every obs-fold (CR LF 1*( SP / HTAB )) replaced by one space.
fn unfold(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find("\r\n") {
        let after = &rest[at + 2..];
        let whitespace = after.len() - after.trim_start_matches([' ', '\t']).len();
        if whitespace == 0 {
            out.push_str(&rest[..at + 2]);
        } else {
            out.push_str(&rest[..at]);
            out.push(' ');
        }
        rest = &after[whitespace..];
    }
    out.push_str(rest);
    out
}

/// Parse one header value.
pub fn parse(value: &str) -> Policy {
    let mut p = Policy {
        valid: true,
        invalid_reason: None,
        max_age: None,
        include_subdomains: false,
        preload: false,
        directives: Vec::new(),
        unknown: Vec::new(),
        chromium_notes: Vec::new(),
        repeated: Vec::new(),
    };
    // RFC 7230 §3.2.4: a recipient replaces each obsolete line fold (CR LF followed
    // by spaces or tabs) with a space before interpreting the value, as Firefox
    // does. A CR or LF anywhere else stays a control character.
    let unfolded = unfold(value);
    let value = unfolded.as_str();
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return invalid(p, "the value contains control characters");
    }
    let parts = match split_directives(value) {
        Ok(parts) => parts,
        Err(why) => return invalid(p, why),
    };
    let mut seen: Vec<String> = Vec::new();
    for part in parts {
        let part = part.trim_matches([' ', '\t']);
        if part.is_empty() {
            continue;
        }
        let (name, raw_value) = match part.split_once('=') {
            Some((n, v)) => (
                n.trim_matches([' ', '\t']),
                Some(v.trim_matches([' ', '\t'])),
            ),
            None => (part, None),
        };
        if !is_token(name) {
            let why = if name.contains(',') || raw_value.is_some_and(|v| v.contains(',')) {
                format!("{part:?} is not a directive: it looks like two headers folded into one with a comma")
            } else {
                format!("{name:?} is not a valid directive name")
            };
            return invalid(p, why);
        }
        let (value, quoted) = match raw_value {
            None => (None, false),
            Some(v) if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') => match unquote(v) {
                Ok(u) => (Some(u), true),
                Err(why) => return invalid(p, why),
            },
            Some(v) if is_token(v) => (Some(v.to_string()), false),
            Some(v) => {
                let why = if v.contains(',') {
                    format!("{part:?}: the value has a comma: two headers were folded into one (a proxy or a framework added a second header)")
                } else {
                    format!("{part:?}: the value is neither a token nor a quoted string")
                };
                return invalid(p, why);
            }
        };
        let lower = name.to_ascii_lowercase();
        let repeated = seen.contains(&lower);
        seen.push(lower.clone());
        p.directives.push(Directive {
            name: name.to_string(),
            value: value.clone(),
            quoted,
        });
        match lower.as_str() {
            "max-age" => {
                if repeated {
                    return invalid(p, "max-age appears twice (RFC 6797 §6.1 rule 2; Chromium also ignores the header)");
                }
                let Some(v) = value else {
                    return invalid(p, "max-age has no value");
                };
                if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
                    return invalid(
                        p,
                        format!("max-age={v:?} is not a number of seconds (digits only)"),
                    );
                }
                let secs = v.parse::<u64>().unwrap_or(u64::MAX);
                if secs > CHROMIUM_MAX_AGE_CAP {
                    p.chromium_notes.push(format!("Chromium keeps the policy for at most one year ({CHROMIUM_MAX_AGE_CAP} s), not {secs} s"));
                }
                if quoted {
                    p.chromium_notes.push("the quoted max-age is valid for the RFC and Chromium, but the preload list's checker rejects it".into());
                }
                if v.len() > 1 && v.starts_with('0') {
                    p.chromium_notes
                        .push("max-age has a leading zero; hstspreload.org warns about it".into());
                }
                p.max_age = Some(secs);
            }
            "includesubdomains" => {
                if repeated {
                    return invalid(p, "includeSubDomains appears twice (RFC 6797 §6.1 rule 2; Chromium also ignores the header)");
                }
                if value.is_some() {
                    return invalid(p, "includeSubDomains takes no value (RFC 6797 §6.1.2; Chromium ignores the header)");
                }
                p.include_subdomains = true;
            }
            "preload" => {
                if repeated {
                    p.repeated.push(name.to_string());
                }
                if value.is_some() {
                    p.chromium_notes.push("preload takes no value; browsers ignore the value, the preload list's checker warns".into());
                }
                p.preload = true;
            }
            _ => {
                if repeated {
                    p.repeated.push(name.to_string());
                }
                p.unknown.push(name.to_string());
            }
        }
    }
    if p.max_age.is_none() {
        return invalid(p, "max-age is missing (it is required, RFC 6797 §6.1.1)");
    }
    p
}

/// Seconds in words: "1 year", "18 weeks", "5 minutes".
pub fn human_duration(secs: u64) -> String {
    const UNITS: &[(u64, &str)] = &[
        (31_536_000, "year"),
        (604_800, "week"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
        (1, "second"),
    ];
    if secs == 0 {
        return "0 seconds (the policy is deleted)".into();
    }
    // The largest unit that fits: exact when it divides, else "about".
    let (unit, name) = UNITS
        .iter()
        .find(|(u, _)| secs >= *u)
        .copied()
        .unwrap_or((1, "second"));
    if secs.is_multiple_of(unit) {
        let n = secs / unit;
        return format!("{n} {name}{}", if n == 1 { "" } else { "s" });
    }
    let n = secs as f64 / unit as f64;
    format!("about {n:.1} {name}s ({secs} s)")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (header value, valid, max_age, includeSubDomains, preload)
    const CASES: &[(&str, bool, Option<u64>, bool, bool)] = &[
        // RFC 6797 §6.2 shapes
        ("max-age=31536000", true, Some(31536000), false, false),
        (
            "max-age=15768000 ; includeSubDomains",
            true,
            Some(15768000),
            true,
            false,
        ),
        ("max-age=\"31536000\"", true, Some(31536000), false, false),
        ("max-age=0", true, Some(0), false, false),
        ("max-age=0; includeSubDomains", true, Some(0), true, false),
        // case and whitespace
        ("MAX-AGE=100", true, Some(100), false, false),
        (
            "Max-Age=100; INCLUDESUBDOMAINS",
            true,
            Some(100),
            true,
            false,
        ),
        (
            "max-age=100;includesubdomains",
            true,
            Some(100),
            true,
            false,
        ),
        (
            "  max-age = 100 ;  includeSubDomains  ",
            true,
            Some(100),
            true,
            false,
        ),
        ("\tmax-age=100\t;\tpreload", true, Some(100), false, true),
        (
            "max-age=394082038  ; incLudesUbdOmains;",
            true,
            Some(394082038),
            true,
            false,
        ),
        // empty directives
        ("max-age=1;", true, Some(1), false, false),
        ("max-age=1;;", true, Some(1), false, false),
        (";max-age=1", true, Some(1), false, false),
        (
            ";;max-age=1;;includeSubDomains;;",
            true,
            Some(1),
            true,
            false,
        ),
        // order does not matter
        (
            "includeSubDomains; max-age=100",
            true,
            Some(100),
            true,
            false,
        ),
        (
            "preload; includeSubDomains; max-age=63072000",
            true,
            Some(63072000),
            true,
            true,
        ),
        // real-world values
        (
            "max-age=63072000; includeSubDomains; preload",
            true,
            Some(63072000),
            true,
            true,
        ),
        (
            "max-age=31536000; includeSubDomains",
            true,
            Some(31536000),
            true,
            false,
        ),
        ("max-age=300", true, Some(300), false, false),
        (
            "max-age=10886400; includeSubDomains; preload",
            true,
            Some(10886400),
            true,
            true,
        ),
        // unknown directives are ignored
        ("max-age=100; always", true, Some(100), false, false),
        ("max-age=100; foo=bar", true, Some(100), false, false),
        (
            "max-age=100; foo=\"bar baz\"",
            true,
            Some(100),
            false,
            false,
        ),
        (
            "max-age=100; report-uri=\"https://r.example/x\"",
            true,
            Some(100),
            false,
            false,
        ),
        ("max-age=100; foo=\"a;b\"", true, Some(100), false, false),
        ("max-age=100; preload=1", true, Some(100), false, true),
        (
            "max-age=100; preload; preload",
            true,
            Some(100),
            false,
            true,
        ),
        ("max-age=100; x; x", true, Some(100), false, false),
        // quoted values with escapes
        ("max-age=\"1\\2\"", true, Some(12), false, false),
        ("max-age=\"\"", false, None, false, false),
        // big numbers saturate
        (
            "max-age=99999999999999999999999",
            true,
            Some(u64::MAX),
            false,
            false,
        ),
        ("max-age=0000000100", true, Some(100), false, false),
        // missing or malformed max-age
        ("", false, None, false, false),
        ("includeSubDomains", false, None, true, false),
        ("preload", false, None, false, true),
        ("max-age", false, None, false, false),
        ("max-age=", false, None, false, false),
        ("max-age=-1", false, None, false, false),
        ("max-age=+1", false, None, false, false),
        ("max-age=1.5", false, None, false, false),
        ("max-age=1e3", false, None, false, false),
        ("max-age=abc", false, None, false, false),
        ("max-age=0x10", false, None, false, false),
        ("max-age=\"abc\"", false, None, false, false),
        ("max-age=1 2", false, None, false, false),
        ("max-age=\"100", false, None, false, false),
        ("max-age=100\"", false, None, false, false),
        ("maxage=100", false, None, false, false),
        ("max_age=100", false, None, false, false),
        ("max-age:100", false, None, false, false),
        // repeated directives
        ("max-age=1; max-age=2", false, Some(1), false, false),
        ("max-age=1; MAX-AGE=1", false, Some(1), false, false),
        (
            "max-age=1; includeSubDomains; includeSubDomains",
            false,
            Some(1),
            true,
            false,
        ),
        // includeSubDomains with a value
        (
            "max-age=1; includeSubDomains=true",
            false,
            Some(1),
            false,
            false,
        ),
        (
            "max-age=1; includeSubDomains=\"\"",
            false,
            Some(1),
            false,
            false,
        ),
        (
            "max-age=1; includeSubDomains=",
            false,
            Some(1),
            false,
            false,
        ),
        // folded headers and bad syntax
        ("max-age=1, max-age=2", false, None, false, false),
        (
            "max-age=31536000; includeSubDomains, max-age=31536000",
            false,
            Some(31536000),
            true,
            false,
        ),
        ("max-age=1; inc lude", false, Some(1), false, false),
        ("max-age=1; foo=bar baz", false, Some(1), false, false),
        ("max-age=1; foo=\"unterminated", false, None, false, false),
        ("max-age=1; =x", false, Some(1), false, false),
        ("max-age=1; \u{e9}t\u{e9}", false, Some(1), false, false),
        ("max-age=1\u{0}", false, None, false, false),
        ("max-age=1\r\nSet-Cookie: x", false, None, false, false),
        // obsolete line folds (RFC 7230 §3.2.4) are a space; bare CR or LF is not
        ("\r\n\t max-age=100", true, Some(100), false, false),
        (
            "max-age=100;\r\n includeSubDomains",
            true,
            Some(100),
            true,
            false,
        ),
        (
            "max-age=100;\r\n\t\r\n preload",
            true,
            Some(100),
            false,
            true,
        ),
        ("\r\nmax-age=100", false, None, false, false),
        ("\n max-age=100", false, None, false, false),
        ("\r max-age=100", false, None, false, false),
        ("max-age=100;\r\n", false, None, false, false),
        (
            "max-age=100; \rincludeSubDomains",
            false,
            None,
            false,
            false,
        ),
    ];

    #[test]
    fn the_header_grammar_table() {
        assert!(CASES.len() >= 60, "{} cases", CASES.len());
        for (value, valid, max_age, subdomains, preload) in CASES {
            let p = parse(value);
            assert_eq!(
                p.valid, *valid,
                "valid for {value:?}: {:?}",
                p.invalid_reason
            );
            if *valid {
                assert_eq!(p.max_age, *max_age, "max-age for {value:?}");
                assert_eq!(
                    p.include_subdomains, *subdomains,
                    "includeSubDomains for {value:?}"
                );
                assert_eq!(p.preload, *preload, "preload for {value:?}");
                assert!(p.invalid_reason.is_none());
            } else {
                assert!(p.invalid_reason.is_some(), "{value:?} needs a reason");
            }
        }
    }

    #[test]
    fn reasons_name_the_problem() {
        assert!(parse("max-age=1, max-age=2")
            .invalid_reason
            .unwrap()
            .contains("folded"));
        assert!(parse("max-age=1; max-age=2")
            .invalid_reason
            .unwrap()
            .contains("twice"));
        assert!(parse("includeSubDomains")
            .invalid_reason
            .unwrap()
            .contains("missing"));
    }

    #[test]
    fn chromium_differences_are_noted() {
        assert!(parse("max-age=63072000").chromium_notes[0].contains("one year"));
        assert!(parse("max-age=\"100\"").chromium_notes[0].contains("quoted"));
        assert_eq!(parse("max-age=1; preload; preload").repeated, ["preload"]);
        assert_eq!(parse("max-age=1; always").unknown, ["always"]);
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(human_duration(31536000), "1 year");
        assert_eq!(human_duration(63072000), "2 years");
        assert_eq!(human_duration(10886400), "18 weeks");
        assert_eq!(human_duration(300), "5 minutes");
        assert_eq!(human_duration(0), "0 seconds (the policy is deleted)");
        assert_eq!(human_duration(90), "about 1.5 minutes (90 s)");
        assert_eq!(human_duration(15768000), "about 26.1 weeks (15768000 s)");
    }
}
