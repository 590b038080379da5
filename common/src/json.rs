//! JSON documents: every document a tool prints is an object whose first field is
//! `"kind"`. On a terminal they are pretty-printed; otherwise one per line, so
//! streams are NDJSON and concatenate. Readers take one document, a stream of them
//! or an array of them, and refuse a kind they cannot use.

use anyhow::{anyhow, bail, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::io::{IsTerminal, Write};

/// A type that is printed as a JSON document of a fixed kind.
pub trait Document: Serialize {
    /// The `"kind"` field, e.g. `"vmargs.file"`.
    const KIND: &'static str;
}

#[derive(Serialize)]
struct Tagged<'a, T> {
    kind: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

/// Serialize a document with its `kind` first, as a `serde_json::Value`.
pub fn to_value<T: Document>(doc: &T) -> Result<Value> {
    Ok(serde_json::to_value(Tagged {
        kind: T::KIND,
        body: doc,
    })?)
}

/// Write one document: pretty when `pretty`, else compact; always newline-terminated.
pub fn write<T: Document>(out: &mut impl Write, doc: &T, pretty: bool) -> Result<()> {
    if pretty {
        return write_value(out, &to_value(doc)?, true);
    }
    // Compact: the body serialized straight to bytes, with the kind spliced in
    // first; going through a `Value` tree costs a third of a large report's run.
    let body = serde_json::to_vec(doc)?;
    let Some(rest) = body.strip_prefix(b"{") else {
        bail!("a {} document must be a JSON object", T::KIND);
    };
    let mut line = Vec::with_capacity(body.len() + T::KIND.len() + 12);
    line.extend_from_slice(b"{\"kind\":");
    serde_json::to_writer(&mut line, T::KIND)?;
    if rest != b"}" {
        line.push(b',');
    }
    line.extend_from_slice(rest);
    line.push(b'\n');
    out.write_all(&line)?;
    Ok(())
}

/// Write a document that is already a JSON value (a pass-through). It must carry a kind.
pub fn write_value(out: &mut impl Write, doc: &Value, pretty: bool) -> Result<()> {
    if kind_of(doc).is_none() {
        bail!("refusing to print a JSON document without a \"kind\" field");
    }
    // serde_json hides I/O errors inside its own type; turn them back into
    // io::Error so a broken pipe is recognised as one.
    let written = if pretty {
        serde_json::to_writer_pretty(&mut *out, doc)
    } else {
        serde_json::to_writer(&mut *out, doc)
    };
    written.map_err(std::io::Error::from)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Pretty-print on a terminal, one document per line elsewhere.
pub fn stdout_is_pretty() -> bool {
    std::io::stdout().is_terminal()
}

/// The `kind` of a document, if it is an object with a string `kind`.
pub fn kind_of(doc: &Value) -> Option<&str> {
    doc.get("kind").and_then(Value::as_str)
}

/// True when input is JSON rather than a raw file: its first non-blank byte (after
/// an optional UTF-8 byte-order mark) is `{` or `[`. Raw formats the tools read
/// (vm.args, config.exs, journal text, header dumps) never start that way.
pub fn looks_like_json(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    matches!(
        bytes.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// Documents read from one input, each checked against the kinds the caller accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct Documents(pub Vec<Value>);

impl Documents {
    /// Parse `bytes` (named `source` in errors) as one document, a stream of
    /// documents (NDJSON or concatenated) or an array of documents, and check every
    /// document's `kind` is one of `accept`.
    pub fn read(source: &str, bytes: &[u8], accept: &[&str]) -> Result<Documents> {
        let mut docs = Vec::new();
        let stream = serde_json::Deserializer::from_slice(bytes).into_iter::<Value>();
        for item in stream {
            let value = item.map_err(|e| {
                anyhow!(
                    "{source}:{}:{}: invalid JSON: {}",
                    e.line(),
                    e.column(),
                    strip_position(&e.to_string())
                )
            })?;
            match value {
                Value::Array(items) => docs.extend(items),
                other => docs.push(other),
            }
        }
        if docs.is_empty() {
            bail!(
                "{source}: no JSON document in the input; expected {}",
                describe_kinds(accept)
            );
        }
        for (index, doc) in docs.iter().enumerate() {
            check_kind(source, index + 1, doc, accept)?;
        }
        Ok(Documents(docs))
    }

    /// Deserialize every document into `T` (which should ignore the `kind` field).
    pub fn into_typed<T: DeserializeOwned>(self, source: &str) -> Result<Vec<T>> {
        self.0
            .into_iter()
            .enumerate()
            .map(|(i, doc)| {
                let kind = kind_of(&doc).unwrap_or("?").to_string();
                serde_json::from_value(doc).map_err(|e| {
                    anyhow!(
                        "{source}: document {} of kind \"{kind}\" is malformed: {e}",
                        i + 1
                    )
                })
            })
            .collect()
    }
}

fn check_kind(source: &str, index: usize, doc: &Value, accept: &[&str]) -> Result<()> {
    match kind_of(doc) {
        Some(kind) if accept.contains(&kind) => Ok(()),
        Some(kind) => bail!(
            "{source}: document {index} is of kind \"{kind}\", but this command reads {}",
            describe_kinds(accept)
        ),
        None => bail!(
            "{source}: document {index} has no \"kind\" field; expected {}",
            describe_kinds(accept)
        ),
    }
}

fn describe_kinds(accept: &[&str]) -> String {
    let quoted: Vec<String> = accept.iter().map(|k| format!("\"{k}\"")).collect();
    match quoted.as_slice() {
        [] => "no JSON at all".to_string(),
        [one] => format!("a {one} document"),
        [init @ .., last] => format!("a {} or {last} document", init.join(", ")),
    }
}

/// serde_json appends " at line L column C"; the relkit form puts it in front.
fn strip_position(message: &str) -> &str {
    message
        .rfind(" at line ")
        .map_or(message, |at| &message[..at])
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Sample {
        name: String,
    }
    impl Document for Sample {
        const KIND: &'static str = "demo.sample";
    }

    fn sample() -> Sample {
        Sample {
            name: "billing".into(),
        }
    }

    #[test]
    fn compact_documents_are_one_line_with_kind_first() {
        let mut out = Vec::new();
        write(&mut out, &sample(), false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"kind\":\"demo.sample\",\"name\":\"billing\"}\n"
        );
    }

    #[test]
    fn pretty_documents_span_lines() {
        let mut out = Vec::new();
        write(&mut out, &sample(), true).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("{\n  \"kind\": \"demo.sample\",\n"),
            "{text}"
        );
        assert!(text.ends_with("}\n"));
    }

    #[test]
    fn values_without_kind_are_refused() {
        let mut out = Vec::new();
        assert!(write_value(&mut out, &serde_json::json!({"a": 1}), false).is_err());
        assert!(out.is_empty());
    }

    #[test]
    fn reads_one_a_stream_or_an_array() {
        let one = br#"{"kind":"demo.sample","name":"a"}"#;
        let stream = b"{\"kind\":\"demo.sample\",\"name\":\"a\"}\n{\"kind\":\"demo.sample\",\"name\":\"b\"}\n";
        let array = br#"[{"kind":"demo.sample","name":"a"},{"kind":"demo.sample","name":"b"}]"#;
        assert_eq!(
            Documents::read("-", one, &["demo.sample"]).unwrap().0.len(),
            1
        );
        assert_eq!(
            Documents::read("-", stream, &["demo.sample"])
                .unwrap()
                .0
                .len(),
            2
        );
        let docs = Documents::read("-", array, &["demo.sample"]).unwrap();
        let typed: Vec<Sample> = docs.into_typed("-").unwrap();
        assert_eq!(typed[1].name, "b");
    }

    #[test]
    fn wrong_kind_names_what_it_got_and_what_it_wanted() {
        let err = Documents::read(
            "<stdin>",
            br#"{"kind":"finding"}"#,
            &["vmargs.file", "relconf.config"],
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            err,
            "<stdin>: document 1 is of kind \"finding\", but this command reads a \"vmargs.file\" or \"relconf.config\" document"
        );
    }

    #[test]
    fn missing_kind_and_bad_json_are_errors_with_positions() {
        let err = Documents::read("x.json", br#"{"a":1}"#, &["k"])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("has no \"kind\" field; expected a \"k\" document"),
            "{err}"
        );
        let err = Documents::read("x.json", b"{\"kind\":\n  oops}", &["k"])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.json:2:3: invalid JSON: "), "{err}");
        let err = Documents::read("x.json", b"  \n", &["k"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("no JSON document"), "{err}");
    }

    #[test]
    fn sniffing_tells_json_from_raw() {
        assert!(looks_like_json(b"  \n{\"kind\":1}"));
        assert!(looks_like_json(b"\xEF\xBB\xBF["));
        assert!(!looks_like_json(b"-name a@b\n"));
        assert!(!looks_like_json(b"## {comment}\n"));
        assert!(!looks_like_json(b""));
    }

    #[test]
    fn a_broken_pipe_while_writing_is_recognised() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let err = write(&mut Closed, &sample(), false).unwrap_err();
        assert!(crate::exit::is_broken_pipe(&err), "{err:?}");
    }

    #[test]
    fn to_value_puts_kind_first() {
        let v = to_value(&sample()).unwrap();
        assert_eq!(v.as_object().unwrap().keys().next().unwrap(), "kind");
    }
}
