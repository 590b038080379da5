//! The command line: clap definitions and the verbs' glue to the library. `main.rs`
//! only calls [`main`]; man pages and completions are built from [`command`].

use crate::report;
use anyhow::{bail, Context, Result};
use clap::{CommandFactory, Parser, Subcommand};
use relkit_common::{
    color, json, CommonArgs, FindingArgs, Format, Reporter, Secrets, Severity, Status,
};
use std::io::Write;
use std::process::ExitCode;

use crate::codes::TOOL;

#[derive(Parser)]
#[command(
    name = "hsts-check",
    version,
    propagate_version = true,
    about = "Parse Strict-Transport-Security headers strictly and explain which policy covers a host",
    after_help = "Examples:
  hsts-check parse 'max-age=31536000; includeSubDomains'
  curl -sSI https://example.com | hsts-check parse --host example.com
  hsts-check parse --host stage.example.com --scheme http < stage.headers
  hsts-check probe example.com stage.example.com --from-dumps headers/
  hsts-check config /etc/nginx/nginx.conf
  hsts-check config --haproxy /etc/haproxy/haproxy.cfg --json | jq '.names[]'

Exit status: 0 clean, 1 an invalid header (or another error finding), 2 could not do the job."
)]
pub struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    verb: Verb,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms() {
        let g = normalize_host("https://Shop.Example.com:8443/path").unwrap();
        assert_eq!(
            g,
            GivenHost {
                name: "shop.example.com".into(),
                https_port: Some(8443),
                http_port: None
            }
        );
        let g = normalize_host("http://stage.example.com:8080").unwrap();
        assert_eq!((g.https_port, g.http_port), (None, Some(8080)));
        assert_eq!(normalize_host("example.com.").unwrap().name, "example.com");
        assert_eq!(
            normalize_host("example.com:444").unwrap().https_port,
            Some(444)
        );
        assert_eq!(
            normalize_host("b\u{fc}cher.example").unwrap().name,
            "xn--bcher-kva.example"
        );
        assert_eq!(normalize_host("[::1]").unwrap().name, "[::1]");
        assert!(normalize_host("ftp://x").is_err());
        assert!(normalize_host("x:99999").is_err());
    }
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
        #[command(flatten)]
        findings: FindingArgs,
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
        /// Connect to ADDR for HOST:PORT, sending the real name in SNI and Host (as curl).
        #[arg(long, value_name = "HOST:PORT:ADDR")]
        resolve: Vec<crate::net::Pin>,
        /// Trust the certificates in this PEM file instead of the built-in roots.
        #[arg(long, value_name = "FILE")]
        cacert: Option<std::path::PathBuf>,
        /// Accept any certificate (browsers ignore STS received with a certificate error).
        #[arg(long)]
        insecure: bool,
        /// Seconds allowed for each request.
        #[arg(long, value_name = "SECS", default_value_t = 10.0)]
        timeout: f64,
        /// Requests in flight at once.
        #[arg(long, value_name = "N", default_value_t = 8)]
        concurrency: usize,
        /// Port for HTTPS.
        #[arg(long, value_name = "PORT", default_value_t = 443)]
        https_port: u16,
        /// Port for plain HTTP.
        #[arg(long, value_name = "PORT", default_value_t = 80)]
        http_port: u16,
        #[command(flatten)]
        findings: FindingArgs,
    },
    /// Read nginx and HAProxy configuration: what each server sends, and the HSTS traps in it.
    Config {
        /// Main configuration files, nginx's or HAProxy's (told apart by their first
        /// word); none reads /etc/nginx/nginx.conf and /etc/haproxy/haproxy.cfg where present.
        files: Vec<std::path::PathBuf>,
        /// An nginx main file (its includes are read relative to its directory).
        #[arg(long, value_name = "FILE")]
        nginx: Vec<std::path::PathBuf>,
        /// A HAProxy configuration file.
        #[arg(long, value_name = "FILE")]
        haproxy: Vec<std::path::PathBuf>,
        #[command(flatten)]
        findings: FindingArgs,
    },
}

/// The whole command: parse the arguments, run, and exit as relkit tools do.
pub fn main() -> ExitCode {
    relkit_common::run(TOOL, || {
        let cli: Cli = relkit_common::args::parse(TOOL);
        match &cli.verb {
            Verb::Parse {
                values,
                host,
                scheme,
                findings,
            } => parse(&cli.common, findings, values, host.as_deref(), scheme),
            Verb::Probe { .. } => probe(&cli.common, &cli.verb),
            Verb::Config {
                files,
                nginx,
                haproxy,
                findings,
            } => config(&cli.common, findings, files, nginx, haproxy),
        }
    })
}

fn parse(
    common: &CommonArgs,
    finding_args: &FindingArgs,
    values: &[String],
    host: Option<&str>,
    scheme: &str,
) -> Result<Status> {
    let secrets = Secrets::new(common.show_secrets);
    let reporter = Reporter::new(TOOL, common, finding_args, &secrets)?;
    let mut report = if values.is_empty() {
        let input = relkit_common::read_input(None)?;
        match report::from_dump(&input.bytes, host, scheme, &input.name) {
            Some(r) => r,
            None => bail!("{}: no HTTP status line found; pipe in `curl -sSI URL` output, or give header values as arguments", input.name),
        }
    } else {
        report::from_values(values)
    };
    report.findings = reporter.select(report.findings);
    let summary = if report.host.is_some() || report.headers.len() == 1 {
        format!("{}\n", report::summary(&report))
    } else {
        String::new()
    };
    print(&reporter, &report, &report.findings, &summary, |_| None)?;
    Ok(Status::problems_if(
        report
            .findings
            .iter()
            .any(|f| f.severity == Severity::Error),
    ))
}

fn probe(common: &CommonArgs, verb: &Verb) -> Result<Status> {
    let Verb::Probe {
        hosts,
        from_dumps,
        resolve,
        cacert,
        insecure,
        timeout,
        concurrency,
        https_port,
        http_port,
        findings: finding_args,
    } = verb
    else {
        unreachable!("probe is only called for the probe verb");
    };
    let secrets = Secrets::new(common.show_secrets);
    let reporter = Reporter::new(TOOL, common, finding_args, &secrets)?;
    let given: Vec<GivenHost> = hosts
        .iter()
        .map(|h| normalize_host(h))
        .collect::<Result<_>>()?;
    let fetcher: Box<dyn crate::probe::Fetcher> = match from_dumps {
        Some(dir) => {
            if !dir.is_dir() {
                bail!("--from-dumps {}: not a directory", dir.display());
            }
            Box::new(crate::probe::DumpFetcher {
                dir: dir.to_path_buf(),
            })
        }
        None => {
            let pem = match cacert {
                Some(path) => Some(relkit_common::input::read_file(path)?.bytes),
                None => None,
            };
            if !(*timeout > 0.0 && timeout.is_finite()) {
                bail!("--timeout must be a positive number of seconds");
            }
            let mut net = crate::net::NetFetcher::new(
                resolve.clone(),
                pem.as_deref(),
                *insecure,
                std::time::Duration::from_secs_f64(*timeout),
                *https_port,
                *http_port,
            )?;
            for g in &given {
                let entry = net.host_ports.entry(g.name.clone()).or_default();
                entry.0 = g.https_port.or(entry.0);
                entry.1 = g.http_port.or(entry.1);
            }
            Box::new(net)
        }
    };
    let names: Vec<String> = given.iter().map(|g| g.name.clone()).collect();
    let prefetched =
        crate::probe::Prefetched::with_progress(&names, fetcher.as_ref(), *concurrency, |n| {
            relkit_common::Progress::items(common, "probing", n, "names")
        });
    let mut report = crate::probe::probe(&names, &prefetched);
    report.findings = reporter.select(report.findings);
    let summary: String = report
        .hosts
        .iter()
        .map(|v| format!("{}\n", v.explanation))
        .collect();
    print(&reporter, &report, &report.findings, &summary, |_| None)?;
    // A host with a problem always has an error finding; what --exclude or
    // --severity leaves out does not count.
    let problem = report
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error);
    Ok(Status::problems_if(problem))
}

fn config(
    common: &CommonArgs,
    finding_args: &FindingArgs,
    files: &[std::path::PathBuf],
    nginx: &[std::path::PathBuf],
    haproxy: &[std::path::PathBuf],
) -> Result<Status> {
    use crate::config::Software;
    let secrets = Secrets::new(common.show_secrets);
    let reporter = Reporter::new(TOOL, common, finding_args, &secrets)?;
    let mut inputs: Vec<(Software, std::path::PathBuf)> = Vec::new();
    for file in files {
        let bytes = relkit_common::input::read_file(file)?.bytes;
        inputs.push((crate::config::software_of(&bytes), file.clone()));
    }
    inputs.extend(nginx.iter().map(|f| (Software::Nginx, f.clone())));
    inputs.extend(haproxy.iter().map(|f| (Software::Haproxy, f.clone())));
    if inputs.is_empty() {
        for (software, default) in [
            (Software::Nginx, "/etc/nginx/nginx.conf"),
            (Software::Haproxy, "/etc/haproxy/haproxy.cfg"),
        ] {
            if std::path::Path::new(default).exists() {
                inputs.push((software, default.into()));
            }
        }
        if inputs.is_empty() {
            bail!("neither /etc/nginx/nginx.conf nor /etc/haproxy/haproxy.cfg exists: name the configuration file (hsts-check config FILE)");
        }
    }
    let sources = crate::config::SourceLines::default();
    let mut report = crate::config::read(&inputs, reporter.format == Format::Json, &sources)?;
    report.findings = reporter.select(report.findings);
    let summary: String = crate::config::summary(&report)
        .into_iter()
        .map(|line| line + "\n")
        .collect();
    print(&reporter, &report, &report.findings, &summary, |f| {
        sources.line(f)
    })?;
    let problem = report
        .findings
        .iter()
        .any(|f| f.severity == Severity::Error);
    // The process ends here: freeing the document piece by piece would cost a fifth
    // of the run on a large configuration.
    std::mem::forget(report);
    std::mem::forget(sources);
    Ok(Status::problems_if(problem))
}

/// A host as given: a name, `name:port`, or a URL (`https://name:8443/`), which
/// gives that host a port of its own for the URL's scheme (https without a scheme).
#[derive(Debug, Clone, PartialEq, Eq)]
struct GivenHost {
    name: String,
    https_port: Option<u16>,
    http_port: Option<u16>,
}

/// Lowercase, no trailing dot, no path; an internationalized name becomes its
/// punycode form (browsers key policies by it).
fn normalize_host(given: &str) -> Result<GivenHost> {
    let trimmed = given.trim();
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("https".to_string(), trimmed),
    };
    if scheme != "https" && scheme != "http" {
        bail!("{given:?}: only http:// and https:// URLs can be probed");
    }
    let authority = rest.split('/').next().unwrap_or("");
    let (name, port) = match authority.rsplit_once(':') {
        Some((n, p)) if !n.contains(':') && !n.starts_with('[') => {
            let port: u16 = p
                .parse()
                .map_err(|_| anyhow::anyhow!("{given:?}: {p:?} is not a port"))?;
            (n, Some(port))
        }
        _ => (authority, None),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if name.is_empty() {
        bail!("{given:?} is not a host name");
    }
    let name = if name.is_ascii() {
        name
    } else {
        match idna::domain_to_ascii(&name) {
            Ok(ascii) => ascii,
            Err(_) => bail!("{given:?} is not a valid internationalized host name"),
        }
    };
    let (https_port, http_port) = if scheme == "http" {
        (None, port)
    } else {
        (port, None)
    };
    Ok(GivenHost {
        name,
        https_port,
        http_port,
    })
}

/// A verb's output: its document with `--json`; else, in human form, the summary
/// (if any) before the findings; in the CI formats, the findings alone.
fn print<T: relkit_common::Document>(
    reporter: &Reporter,
    document: &T,
    findings: &[relkit_common::Finding],
    summary: &str,
    source_line: impl Fn(&relkit_common::Finding) -> Option<String>,
) -> Result<()> {
    match reporter.format {
        _ if reporter.quiet => Ok(()),
        Format::Json => {
            let mut out = std::io::stdout().lock();
            json::write(&mut out, document, json::stdout_is_pretty()).context("writing output")?;
            out.flush().context("writing output")
        }
        Format::Human => {
            if !summary.is_empty() {
                color::write_stdout(reporter.color, summary.as_bytes())
                    .context("writing output")?;
            }
            reporter.write(findings, source_line, "")
        }
        _ => reporter.write(findings, source_line, ""),
    }
}

/// The clap definition of the command line, for man pages and shell completions.
pub fn command() -> clap::Command {
    Cli::command()
}
