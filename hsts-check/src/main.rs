use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use hsts_check::report::{self, Report};
use relkit_common::{color, json, CommonArgs, Severity, Status};
use std::io::Write;
use std::process::ExitCode;

const TOOL: &str = "hsts-check";

#[derive(Parser)]
#[command(
    name = "hsts-check",
    version,
    about = "Parse Strict-Transport-Security headers strictly and explain which policy covers a host",
    after_help = "Examples:
  hsts-check parse 'max-age=31536000; includeSubDomains'
  curl -sSI https://example.com | hsts-check parse --host example.com
  hsts-check parse --host stage.example.com --scheme http < stage.headers
  hsts-check probe example.com stage.example.com --from-dumps headers/

Exit status: 0 clean, 1 an invalid header (or another error finding), 2 could not do the job."
)]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Subcommand)]
enum Verb {
    /// Parse header values given as arguments, or a response-header dump on stdin.
    Parse {
        /// Strict-Transport-Security values; none reads a `curl -sSI` dump from stdin.
        values: Vec<String>,
        /// The host the dump is from (an IP address never gets a policy).
        #[arg(long, value_name = "HOST")]
        host: Option<String>,
        /// How the dump's response was received (a header over http is ignored).
        #[arg(long, value_name = "SCHEME", default_value = "https", value_parser = ["https", "http"])]
        scheme: String,
    },
    /// Check hosts and their parent domains: which policy covers each, and whether that is a problem.
    Probe {
        /// Host names (parents up to the registrable domain are checked too).
        #[arg(required = true)]
        hosts: Vec<String>,
        /// Read saved dumps instead of the network: DIR/<host>.https.txt,
        /// DIR/<host>.http.txt and DIR/<host>.https-404.txt (a missing file means no answer).
        #[arg(long, value_name = "DIR")]
        from_dumps: Option<std::path::PathBuf>,
    },
}

fn main() -> ExitCode {
    relkit_common::run(TOOL, || {
        let cli: Cli = relkit_common::args::parse(TOOL);
        match &cli.verb {
            Verb::Parse {
                values,
                host,
                scheme,
            } => parse(&cli.common, values, host.as_deref(), scheme),
            Verb::Probe { hosts, from_dumps } => probe(&cli.common, hosts, from_dumps.as_deref()),
        }
    })
}

fn parse(
    common: &CommonArgs,
    values: &[String],
    host: Option<&str>,
    scheme: &str,
) -> Result<Status> {
    let report = if values.is_empty() {
        let input = relkit_common::read_input(None)?;
        match report::from_dump(&input.bytes, host, scheme, &input.name) {
            Some(r) => r,
            None => bail!("{}: no HTTP status line found; pipe in `curl -sSI URL` output, or give header values as arguments", input.name),
        }
    } else {
        report::from_values(values)
    };
    if !common.quiet {
        print_report(common, &report)?;
    }
    Ok(Status::problems_if(
        report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error),
    ))
}

fn probe(
    common: &CommonArgs,
    hosts: &[String],
    from_dumps: Option<&std::path::Path>,
) -> Result<Status> {
    let Some(dir) = from_dumps else {
        bail!("probing over the network is not built yet; give saved dumps with --from-dumps DIR (see --help)");
    };
    if !dir.is_dir() {
        bail!("--from-dumps {}: not a directory", dir.display());
    }
    let fetcher = hsts_check::probe::DumpFetcher {
        dir: dir.to_path_buf(),
    };
    let report = hsts_check::probe::probe(hosts, &fetcher);
    if !common.quiet {
        if common.json {
            let mut out = std::io::stdout().lock();
            json::write(&mut out, &report, json::stdout_is_pretty()).context("writing output")?;
            out.flush().context("writing output")?;
        } else {
            let mut out = color::stdout(common.stdout_color());
            for v in &report.hosts {
                writeln!(out, "{}", v.explanation).context("writing output")?;
            }
            for f in &report.findings {
                write!(out, "{}", f.render(None)).context("writing output")?;
            }
            out.flush().context("writing output")?;
        }
    }
    let problem = report.hosts.iter().any(|v| v.problem)
        || report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error);
    Ok(Status::problems_if(problem))
}

fn print_report(common: &CommonArgs, report: &Report) -> Result<()> {
    if common.json {
        let mut out = std::io::stdout().lock();
        json::write(&mut out, report, json::stdout_is_pretty()).context("writing output")?;
        return out.flush().context("writing output");
    }
    let mut out = color::stdout(common.stdout_color());
    if report.host.is_some() || report.headers.len() == 1 {
        writeln!(out, "{}", report::summary(report)).context("writing output")?;
    }
    for f in &report.findings {
        write!(out, "{}", f.render(None)).context("writing output")?;
    }
    out.flush().context("writing output")
}
