//! Parameter expansion as sh does it in an assignment (no field splitting): `$NAME`
//! and the `${NAME:-word}` family, decided when the parameter is known, and `case`
//! patterns made of the expanded words.

use super::eval::{Shell, Value};
use super::parse::{Part, Word};
use crate::glob::{glob_tokens, Glob};

impl Shell {
    /// A word's value, without field splitting (as in an assignment).
    pub fn expand(&mut self, word: &Word) -> Value {
        let mut out = Value::known("");
        for part in word {
            out.push(self.expand_part(part));
        }
        out
    }

    pub(super) fn expand_part(&mut self, part: &Part) -> Value {
        match part {
            Part::Text { bytes, .. } => Value::known(String::from_utf8_lossy(bytes)),
            Part::OtherParam { source, .. } => {
                Value::unknown(source.clone(), format!("{source} is not computed"))
            }
            Part::Command { source, .. } => {
                Value::unknown(source.clone(), format!("the output of {source}"))
            }
            Part::Param { name, op, .. } => {
                let current = self.get(name);
                let Some((op, word)) = op else {
                    return current.unwrap_or_else(|| Value::known(""));
                };
                let colon = op.starts_with(':');
                let kind = op.chars().last().unwrap_or('-');
                let source = || format!("${{{name}{op}...}}");
                // Whether the parameter counts as set for the operator.
                let set = match &current {
                    None => Some(false),
                    Some(_) if !colon => Some(true),
                    Some(v) => v.as_known().map(|text| !text.is_empty()),
                };
                match (kind, set) {
                    ('-', Some(true)) | ('=', Some(true)) | ('?', Some(true)) => {
                        current.unwrap_or_else(|| Value::known(""))
                    }
                    ('-', Some(false)) => self.expand(word),
                    ('=', Some(false)) => {
                        let value = self.expand(word);
                        self.set(name, value.clone(), 0);
                        value
                    }
                    ('+', Some(true)) => self.expand(word),
                    ('+', Some(false)) => Value::known(""),
                    ('?', Some(false)) => {
                        self.exited = Some(0);
                        Value::known("")
                    }
                    _ => {
                        let mut value = Value::unknown(
                            source(),
                            format!("whether {name} is set and not empty"),
                        );
                        if let Some(current) = current {
                            for u in current.unknown {
                                if !value.unknown.contains(&u) {
                                    value.unknown.push(u);
                                }
                            }
                        }
                        value
                    }
                }
            }
        }
    }

    /// A `case` pattern as glob tokens: quoted parts match literally.
    pub(super) fn pattern(&mut self, word: &Word) -> Option<Vec<Glob>> {
        let mut tokens = Vec::new();
        for part in word {
            let (text, quoted) = match part {
                Part::Text { bytes, quoted } => (bytes.clone(), *quoted),
                Part::Param { quoted, .. }
                | Part::OtherParam { quoted, .. }
                | Part::Command { quoted, .. } => {
                    let value = self.expand_part(part);
                    (value.as_known()?.as_bytes().to_vec(), *quoted)
                }
            };
            if quoted {
                tokens.extend(text.into_iter().map(Glob::Byte));
            } else {
                tokens.extend(glob_tokens(&text));
            }
        }
        Some(tokens)
    }
}
