//! Man pages and shell completions, made from each tool's clap definition, as
//! ripgrep makes its own: `TOOL --generate man|complete-bash|complete-zsh|complete-fish`
//! prints one to stdout. The page has the sections a user looks for: the verbs and
//! their options, the examples and exit status that `--help` shows, the environment
//! variables, and, for a checker, every finding code with its explanation.

use crate::codes;
use clap::ValueEnum;
use std::io::{self, Write};

/// What `--generate` makes.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generate {
    /// The man page (roff), for man(1).
    Man,
    /// The bash completion script.
    CompleteBash,
    /// The zsh completion script.
    CompleteZsh,
    /// The fish completion script.
    CompleteFish,
}

/// Write what `kind` asks for, for the command `cmd` (named `tool`).
pub fn write(
    kind: Generate,
    cmd: clap::Command,
    tool: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let shell = match kind {
        Generate::Man => return man_page(cmd.bin_name(tool.to_string()), tool, out),
        Generate::CompleteBash => return bash(cmd, tool, out),
        Generate::CompleteZsh => clap_complete::Shell::Zsh,
        Generate::CompleteFish => clap_complete::Shell::Fish,
    };
    let mut cmd = cmd.bin_name(tool.to_string());
    clap_complete::generate(shell, &mut cmd, tool, out);
    Ok(())
}

/// The bash script. clap_complete (4.6) names the states of a hyphenated command's
/// verbs two different ways in one script (`release__pack__subcmd__unpack` where it
/// sets the state, `release__subcmd__pack__subcmd__unpack` where it reads it), so
/// no verb's flags complete; the script is made for the name with `_` and then
/// registered for the real name. The script finds the command word by position, so
/// nothing else depends on the name.
fn bash(cmd: clap::Command, tool: &str, out: &mut dyn Write) -> io::Result<()> {
    let safe = tool.replace('-', "_");
    let mut cmd = cmd.bin_name(safe.clone());
    let mut script = Vec::new();
    clap_complete::generate(
        clap_complete::Shell::Bash,
        &mut cmd,
        safe.clone(),
        &mut script,
    );
    let script = String::from_utf8_lossy(&script);
    let registered = format!(" {safe}");
    for line in script.lines() {
        match line.trim_start().starts_with("complete ") && line.ends_with(&registered) {
            true => writeln!(out, "{}{tool}", &line[..line.len() - safe.len()])?,
            false => writeln!(out, "{line}")?,
        }
    }
    Ok(())
}

/// Text for roff: backslashes and minus signs escaped, and a line that would start
/// with a control character (`.` or `'`) guarded.
fn roff(text: &str) -> String {
    let escaped: String = text
        .chars()
        .map(|c| match c {
            '\\' => "\\e".to_string(),
            '-' => "\\-".to_string(),
            c if c.is_ascii() => c.to_string(),
            // groff reads ASCII; anything else by its code point.
            c => format!("\\[u{:04X}]", u32::from(c)),
        })
        .collect();
    escaped
        .lines()
        .map(|line| {
            if line.starts_with('.') || line.starts_with('\'') {
                format!("\\&{line}")
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A preformatted block (examples): no filling, no adjusting.
fn preformatted(out: &mut dyn Write, text: &str) -> io::Result<()> {
    writeln!(out, ".PP\n.nf")?;
    for line in text.trim_matches('\n').lines() {
        writeln!(out, "{}", roff(line))?;
    }
    writeln!(out, ".fi")
}

/// The first paragraph of help text as written in the definition.
fn about(cmd: &clap::Command) -> String {
    cmd.get_long_about()
        .or(cmd.get_about())
        .map(|s| s.to_string())
        .unwrap_or_default()
}

/// A flag that takes no value (`--json`, `-q`).
fn is_switch(arg: &clap::Arg) -> bool {
    matches!(
        arg.get_action(),
        clap::ArgAction::SetTrue | clap::ArgAction::SetFalse | clap::ArgAction::Count
    )
}

/// `--flag VALUE`, `-f, --flag VALUE` or `<NAME>` as the page shows an argument.
fn arg_form(arg: &clap::Arg) -> String {
    let value = || {
        arg.get_value_names()
            .and_then(|names| names.first())
            .map(|n| format!(" \\fI{}\\fR", roff(n)))
            .unwrap_or_default()
    };
    let takes_value = arg.get_num_args().is_some_and(|n| n.takes_values()) && !is_switch(arg);
    match (arg.get_short(), arg.get_long()) {
        (Some(s), Some(l)) => format!(
            "\\fB\\-{s}\\fR, \\fB\\-\\-{}\\fR{}",
            roff(l),
            if takes_value { value() } else { String::new() }
        ),
        (None, Some(l)) => format!(
            "\\fB\\-\\-{}\\fR{}",
            roff(l),
            if takes_value { value() } else { String::new() }
        ),
        (Some(s), None) => format!("\\fB\\-{s}\\fR"),
        (None, None) => {
            let name = arg
                .get_value_names()
                .and_then(|n| n.first().map(|v| v.to_string()))
                .unwrap_or_else(|| arg.get_id().to_string().to_uppercase());
            format!("\\fI{}\\fR", roff(&name))
        }
    }
}

fn arg_entries(out: &mut dyn Write, args: &[&clap::Arg]) -> io::Result<()> {
    for arg in args {
        writeln!(out, ".TP\n{}", arg_form(arg))?;
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        let mut text = help;
        if !values.is_empty() && !values.iter().all(|v| text.contains(v.as_str())) {
            text.push_str(&format!(" [values: {}]", values.join(", ")));
        }
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|d| d.to_string_lossy().into_owned())
            .collect();
        if !defaults.is_empty() && !arg.is_hide_default_value_set() && !is_switch(arg) {
            text.push_str(&format!(" [default: {}]", defaults.join(", ")));
        }
        writeln!(out, "{}", roff(&text))?;
    }
    Ok(())
}

fn man_page(cmd: clap::Command, tool: &str, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = cmd;
    cmd.build();
    let version = cmd.get_version().unwrap_or("").to_string();
    let man = clap_mangen::Man::new(cmd.clone())
        .title(tool.to_uppercase())
        .section("1")
        .source(format!("relkit {version}"))
        .manual("relkit manual");
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;

    writeln!(out, ".SH DESCRIPTION")?;
    for paragraph in about(&cmd).split("\n\n") {
        writeln!(out, ".PP\n{}", roff(paragraph.trim()))?;
    }

    // Options of the tool itself (the shared ones reach every verb).
    let top: Vec<&clap::Arg> = cmd.get_arguments().filter(|a| !a.is_hide_set()).collect();
    if !top.is_empty() {
        writeln!(out, ".SH OPTIONS")?;
        arg_entries(out, &top)?;
    }

    let verbs: Vec<&clap::Command> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
        .collect();
    if !verbs.is_empty() {
        writeln!(out, ".SH COMMANDS")?;
        for verb in verbs {
            let mut usage = verb.clone();
            let synopsis = usage
                .render_usage()
                .to_string()
                .trim_start_matches("Usage: ")
                .to_string();
            writeln!(out, ".SS \"{}\"", roff(&synopsis).replace('"', "\\(dq"))?;
            for paragraph in about(verb).split("\n\n") {
                writeln!(out, ".PP\n{}", roff(paragraph.trim()))?;
            }
            let own: Vec<&clap::Arg> = verb
                .get_arguments()
                .filter(|a| !a.is_hide_set() && !a.is_global_set())
                .filter(|a| !matches!(a.get_id().as_str(), "help" | "version"))
                .collect();
            if !own.is_empty() {
                arg_entries(out, &own)?;
            }
        }
    }

    // The examples and exit status --help shows after the options.
    let after = cmd
        .get_after_long_help()
        .or(cmd.get_after_help())
        .map(|s| s.to_string())
        .unwrap_or_default();
    let (examples, status) = match after.split_once("Exit status:") {
        Some((examples, status)) => (examples, Some(status)),
        None => (after.as_str(), None),
    };
    let examples = examples.trim().trim_start_matches("Examples:");
    if !examples.trim().is_empty() {
        writeln!(out, ".SH EXAMPLES")?;
        preformatted(out, examples)?;
    }
    writeln!(out, ".SH EXIT STATUS")?;
    let status = status.map_or_else(
        || {
            "0 done, 1 problems found, 2 could not do the job (usage, unreadable input)."
                .to_string()
        },
        |s| s.trim().to_string(),
    );
    writeln!(out, ".PP\n{}", roff(&status))?;

    writeln!(out, ".SH ENVIRONMENT")?;
    let mut vars: Vec<(&str, String)> = vec![
        (
            "NO_COLOR",
            "When set and not empty, no colour (with \\-\\-color auto).".into(),
        ),
        (
            "CLICOLOR_FORCE",
            "When set and not 0, colour even off a terminal, unless NO_COLOR.".into(),
        ),
        ("CLICOLOR", "0 turns colour off.".into()),
    ];
    let checker = codes::of_tool(tool).next().is_some();
    if checker {
        vars.extend([
            (
                crate::names::FORMAT_VAR,
                "The default \\-\\-format of findings (human, json, gcc, github, sarif).".into(),
            ),
            (
                crate::names::EXCLUDE_VAR,
                "Finding codes to leave out, comma\\-separated; another tool's codes are accepted."
                    .into(),
            ),
            (
                crate::names::SEVERITY_VAR,
                "The default \\-\\-severity (info, warning, error).".into(),
            ),
            (
                codes::DOCS_URL_VAR,
                format!(
                    "Where links to finding codes point (default {}).",
                    roff(codes::DEFAULT_DOCS_URL)
                ),
            ),
        ]);
    }
    for (name, text) in vars {
        writeln!(out, ".TP\n\\fB{}\\fR\n{text}", roff(name))?;
    }

    if checker {
        writeln!(out, ".SH FINDING CODES")?;
        writeln!(
            out,
            ".PP\nEach finding names its code; \\-\\-exclude takes them. They are explained in codes.md (see SEE ALSO), each at the anchor #{}\\-CODE.",
            roff(tool)
        )?;
        for entry in codes::of_tool(tool) {
            writeln!(
                out,
                ".TP\n\\fB{}\\fR\n{}",
                roff(&entry.code),
                roff(&plain(&entry.text))
            )?;
        }
    }

    writeln!(out, ".SH SEE ALSO")?;
    let others: Vec<String> = crate::names::TOOLS
        .iter()
        .filter(|t| **t != tool)
        .map(|t| format!("\\fB{}\\fR(1)", roff(t)))
        .collect();
    writeln!(out, ".PP\n{}", others.join(", "))?;
    writeln!(
        out,
        ".PP\nThe JSON documents and finding codes are described in /usr/share/doc/relkit/json.md and /usr/share/doc/relkit/codes.md."
    )?;
    man.render_version_section(out)?;
    Ok(())
}

/// Markdown as plain text for the page: backticks and emphasis marks dropped.
fn plain(markdown: &str) -> String {
    markdown.replace('`', "").replace("**", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_escapes_control_lines_and_minus() {
        assert_eq!(
            roff(".hidden\n'also\nplain -x \\n …"),
            "\\&.hidden\n\\&'also\nplain \\-x \\en \\[u2026]"
        );
    }
}
