//! Finding secrets in the texts a release carries besides vm.args: assignments in a
//! POSIX shell script (`releases/VSN/env.sh`) and key-value pairs in Erlang terms
//! (`sys.config`). Both scanners read just enough of their language to find where a
//! value starts and ends (quotes, `$(...)`, nesting); they judge names by
//! [`is_secret_name`](super::is_secret_name) and never fail: a text they cannot
//! follow to the end has its unclosed value masked to the end.

use super::name::is_secret_name;
use std::ops::Range;

/// The values of assignments to secret names in a shell script (`NAME=value`,
/// `export NAME=value`, `env NAME=value cmd`, anywhere in the script), and in any
/// assigned value the password of a `scheme://user:password@host` and the word
/// after a `-setcookie`. Ranges are
/// bytes of `text`; a value is masked as written, quotes included.
pub fn in_shell(text: &[u8]) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => i += 1,
            b'#' => i = line_end(text, i),
            _ => {
                let end = shell_word_end(text, i);
                if let Some((name, value)) = assignment(text, i, end) {
                    if is_secret_name(&String::from_utf8_lossy(name)) {
                        found.push(value);
                    } else {
                        let raw = &text[value.clone()];
                        let inner = url_password(raw).into_iter().chain(cookie_flags(raw));
                        found.extend(inner.map(|r| value.start + r.start..value.start + r.end));
                    }
                }
                i = end.max(i + 1);
            }
        }
    }
    found
}

/// `NAME=value` or `NAME+=value` in `text[start..end]`: the name, and the value's
/// range when it is not empty.
fn assignment(text: &[u8], start: usize, end: usize) -> Option<(&[u8], Range<usize>)> {
    let word = &text[start..end];
    let first = *word.first()?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let eq = word.iter().position(|&b| b == b'=')?;
    let name = word[..eq].strip_suffix(b"+").unwrap_or(&word[..eq]);
    let name_ok = name.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_');
    (name_ok && eq + 1 < word.len()).then(|| (name, start + eq + 1..end))
}

/// The password part of the first `scheme://user:password@` in `value`.
fn url_password(value: &[u8]) -> Option<Range<usize>> {
    let scheme_end = value.windows(3).position(|w| w == b"://")? + 3;
    let rest = &value[scheme_end..];
    let authority_end = rest
        .iter()
        .position(|&b| matches!(b, b'/' | b'?' | b'#' | b'"' | b'\'' | b' '))
        .unwrap_or(rest.len());
    let at = rest[..authority_end].iter().rposition(|&b| b == b'@')?;
    let colon = rest[..at].iter().position(|&b| b == b':')?;
    (colon + 1 < at).then(|| scheme_end + colon + 1..scheme_end + at)
}

/// The word after each `-setcookie` in a value that holds erl flags
/// (`ELIXIR_ERL_OPTIONS="-setcookie abc"`, `ERL_AFLAGS`), up to a blank or a quote.
fn cookie_flags(value: &[u8]) -> Vec<Range<usize>> {
    const FLAG: &[u8] = b"-setcookie";
    let stop = |b: u8| b.is_ascii_whitespace() || matches!(b, b'"' | b'\'');
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = memchr::memmem::find(&value[from..], FLAG) {
        let mut start = from + at + FLAG.len();
        from = start;
        if !value.get(start).is_some_and(|&b| b.is_ascii_whitespace()) {
            continue;
        }
        while value.get(start).is_some_and(|&b| b.is_ascii_whitespace()) {
            start += 1;
        }
        let end = start
            + value[start..]
                .iter()
                .position(|&b| stop(b))
                .unwrap_or(value.len() - start);
        if end > start {
            found.push(start..end);
            from = end;
        }
    }
    found
}

fn line_end(text: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &text[from..]).map_or(text.len(), |n| from + n)
}

/// Where the shell word starting at `i` ends: at an unquoted blank or operator.
fn shell_word_end(text: &[u8], mut i: usize) -> usize {
    while i < text.len() {
        match text[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' => break,
            _ => i = shell_step(text, i),
        }
    }
    i.min(text.len())
}

/// Past one element of a word at `i`: a character, an escape, a quoted string or a
/// substitution, each taken whole.
fn shell_step(text: &[u8], i: usize) -> usize {
    match (text[i], text.get(i + 1)) {
        (b'\\', _) => i + 2,
        (b'\'', _) => memchr::memchr(b'\'', &text[i + 1..]).map_or(text.len(), |n| i + n + 2),
        (b'"', _) => after_double_quotes(text, i + 1),
        (b'`', _) => after_backquotes(text, i + 1),
        (b'$', Some(b'(')) => after_closing(text, i + 2, b'(', b')'),
        (b'$', Some(b'{')) => after_closing(text, i + 2, b'{', b'}'),
        _ => i + 1,
    }
}

fn after_double_quotes(text: &[u8], mut i: usize) -> usize {
    while i < text.len() {
        match (text[i], text.get(i + 1)) {
            (b'"', _) => return i + 1,
            (b'\\', _) => i += 2,
            (b'`', _) => i = after_backquotes(text, i + 1),
            (b'$', Some(b'(')) => i = after_closing(text, i + 2, b'(', b')'),
            (b'$', Some(b'{')) => i = after_closing(text, i + 2, b'{', b'}'),
            _ => i += 1,
        }
    }
    text.len()
}

fn after_backquotes(text: &[u8], mut i: usize) -> usize {
    while i < text.len() {
        match text[i] {
            b'`' => return i + 1,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    text.len()
}

/// Past the `close` that balances an `open` already passed, quotes respected.
fn after_closing(text: &[u8], mut i: usize, open: u8, close: u8) -> usize {
    let mut depth = 1usize;
    while i < text.len() {
        let c = text[i];
        if c == close {
            depth -= 1;
            if depth == 0 {
                return i + 1;
            }
            i += 1;
        } else if c == open {
            depth += 1;
            i += 1;
        } else if matches!(c, b'\\' | b'\'' | b'"' | b'`' | b'$') {
            i = shell_step(text, i);
        } else {
            i += 1;
        }
    }
    text.len()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    /// An atom, quoted atom or string: the name a key can have.
    Name,
    Open(u8),
    Close(u8),
    Comma,
    Arrow,
    Other,
}

struct Token {
    kind: Term,
    range: Range<usize>,
    /// For a name: its text without quotes.
    name: Range<usize>,
}

/// Erlang's tokens, as far as finding pairs needs them.
fn erlang_tokens(text: &[u8]) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let start = i;
        let (kind, end, name) = match c {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'%' => {
                i = line_end(text, i);
                continue;
            }
            b'"' | b'\'' => {
                let end = quoted_end(text, i + 1, c);
                (Term::Name, end, i + 1..end.saturating_sub(1).max(i + 1))
            }
            // A character literal: `$x`, or `$\x` escaped.
            b'$' => {
                let len = if text.get(i + 1) == Some(&b'\\') {
                    3
                } else {
                    2
                };
                (Term::Other, (i + len).min(text.len()), 0..0)
            }
            b'<' if text.get(i + 1) == Some(&b'<') => (Term::Open(b'<'), i + 2, 0..0),
            b'>' if text.get(i + 1) == Some(&b'>') => (Term::Close(b'<'), i + 2, 0..0),
            b'=' if text.get(i + 1) == Some(&b'>') => (Term::Arrow, i + 2, 0..0),
            b'{' | b'[' | b'(' => (Term::Open(c), i + 1, 0..0),
            b'}' => (Term::Close(b'{'), i + 1, 0..0),
            b']' => (Term::Close(b'['), i + 1, 0..0),
            b')' => (Term::Close(b'('), i + 1, 0..0),
            b',' => (Term::Comma, i + 1, 0..0),
            c if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 => {
                let end = i + text[i..]
                    .iter()
                    .position(|&b| {
                        !(b.is_ascii_alphanumeric() || b == b'_' || b == b'@' || b >= 0x80)
                    })
                    .unwrap_or(text.len() - i);
                let kind = if c.is_ascii_lowercase() {
                    Term::Name
                } else {
                    Term::Other
                };
                (kind, end, i..end)
            }
            _ => (Term::Other, i + 1, 0..0),
        };
        i = end;
        tokens.push(Token {
            kind,
            range: start..end,
            name,
        });
    }
    tokens
}

/// Past the closing `quote` of a string or quoted atom whose content starts at `i`.
fn quoted_end(text: &[u8], mut i: usize, quote: u8) -> usize {
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    text.len()
}

/// The values of pairs with a secret key in Erlang terms: `{password, "..."}`,
/// `{'RELEASE_COOKIE', <<"...">>}`, `{<<"api_key">>, ...}`, and `password => ...`
/// in a map. The whole value term is masked, however deep.
pub fn in_erlang_terms(text: &[u8]) -> Vec<Range<usize>> {
    let tokens = erlang_tokens(text);
    let name_of = |t: &Token| String::from_utf8_lossy(&text[t.name.clone()]).into_owned();
    let kind = |i: usize| tokens.get(i).map(|t| t.kind);
    let mut found = Vec::new();
    for i in 0..tokens.len() {
        // The key: a name, or a binary holding one string (`<<"key">>`).
        let (key, after) = match kind(i) {
            Some(Term::Name) => (i, i + 1),
            Some(Term::Open(b'<'))
                if kind(i + 1) == Some(Term::Name) && kind(i + 2) == Some(Term::Close(b'<')) =>
            {
                (i + 1, i + 3)
            }
            _ => continue,
        };
        let in_tuple =
            i > 0 && kind(i - 1) == Some(Term::Open(b'{')) && kind(after) == Some(Term::Comma);
        let in_map = kind(after) == Some(Term::Arrow);
        if !(in_tuple || in_map) || !is_secret_name(&name_of(&tokens[key])) {
            continue;
        }
        // The value runs to the comma (in a map) or the brace closing the pair.
        let first = after + 1;
        let mut depth = 0usize;
        let mut last = None;
        for (j, token) in tokens.iter().enumerate().skip(first) {
            match token.kind {
                Term::Open(_) => depth += 1,
                Term::Close(_) if depth == 0 => break,
                Term::Close(_) => depth -= 1,
                Term::Comma if depth == 0 && in_map => break,
                _ => {}
            }
            last = Some(j);
        }
        if let Some(last) = last {
            found.push(tokens[first].range.start..tokens[last].range.end);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(text: &str, ranges: &[Range<usize>]) -> Vec<String> {
        ranges.iter().map(|r| text[r.clone()].to_string()).collect()
    }

    #[test]
    fn shell_assignments_to_secret_names() {
        let text = "#!/bin/sh\n\
            export RELEASE_COOKIE=abc123\n\
            RELEASE_DISTRIBUTION=name\n\
            DB_PASSWORD='p w'; export DB_PASSWORD\n\
            export A=1 SECRET_KEY_BASE=\"x$(cat /etc/k)y\" B=2\n\
            case $RELEASE_COMMAND in start) export API_TOKEN=${API_TOKEN:-t0k};; esac\n\
            # export COOKIE=in_a_comment\n\
            env AUTH=basic exec foo\n\
            KEY=k\n\
            export KEYBOARD_LAYOUT=us\n";
        let found = in_shell(text.as_bytes());
        assert_eq!(
            shown(text, &found),
            [
                "abc123",
                "'p w'",
                "\"x$(cat /etc/k)y\"",
                "${API_TOKEN:-t0k}",
                "basic",
                "k"
            ]
        );
    }

    #[test]
    fn shell_values_with_nested_quotes_and_substitutions_end_where_the_shell_ends_them() {
        let text = "SECRET=\"$(echo \")\" ; x)\"z ok=1\nTOKEN=`a b` c=2\nPASS=a\\ b d=3\n";
        assert_eq!(
            shown(text, &in_shell(text.as_bytes())),
            ["\"$(echo \")\" ; x)\"z", "`a b`", "a\\ b"]
        );
    }

    #[test]
    fn an_unterminated_value_is_masked_to_the_end() {
        let text = "SECRET='never closed\nmore";
        assert_eq!(
            shown(text, &in_shell(text.as_bytes())),
            ["'never closed\nmore"]
        );
        let text = "SECRET=\"$(x";
        assert_eq!(shown(text, &in_shell(text.as_bytes())), ["\"$(x"]);
    }

    #[test]
    fn cookies_in_erl_flag_variables_are_secret() {
        let text = "export ELIXIR_ERL_OPTIONS=\"+sbwt none -setcookie s3cret -hidden\"\nERL_AFLAGS='-setcookie  ab'\nX=-setcookiex\n";
        assert_eq!(shown(text, &in_shell(text.as_bytes())), ["s3cret", "ab"]);
        assert_eq!(cookie_flags(b"-setcookie"), Vec::<Range<usize>>::new());
    }

    #[test]
    fn passwords_in_urls_are_secret_whatever_the_name() {
        let text = "export DATABASE_URL=ecto://billing:s3cr3t@db.internal/billing\nHOME_URL=https://example.com/a@b\n";
        assert_eq!(shown(text, &in_shell(text.as_bytes())), ["s3cr3t"]);
        assert_eq!(url_password(b"ecto://user@h/x"), None);
        assert_eq!(url_password(b"redis://:pw@h"), Some(9..11));
    }

    #[test]
    fn erlang_pairs_with_secret_keys() {
        let text = "%% sys.config\n[{billing, [{'Elixir.Billing.Repo', [{username, \"u\"}, {password, \"p,w}\"}]},\n\
            {secret_key_base, <<\"abc\">>}, {'RELEASE_COOKIE', {nested, [1, 2]}},\n\
            {<<\"api_key\">>, 'k'}, {keyboard, us}, {cookie_name, <<\"_billing_key\">>}]},\n\
            {opts, #{token => \"t\", other => 1}}].\n";
        let found = in_erlang_terms(text.as_bytes());
        assert_eq!(
            shown(text, &found),
            [
                "\"p,w}\"",
                "<<\"abc\">>",
                "{nested, [1, 2]}",
                "'k'",
                "\"t\""
            ]
        );
    }

    #[test]
    fn broken_terms_never_fail() {
        for text in [
            "{password, \"open",
            "{password,",
            "{secret, {",
            "$",
            "<<",
            "'",
            "{password, $\\",
        ] {
            let found = in_erlang_terms(text.as_bytes());
            for r in found {
                assert!(r.start <= r.end && r.end <= text.len(), "{text:?}");
            }
        }
        let text = "{password, \"open";
        assert_eq!(shown(text, &in_erlang_terms(text.as_bytes())), ["\"open"]);
    }
}
