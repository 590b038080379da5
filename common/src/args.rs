//! The clap arguments every tool shares, and argument parsing that keeps the
//! one-line error convention for usage errors.

use crate::color::ColorWhen;
use crate::exit::FAILURE;
use crate::generate::Generate;
use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser};
use std::io::Write;

/// `--json`, `--color` and `--quiet`, flattened into every tool's CLI:
/// `#[command(flatten)] common: CommonArgs`.
#[derive(Args, Debug, Clone, Default, PartialEq, Eq)]
pub struct CommonArgs {
    /// Print JSON documents (one per line when stdout is not a terminal).
    #[arg(long, global = true)]
    pub json: bool,

    /// When to use colour: auto (terminal only; NO_COLOR, CLICOLOR_FORCE and CLICOLOR
    /// are honoured), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, global = true)]
    pub color: ColorWhen,

    /// Print nothing on stdout; only errors (on stderr) and the exit status speak.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Print secrets instead of masking them, in every output: documents, findings,
    /// source lines, diffs and errors. Secrets are cookies, secret files, and the
    /// values of names that say secret (-env NAME, env.sh, sys.config keys): a word
    /// containing COOKIE, SECRET, PASSWORD, PASSWD, PASSPHRASE or CREDENTIAL; the
    /// words TOKEN, AUTH, PASS, PWD, CREDS; KEY after API, ACCESS, PRIVATE, SECRET,
    /// SIGNING... (API_KEY, SECRET_KEY_BASE) or alone; not when the last word is
    /// PATH, FILE, NAME, ID, URL... (docs/design.md, "Secrets").
    #[arg(long, global = true)]
    pub show_secrets: bool,

    /// Print the man page or a shell's completion script, and exit.
    // Acted on in `parse` before the verb is required; declared here so clap checks
    // the value and help, the man page and completions show it.
    #[arg(long, value_enum, value_name = "KIND")]
    pub generate: Option<Generate>,
}

impl CommonArgs {
    /// Whether colour goes to stdout, by the precedence in [`crate::color`].
    pub fn stdout_color(&self) -> bool {
        crate::color::for_stdout(self.color)
    }
}

/// Parse the process arguments into `C`. `--help` and `--version` print and exit 0;
/// a usage error prints `<tool>: error: <what>; see '<tool> --help'` and exits 2.
///
/// `--generate KIND` prints the man page or a completion script made from `C`'s
/// definition and exits 0; it needs no verb.
pub fn parse<C: Parser>(tool: &str) -> C {
    if let Some(kind) = generate_request::<C>(tool) {
        let mut out = std::io::stdout().lock();
        let written =
            crate::generate::write(kind, C::command(), tool, &mut out).and_then(|()| out.flush());
        match written {
            Ok(()) => std::process::exit(0),
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::exit(0),
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "{tool}: error: writing output: {e}");
                std::process::exit(FAILURE.into())
            }
        }
    }
    match C::try_parse() {
        Ok(cli) => cli,
        Err(err) => exit_for_clap_error(tool, err),
    }
}

/// `--generate KIND` on the command line (checked by clap, without a verb).
fn generate_request<C: CommandFactory>(tool: &str) -> Option<Generate> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let asked = args.iter().skip(1).any(|a| {
        a.to_str()
            .is_some_and(|a| a == "--generate" || a.starts_with("--generate="))
    });
    if !asked {
        return None;
    }
    let cmd = C::command()
        .subcommand_required(false)
        .arg_required_else_help(false);
    match cmd.try_get_matches_from(&args) {
        Ok(matches) => matches.get_one::<Generate>("generate").copied(),
        Err(err) => exit_for_clap_error(tool, err),
    }
}

fn exit_for_clap_error(tool: &str, err: clap::Error) -> ! {
    match err.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => err.exit(),
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = write!(std::io::stderr(), "{}", err.render());
            std::process::exit(FAILURE.into())
        }
        _ => {
            let _ = writeln!(std::io::stderr(), "{}", usage_error_line(tool, &err));
            std::process::exit(FAILURE.into())
        }
    }
}

/// The first line of clap's message, in the relkit error form.
pub fn usage_error_line(tool: &str, err: &clap::Error) -> String {
    let rendered = err.render().to_string();
    let first = rendered
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid arguments");
    let what = first.trim().trim_start_matches("error:").trim();
    format!("{tool}: error: {what}; see '{tool} --help'")
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Subcommand;

    #[derive(Parser, Debug)]
    #[command(name = "demo")]
    struct Cli {
        #[command(flatten)]
        common: CommonArgs,
        #[command(subcommand)]
        verb: Verb,
    }

    #[derive(Subcommand, Debug)]
    enum Verb {
        Check { file: Option<String> },
    }

    #[test]
    fn common_flags_are_accepted_after_the_verb() {
        let cli = Cli::try_parse_from(["demo", "check", "--json", "--color", "never", "-q", "f"])
            .unwrap();
        assert!(cli.common.json);
        assert!(cli.common.quiet);
        assert_eq!(cli.common.color, ColorWhen::Never);
        let Verb::Check { file } = cli.verb;
        assert_eq!(file.as_deref(), Some("f"));
    }

    #[test]
    fn defaults_are_human_auto_colour() {
        let cli = Cli::try_parse_from(["demo", "check"]).unwrap();
        assert_eq!(cli.common, CommonArgs::default());
    }

    #[test]
    fn usage_errors_become_one_line() {
        let err = Cli::try_parse_from(["demo", "check", "--bogus"]).unwrap_err();
        let line = usage_error_line("demo", &err);
        assert!(
            line.starts_with("demo: error: unexpected argument '--bogus'"),
            "{line}"
        );
        assert!(line.ends_with("; see 'demo --help'"), "{line}");
        assert!(!line.contains('\n'));
    }

    #[test]
    fn bad_colour_value_is_a_usage_error() {
        let err = Cli::try_parse_from(["demo", "check", "--color", "sometimes"]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidValue);
    }
}
