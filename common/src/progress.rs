//! Progress on stderr for long work (packing, unpacking and verifying a release,
//! probing hosts), through indicatif. It is drawn only for a person watching: when
//! stderr is a terminal that is not `TERM=dumb`, and neither `-q` nor `--json` was
//! given. In a pipe, a file or a CI log it is never drawn, and nothing of it is
//! written. The bar is cleared when the work ends, so what stays on the screen is
//! the tool's answer alone.

use crate::args::CommonArgs;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};
use std::io::IsTerminal;
use std::time::Duration;

/// A progress line, or nothing when it is not to be shown. Cheap to clone and to
/// update from several threads.
#[derive(Debug, Clone)]
pub struct Progress {
    bar: Option<ProgressBar>,
}

/// Whether progress may be drawn: stderr a terminal, not dumb, not `-q`, not `--json`.
pub fn wanted(common: &CommonArgs) -> bool {
    !common.quiet
        && !common.json
        && std::io::stderr().is_terminal()
        && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
}

impl Default for Progress {
    fn default() -> Progress {
        Progress::hidden()
    }
}

impl Progress {
    /// Progress that is never drawn (tests, fuzzing, library callers).
    pub fn hidden() -> Progress {
        Progress { bar: None }
    }

    /// Bytes of work and the entries they came in: `packing 12.3 MiB 310 entries (2s)`.
    pub fn bytes(common: &CommonArgs, what: &str) -> Progress {
        Progress::make(
            common,
            what,
            None,
            "{spinner} {prefix} {bytes} {msg} ({elapsed})",
        )
    }

    /// Items of work: `probing [####  ] 12/40 hosts`.
    pub fn items(common: &CommonArgs, what: &str, total: u64, unit: &str) -> Progress {
        let template = format!("{{prefix}} [{{bar:30}}] {{pos}}/{{len}} {unit} ({{elapsed}})");
        Progress::make(common, what, Some(total), &template)
    }

    fn make(common: &CommonArgs, what: &str, total: Option<u64>, template: &str) -> Progress {
        if !wanted(common) {
            return Progress::hidden();
        }
        // Cleared also when the last handle is dropped early (an error ended the
        // work), so no half-drawn line is left above the error message.
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr())
            .with_finish(ProgressFinish::AndClear);
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(what.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        Progress { bar: Some(bar) }
    }

    /// Count `n` more bytes or items done.
    pub fn add(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
    }

    /// Say how many entries are done, beside the bytes.
    pub fn entries(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{n} entries"));
        }
    }

    /// Take the line off the screen.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_progress_does_nothing() {
        let p = Progress::hidden();
        p.add(10);
        p.entries(3);
        assert!(p.bar.is_none());
        p.finish();
    }

    #[test]
    fn quiet_or_json_never_draws() {
        let quiet = CommonArgs {
            quiet: true,
            ..CommonArgs::default()
        };
        assert!(!wanted(&quiet));
        let json = CommonArgs {
            json: true,
            ..CommonArgs::default()
        };
        assert!(!wanted(&json));
    }
}
