//! The exit-status convention and the one `main` wrapper every tool uses.
//!
//! `0` clean, `1` the tool did its job and found problems, `2` it could not do its
//! job. Errors become one line, `<tool>: error: <message>`, on stderr; a broken pipe
//! (`tool ... | head -1`) is a quiet, successful exit; a panic is reported as an
//! internal error in the same one-line form instead of a Rust debug dump.

use std::io::{self, Write};
use std::process::ExitCode;

/// How a run ended when the tool could do its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nothing to report: exit 0.
    Clean,
    /// The tool did its job and found problems (error findings, a failed verify): exit 1.
    Problems,
}

impl Status {
    /// `Problems` when `found` is true, else `Clean`.
    pub fn problems_if(found: bool) -> Status {
        if found {
            Status::Problems
        } else {
            Status::Clean
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Status::Clean => 0,
            Status::Problems => 1,
        }
    }
}

/// Exit status when the tool could not do its job.
pub const FAILURE: u8 = 2;

/// Run a tool's body and turn its outcome into the process exit status.
///
/// Use it as the whole of `main`:
/// `fn main() -> ExitCode { relkit_common::run("vmargs", || cli::run(Cli::parse_for("vmargs"))) }`
pub fn run(tool: &'static str, body: impl FnOnce() -> anyhow::Result<Status>) -> ExitCode {
    // The default hook prints a multi-line message with a backtrace hint; replace it
    // with the one-line form the contract promises.
    std::panic::set_hook(Box::new(move |info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_string());
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let _ = writeln!(
            io::stderr(),
            "{tool}: error: internal error: {what}{place}; this is a bug in {tool}, please report it"
        );
    }));
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(body)) {
        Ok(Ok(status)) => ExitCode::from(status.code()),
        Ok(Err(err)) => exit_for_error(tool, &err),
        Err(_) => ExitCode::from(FAILURE),
    }
}

/// An error whose one-line message is followed by lines that show where it is (a
/// source excerpt with a caret). The wrapper prints the message in the usual
/// `<tool>: error:` form and the detail under it.
#[derive(Debug)]
pub struct Detailed {
    pub message: String,
    pub detail: String,
}

impl std::fmt::Display for Detailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Detailed {}

/// The exit status (and stderr lines) for an error that ended a run.
pub fn exit_for_error(tool: &str, err: &anyhow::Error) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "{}", error_line(tool, err));
    if let Some(detailed) = err.chain().find_map(|c| c.downcast_ref::<Detailed>()) {
        let _ = write!(stderr, "{}", detailed.detail);
    }
    ExitCode::from(FAILURE)
}

/// `<tool>: error: <message>`, with the error's causes joined by `: ` on one line.
pub fn error_line(tool: &str, err: &anyhow::Error) -> String {
    let message = format!("{err:#}").replace('\n', " ");
    format!("{tool}: error: {message}")
}

/// True when any cause in the chain is an I/O broken pipe: the reader went away,
/// which is how `| head` says it has enough.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn statuses_map_to_codes() {
        assert_eq!(Status::Clean.code(), 0);
        assert_eq!(Status::Problems.code(), 1);
        assert_eq!(Status::problems_if(true), Status::Problems);
        assert_eq!(Status::problems_if(false), Status::Clean);
    }

    #[test]
    fn error_line_joins_causes_on_one_line() {
        let err = Err::<(), _>(io::Error::new(io::ErrorKind::NotFound, "no such file"))
            .context("cannot read rel/vm.args")
            .unwrap_err();
        assert_eq!(
            error_line("vmargs", &err),
            "vmargs: error: cannot read rel/vm.args: no such file"
        );
    }

    #[test]
    fn broken_pipe_is_found_anywhere_in_the_chain() {
        let err = Err::<(), _>(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("writing output")
            .unwrap_err();
        assert!(is_broken_pipe(&err));
        assert!(!is_broken_pipe(&anyhow::anyhow!("something else")));
    }
}
