//! HAProxy's configuration as HAProxy reads it (sections of lines of words) and the
//! headers a request gets through it, predicted (proven against a live haproxy in
//! `tests/haproxy_live.rs`).
//!
//! Words follow HAProxy's line parser: spaces and tabs separate words, `#` outside
//! quotes ends the line, a backslash protects the next character (`\t`, `\n`, `\r`
//! and `\xHH` are control bytes), single quotes keep everything, double quotes keep
//! everything but backslashes and `$VAR`/`${VAR}` (environment variables, left as
//! written here: their values are the running server's).
//!
//! The response rules, as HAProxy 2.x applies them:
//!
//! - a response from a server goes through the backend's `http-response` rules, then
//!   the frontend's, then the `http-after-response` rules (backend's, frontend's);
//! - a response HAProxy makes itself (`http-request redirect`, `return`, `deny`, the
//!   legacy `redirect`) skips `http-response`: only `http-after-response` applies;
//! - `set-header` replaces every header of that name, `add-header` adds one,
//!   `del-header` removes them all; a rule's `if`/`unless` condition is an ACL
//!   expression (`{ ssl_fc }`, `{ status 200:299 }`, named ACLs, `!`, `||`, `or`).

use relkit_common::{Position, SyntaxError};

/// One line: its words and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub words: Vec<String>,
    pub line: usize,
    pub column: usize,
}

/// A section (`global`, `defaults`, `frontend NAME`, ...) and its lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub kind: String,
    pub name: String,
    pub line: usize,
    pub lines: Vec<Line>,
}

pub const SECTIONS: [&str; 13] = [
    "global",
    "defaults",
    "frontend",
    "backend",
    "listen",
    "peers",
    "resolvers",
    "userlist",
    "program",
    "cache",
    "mailers",
    "ring",
    "http-errors",
];

/// Splits one line into words; None for a line with no words.
pub(super) fn words(text: &[u8], line: usize) -> Result<Option<Line>, SyntaxError> {
    let mut out: Vec<String> = Vec::new();
    let mut word: Vec<u8> = Vec::new();
    let mut in_word = false;
    let mut first_column = 0;
    let mut i = 0;
    let mut quote: Option<u8> = None;
    let mut quote_at = 0;
    while i < text.len() {
        let c = text[i];
        match quote {
            Some(q) if c == q => {
                quote = None;
                i += 1;
                continue;
            }
            Some(b'\'') => {
                word.push(c);
                i += 1;
                continue;
            }
            _ => {}
        }
        if quote.is_none() && (c == b' ' || c == b'\t' || c == b'\r') {
            if in_word {
                out.push(String::from_utf8_lossy(&word).into_owned());
                word.clear();
                in_word = false;
            }
            i += 1;
            continue;
        }
        if quote.is_none() && c == b'#' {
            break;
        }
        if !in_word {
            in_word = true;
            if out.is_empty() {
                first_column = i + 1;
            }
        }
        match c {
            b'"' | b'\'' if quote.is_none() => {
                quote = Some(c);
                quote_at = i;
                i += 1;
            }
            b'\\' => {
                let Some(&next) = text.get(i + 1) else {
                    // A backslash at the end of the line stays.
                    word.push(c);
                    i += 1;
                    continue;
                };
                match next {
                    b't' => word.push(b'\t'),
                    b'n' => word.push(b'\n'),
                    b'r' => word.push(b'\r'),
                    b'x' => {
                        let hex = text.get(i + 2..i + 4).and_then(|h| {
                            std::str::from_utf8(h)
                                .ok()
                                .and_then(|h| u8::from_str_radix(h, 16).ok())
                        });
                        match hex {
                            Some(b) => {
                                word.push(b);
                                i += 2;
                            }
                            None => {
                                return Err(SyntaxError::new(
                                    Position::new(line, i + 1),
                                    "truncated or invalid hexadecimal sequence",
                                ))
                            }
                        }
                    }
                    other => word.push(other),
                }
                i += 2;
            }
            _ => {
                word.push(c);
                i += 1;
            }
        }
    }
    if quote.is_some() {
        return Err(SyntaxError::new(
            Position::new(line, quote_at + 1),
            "unmatched quote",
        ));
    }
    if in_word {
        out.push(String::from_utf8_lossy(&word).into_owned());
    }
    Ok((!out.is_empty()).then_some(Line {
        words: out,
        line,
        column: first_column,
    }))
}

/// Reads a configuration's text into sections.
pub fn parse_text(text: &[u8]) -> Result<Vec<Section>, SyntaxError> {
    let mut sections: Vec<Section> = Vec::new();
    for (index, raw) in text.split(|&b| b == b'\n').enumerate() {
        let Some(line) = words(raw, index + 1)? else {
            continue;
        };
        if SECTIONS.contains(&line.words[0].as_str()) {
            sections.push(Section {
                kind: line.words[0].clone(),
                name: line.words.get(1).cloned().unwrap_or_default(),
                line: line.line,
                lines: Vec::new(),
            });
            continue;
        }
        match sections.last_mut() {
            Some(section) => section.lines.push(line),
            None => {
                return Err(SyntaxError::new(
                    Position::new(line.line, line.column),
                    format!("unknown keyword '{}' out of section", line.words[0]),
                ))
            }
        }
    }
    Ok(sections)
}
