//! `vmargs boot`'s flags and its run.

use crate::codes::TOOL;
use anyhow::Result;
use relkit_common::{CommonArgs, FindingArgs, Reporter, Secrets, Severity, Status};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct BootArgs {
    /// An assembled release directory (Mix: bin/NAME and releases/VSN/env.sh;
    /// relx: rebar3's bin/NAME), a release tarball, a project (mix.exs), or - for
    /// a release-pack.inspect document on stdin.
    pub target: PathBuf,
    /// Where a tarball's release will be unpacked: its paths in argv [default:
    /// unknown, written $RELEASE_ROOT].
    #[arg(long, value_name = "DIR")]
    pub root: Option<String>,
    /// The start script's command [default: the --unit's ExecStart=, else start
    /// (Mix) or foreground (relx)].
    #[arg(long, value_name = "COMMAND")]
    pub command: Option<String>,
    /// The systemd unit that runs the release (its drop-ins in FILE.d/ too): its
    /// ExecStart=, Environment=, EnvironmentFile= and User= take part.
    #[arg(long, value_name = "FILE")]
    pub unit: Option<PathBuf>,
    /// The expression `eval` and `rpc` take (without it, an unknown word).
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    pub expr: Option<String>,
    /// A variable of the environment the script starts in (repeatable; after
    /// --env-from-process, these win).
    #[arg(long, value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// Start from this process's environment (as when run on the host itself).
    #[arg(long)]
    pub env_from_process: bool,
    /// Check that the node's host part resolves here.
    #[arg(long)]
    pub resolve: bool,
    #[command(flatten)]
    pub findings: FindingArgs,
}

pub fn run(args: &BootArgs, common: &CommonArgs) -> Result<Status> {
    let BootArgs {
        target,
        root,
        command,
        unit,
        expr,
        env,
        env_from_process,
        resolve,
        findings: finding_args,
    } = args;
    let request = super::request::Request {
        command: command.clone(),
        expr: expr.clone(),
        env: super::request::environment(env, *env_from_process)?,
        unit: unit.clone(),
        root: root.clone(),
        resolve: *resolve,
        show_secrets: common.show_secrets,
    };
    let mut doc = super::assemble::boot(target, &request)?;
    let mut secrets = Secrets::new(common.show_secrets);
    if let Some(super::doc::CookieInfo {
        value: Some(super::doc::BootWord::Str(cookie)),
        ..
    }) = &doc.cookie
    {
        secrets.add_value(cookie);
    }
    let reporter = Reporter::new(TOOL, common, finding_args, &secrets)?;
    doc.findings = reporter.select(std::mem::take(&mut doc.findings));
    let errors = doc
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let summary = format!(
        "{TOOL}: boot of {} `{}`: {}",
        doc.release.name,
        doc.command,
        relkit_common::finding::tally(&doc.findings)
    );
    if common.quiet {
        return Ok(Status::problems_if(errors > 0));
    }
    crate::render::report(
        &reporter,
        &doc,
        &doc.human(),
        &doc.findings,
        |_| None,
        &summary,
    )?;
    Ok(Status::problems_if(errors > 0))
}
