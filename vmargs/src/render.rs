//! Writing vm.args text that erl reads back to exactly the intended words.

use crate::doc::{FileDoc, TokenValue};
use crate::tokenize::tokenize;
use anyhow::{bail, Result};
use relkit_common::LineIndex;

fn special(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | b'#' | b'\'' | b'"' | b'\\'
    )
}

/// Quote a word so erl's tokenizer gives back exactly `value`: bare when nothing in
/// it is special, else in single quotes, else in double quotes (quotes take no
/// escapes, so a word with both kinds is escaped byte by byte instead).
pub fn quote(value: &[u8]) -> Vec<u8> {
    if value.is_empty() {
        return b"''".to_vec();
    }
    if !value.iter().any(|&b| special(b)) {
        return value.to_vec();
    }
    for q in [b'\'', b'"'] {
        if !value.contains(&q) {
            let mut out = vec![q];
            out.extend_from_slice(value);
            out.push(q);
            return out;
        }
    }
    let mut out = Vec::with_capacity(value.len() * 2);
    for &b in value {
        if special(b) {
            out.push(b'\\');
        }
        out.push(b);
    }
    out
}

/// Where a redacted token's value comes from: the file the document was made from.
fn recover_secret(doc: &FileDoc, line: u32, column: u32) -> Result<Vec<u8>> {
    let advice =
        "run `vmargs parse --show-secrets`, or keep the file the document names where it is";
    let Ok(bytes) = std::fs::read(&doc.path) else {
        bail!("{}:{line}:{column}: this value is redacted in the document and {} cannot be read to recover it; {advice}", doc.path, doc.path);
    };
    let index = LineIndex::new(&bytes);
    tokenize(&bytes, true)
        .tokens
        .into_iter()
        .find(|t| index.position(&bytes, t.start) == (line, column))
        .map(|t| t.value)
        .ok_or_else(|| anyhow::anyhow!("{}:{line}:{column}: this value is redacted in the document and the file no longer has a word there; {advice}", doc.path))
}

/// A redacted comment (the part of a cookie a `#` cut off) from the file the
/// document was made from.
fn recover_comment(doc: &FileDoc, line: u32, column: u32) -> Result<Vec<u8>> {
    let advice =
        "run `vmargs parse --show-secrets`, or keep the file the document names where it is";
    let Ok(bytes) = std::fs::read(&doc.path) else {
        bail!("{}:{line}:{column}: this comment is redacted in the document and {} cannot be read to recover it; {advice}", doc.path, doc.path);
    };
    let index = LineIndex::new(&bytes);
    tokenize(&bytes, true)
        .comments
        .into_iter()
        .find(|c| index.position(&bytes, c.start) == (line, column))
        .map(|c| bytes[c.start..c.end].to_vec())
        .ok_or_else(|| anyhow::anyhow!("{}:{line}:{column}: this comment is redacted in the document and the file no longer has a comment there; {advice}", doc.path))
}

/// Render a `vmargs.file` document back to text: the same words in the same order,
/// each on its original line, and the comments where they were.
pub fn from_doc(doc: &FileDoc) -> Result<Vec<u8>> {
    enum Item {
        Word(Vec<u8>),
        Comment(Vec<u8>),
    }
    let mut items: Vec<(u32, u32, Item)> = Vec::new();
    for t in &doc.tokens {
        let value = match &t.value {
            TokenValue::Value { value } => match value.to_bytes() {
                Some(bytes) => bytes,
                None => recover_secret(doc, t.line, t.column)?,
            },
            TokenValue::Redacted { .. } => recover_secret(doc, t.line, t.column)?,
        };
        items.push((t.line, t.column, Item::Word(quote(&value))));
    }
    for c in &doc.comments {
        let text = match c.text.to_bytes() {
            Some(text) => text,
            None => recover_comment(doc, c.line, c.column)?,
        };
        items.push((c.line, c.column, Item::Comment(text)));
    }
    items.sort_by_key(|(line, column, _)| (*line, *column));
    let mut out = Vec::new();
    let mut line = 1u32;
    let mut at_line_start = true;
    for (item_line, _, item) in items {
        if item_line > line {
            out.extend(std::iter::repeat_n(b'\n', (item_line - line) as usize));
            line = item_line;
            at_line_start = true;
        }
        if !at_line_start {
            out.push(b' ');
        }
        let text = match item {
            Item::Word(w) => w,
            Item::Comment(c) => c,
        };
        line += u32::try_from(text.iter().filter(|&&b| b == b'\n').count()).unwrap_or(0);
        out.extend_from_slice(&text);
        at_line_start = false;
    }
    if !out.is_empty() {
        out.push(b'\n');
    }
    Ok(out)
}

/// What `vmargs render` builds a file from when no document comes in.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// `-name` value.
    pub name: Option<String>,
    /// `-sname` value.
    pub sname: Option<String>,
    /// A literal cookie.
    pub cookie: Option<String>,
    /// Cookie from this environment variable, replaced by the start script.
    pub cookie_env: Option<String>,
    /// `-kernel KEY VALUE` pairs.
    pub kernel: Vec<(String, String)>,
    /// `-env NAME VALUE` pairs.
    pub os_env: Vec<(String, String)>,
    /// Raw flag lines, e.g. `+P 5000000`, split into words like a shell would.
    pub flags: Vec<Vec<String>>,
}

fn line(out: &mut Vec<u8>, words: &[&[u8]]) {
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        out.extend_from_slice(&quote(w));
    }
    out.push(b'\n');
}

/// Build vm.args text from flags. The caller checks the result with `check` and
/// refuses it when erl or the start script would not accept it.
pub fn from_spec(spec: &Spec) -> Vec<u8> {
    let mut out = b"## Written by vmargs render\n".to_vec();
    if let Some(name) = &spec.name {
        line(&mut out, &[b"-name", name.as_bytes()]);
    }
    if let Some(sname) = &spec.sname {
        line(&mut out, &[b"-sname", sname.as_bytes()]);
    }
    if let Some(cookie) = &spec.cookie {
        line(&mut out, &[b"-setcookie", cookie.as_bytes()]);
    }
    if let Some(var) = &spec.cookie_env {
        // Quoting would keep the start script's ${VAR} replacement from seeing it
        // whole, and the replaced text is read by erl again, so write it bare.
        out.extend_from_slice(format!("-setcookie ${{{var}}}\n").as_bytes());
    }
    for (key, value) in &spec.kernel {
        line(&mut out, &[b"-kernel", key.as_bytes(), value.as_bytes()]);
    }
    for (name, value) in &spec.os_env {
        line(&mut out, &[b"-env", name.as_bytes(), value.as_bytes()]);
    }
    for words in &spec.flags {
        let bytes: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        line(&mut out, &bytes);
    }
    out
}

/// Print a document the way `boot` and `cluster` do: the JSON document for `--json`,
/// else the human text and the findings (any other `--format`: the findings only).
pub fn report<D: relkit_common::Document + serde::Serialize>(
    reporter: &relkit_common::Reporter,
    doc: &D,
    human: &str,
    findings: &[relkit_common::Finding],
    source_line: impl Fn(&relkit_common::Finding) -> Option<String>,
    summary: &str,
) -> Result<()> {
    use anyhow::Context;
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match reporter.format {
        relkit_common::Format::Json => {
            relkit_common::json::write(&mut out, doc, relkit_common::json::stdout_is_pretty())
                .context("writing output")?;
        }
        relkit_common::Format::Human => {
            out.write_all(human.as_bytes()).context("writing output")?;
            out.flush().context("writing output")?;
            reporter.write(findings, source_line, summary)?;
        }
        _ => reporter.write(findings, source_line, summary)?,
    }
    out.flush().context("writing output")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reread(value: &[u8]) -> Vec<u8> {
        let t = tokenize(&quote(value), true);
        assert_eq!(
            t.tokens.len(),
            1,
            "{:?}",
            String::from_utf8_lossy(&quote(value))
        );
        t.tokens[0].value.clone()
    }

    #[test]
    fn quoting_round_trips_every_kind_of_word() {
        for value in [
            &b"plain"[..],
            b"",
            b"a b",
            b"a#b",
            b"it's",
            b"say \"hi\"",
            b"both ' and \"",
            b"back\\slash",
            b"new\nline",
            b"tab\tand\x0bvt",
            b"\xff\xfe",
            b"-name",
            b"'",
            b"\"",
        ] {
            assert_eq!(reread(value), value, "{:?}", String::from_utf8_lossy(value));
        }
    }

    #[test]
    fn bare_words_stay_bare() {
        assert_eq!(quote(b"billing@127.0.0.1"), b"billing@127.0.0.1");
        assert_eq!(quote(b"a b"), b"'a b'");
        assert_eq!(quote(b"it's"), b"\"it's\"");
    }

    #[test]
    fn spec_writes_one_flag_per_line() {
        let spec = Spec {
            name: Some("billing_stage@127.0.0.1".into()),
            cookie_env: Some("RELEASE_COOKIE".into()),
            kernel: vec![("inet_dist_listen_min".into(), "9100".into())],
            flags: vec![vec!["+P".into(), "5000000".into()]],
            ..Spec::default()
        };
        assert_eq!(
            String::from_utf8(from_spec(&spec)).unwrap(),
            "## Written by vmargs render\n-name billing_stage@127.0.0.1\n-setcookie ${RELEASE_COOKIE}\n-kernel inet_dist_listen_min 9100\n+P 5000000\n"
        );
    }
}
