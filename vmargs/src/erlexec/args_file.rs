//! The words of a vm.args file and of every file `-args_file` reads from it, in the
//! order erlexec sees them, each with where it came from.

use crate::tokenize::{tokenize, Tokens};
use std::path::{Path, PathBuf};

/// Where a word came from: token `token` of file `file` (an index into
/// [`Expansion::files`]). Words erl adds itself (separators, implied flags) have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: usize,
    pub token: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub value: Vec<u8>,
    pub origin: Option<Origin>,
}

impl Word {
    pub(super) fn added(value: &str) -> Word {
        Word {
            value: value.as_bytes().to_vec(),
            origin: None,
        }
    }

    pub fn is(&self, s: &str) -> bool {
        self.value == s.as_bytes()
    }
}

/// One args file that took part: the top file is index 0.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name as erl opens it (as written after `-args_file`).
    pub name: PathBuf,
    pub bytes: Vec<u8>,
    pub tokens: Tokens,
    /// Line starts of `bytes`, for positions.
    pub lines: relkit_common::LineIndex,
}

/// A nested `-args_file NAME` found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// The `-args_file` word.
    pub at: Origin,
    pub name: Vec<u8>,
    /// Index of the included file in [`Expansion::files`], when it could be read.
    pub file: Option<usize>,
}

/// Why erl would not start, in erl's words, and which word made it stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal {
    pub message: String,
    pub at: Option<Origin>,
}

/// Limits against include bombs: erl itself has no cycle detection and loops.
pub const MAX_INCLUDE_DEPTH: usize = 64;
pub const MAX_FILES: usize = 1024;

#[derive(Debug, Clone)]
pub struct Expansion {
    pub files: Vec<SourceFile>,
    pub includes: Vec<Include>,
    /// The argument list after expansion: the words, erl's `--` after the command
    /// line, and `-extra` with every file's extra words at the end.
    pub words: Vec<Word>,
    /// Expansion stopped here (missing file, cycle, missing name).
    pub fatal: Option<Fatal>,
}

/// Expand `top` (already read) the way `erl -args_file <top>` does. Nested files are
/// read with `read`, which gets the name exactly as written (erl resolves it against
/// its working directory).
pub fn expand(
    top_name: &Path,
    top_bytes: Vec<u8>,
    read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
) -> Expansion {
    let mut exp = Expansion {
        files: Vec::new(),
        includes: Vec::new(),
        words: Vec::new(),
        fatal: None,
    };
    let mut extra = Vec::new();
    let top = add_file(&mut exp, top_name.to_path_buf(), top_bytes);
    let mut chain = vec![canonical(top_name)];
    expand_file(&mut exp, top, &mut extra, &mut chain, read);
    if exp.fatal.is_none() {
        // erl puts a `--` after the command line (`-args_file F`).
        exp.words.push(Word::added("--"));
        if !extra.is_empty() {
            exp.words.push(Word::added("-extra"));
            exp.words.extend(extra);
        }
    }
    exp
}

fn add_file(exp: &mut Expansion, name: PathBuf, bytes: Vec<u8>) -> usize {
    let tokens = tokenize(&bytes, true);
    let lines = relkit_common::LineIndex::new(&bytes);
    exp.files.push(SourceFile {
        name,
        bytes,
        tokens,
        lines,
    });
    exp.files.len() - 1
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The file's words with their origins, plus erl's `--` when it has any word.
fn file_words(exp: &Expansion, file: usize) -> Vec<Word> {
    let tokens = &exp.files[file].tokens.tokens;
    let mut words: Vec<Word> = tokens
        .iter()
        .enumerate()
        .map(|(token, t)| Word {
            value: t.value.clone(),
            origin: Some(Origin { file, token }),
        })
        .collect();
    if !words.is_empty() {
        words.push(Word::added("--"));
    }
    words
}

fn expand_file(
    exp: &mut Expansion,
    file: usize,
    extra: &mut Vec<Word>,
    chain: &mut Vec<PathBuf>,
    read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
) {
    let words = file_words(exp, file);
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        if word.is("-args_file") {
            let at = word.origin.unwrap_or(Origin { file, token: 0 });
            let Some(name_word) = words.get(i + 1) else {
                exp.fatal = Some(Fatal {
                    message: "Missing argument(s) for '-args_file'.".into(),
                    at: Some(at),
                });
                return;
            };
            let name = name_word.value.clone();
            i += 2;
            let path = PathBuf::from(bytes_to_os(&name));
            let key = canonical(&path);
            if chain.contains(&key) {
                exp.includes.push(Include {
                    at,
                    name: name.clone(),
                    file: None,
                });
                exp.fatal = Some(Fatal {
                    message: format!(
                        "-args_file \"{}\" includes itself (through {}); erl would loop until it runs out of memory",
                        path.display(),
                        chain.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" -> ")
                    ),
                    at: Some(at),
                });
                return;
            }
            if chain.len() >= MAX_INCLUDE_DEPTH || exp.files.len() >= MAX_FILES {
                exp.fatal = Some(Fatal {
                    message: format!(
                        "-args_file nesting is deeper than {MAX_INCLUDE_DEPTH} files or more than {MAX_FILES} files in all"
                    ),
                    at: Some(at),
                });
                return;
            }
            match read(&path) {
                Ok(bytes) => {
                    let nested = add_file(exp, path, bytes);
                    exp.includes.push(Include {
                        at,
                        name,
                        file: Some(nested),
                    });
                    chain.push(key);
                    expand_file(exp, nested, extra, chain, read);
                    chain.pop();
                    if exp.fatal.is_some() {
                        return;
                    }
                }
                Err(err) => {
                    exp.includes.push(Include {
                        at,
                        name,
                        file: None,
                    });
                    let cwd = std::env::current_dir()
                        .map(|d| d.display().to_string())
                        .unwrap_or_default();
                    exp.fatal = Some(Fatal {
                        message: format!(
                            "Failed to open arguments file \"{}\" at \"{cwd}\": {}",
                            path.display(),
                            relkit_common::input::describe_io_error(&err)
                        ),
                        at: Some(at),
                    });
                    return;
                }
            }
        } else if word.is("-extra") {
            // The rest of this file, its `--` included, goes to the end.
            extra.extend(words[i + 1..].iter().cloned());
            return;
        } else {
            exp.words.push(word.clone());
            i += 1;
        }
    }
}

#[cfg(unix)]
fn bytes_to_os(bytes: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).to_os_string()
}
