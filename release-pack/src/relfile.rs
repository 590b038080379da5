//! The release resource file (`releases/<vsn>/<name>.rel`, rel(5)):
//! `{release, {Name, Vsn}, {erts, EVsn}, [{App, Vsn} | {App, Vsn, Type} | ...]}.`
//! A small reader for the Erlang terms it uses: comments, strings, atoms (bare and
//! quoted), integers, tuples and lists.

use anyhow::{bail, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Atom(String),
    Str(String),
    Int(i64),
    Tuple(Vec<Term>),
    List(Vec<Term>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelFile {
    pub name: String,
    pub version: String,
    pub erts: String,
    /// `(application, version)` in the file's order.
    pub applications: Vec<(String, String)>,
}

const MAX_DEPTH: usize = 32;

pub fn parse(text: &str) -> Result<RelFile> {
    let mut reader = Reader {
        bytes: text.as_bytes(),
        pos: 0,
    };
    let term = reader.term(0)?;
    reader.skip_blank();
    if reader.peek() != Some(b'.') {
        bail!("the term does not end with '.'");
    }
    let Term::Tuple(parts) = term else {
        bail!("not a {{release, ...}} tuple");
    };
    let [Term::Atom(tag), Term::Tuple(name_vsn), Term::Tuple(erts), Term::List(apps)] = &parts[..]
    else {
        bail!("not a {{release, {{Name, Vsn}}, {{erts, Vsn}}, [Apps]}} tuple");
    };
    if tag != "release" {
        bail!("the term is tagged {tag}, not release");
    }
    let (name, version) = match &name_vsn[..] {
        [Term::Str(n), Term::Str(v)] => (n.clone(), v.clone()),
        _ => bail!("the release name and version are not two strings"),
    };
    let erts = match &erts[..] {
        [Term::Atom(e), Term::Str(v)] if e == "erts" => v.clone(),
        _ => bail!("the erts entry is not {{erts, \"Vsn\"}}"),
    };
    let mut applications = Vec::new();
    for app in apps {
        match app {
            Term::Tuple(fields) => match &fields[..] {
                [Term::Atom(a), Term::Str(v), ..] => applications.push((a.clone(), v.clone())),
                _ => bail!("an application entry is not {{App, \"Vsn\", ...}}"),
            },
            _ => bail!("an application entry is not a tuple"),
        }
    }
    Ok(RelFile {
        name,
        version,
        erts,
        applications,
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_blank(&mut self) {
        while let Some(b) = self.peek() {
            if b == b'%' {
                while self.peek().is_some_and(|b| b != b'\n') {
                    self.pos += 1;
                }
            } else if b.is_ascii_whitespace() {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    fn term(&mut self, depth: usize) -> Result<Term> {
        if depth > MAX_DEPTH {
            bail!("terms nested more than {MAX_DEPTH} deep");
        }
        self.skip_blank();
        match self.peek() {
            Some(b'{') => Ok(Term::Tuple(self.sequence(b'}', depth)?)),
            Some(b'[') => Ok(Term::List(self.sequence(b']', depth)?)),
            Some(b'"') => Ok(Term::Str(self.quoted(b'"')?)),
            Some(b'\'') => Ok(Term::Atom(self.quoted(b'\'')?)),
            Some(b) if b.is_ascii_lowercase() => {
                let start = self.pos;
                while self
                    .peek()
                    .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'@')
                {
                    self.pos += 1;
                }
                Ok(Term::Atom(
                    String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned(),
                ))
            }
            Some(b) if b.is_ascii_digit() || b == b'-' => {
                let start = self.pos;
                self.pos += 1;
                while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    self.pos += 1;
                }
                let text = std::str::from_utf8(&self.bytes[start..self.pos]).unwrap_or("");
                match text.parse() {
                    Ok(n) => Ok(Term::Int(n)),
                    Err(_) => bail!("bad integer at byte {start}"),
                }
            }
            Some(b) => bail!("unexpected '{}' at byte {}", b as char, self.pos),
            None => bail!("the file ends inside a term"),
        }
    }

    fn sequence(&mut self, close: u8, depth: usize) -> Result<Vec<Term>> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_blank();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(self.term(depth + 1)?);
            self.skip_blank();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b) if b == close => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => bail!("expected ',' or '{}' at byte {}", close as char, self.pos),
            }
        }
    }

    fn quoted(&mut self, quote: u8) -> Result<String> {
        let start = self.pos;
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => bail!("unterminated quote starting at byte {start}"),
                Some(b) if b == quote => {
                    self.pos += 1;
                    return Ok(String::from_utf8_lossy(&out).into_owned());
                }
                Some(b'\\') => {
                    self.pos += 1;
                    if let Some(b) = self.peek() {
                        out.push(b);
                        self.pos += 1;
                    }
                }
                Some(b) => {
                    out.push(b);
                    self.pos += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_rel_file() {
        let text = "%% coding: utf-8\n{release,{\"shop\",\"0.1.0\"},{erts,\"13.1.5\"},\n [{kernel,\"8.5.3\"},{stdlib,\"4.3\"},{'elixir',\"1.14.0\",permanent},{iex,\"1.14.0\",none},{shop,\"0.1.0\",load,[]}]}.\n";
        let rel = parse(text).unwrap();
        assert_eq!(
            (rel.name.as_str(), rel.version.as_str(), rel.erts.as_str()),
            ("shop", "0.1.0", "13.1.5")
        );
        assert_eq!(rel.applications.len(), 5);
        assert_eq!(rel.applications[2], ("elixir".into(), "1.14.0".into()));
    }

    #[test]
    fn bad_files_are_errors() {
        for text in [
            "",
            "{release",
            "{release,{\"a\",\"1\"},{erts,\"1\"},[]}",
            "{foo,{\"a\",\"1\"},{erts,\"1\"},[]}.",
            &"[".repeat(100),
        ] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }
}
