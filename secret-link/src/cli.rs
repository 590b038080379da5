//! The command line: clap definitions and the verbs' glue to the library. `main.rs`
//! only calls [`main`]; man pages and completions are built from [`command`].

use crate::apply::{self, Applied, Refused};
use crate::codes::TOOL;
use crate::plan::{self, Action, Options, Plan};
use crate::survey::Machine;
use crate::{check, local::Local, remote::Remote, selection};
use anyhow::{bail, Result};
use clap::{Args, CommandFactory, Parser, Subcommand};
use relkit_common::{
    color, finding, json, CommonArgs, Detailed, Documents, FindingArgs, Reporter, Secrets,
    Severity, Status,
};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "secret-link",
    version,
    propagate_version = true,
    about = "Link per-environment secret files into a build tree, atomically, here or on a build host over ssh",
    after_help = "Examples:
  secret-link plan --env stage --into \"$BUILD_AT/config\" | secret-link apply
  secret-link apply --env prod --from ~/secrets --into ~/builds/billing/config --host builder@build1
  secret-link check --env stage --env prod --into config

Each link is made as a temporary link renamed over the old one, so it is never missing.
Exit status: 0 done (or clean), 1 check found errors or plan refuses a link, 2 could not do the job."
)]
pub struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Args, Clone)]
struct Selection {
    /// An environment whose secrets to link (repeatable): --env stage --env prod.
    #[arg(long = "env", value_name = "ENV")]
    envs: Vec<String>,
    /// Where the secret files are (`~/` is the home of the user where they are).
    #[arg(long, value_name = "DIR", default_value = selection::DEFAULT_FROM)]
    from: String,
    /// The directory the links go in, usually the build tree's config/.
    #[arg(long, value_name = "DIR")]
    into: Option<String>,
    /// File name pattern, the same in --from and --into; {env} is the environment
    /// (repeatable) [default: {env}.secret.exs].
    #[arg(long = "name", value_name = "PATTERN")]
    names: Vec<String>,
    /// Act on this build host over ssh (batch mode: keys, no password prompts).
    #[arg(long, value_name = "[USER@]HOST")]
    host: Option<String>,
    #[command(flatten)]
    ssh: relkit_common::ssh::SshArgs,
}

#[derive(Args, Clone, Copy)]
struct Choices {
    /// Replace a regular file or directory at a link path, keeping it as NAME.bak.<time>.
    #[arg(long)]
    force: bool,
    /// Link a secret that does not exist yet.
    #[arg(long)]
    allow_dangling: bool,
}

#[derive(Subcommand)]
enum Verb {
    /// Print a secret-link.plan document: each link, what is there now and what apply will do.
    Plan {
        #[command(flatten)]
        selection: Selection,
        #[command(flatten)]
        choices: Choices,
    },
    /// Carry out a plan (from a file or stdin), or plan and apply in one go with the plan flags.
    Apply {
        /// A plan from secret-link plan; `-` is stdin (the default when no --env is given).
        plan: Option<PathBuf>,
        #[command(flatten)]
        selection: Selection,
        #[command(flatten)]
        choices: Choices,
        /// Say what would be done, and do nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Report findings: missing or too-open secrets, missing, dangling or wrong links,
    /// links git would commit.
    Check {
        #[command(flatten)]
        selection: Selection,
        #[command(flatten)]
        findings: FindingArgs,
    },
}

/// The whole command: parse the arguments, run, and exit as relkit tools do.
pub fn main() -> ExitCode {
    relkit_common::run(TOOL, || {
        let cli: Cli = relkit_common::args::parse(TOOL);
        match &cli.verb {
            Verb::Plan { selection, choices } => plan_verb(&cli.common, selection, *choices),
            Verb::Apply {
                plan,
                selection,
                choices,
                dry_run,
            } => apply_verb(&cli.common, plan.as_deref(), selection, *choices, *dry_run),
            Verb::Check {
                selection,
                findings,
            } => check_verb(&cli.common, findings, selection),
        }
    })
}

fn options(choices: Choices) -> Options {
    Options {
        force: choices.force,
        allow_dangling: choices.allow_dangling,
    }
}

fn ssh_args(selection: &Selection) -> Vec<String> {
    selection.ssh.words()
}

fn machine(host: Option<&str>, ssh_args: Vec<String>) -> Result<Box<dyn Machine>> {
    Ok(match host {
        Some(host) => Box::new(Remote::new(host, ssh_args)?),
        None => {
            if !ssh_args.is_empty() {
                bail!("--ssh-config and --ssh-option go with --host");
            }
            Box::new(Local)
        }
    })
}

/// The selection flags, checked: the secrets, `--from` and `--into` as the machine
/// will take them, and the machine itself.
struct Resolved {
    secrets: Vec<selection::Secret>,
    from: String,
    into: String,
    ssh_args: Vec<String>,
    machine: Box<dyn Machine>,
}

fn resolve(selection: &Selection, into_help: &str) -> Result<Resolved> {
    let Some(into) = &selection.into else {
        bail!("--into DIR is required: {into_help}");
    };
    let remote = selection.host.is_some();
    let secrets = selection::secrets(&selection.envs, &selection.names)?;
    let from = selection::directory_arg(&selection.from, "--from", remote)?;
    let into = selection::directory_arg(into, "--into", remote)?;
    let ssh_args = ssh_args(selection);
    let machine = machine(selection.host.as_deref(), ssh_args.clone())?;
    Ok(Resolved {
        secrets,
        from,
        into,
        ssh_args,
        machine,
    })
}

/// The plan the selection flags describe, surveyed now.
fn plan_from_flags(selection: &Selection, choices: Choices) -> Result<Plan> {
    let r = resolve(
        selection,
        "the directory the links go in (the build tree's config/)",
    )?;
    plan::make_plan(
        r.machine.as_ref(),
        selection.host.as_deref(),
        &r.ssh_args,
        &r.from,
        &r.into,
        &r.secrets,
        options(choices),
    )
}

fn plan_verb(common: &CommonArgs, selection: &Selection, choices: Choices) -> Result<Status> {
    let plan = plan_from_flags(selection, choices)?;
    if !common.quiet {
        let mut out = std::io::stdout().lock();
        json::write(&mut out, &plan, json::stdout_is_pretty())?;
        out.flush()?;
    }
    Ok(Status::problems_if(
        plan.links.iter().any(|l| l.action == Action::Refuse),
    ))
}

fn selection_given(selection: &Selection) -> bool {
    !selection.envs.is_empty()
        || selection.into.is_some()
        || !selection.names.is_empty()
        || selection.host.is_some()
}

fn apply_verb(
    common: &CommonArgs,
    plan_file: Option<&std::path::Path>,
    selection: &Selection,
    choices: Choices,
    dry_run: bool,
) -> Result<Status> {
    let plans = if plan_file.is_none() && selection_given(selection) {
        vec![plan_from_flags(selection, choices)?]
    } else {
        if selection_given(selection) {
            bail!("give either a plan or the selection flags (--env, --into, --name, --host), not both");
        }
        let from_stdin = plan_file.is_none_or(|p| p == std::path::Path::new("-"));
        if from_stdin && std::io::stdin().is_terminal() {
            bail!("no plan on stdin; pipe in secret-link plan ..., or give --env and --into");
        }
        let input = relkit_common::read_input(plan_file)?;
        Documents::read(&input.name, &input.bytes, &[<Plan as json::Document>::KIND])?
            .into_typed::<Plan>(&input.name)?
    };
    let override_ssh = ssh_args(selection);
    let mut results = Vec::new();
    for plan in &plans {
        let ssh = if override_ssh.is_empty() {
            plan.ssh_args.clone()
        } else {
            override_ssh.clone()
        };
        let machine = machine(plan.host.as_deref(), ssh)?;
        let applied = match apply::apply(machine.as_ref(), plan, options(choices), dry_run) {
            Ok(applied) => applied,
            Err(err) => match err.downcast::<Refused>() {
                Ok(refused) => {
                    return Err(Detailed {
                        message: refused.to_string(),
                        detail: refused.lines.iter().map(|l| format!("  {l}\n")).collect(),
                    }
                    .into())
                }
                Err(err) => return Err(err),
            },
        };
        results.push(applied);
    }
    if !common.quiet {
        print_results(common, &results)?;
    }
    let errors: Vec<&str> = results
        .iter()
        .flat_map(|r| r.links.iter().filter_map(|l| l.error.as_deref()))
        .collect();
    match errors.as_slice() {
        [] => Ok(Status::Clean),
        [one] => bail!("{one}"),
        [first, rest @ ..] => bail!("{first} (and {} more links failed)", rest.len()),
    }
}

fn print_results(common: &CommonArgs, results: &[Applied]) -> Result<()> {
    if common.json {
        let pretty = json::stdout_is_pretty();
        let mut out = std::io::stdout().lock();
        for result in results {
            json::write(&mut out, result, pretty)?;
        }
        out.flush()?;
        return Ok(());
    }
    let mut out = color::stdout(common.stdout_color());
    let done = relkit_common::palette::SUCCESS;
    let failed = relkit_common::palette::ERROR;
    for result in results {
        let host = result
            .host
            .as_deref()
            .map(|h| format!("{h}:"))
            .unwrap_or_default();
        for link in &result.links {
            let (word, style) = match (link.action, link.done, &link.error) {
                (_, _, Some(_)) => ("failed", failed),
                (Action::Keep, _, _) => ("kept", anstyle::Style::new()),
                (Action::Create, true, _) => ("created", done),
                (Action::Replace, true, _) => ("replaced", done),
                (Action::Create, false, _) => ("would create", anstyle::Style::new()),
                (_, false, _) => ("would replace", anstyle::Style::new()),
                (Action::Refuse, true, _) => ("refused", failed),
            };
            write!(
                out,
                "{style}{word:<13}{style:#} {host}{} -> {}",
                link.link, link.source
            )?;
            if let Some(previous) = &link.previous_target {
                write!(out, " (was -> {previous})")?;
            }
            if let Some(backup) = &link.backup {
                write!(out, " (old one kept as {backup})")?;
            }
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

fn check_verb(
    common: &CommonArgs,
    finding_args: &FindingArgs,
    selection: &Selection,
) -> Result<Status> {
    let secrets = Secrets::new(common.show_secrets);
    let reporter = Reporter::new(TOOL, common, finding_args, &secrets)?;
    let Resolved {
        secrets: links,
        from,
        into,
        machine,
        ..
    } = resolve(selection, "the directory the links are in")?;
    let findings = reporter.select(check::check(machine.as_ref(), &from, &into, &links)?);
    let summary = if findings.is_empty() {
        format!(
            "{} secret link{} checked: all sound",
            links.len(),
            if links.len() == 1 { "" } else { "s" }
        )
    } else {
        finding::tally(&findings)
    };
    reporter.write(&findings, |_| None, &summary)?;
    Ok(Status::problems_if(
        findings.iter().any(|f| f.severity == Severity::Error),
    ))
}

/// The clap definition of the command line, for man pages and shell completions.
pub fn command() -> clap::Command {
    Cli::command()
}
