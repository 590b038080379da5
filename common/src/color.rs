//! Colour choice: `--color always|never` wins; with `auto`, a non-empty `NO_COLOR`
//! turns colour off, a non-empty `CLICOLOR_FORCE` other than `0` turns it on,
//! `CLICOLOR=0` or `TERM=dumb` turns it off, and otherwise colour is used only on a
//! terminal. Styled text is written through `anstream`, which strips the styles
//! when the choice is off.

use std::ffi::OsString;
use std::io::IsTerminal;

#[derive(clap::ValueEnum, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ColorWhen {
    #[default]
    Auto,
    Always,
    Never,
}

/// Decide whether to colour, given the flag, a way to read the environment and
/// whether the output is a terminal. Pure, so the precedence can be tested.
pub fn resolve(when: ColorWhen, env: impl Fn(&str) -> Option<OsString>, is_terminal: bool) -> bool {
    let set = |name: &str| env(name).filter(|v| !v.is_empty());
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            if set("NO_COLOR").is_some() {
                false
            } else if set("CLICOLOR_FORCE").is_some_and(|v| v != "0") {
                true
            } else if set("CLICOLOR").is_some_and(|v| v == "0")
                || set("TERM").is_some_and(|v| v == "dumb")
            {
                false
            } else {
                is_terminal
            }
        }
    }
}

/// Whether to colour what goes to stdout, from the real environment.
pub fn for_stdout(when: ColorWhen) -> bool {
    resolve(
        when,
        |name| std::env::var_os(name),
        std::io::stdout().is_terminal(),
    )
}

/// Whether to colour what goes to stderr, from the real environment.
pub fn for_stderr(when: ColorWhen) -> bool {
    resolve(
        when,
        |name| std::env::var_os(name),
        std::io::stderr().is_terminal(),
    )
}

/// Stdout as a stream that keeps styles when `color` is true and strips them otherwise.
pub fn stdout(color: bool) -> anstream::AutoStream<std::io::StdoutLock<'static>> {
    anstream::AutoStream::new(std::io::stdout().lock(), choice(color))
}

/// Write a whole styled text to stdout at once, its styles stripped unless `color`:
/// one write rather than a stream's write per line (thousands for a long report).
pub fn write_stdout(color: bool, text: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if color {
        out.write_all(text)?;
    } else {
        out.write_all(&anstream::adapter::strip_bytes(text).into_vec())?;
    }
    out.flush()
}

/// Stderr likewise.
pub fn stderr(color: bool) -> anstream::AutoStream<std::io::StderrLock<'static>> {
    anstream::AutoStream::new(std::io::stderr().lock(), choice(color))
}

fn choice(color: bool) -> anstream::ColorChoice {
    if color {
        anstream::ColorChoice::Always
    } else {
        anstream::ColorChoice::Never
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn flag_beats_every_variable() {
        let all = [("NO_COLOR", "1"), ("CLICOLOR", "0"), ("TERM", "dumb")];
        assert!(resolve(ColorWhen::Always, env(&all), false));
        let force = [("CLICOLOR_FORCE", "1")];
        assert!(!resolve(ColorWhen::Never, env(&force), true));
    }

    #[test]
    fn no_color_beats_clicolor_force() {
        let vars = [("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")];
        assert!(!resolve(ColorWhen::Auto, env(&vars), true));
    }

    #[test]
    fn empty_no_color_is_ignored() {
        assert!(resolve(ColorWhen::Auto, env(&[("NO_COLOR", "")]), true));
    }

    #[test]
    fn clicolor_force_colours_a_pipe() {
        assert!(resolve(
            ColorWhen::Auto,
            env(&[("CLICOLOR_FORCE", "1")]),
            false
        ));
        assert!(!resolve(
            ColorWhen::Auto,
            env(&[("CLICOLOR_FORCE", "0")]),
            false
        ));
        let both = [("CLICOLOR_FORCE", "1"), ("CLICOLOR", "0")];
        assert!(resolve(ColorWhen::Auto, env(&both), false));
    }

    #[test]
    fn clicolor_zero_and_dumb_terminals_turn_it_off() {
        assert!(!resolve(ColorWhen::Auto, env(&[("CLICOLOR", "0")]), true));
        assert!(resolve(ColorWhen::Auto, env(&[("CLICOLOR", "1")]), true));
        assert!(!resolve(ColorWhen::Auto, env(&[("TERM", "dumb")]), true));
    }

    #[test]
    fn otherwise_only_a_terminal_gets_colour() {
        assert!(resolve(ColorWhen::Auto, env(&[]), true));
        assert!(!resolve(ColorWhen::Auto, env(&[]), false));
    }
}
