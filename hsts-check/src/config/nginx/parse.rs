//! nginx configuration files read as nginx reads them (src/core/ngx_conf_file.c):
//! the words of each directive, its block, and the files its `include` reads.
//!
//! The word rules are nginx's own state machine, so they are written as one here:
//!
//! - space, tab, CR and LF separate words; `;` ends a directive, `{` opens its block,
//!   `}` closes one, and `;` or `{` also end a word written against them (`}` does
//!   not: `a}` is one word);
//! - `#` at the start of a word starts a comment to the end of the line; elsewhere it
//!   is part of the word;
//! - a word that starts with `"` or `'` runs to the same quote and must be followed
//!   by a space, `;`, `{` or `)`;
//! - a backslash keeps the next character in the word whatever it is (a quote, a
//!   space, a `;`), and the value then reads `\"`, `\'`, `\\` as the character and
//!   `\t`, `\r`, `\n` as tab, CR and LF; any other pair stays as written;
//! - `{` right after `$` is part of a variable name (`${host}`), not a block;
//! - a word is at most 4096 bytes (nginx's buffer), counting from its first byte.
//!
//! `include` is followed as nginx follows it: a relative name is relative to the
//! directory of the main file (nginx's configuration prefix), a name with `*`, `?` or
//! `[` is a glob whose matches are read in sorted order (none is not an error), and
//! each included file is read in the context of the directive.

use relkit_common::{Position, SyntaxError};
use std::path::{Path, PathBuf};

/// nginx reads a configuration through a 4096-byte buffer; a longer word is an error.
const MAX_WORD: usize = 4096;
/// Deeper nesting than any real configuration; a guard against a stack overflow on
/// hostile input (nginx itself has no limit but its own stack).
const MAX_DEPTH: usize = 200;
/// Includes that include themselves would never end.
const MAX_INCLUDE_DEPTH: usize = 32;

/// One directive: its name and arguments as nginx sees them, where it was written,
/// its block if it has one, and for `include`, which files it read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub args: Vec<String>,
    pub line: usize,
    pub column: usize,
    pub block: Option<Vec<Directive>>,
    /// For `include`: indexes into [`Config::files`] of the files read, in order.
    pub includes: Vec<usize>,
    /// The index into [`Config::files`] of the file it was written in.
    pub file: usize,
}

/// A file of the configuration and its directives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub directives: Vec<Directive>,
    /// The file's bytes, kept for the findings' excerpts.
    pub text: Vec<u8>,
}

/// The main file first, then every file an `include` read, each once per include.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Config {
    pub files: Vec<ConfigFile>,
}

/// Why nginx would refuse the configuration, and where (the file is always known).
pub type ConfigError = SyntaxError;

/// What ended a run of words.
#[derive(Debug, PartialEq, Eq)]
enum Delimiter {
    /// `;`
    Semicolon,
    /// `{`
    Open,
    /// `}` with no words before it
    Close,
    /// the end of the text with no words pending
    Eof,
}

struct Word {
    value: String,
    line: usize,
    column: usize,
}

struct Lexer<'a> {
    text: &'a [u8],
    at: usize,
    line: usize,
    /// Byte offset where the current line starts, for columns.
    line_start: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a [u8]) -> Lexer<'a> {
        Lexer {
            text,
            at: 0,
            line: 1,
            line_start: 0,
        }
    }

    fn column_of(&self, offset: usize) -> usize {
        // Columns count characters, so a UTF-8 name does not shift the caret.
        let start = self.line_start.min(offset);
        String::from_utf8_lossy(&self.text[start..offset])
            .chars()
            .count()
            + 1
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> SyntaxError {
        SyntaxError::new(Position::new(self.line, self.column_of(offset)), message)
    }

    fn next_byte(&mut self) -> Option<u8> {
        let byte = *self.text.get(self.at)?;
        self.at += 1;
        if byte == b'\n' {
            self.line += 1;
            self.line_start = self.at;
        }
        Some(byte)
    }

    /// The words of the next directive and what ended them.
    fn directive(&mut self) -> Result<(Vec<Word>, Delimiter), SyntaxError> {
        let mut words = Vec::new();
        loop {
            // Between words: skip blanks and comments, then see what comes.
            let Some(byte) = self.text.get(self.at).copied() else {
                if words.is_empty() {
                    return Ok((words, Delimiter::Eof));
                }
                return Err(self.error(self.at, "unexpected end of file, expecting \";\" or \"}\""));
            };
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' => {
                    self.next_byte();
                }
                b'#' => {
                    while let Some(b) = self.next_byte() {
                        if b == b'\n' {
                            break;
                        }
                    }
                }
                b';' | b'{' => {
                    if words.is_empty() {
                        return Err(self.error(self.at, format!("unexpected \"{}\"", byte as char)));
                    }
                    self.next_byte();
                    let end = if byte == b';' {
                        Delimiter::Semicolon
                    } else {
                        Delimiter::Open
                    };
                    return Ok((words, end));
                }
                b'}' => {
                    if !words.is_empty() {
                        return Err(self.error(self.at, "unexpected \"}\""));
                    }
                    self.next_byte();
                    return Ok((words, Delimiter::Close));
                }
                _ => {
                    let (word, end) = self.word()?;
                    words.push(word);
                    if let Some(end) = end {
                        return Ok((words, end));
                    }
                }
            }
        }
    }

    /// One word, and the `;` or `{` that ended it if one did.
    fn word(&mut self) -> Result<(Word, Option<Delimiter>), SyntaxError> {
        let start = self.at;
        let line = self.line;
        let column = self.column_of(start);
        let quote = match self.text[start] {
            q @ (b'"' | b'\'') => {
                self.next_byte();
                Some(q)
            }
            _ => None,
        };
        let body_start = self.at;
        let mut variable = false;
        loop {
            if self.at - body_start >= MAX_WORD {
                return Err(SyntaxError::new(
                    Position::new(line, column),
                    match quote {
                        Some(q) => format!(
                            "too long parameter, probably missing terminating \"{}\" character",
                            q as char
                        ),
                        None => "too long parameter".into(),
                    },
                ));
            }
            let Some(byte) = self.next_byte() else {
                return Err(self.error(self.at, "unexpected end of file, expecting \";\" or \"}\""));
            };
            if byte == b'{' && variable {
                continue;
            }
            variable = false;
            match byte {
                b'\\' => self.take_escaped()?,
                b'$' => variable = true,
                _ if Some(byte) == quote => {
                    let raw = &self.text[body_start..self.at - 1];
                    let word = self.make_word(raw, line, column);
                    // What follows a closing quote must end the word.
                    return match self.text.get(self.at).copied() {
                        Some(b' ' | b'\t' | b'\r' | b'\n') => {
                            self.next_byte();
                            Ok((word, None))
                        }
                        Some(b';') => {
                            self.next_byte();
                            Ok((word, Some(Delimiter::Semicolon)))
                        }
                        Some(b'{') => {
                            self.next_byte();
                            Ok((word, Some(Delimiter::Open)))
                        }
                        // `if ($a = "x")`: the `)` starts the next word.
                        Some(b')') | None => Ok((word, None)),
                        Some(other) => {
                            Err(self
                                .error(self.at, format!("unexpected \"{}\"", char::from(other))))
                        }
                    };
                }
                b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' if quote.is_none() => {
                    let raw = &self.text[body_start..self.at - 1];
                    let word = self.make_word(raw, line, column);
                    let end = match byte {
                        b';' => Some(Delimiter::Semicolon),
                        b'{' => Some(Delimiter::Open),
                        _ => None,
                    };
                    return Ok((word, end));
                }
                _ => {}
            }
        }
    }

    /// After a backslash: the next byte is part of the word, whatever it is.
    fn take_escaped(&mut self) -> Result<(), SyntaxError> {
        match self.next_byte() {
            Some(_) => Ok(()),
            None => Err(self.error(self.at, "unexpected end of file, expecting \";\" or \"}\"")),
        }
    }

    fn make_word(&self, raw: &[u8], line: usize, column: usize) -> Word {
        // One allocation per word: the unescaped bytes become the string.
        let bytes = if raw.contains(&b'\\') {
            unescape(raw)
        } else {
            raw.to_vec()
        };
        let value = String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Word {
            value,
            line,
            column,
        }
    }
}

/// nginx's unescaping of a word's bytes (quotes already removed).
pub fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && i + 1 < raw.len() {
            let replacement = match raw[i + 1] {
                c @ (b'"' | b'\'' | b'\\') => Some(c),
                b't' => Some(b'\t'),
                b'r' => Some(b'\r'),
                b'n' => Some(b'\n'),
                _ => None,
            };
            if let Some(c) = replacement {
                out.push(c);
                i += 2;
                continue;
            }
        }
        out.push(raw[i]);
        i += 1;
    }
    out
}

/// The directives of one text, with blocks; `include` is not followed here.
pub fn parse_text(text: &[u8]) -> Result<Vec<Directive>, SyntaxError> {
    let mut lexer = Lexer::new(text);
    let directives = parse_block(&mut lexer, 0)?;
    Ok(directives)
}

fn parse_block(lexer: &mut Lexer, depth: usize) -> Result<Vec<Directive>, SyntaxError> {
    let mut directives = Vec::new();
    loop {
        let (words, end) = lexer.directive()?;
        match end {
            Delimiter::Eof => {
                if depth > 0 {
                    return Err(lexer.error(lexer.at, "unexpected end of file, expecting \"}\""));
                }
                return Ok(directives);
            }
            Delimiter::Close => {
                if depth == 0 {
                    return Err(lexer.error(lexer.at.saturating_sub(1), "unexpected \"}\""));
                }
                return Ok(directives);
            }
            Delimiter::Semicolon | Delimiter::Open => {
                let mut words = words.into_iter();
                let name = words.next().expect("a directive has a word");
                let args = words.map(|w| w.value).collect();
                let block = if end == Delimiter::Open {
                    if depth + 1 > MAX_DEPTH {
                        return Err(lexer.error(lexer.at, "blocks are nested too deeply"));
                    }
                    Some(parse_block(lexer, depth + 1)?)
                } else {
                    None
                };
                directives.push(Directive {
                    name: name.value,
                    args,
                    line: name.line,
                    column: name.column,
                    block,
                    includes: Vec::new(),
                    file: 0,
                });
            }
        }
    }
}

/// Reads `main` and every file its `include` directives name.
pub fn read(main: &Path) -> Result<Config, ConfigError> {
    let prefix = main
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let mut config = Config::default();
    read_file(main, &prefix, &mut config, 0, None, None)?;
    Ok(config)
}

/// A file's bytes and what parsing them gave.
type Loaded = std::io::Result<(Vec<u8>, Result<Vec<Directive>, SyntaxError>)>;

fn load(path: &Path) -> Loaded {
    let text = std::fs::read(path)?;
    let parsed = parse_text(&text);
    Ok((text, parsed))
}

fn read_file(
    path: &Path,
    prefix: &Path,
    config: &mut Config,
    depth: usize,
    from: Option<(&Path, &Directive)>,
    loaded: Option<Loaded>,
) -> Result<usize, ConfigError> {
    let at_include = |message: String| match from {
        Some((file, directive)) => {
            SyntaxError::new(Position::new(directive.line, directive.column), message)
                .in_file(file.to_path_buf())
        }
        None => SyntaxError::new(Position::new(0, 0), message).in_file(path.to_path_buf()),
    };
    if depth > MAX_INCLUDE_DEPTH {
        return Err(at_include(format!(
            "includes are nested more than {MAX_INCLUDE_DEPTH} deep: does {} include itself?",
            path.display()
        )));
    }
    let (text, parsed) = loaded
        .unwrap_or_else(|| load(path))
        .map_err(|e| at_include(format!("cannot read {}: {e}", path.display())))?;
    let mut directives = parsed.map_err(|e| {
        SyntaxError::new(Position::new(e.line, e.column), e.message).in_file(path.to_path_buf())
    })?;
    let index = config.files.len();
    set_file(&mut directives, index);
    config.files.push(ConfigFile {
        path: path.to_path_buf(),
        directives: Vec::new(),
        text,
    });
    follow_includes(&mut directives, path, prefix, config, depth)?;
    config.files[index].directives = directives;
    Ok(index)
}

fn set_file(directives: &mut [Directive], index: usize) {
    for directive in directives {
        directive.file = index;
        if let Some(block) = directive.block.as_mut() {
            set_file(block, index);
        }
    }
}

fn follow_includes(
    directives: &mut [Directive],
    path: &Path,
    prefix: &Path,
    config: &mut Config,
    depth: usize,
) -> Result<(), ConfigError> {
    for directive in directives.iter_mut() {
        if let Some(block) = directive.block.as_mut() {
            follow_includes(block, path, prefix, config, depth)?;
        }
        if directive.name != "include" || directive.block.is_some() {
            continue;
        }
        if directive.args.len() != 1 {
            return Err(SyntaxError::new(
                Position::new(directive.line, directive.column),
                "invalid number of arguments in \"include\" directive",
            )
            .in_file(path.to_path_buf()));
        }
        let target = prefix.join(&directive.args[0]);
        let names = if directive.args[0].contains(['*', '?', '[']) {
            glob_sorted(&target).map_err(|message| {
                SyntaxError::new(Position::new(directive.line, directive.column), message)
                    .in_file(path.to_path_buf())
            })?
        } else {
            vec![target]
        };
        let mut read = Vec::new();
        // A glob's files (`sites-enabled/*`) are read and parsed on a few threads, then
        // taken in order: reading is most of `config`'s time on a large setup.
        let mut loaded = relkit_common::threads::map_in_order(&names, 8, |p| load(p)).into_iter();
        for name in names {
            read.push(read_file(
                &name,
                prefix,
                config,
                depth + 1,
                Some((path, directive)),
                loaded.next(),
            )?);
        }
        directive.includes = read;
    }
    Ok(())
}

/// glob(3) as nginx calls it: sorted, no match is no error, `*` skips dot files.
fn glob_sorted(pattern: &Path) -> Result<Vec<PathBuf>, String> {
    let text = pattern
        .to_str()
        .ok_or_else(|| format!("{} is not UTF-8", pattern.display()))?;
    let options = glob::MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let mut names = Vec::new();
    for entry in glob::glob_with(text, options).map_err(|e| format!("bad glob {text:?}: {e}"))? {
        let name = entry.map_err(|e| format!("cannot read {}: {e}", e.path().display()))?;
        names.push(name);
    }
    names.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    Ok(names)
}
