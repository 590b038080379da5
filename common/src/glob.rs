//! Shell pattern matching (`*`, `?`, bracket expressions `[a-z]`, `[!...]`), on
//! bytes: sh's `case` patterns and the unit globs journalctl matches with fnmatch(3).

/// A token of a glob pattern.
#[derive(Debug, Clone, PartialEq)]
pub enum Glob {
    Byte(u8),
    Any,
    One,
    /// `[...]`: the bytes (ranges spelled out) and whether it is negated.
    Class(Vec<u8>, bool),
}

pub fn glob_tokens(text: &[u8]) -> Vec<Glob> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'*' => tokens.push(Glob::Any),
            b'?' => tokens.push(Glob::One),
            b'[' => {
                let mut j = i + 1;
                let negated = matches!(text.get(j), Some(b'!' | b'^'));
                if negated {
                    j += 1;
                }
                let body_start = j;
                if text.get(j) == Some(&b']') {
                    j += 1;
                }
                while j < text.len() && text[j] != b']' {
                    j += 1;
                }
                if j >= text.len() {
                    tokens.push(Glob::Byte(b'['));
                } else {
                    let body = &text[body_start..j];
                    let mut set = Vec::new();
                    let mut k = 0;
                    while k < body.len() {
                        if k + 2 < body.len() && body[k + 1] == b'-' {
                            set.extend(body[k]..=body[k + 2]);
                            k += 3;
                        } else {
                            set.push(body[k]);
                            k += 1;
                        }
                    }
                    tokens.push(Glob::Class(set, negated));
                    i = j;
                }
            }
            b => tokens.push(Glob::Byte(b)),
        }
        i += 1;
    }
    tokens
}

/// Whether `text` matches the whole pattern (as `case` matches).
pub fn glob_match(pattern: &[Glob], text: &[u8]) -> bool {
    // Iterative matching with one backtrack point for the last `*`.
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        let step = match pattern.get(p) {
            Some(Glob::Any) => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(Glob::One) => true,
            Some(Glob::Byte(b)) => *b == text[t],
            Some(Glob::Class(set, negated)) => set.contains(&text[t]) != *negated,
            None => false,
        };
        if step {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|g| *g == Glob::Any)
}

/// Whether `text` matches `pattern` written with no quoting (every `*`, `?` and `[`
/// special), as fnmatch(3) without flags.
pub fn matches(pattern: &[u8], text: &[u8]) -> bool {
    glob_match(&glob_tokens(pattern), text)
}

/// Whether `pattern` holds a wildcard (and so is a glob, not a name).
pub fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?', '['])
}
