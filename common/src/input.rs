//! Reading a tool's input: a file argument, or stdin for `-` or no argument.

use anyhow::{bail, Result};
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

/// One input, read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// How to name it in messages: the path as given, or `<stdin>`.
    pub name: String,
    /// The file's path; `None` for stdin.
    pub path: Option<PathBuf>,
    pub bytes: Vec<u8>,
}

pub const STDIN_NAME: &str = "<stdin>";

/// Read `arg` (a path, `-` for stdin) or, when `arg` is `None`, stdin. With no
/// argument and a terminal on stdin there is nothing to read, so say what to do
/// instead of waiting silently.
pub fn read_input(arg: Option<&Path>) -> Result<Input> {
    match arg {
        Some(path) if path != Path::new("-") => read_file(path),
        Some(_) => read_stdin(),
        None => {
            if std::io::stdin().is_terminal() {
                bail!(
                    "no input: give a FILE argument or pipe input in (use - to read the terminal)"
                );
            }
            read_stdin()
        }
    }
}

/// Read a file, with an error that names it and says what went wrong in words.
pub fn read_file(path: &Path) -> Result<Input> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Input {
            name: path.display().to_string(),
            path: Some(path.to_path_buf()),
            bytes,
        }),
        Err(err) => bail!(
            "cannot read {}: {}",
            path.display(),
            describe_io_error(&err)
        ),
    }
}

fn read_stdin() -> Result<Input> {
    let mut bytes = Vec::new();
    if let Err(err) = std::io::stdin().lock().read_to_end(&mut bytes) {
        bail!("cannot read standard input: {}", describe_io_error(&err));
    }
    Ok(Input {
        name: STDIN_NAME.to_string(),
        path: None,
        bytes,
    })
}

/// An I/O error in words, without the `(os error N)` suffix, with a hint where one helps.
pub fn describe_io_error(err: &std::io::Error) -> String {
    let text = err.to_string();
    let text = match text.rfind(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    };
    match err.kind() {
        std::io::ErrorKind::NotFound => format!("{text}; check the path"),
        std::io::ErrorKind::PermissionDenied => format!("{text}; check the file's permissions"),
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_error_names_it_and_says_what_to_do() {
        let err = read_input(Some(Path::new("/nonexistent/vm.args"))).unwrap_err();
        assert_eq!(
            err.to_string(),
            "cannot read /nonexistent/vm.args: No such file or directory; check the path"
        );
    }

    #[test]
    fn directory_is_not_readable_as_a_file() {
        let err = read_input(Some(Path::new("/"))).unwrap_err().to_string();
        assert!(err.starts_with("cannot read /: "), "{err}");
        assert!(!err.contains("os error"), "{err}");
    }

    #[test]
    fn reads_a_file_whole() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/input.rs");
        let input = read_input(Some(Path::new(path))).unwrap();
        assert_eq!(input.name, path);
        assert!(input.bytes.starts_with(b"//! Reading"));
    }
}
