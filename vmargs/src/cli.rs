//! The command line: clap definitions and the verbs' glue to the library. `main.rs`
//! only calls [`main`]; man pages and completions are built from [`command`].

use crate::check::{check_across, check_unit, Options, Target, Unit};
use crate::codes::CODE_MISSING_VM_ARGS_FILE;
use crate::doc::{file_doc, FileDoc};
use crate::inputs;
use crate::model::Parsed;
use crate::render;
use anyhow::{bail, Context, Result};
use clap::{CommandFactory, Parser, Subcommand};
use relkit_common::{
    json, CommonArgs, Documents, Finding, FindingArgs, Reporter, Secrets, Severity, Status,
};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::codes::TOOL;

#[derive(Parser)]
#[command(
    name = "vmargs",
    version,
    propagate_version = true,
    about = "Read, lint, render and compare Erlang vm.args files exactly as erl -args_file reads them",
    after_help = "Examples:
  vmargs check rel/vm.args.stage rel/vm.args.prod     findings, exit 1 on errors
  relconf parse rel/config.exs | vmargs check          every environment's vm.args
  vmargs parse rel/vm.args.prod | vmargs render        the same arguments back
  vmargs diff rel/vm.args.stage rel/vm.args.prod       what erl would do differently
  vmargs render --name billing@127.0.0.1 --cookie-env RELEASE_COOKIE -o rel/vm.args.prod
  vmargs boot /srv/billing --env APP_HOST=10.0.0.5     what the node boots as (name, cookie, argv)
  vmargs boot /srv/billing --command remote --json     the remote shell's line, as JSON
  vmargs boot --unit billing.service /opt/billing      a Distillery release as its unit runs it
  vmargs cluster app1/vm.args app2/vm.args             will the two nodes connect, and why not
  vmargs cluster --host deploy@app1:/srv/billing --host deploy@app2:/srv/billing
  relconf parse .deliver/config --env production | vmargs cluster --hosts-from -

Exit status: 0 clean, 1 problems found (or files differ), 2 could not do the job."
)]
pub struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Subcommand)]
enum Verb {
    /// Print a vmargs.file JSON document per file: erl's argument list and the model.
    Parse {
        /// Files to read; none or - reads stdin.
        files: Vec<PathBuf>,
    },
    /// Report what erl, init and the start script would do that you did not mean.
    Check {
        /// vm.args files or release directories (the findings of `vmargs boot`);
        /// none or - reads stdin: raw text, or a relconf.config or vmargs.file JSON
        /// document.
        inputs: Vec<PathBuf>,
        /// The start script that runs the VM (default: from the file name and the
        /// project around it).
        #[arg(long, value_enum)]
        target: Option<Target>,
        /// The OTP release the VM runs (default: the one erl on PATH belongs to).
        #[arg(long, value_name = "N")]
        otp: Option<u32>,
        #[command(flatten)]
        findings: FindingArgs,
    },
    /// Write a vm.args from a vmargs.file document on stdin, or from flags.
    Render {
        /// -name NAME (long names: name@host.domain or name@IP).
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
        /// -sname NAME (short names: name@host).
        #[arg(long, value_name = "NAME", conflicts_with = "name")]
        sname: Option<String>,
        /// A literal -setcookie value.
        #[arg(long, value_name = "COOKIE")]
        cookie: Option<String>,
        /// -setcookie ${VAR}, filled in by the start script (REPLACE_OS_VARS=true).
        #[arg(long, value_name = "VAR", conflicts_with = "cookie")]
        cookie_env: Option<String>,
        /// -kernel KEY VALUE, given as KEY=VALUE (repeatable).
        #[arg(long, value_name = "KEY=VALUE")]
        kernel: Vec<String>,
        /// -env NAME VALUE, given as NAME=VALUE (repeatable).
        #[arg(long = "setenv", value_name = "NAME=VALUE")]
        setenv: Vec<String>,
        /// A raw line such as '+P 5000000', split into words like a shell would (repeatable).
        #[arg(long, value_name = "LINE", allow_hyphen_values = true)]
        flag: Vec<String>,
        /// Whose rules the file must satisfy when built from flags.
        #[arg(long, value_enum, default_value_t = Target::Distillery)]
        target: Target,
        /// Write to FILE (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Show what erl would do differently with two files; exit 1 when it would.
    Diff { a: PathBuf, b: PathBuf },
    /// Print what a release's node boots as: the start script and env.sh followed
    /// as sh runs them, the words it execs, and the node, cookie and distribution erl
    /// then uses (a vmargs.boot document with --json).
    Boot(crate::boot::command::BootArgs),
    /// Tell whether the nodes of one cluster will connect, pair by pair, and why
    /// not (a vmargs.cluster document with --json; exit 1 when a pair will not).
    Cluster(crate::cluster::command::ClusterArgs),
}

/// The whole command: parse the arguments, run, and exit as relkit tools do.
pub fn main() -> ExitCode {
    relkit_common::run(TOOL, || {
        let cli: Cli = relkit_common::args::parse(TOOL);
        match cli.verb {
            Verb::Parse { ref files } => parse(&cli.common, files),
            Verb::Check {
                ref inputs,
                target,
                otp,
                ref findings,
            } => check(&cli.common, findings, inputs, target, otp),
            Verb::Render { .. } => render_cmd(&cli),
            Verb::Diff { ref a, ref b } => diff(&cli.common, a, b),
            Verb::Boot(ref args) => crate::boot::command::run(args, &cli.common),
            Verb::Cluster(ref args) => crate::cluster::command::run(args, &cli.common),
        }
    })
}

/// The inputs as given: none means stdin.
fn input_args(files: &[PathBuf]) -> Vec<Option<&Path>> {
    if files.is_empty() {
        vec![None]
    } else {
        files.iter().map(|f| Some(f.as_path())).collect()
    }
}

/// `FILE:LINE:COL: erl would refuse this file: MESSAGE`, naming the included file
/// and the top file when the word erl stops at is in an included file.
fn refusal(parsed: &Parsed, display: &str, fatal: &crate::erlexec::Fatal) -> String {
    match fatal.at {
        Some(o) if o.file != 0 => {
            let p = parsed.place(o);
            let nested = parsed.expansion.files[o.file].name.display();
            format!(
                "{nested}:{}:{}: erl would refuse {display} (which includes it): {}",
                p.line, p.column, fatal.message
            )
        }
        Some(o) => {
            let p = parsed.place(o);
            format!(
                "{display}:{}:{}: erl would refuse this file: {}",
                p.line, p.column, fatal.message
            )
        }
        None => format!("{display}: erl would refuse this file: {}", fatal.message),
    }
}

fn parse(common: &CommonArgs, files: &[PathBuf]) -> Result<Status> {
    let show_secrets = common.show_secrets;
    let pretty = json::stdout_is_pretty();
    let mut out = std::io::stdout().lock();
    let mut failed = None;
    for arg in input_args(files) {
        let input = relkit_common::read_input(arg)?;
        let path = input
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(&input.name));
        let parsed = Parsed::from_disk(&path, input.bytes);
        if let Some(fatal) = parsed.fatal() {
            let message = format!(
                "{}; run `vmargs check` for details",
                refusal(&parsed, &input.name, fatal)
            );
            if files.len() <= 1 {
                bail!(message);
            }
            // Go on with the other files, as cat does, and fail at the end.
            let _ = writeln!(std::io::stderr(), "{TOOL}: error: {message}");
            failed = Some(message);
            continue;
        }
        if !common.quiet {
            for oddity in &parsed.top().tokens.oddities {
                warn_oddity(&parsed, &input.name, oddity);
            }
        }
        if !common.quiet {
            let doc = file_doc(&parsed, &input.name, show_secrets);
            json::write(&mut out, &doc, pretty).context("writing output")?;
        }
    }
    out.flush().context("writing output")?;
    match failed {
        Some(_) => bail!("some files could not be parsed (see above)"),
        None => Ok(Status::Clean),
    }
}

/// erl accepts these, so `parse` does too, but says so on stderr.
fn warn_oddity(parsed: &Parsed, name: &str, oddity: &crate::tokenize::Oddity) {
    use crate::tokenize::Oddity::*;
    let (at, what) = match *oddity {
        UnterminatedQuote { at } => (at, "unterminated quote: it runs to the end of the file"),
        TrailingBackslash { at } => (at, "backslash at the end of the file is dropped"),
        BackslashNewline { at } => (
            at,
            "backslash before a newline glues the next line into this word",
        ),
        BackslashBeforeClosingQuote { at } => (at, "backslash does not escape inside quotes"),
        NulByte { at } => (at, "NUL byte: erl ignores the rest of the file"),
        ByteOrderMark => (0, "byte-order mark glued to the first word"),
        CarriageReturn { .. } => return,
    };
    let p = parsed.place_of_span(0, at, at + 1);
    let _ = writeln!(
        std::io::stderr(),
        "{TOOL}: warning: {name}:{}:{}: {what}",
        p.line,
        p.column
    );
}

/// A named file is JSON only when it reads as documents this verb accepts; anything
/// else (a vm.args whose first word is an Erlang term such as `{a,b}`) is text.
/// Stdin is sniffed: JSON there must be right.
fn read_check_documents(input: &relkit_common::Input) -> Result<Option<Documents>> {
    if !json::looks_like_json(&input.bytes) {
        return Ok(None);
    }
    match Documents::read(&input.name, &input.bytes, inputs::CHECK_KINDS) {
        Ok(docs) => Ok(Some(docs)),
        Err(_) if input.path.is_some() => Ok(None),
        Err(err) => Err(err),
    }
}

fn check(
    common: &CommonArgs,
    finding_args: &FindingArgs,
    args: &[PathBuf],
    target: Option<Target>,
    otp: Option<u32>,
) -> Result<Status> {
    let opts = Options {
        otp: inputs::otp_or_newest(otp),
    };
    let mut units: Vec<Unit> = Vec::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut releases = 0;
    for arg in input_args(args) {
        if let Some(found) = inputs::release_findings(arg, common.show_secrets)? {
            findings.extend(found);
            releases += 1;
            continue;
        }
        let input = relkit_common::read_input(arg)?;
        if let Some(docs) = read_check_documents(&input)? {
            for doc in docs.0 {
                if json::kind_of(&doc) == Some("relconf.config") {
                    let (found, missing) = inputs::units_from_relconf(&doc, target)
                        .with_context(|| format!("{}: relconf.config document", input.name))?;
                    units.extend(found);
                    for m in missing {
                        findings.push(
                            crate::codes::finding(Severity::Error, CODE_MISSING_VM_ARGS_FILE,
                                format!("the {} environment's vm_args file cannot be read: {}", m.env, m.reason))
                                .in_file(m.display)
                                .with_hint("fix the vm_args path in rel/config.exs (it is relative to the project root)"),
                        );
                    }
                } else if json::kind_of(&doc) == Some("release-pack.inspect") {
                    units.extend(inputs::units_from_inspect(&doc, target).with_context(|| {
                        format!("{}: release-pack.inspect document", input.name)
                    })?);
                } else {
                    units.push(inputs::unit_from_file_doc(doc, target)?);
                }
            }
        } else {
            let path = input
                .path
                .clone()
                .unwrap_or_else(|| PathBuf::from("vm.args"));
            units.push(inputs::unit_for_file(
                &input.name,
                &path,
                input.bytes,
                target,
                None,
            ));
        }
    }
    let mut secrets = Secrets::new(common.show_secrets);
    for unit in &units {
        findings.extend(check_unit(unit, opts));
        crate::doc::add_secrets(&mut secrets, &unit.parsed, &unit.display);
    }
    findings.extend(check_across(&units));
    let reporter = Reporter::new(TOOL, common, finding_args, &secrets)?;
    let findings = reporter.select(findings);
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    report(&reporter, &units, releases, &findings)?;
    Ok(Status::problems_if(errors > 0))
}

fn report(
    reporter: &Reporter,
    units: &[Unit],
    releases: usize,
    findings: &[Finding],
) -> Result<()> {
    // Source lines for the excerpts, by the path findings name.
    let mut sources: HashMap<String, (usize, usize)> = HashMap::new();
    for (u, unit) in units.iter().enumerate() {
        for (i, file) in unit.parsed.expansion.files.iter().enumerate() {
            let name = if i == 0 {
                unit.display.clone()
            } else {
                file.name.display().to_string()
            };
            sources.entry(name).or_insert((u, i));
        }
    }
    let source_line = |f: &Finding| {
        let (p, l) = f.path.as_ref().zip(f.line)?;
        let (u, i) = sources.get(p)?;
        units[*u].parsed.line_text(*i, l)
    };
    let files = units.len();
    let what = match (files, releases) {
        (_, 0) => format!("{files} file{}", if files == 1 { "" } else { "s" }),
        (0, r) => format!("{r} release{}", if r == 1 { "" } else { "s" }),
        (f, r) => format!(
            "{f} file{} and {r} release{}",
            if f == 1 { "" } else { "s" },
            if r == 1 { "" } else { "s" }
        ),
    };
    let summary = format!(
        "{TOOL}: {what} checked: {}",
        relkit_common::finding::tally(findings)
    );
    reporter.write(findings, source_line, &summary)
}

fn split_pair(what: &str, s: &str) -> Result<(String, String)> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => bail!("--{what} takes KEY=VALUE, got {s:?}"),
    }
}

fn render_cmd(cli: &Cli) -> Result<Status> {
    let Verb::Render {
        name,
        sname,
        cookie,
        cookie_env,
        kernel,
        setenv,
        flag,
        target,
        output,
    } = &cli.verb
    else {
        unreachable!("render_cmd is only called for render");
    };
    let from_flags = name.is_some()
        || sname.is_some()
        || cookie.is_some()
        || cookie_env.is_some()
        || !kernel.is_empty()
        || !setenv.is_empty()
        || !flag.is_empty();
    let text = if from_flags {
        let spec = render::Spec {
            name: name.clone(),
            sname: sname.clone(),
            cookie: cookie.clone(),
            cookie_env: cookie_env.clone(),
            kernel: kernel
                .iter()
                .map(|k| split_pair("kernel", k))
                .collect::<Result<_>>()?,
            os_env: setenv
                .iter()
                .map(|k| split_pair("setenv", k))
                .collect::<Result<_>>()?,
            flags: flag
                .iter()
                .map(|f| {
                    shell_words::split(f)
                        .with_context(|| format!("--flag {f:?}: unbalanced quotes"))
                })
                .collect::<Result<_>>()?,
        };
        let text = render::from_spec(&spec);
        refuse_errors(&text, *target)?;
        text
    } else {
        let input = relkit_common::read_input(None)?;
        let docs = Documents::read(&input.name, &input.bytes, &["vmargs.file"])?;
        let mut files: Vec<FileDoc> = docs.into_typed(&input.name)?;
        if files.len() != 1 {
            bail!(
                "{}: render takes one vmargs.file document, got {}; render files one at a time",
                input.name,
                files.len()
            );
        }
        render::from_doc(&files.remove(0))?
    };
    if let Some(path) = output {
        relkit_common::fs::write_atomic(path, &text)?;
    }
    if cli.common.quiet {
        return Ok(Status::Clean);
    }
    let mut out = std::io::stdout().lock();
    if cli.common.json {
        // The document of what was rendered, as `vmargs parse` would print it.
        let name = output
            .as_deref()
            .map_or("<rendered>".to_string(), |p| p.display().to_string());
        let parsed = Parsed::from_disk(output.as_deref().unwrap_or(Path::new("vm.args")), text);
        let doc = file_doc(&parsed, &name, cli.common.show_secrets);
        json::write(&mut out, &doc, json::stdout_is_pretty()).context("writing output")?;
    } else if output.is_none() {
        out.write_all(&text).context("writing output")?;
    }
    out.flush().context("writing output")?;
    Ok(Status::Clean)
}

/// A file built from flags must pass the target's checks: say what is wrong and write nothing.
fn refuse_errors(text: &[u8], target: Target) -> Result<()> {
    let unit = Unit {
        display: "vm.args".into(),
        env: None,
        target,
        parsed: Parsed::from_disk(Path::new("vm.args"), text.to_vec()),
        tracked: false,
        cookie_redacted: false,
    };
    let errors: Vec<String> = check_unit(
        &unit,
        Options {
            otp: inputs::otp_or_newest(None),
        },
    )
    .into_iter()
    .filter(|f| f.severity == Severity::Error)
    .map(|f| match f.hint {
        Some(h) => format!("{} ({h})", f.message),
        None => f.message,
    })
    .collect();
    if !errors.is_empty() {
        bail!(
            "refusing to write a vm.args that would not work for a {} release: {}",
            target.as_str(),
            errors.join("; ")
        );
    }
    Ok(())
}

fn diff(common: &CommonArgs, a: &Path, b: &Path) -> Result<Status> {
    let show_secrets = common.show_secrets;
    let read = |p: &Path| -> Result<(String, Parsed)> {
        let input = relkit_common::input::read_file(p)?;
        let parsed = Parsed::from_disk(p, input.bytes);
        if let Some(fatal) = parsed.fatal() {
            bail!(refusal(&parsed, &input.name, fatal));
        }
        Ok((input.name, parsed))
    };
    let (an, ap) = read(a)?;
    let (bn, bp) = read(b)?;
    let d = crate::diff::diff(&an, &ap, &bn, &bp, show_secrets);
    if !common.quiet {
        let mut out = std::io::stdout().lock();
        if common.json {
            json::write(&mut out, &d, json::stdout_is_pretty()).context("writing output")?;
        } else {
            out.write_all(crate::diff::render_human(&d).as_bytes())
                .context("writing output")?;
        }
        out.flush().context("writing output")?;
    }
    Ok(Status::problems_if(!d.same))
}

/// The clap definition of the command line, for man pages and shell completions.
pub fn command() -> clap::Command {
    Cli::command()
}
