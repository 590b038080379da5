//! The command line: clap definitions and the verbs' glue to the library. `main.rs`
//! only calls [`main`]; man pages and completions are built from [`command`].

use crate::codes::{self, CODE_SYNTAX_ERROR, TOOL};
use crate::config::Config;
use crate::read::read;
use anyhow::{bail, Context, Result};
use clap::{CommandFactory, Parser, Subcommand};
use relkit_common::{
    json, CommonArgs, Finding, FindingArgs, LineIndex, Position, Reporter, Secrets, Severity,
    Status,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "relconf",
    version,
    propagate_version = true,
    about = "Read Distillery rel/config.exs and Mix releases: in mix.exs into JSON, without running Elixir",
    after_help = "Examples:
  relconf parse rel/config.exs                              the relconf.config document
  relconf parse rel/config.exs --env stage | jq -r .environments.stage.vm_args
  relconf parse rel/config.exs | vmargs check               every environment's vm.args
  relconf check rel/config.exs                              findings, exit 1 on errors
  relconf parse mix.exs --release billing                   a Mix release's options
  relconf parse .deliver/config --env production           edeliver's hosts (relconf.deliver)

Exit status: 0 clean, 1 problems found, 2 could not do the job (syntax error, unknown name)."
)]
pub struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Subcommand)]
enum Verb {
    /// Print the relconf.config JSON document.
    Parse {
        /// rel/config.exs, mix.exs or edeliver's .deliver/config (default:
        /// rel/config.exs, else mix.exs, here).
        file: Option<PathBuf>,
        /// Keep only this environment (edeliver: staging, production...).
        #[arg(long, value_name = "NAME")]
        env: Option<String>,
        /// Keep only this release.
        #[arg(long, value_name = "NAME")]
        release: Option<String>,
    },
    /// Report what Distillery or mix release would refuse or do unexpectedly.
    Check {
        /// rel/config.exs or mix.exs (default: rel/config.exs, else mix.exs, here).
        file: Option<PathBuf>,
        #[command(flatten)]
        findings: FindingArgs,
    },
}

/// The whole command: parse the arguments, run, and exit as relkit tools do.
pub fn main() -> ExitCode {
    relkit_common::run(TOOL, || {
        let cli: Cli = relkit_common::args::parse(TOOL);
        match &cli.verb {
            Verb::Parse { file, env, release } => parse(
                &cli.common,
                file.as_deref(),
                env.as_deref(),
                release.as_deref(),
            ),
            Verb::Check { file, findings } => check(&cli.common, findings, file.as_deref()),
        }
    })
}

fn default_file(file: Option<&Path>) -> Result<PathBuf> {
    if let Some(f) = file {
        return Ok(f.to_path_buf());
    }
    for candidate in ["rel/config.exs", "mix.exs"] {
        if Path::new(candidate).is_file() {
            return Ok(PathBuf::from(candidate));
        }
    }
    bail!("no rel/config.exs or mix.exs here; give the config file as an argument")
}

/// The project directory: the parent of `rel/` for rel/config.exs, else the file's directory.
fn project_root(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let dir = abs.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name().is_some_and(|n| n == "rel") {
        dir.parent().map(Path::to_path_buf).unwrap_or(dir)
    } else {
        dir
    }
}

/// `relconf: error: FILE:LINE:COL: MESSAGE`, then the source line with a caret. A
/// file that does not parse has no settings to find its cookie by, so a line that
/// mentions a cookie is shown masked after that word (and a line after one that
/// ends with the word, masked whole) unless `--show-secrets`. Messages never quote
/// a literal value.
fn syntax_error(
    name: &str,
    src: &[u8],
    at: Position,
    message: &str,
    show_secrets: bool,
) -> anyhow::Error {
    let index = LineIndex::new(src);
    let (line, column) = (at.line as u32, at.column as u32);
    let raw = index.line_text(src, line).map(|t| t.into_owned());
    // No settings to find the cookie by: what follows the word on this line is it,
    // or the whole line when the line before ends with the word (`set cookie:` and
    // the value on the next line).
    let previous = (line > 1).then(|| index.line_text(src, line - 1)).flatten();
    let value_on_next_line = previous
        .as_deref()
        .is_some_and(|p| p.to_ascii_lowercase().contains("cookie") && cookie_value(p).is_none());
    let mut secrets = Secrets::new(show_secrets);
    let found = match raw.as_deref() {
        Some(text) if value_on_next_line && cookie_value(text).is_none() => {
            let value = text.trim_start();
            let before = text.len() - value.len();
            (!value.is_empty()).then(|| (text[..before].chars().count() as u32 + 1, value))
        }
        Some(text) => cookie_value(text),
        None => None,
    };
    if let Some((value_column, value)) = found {
        let end_column = value_column + value.chars().count() as u32;
        secrets.add_span(
            name,
            relkit_common::secret::Span {
                line,
                column: value_column,
                end_line: line,
                end_column,
            },
        );
        value
            .split(|c: char| c.is_whitespace() || "\"':,()[]{}".contains(c))
            .for_each(|word| secrets.add_value(word));
    }
    let text = raw.map(|t| secrets.mask_line(name, line, &t).into_owned());
    let message = secrets.mask(message).into_owned();
    let finding = codes::finding(Severity::Error, CODE_SYNTAX_ERROR, message.clone())
        .in_file(name)
        .at(line, column, column + 1);
    let excerpt = finding.render(text.as_deref());
    let excerpt: String = anstream::adapter::strip_str(&excerpt).to_string();
    let detail: String = excerpt.lines().skip(1).map(|l| format!("{l}\n")).collect();
    anyhow::Error::new(relkit_common::Detailed {
        message: format!("{name}:{line}:{column}: {message}"),
        detail,
    })
}

/// What follows the word `cookie` (and its `:` or `=`) on a line, and its 1-based
/// column.
fn cookie_value(line: &str) -> Option<(u32, &str)> {
    let at = line.to_ascii_lowercase().find("cookie")? + "cookie".len();
    let tail = line.get(at..)?;
    let value = tail.trim_start_matches(|c: char| c == ':' || c == '=' || c.is_whitespace());
    let before = &line[..line.len() - value.len()];
    (!value.is_empty()).then(|| (before.chars().count() as u32 + 1, value))
}

/// A config read and understood: its name, project root, source text and meaning.
struct Loaded {
    name: String,
    root: PathBuf,
    src: String,
    cfg: Config,
}

fn load(file: Option<&Path>, show_secrets: bool) -> Result<Loaded> {
    let path = default_file(file)?;
    let input = relkit_common::input::read_file(&path)?;
    let name = input.name.clone();
    let src = match String::from_utf8(input.bytes) {
        Ok(s) => s,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            return Err(syntax_error(
                &name,
                e.as_bytes(),
                Position::of_offset(e.as_bytes(), at),
                "the file is not valid UTF-8 (Elixir source must be)",
                show_secrets,
            ));
        }
    };
    let root = project_root(&path);
    match read(&src, &root) {
        Ok(cfg) => Ok(Loaded {
            name,
            root,
            src,
            cfg,
        }),
        Err(e) => Err(syntax_error(
            &name,
            src.as_bytes(),
            e.position(),
            &e.message,
            show_secrets,
        )),
    }
}

fn parse(
    common: &CommonArgs,
    file: Option<&Path>,
    env: Option<&str>,
    release: Option<&str>,
) -> Result<Status> {
    if let Some(path) = file.filter(|p| crate::deliver::is_deliver_config(p)) {
        return parse_deliver(common, path, env, release);
    }
    let Loaded {
        name,
        root,
        mut cfg,
        ..
    } = load(file, common.show_secrets)?;
    if let Some(env) = env {
        cfg.only_environment(env)
            .map_err(|m| anyhow::anyhow!("{name}: {m}"))?;
    }
    if let Some(release) = release {
        cfg.only_release(release)
            .map_err(|m| anyhow::anyhow!("{name}: {m}"))?;
    }
    if common.quiet {
        return Ok(Status::Clean);
    }
    let doc = cfg.to_doc(&name, &root, common.show_secrets);
    let mut out = std::io::stdout().lock();
    json::write(&mut out, &doc, json::stdout_is_pretty()).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(Status::Clean)
}

/// `relconf parse .deliver/config`: edeliver's hosts, as a relconf.deliver document.
fn parse_deliver(
    common: &CommonArgs,
    path: &Path,
    env: Option<&str>,
    release: Option<&str>,
) -> Result<Status> {
    if release.is_some() {
        anyhow::bail!("--release does not apply to edeliver's config (it names no releases)");
    }
    let shown = path.display().to_string();
    let text = std::fs::read(path).with_context(|| format!("{shown}: cannot be read"))?;
    let mut doc = crate::deliver::read(&shown, &text)?;
    if let Some(env) = env {
        doc.only_environment(env)
            .map_err(|m| anyhow::anyhow!("{shown}: {m}"))?;
    }
    if common.quiet {
        return Ok(Status::Clean);
    }
    let mut out = std::io::stdout().lock();
    json::write(&mut out, &doc, json::stdout_is_pretty()).context("writing output")?;
    out.flush().context("writing output")?;
    Ok(Status::Clean)
}

fn check(common: &CommonArgs, finding_args: &FindingArgs, file: Option<&Path>) -> Result<Status> {
    let Loaded {
        name,
        root,
        src,
        cfg,
    } = load(file, common.show_secrets)?;
    let mut secrets = Secrets::new(common.show_secrets);
    cfg.add_secrets(&mut secrets, &name, &src);
    let reporter = Reporter::new(TOOL, common, finding_args, &secrets)?;
    let findings = reporter.select(crate::check::check(&cfg, &name, &root));
    let index = LineIndex::new(src.as_bytes());
    let source_line = |f: &Finding| {
        f.line
            .and_then(|l| index.line_text(src.as_bytes(), l))
            .map(|l| l.into_owned())
    };
    let summary = format!(
        "{TOOL}: {name}: {}",
        relkit_common::finding::tally(&findings)
    );
    reporter.write(&findings, source_line, &summary)?;
    let errors = findings.iter().any(|f| f.severity == Severity::Error);
    Ok(Status::problems_if(errors))
}

/// The clap definition of the command line, for man pages and shell completions.
pub fn command() -> clap::Command {
    Cli::command()
}
