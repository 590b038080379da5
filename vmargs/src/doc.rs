//! The `vmargs.file` JSON document: erl's argument list with positions, and the model.

use crate::erlexec::{Origin, Word};
use crate::model::{FlagUse, Parsed, KNOWN_APPS};
use relkit_common::Document;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// The OTP release whose erlexec the `argv` reproduces.
pub const ARGV_OTP_RELEASE: u32 = 25;

/// A value as JSON: a string when it is UTF-8, otherwise its bytes (as journalctl
/// does), or a marker where a secret was left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Text {
    Str(String),
    Bytes { bytes: Vec<u8> },
    Redacted { redacted: bool },
}

impl Text {
    pub fn from_bytes(bytes: &[u8]) -> Text {
        match std::str::from_utf8(bytes) {
            Ok(s) => Text::Str(s.to_string()),
            Err(_) => Text::Bytes {
                bytes: bytes.to_vec(),
            },
        }
    }

    /// The bytes, or `None` for a redacted value.
    pub fn to_bytes(&self) -> Option<Vec<u8>> {
        match self {
            Text::Str(s) => Some(s.as_bytes().to_vec()),
            Text::Bytes { bytes } => Some(bytes.clone()),
            Text::Redacted { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenDoc {
    #[serde(flatten)]
    pub value: TokenValue,
    pub line: u32,
    pub column: u32,
}

/// `"value": ...` or `"redacted": true`, flattened into the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum TokenValue {
    Value { value: Text },
    Redacted { redacted: bool },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentDoc {
    pub line: u32,
    pub column: u32,
    pub text: Text,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeDoc {
    /// `"name"` (long) or `"sname"` (short).
    #[serde(rename = "type")]
    pub name_type: String,
    pub value: Text,
    /// The part before `@`.
    pub name: Text,
    /// The part after `@`; absent when there is no `@` (erl then asks the system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CookieDoc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Text>,
    pub redacted: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagDoc {
    pub flag: Text,
    pub values: Vec<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppParamDoc {
    pub app: String,
    pub key: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnvDoc {
    pub name: Text,
    pub value: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IncludeDoc {
    pub path: Text,
    pub found: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    pub line: u32,
    pub column: u32,
}

/// `vmargs.file`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDoc {
    pub path: String,
    pub otp: u32,
    pub tokens: Vec<TokenDoc>,
    pub comments: Vec<CommentDoc>,
    pub argv: Vec<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<NodeDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cookie: Option<CookieDoc>,
    pub emulator_flags: Vec<FlagDoc>,
    pub init_flags: Vec<FlagDoc>,
    pub app_params: Vec<AppParamDoc>,
    pub env: Vec<EnvDoc>,
    pub config: Vec<Text>,
    pub includes: Vec<IncludeDoc>,
    pub extra: Vec<Text>,
}

impl Document for FileDoc {
    const KIND: &'static str = "vmargs.file";
}

/// Words of one file that hold secrets, by position (indices into `tokens`): the
/// value of `-setcookie` (also a word after it that starts with `-` or `+`: it was
/// meant as the cookie), the value of `-env NAME VALUE` when NAME is secret by
/// relkit's name rule ([`relkit_common::secret::is_secret_name`]), and the value of
/// any `-flag KEY VALUE` pair with a secret KEY (an application parameter such as
/// `-billing secret_key_base '"..."'`). Read from the words alone, so it holds for a
/// file erl would refuse and for a nested file read on its own.
pub fn secret_tokens(tokens: &[crate::tokenize::Token]) -> Vec<usize> {
    let is_flag = |i: usize| {
        tokens
            .get(i)
            .is_some_and(|t| matches!(t.value.first(), Some(b'-' | b'+')))
    };
    let secret_key = |t: &crate::tokenize::Token| {
        relkit_common::secret::is_secret_name(&String::from_utf8_lossy(&t.value))
    };
    let mut secret = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        match token.value.as_slice() {
            b"-setcookie" if i + 1 < tokens.len() => secret.push(i + 1),
            // erl takes the word after `-env NAME` even when it starts with `-`.
            b"-env" if tokens.get(i + 1).is_some_and(secret_key) && i + 2 < tokens.len() => {
                secret.push(i + 2)
            }
            [b'-', ..] => {
                let values: Vec<usize> =
                    (i + 1..tokens.len()).take_while(|&j| !is_flag(j)).collect();
                for pair in values.chunks(2) {
                    if let [key, value] = pair {
                        if secret_key(&tokens[*key]) {
                            secret.push(*value);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    secret
}

/// Origins of words that are secrets: [`secret_tokens`] of every file read, and
/// the values of `-setcookie` and of secret `-env` variables as erl sorts them.
pub fn secret_origins(parsed: &Parsed) -> HashSet<Origin> {
    let mut secret = HashSet::new();
    for (file, source) in parsed.expansion.files.iter().enumerate() {
        secret.extend(
            secret_tokens(&source.tokens.tokens)
                .into_iter()
                .map(|token| Origin { file, token }),
        );
    }
    for flag in parsed.model.uses("setcookie") {
        secret.extend(flag.values.iter().filter_map(|w| w.origin));
    }
    for (name, value) in &parsed.classified.env {
        if relkit_common::secret::is_secret_name(&String::from_utf8_lossy(&name.value)) {
            secret.extend(value.origin);
        }
    }
    secret
}

/// Where the secrets of a parsed file are, for masking: each secret word's span in
/// the file that holds it (`display` names the top file, as findings do) and its value.
pub fn add_secrets(secrets: &mut relkit_common::Secrets, parsed: &Parsed, display: &str) {
    for origin in secret_origins(parsed) {
        let file = &parsed.expansion.files[origin.file];
        let name = if origin.file == 0 {
            display.to_string()
        } else {
            file.name.display().to_string()
        };
        add_token(
            secrets,
            &name,
            &file.bytes,
            &file.lines,
            &file.tokens.tokens[origin.token],
        );
    }
}

/// The secrets of a vm.args text read on its own (one inside a release: its nested
/// files are on another host), by [`secret_tokens`]. Returns whether a `-setcookie`
/// value is among them.
pub fn add_text_secrets(secrets: &mut relkit_common::Secrets, bytes: &[u8], source: &str) -> bool {
    let tokens = crate::tokenize::tokenize(bytes, true).tokens;
    let lines = relkit_common::LineIndex::new(bytes);
    let mut cookie = false;
    for i in secret_tokens(&tokens) {
        cookie |= i > 0 && tokens[i - 1].value == b"-setcookie";
        add_token(secrets, source, bytes, &lines, &tokens[i]);
    }
    cookie
}

fn add_token(
    secrets: &mut relkit_common::Secrets,
    source: &str,
    bytes: &[u8],
    lines: &relkit_common::LineIndex,
    token: &crate::tokenize::Token,
) {
    // A `#` right after the word cut it short (hash-cuts-word): the comment is the
    // rest of the secret as it was meant.
    let end = if bytes.get(token.end) == Some(&b'#') {
        let rest = &bytes[token.end..];
        let cut = token.end + rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        secrets.add_value(&String::from_utf8_lossy(&bytes[token.end + 1..cut]));
        cut
    } else {
        token.end
    };
    secrets.add_byte_span(source, bytes, lines, token.start..end);
    secrets.add_value(&String::from_utf8_lossy(&token.value));
    // The word as written (quotes and all) may differ from its value.
    secrets.add_value(&String::from_utf8_lossy(&bytes[token.start..token.end]));
}

struct Builder<'a> {
    parsed: &'a Parsed,
    secret: HashSet<Origin>,
    show_secrets: bool,
}

impl Builder<'_> {
    fn text(&self, word: &Word) -> Text {
        match word.origin {
            Some(o) if !self.show_secrets && self.secret.contains(&o) => {
                Text::Redacted { redacted: true }
            }
            _ => Text::from_bytes(&word.value),
        }
    }

    /// Line and column for a word of the top file; a word from a nested file gets
    /// its file's name too.
    fn position(&self, word: &Word) -> (Option<String>, Option<u32>, Option<u32>) {
        match word.origin {
            Some(o) => {
                let place = self.parsed.place(o);
                let file = (o.file != 0).then(|| {
                    self.parsed.expansion.files[o.file]
                        .name
                        .display()
                        .to_string()
                });
                (file, Some(place.line), Some(place.column))
            }
            None => (None, None, None),
        }
    }

    fn flag(&self, f: &FlagUse) -> FlagDoc {
        let (file, line, column) = self.position(&f.flag);
        FlagDoc {
            flag: self.text(&f.flag),
            values: f.values.iter().map(|v| self.text(v)).collect(),
            file,
            line,
            column,
        }
    }
}

/// Build the document. The caller checks [`Parsed::fatal`] first: a file erl would
/// refuse has no argument list to show.
pub fn file_doc(parsed: &Parsed, path: &str, show_secrets: bool) -> FileDoc {
    let b = Builder {
        parsed,
        secret: secret_origins(parsed),
        show_secrets,
    };
    let top = parsed.top();
    let tokens = top
        .tokens
        .tokens
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let place = parsed.place(Origin { file: 0, token: i });
            let origin = Origin { file: 0, token: i };
            let value = if !show_secrets && b.secret.contains(&origin) {
                TokenValue::Redacted { redacted: true }
            } else {
                TokenValue::Value {
                    value: Text::from_bytes(&t.value),
                }
            };
            TokenDoc {
                value,
                line: place.line,
                column: place.column,
            }
        })
        .collect();
    // A comment glued to a secret word is the part of it a `#` cut off.
    let secret_ends: HashSet<usize> = b
        .secret
        .iter()
        .filter(|o| o.file == 0)
        .map(|o| top.tokens.tokens[o.token].end)
        .collect();
    let comments = top
        .tokens
        .comments
        .iter()
        .map(|c| {
            let place = parsed.place_of_span(0, c.start, c.end);
            let text = if !show_secrets && secret_ends.contains(&c.start) {
                Text::Redacted { redacted: true }
            } else {
                Text::from_bytes(&top.bytes[c.start..c.end])
            };
            CommentDoc {
                line: place.line,
                column: place.column,
                text,
            }
        })
        .collect();

    let node = parsed.model.effective_node().map(|f| {
        let value = &f.values[0];
        let raw = &value.value;
        let (name, host) = match raw.iter().position(|&c| c == b'@') {
            Some(at) => (&raw[..at], Some(Text::from_bytes(&raw[at + 1..]))),
            None => (&raw[..], None),
        };
        let (_, line, column) = b.position(value);
        NodeDoc {
            name_type: String::from_utf8_lossy(f.name()).into_owned(),
            value: Text::from_bytes(raw),
            name: Text::from_bytes(name),
            host,
            line,
            column,
        }
    });
    let cookie = parsed.model.uses("setcookie").next().map(|f| {
        let effective = parsed.model.effective_cookie();
        let (_, line, column) = f
            .values
            .first()
            .map_or((None, None, None), |v| b.position(v));
        CookieDoc {
            value: if show_secrets {
                effective.map(|w| Text::from_bytes(&w.value))
            } else {
                None
            },
            redacted: !show_secrets,
            line,
            column,
        }
    });

    let mut init_flags = Vec::new();
    let mut app_params = Vec::new();
    let mut config = Vec::new();
    for f in &parsed.model.flags {
        let name = String::from_utf8_lossy(f.name()).into_owned();
        if KNOWN_APPS.contains(&name.as_str()) {
            for pair in f.values.chunks(2) {
                let (_, line, column) = b.position(&pair[0]);
                app_params.push(AppParamDoc {
                    app: name.clone(),
                    key: b.text(&pair[0]),
                    value: pair.get(1).map(|v| b.text(v)),
                    line,
                    column,
                });
            }
            continue;
        }
        if name == "config" {
            config.extend(f.values.iter().map(|v| b.text(v)));
        }
        init_flags.push(b.flag(f));
    }
    let emulator_flags = parsed
        .classified
        .emulator
        .iter()
        .map(|e| {
            let (file, line, column) = b.position(&e.flag);
            FlagDoc {
                flag: b.text(&e.flag),
                values: e.value.iter().map(|v| b.text(v)).collect(),
                file,
                line,
                column,
            }
        })
        .collect();
    let env = parsed
        .classified
        .env
        .iter()
        .map(|(name, value)| EnvDoc {
            name: b.text(name),
            value: b.text(value),
            line: b.position(name).1,
        })
        .collect();
    let includes = parsed
        .expansion
        .includes
        .iter()
        .map(|inc| {
            let place = parsed.place(inc.at);
            IncludeDoc {
                path: Text::from_bytes(&inc.name),
                found: inc.file.is_some(),
                file: (inc.at.file != 0).then(|| {
                    parsed.expansion.files[inc.at.file]
                        .name
                        .display()
                        .to_string()
                }),
                line: place.line,
                column: place.column,
            }
        })
        .collect();

    FileDoc {
        path: path.to_string(),
        otp: ARGV_OTP_RELEASE,
        tokens,
        comments,
        argv: parsed.classified.argv().iter().map(|w| b.text(w)).collect(),
        node,
        cookie,
        emulator_flags,
        init_flags,
        app_params,
        env,
        config,
        includes,
        extra: parsed.model.extra.iter().map(|w| b.text(w)).collect(),
    }
}
