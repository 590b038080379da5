//! The command line: clap definitions and the verbs' glue to the library. `main.rs`
//! only calls [`main`]; man pages and completions are built from [`command`].

use crate::codes::{self, TOOL};
use crate::{archive, inspect, pack, target, unpack, verify};
use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};
use relkit_common::{json, CommonArgs, FindingArgs, Reporter, Secrets, Status};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "release-pack",
    version,
    propagate_version = true,
    about = "Pack, unpack, inspect and verify Erlang/Elixir release tarballs, safely and reproducibly",
    after_help = "Examples:
  release-pack pack _build/prod/rel/billing -o billing-0.1.0.tar.gz
  release-pack list billing-0.1.0.tar.gz
  release-pack unpack billing-0.1.0.tar.gz --into /home/billing/prod/billing --replace
  release-pack inspect billing-0.1.0.tar.gz | vmargs check
  release-pack verify billing-0.1.0.tar.gz --sha256 <hex from the manifest>
  release-pack verify billing-0.1.0.tar.gz --target-root /srv/roots/debian11
  release-pack verify billing-0.1.0.tar.gz --target-host deploy@web1
  ssh web1 release-pack survey > web1.json; release-pack verify _build/prod/rel/billing --target web1.json

Exit status: 0 done, 1 problems found, 2 could not do the job."
)]
pub struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    #[command(subcommand)]
    verb: Verb,
}

#[derive(Subcommand)]
enum Verb {
    /// Pack an assembled release directory into a reproducible .tar.gz and print its
    /// release-pack.manifest.
    Pack {
        /// The release directory (_build/prod/rel/NAME).
        dir: PathBuf,
        /// The tarball to write (written 0600, atomically).
        #[arg(short, long, value_name = "FILE.tar.gz")]
        output: PathBuf,
        /// Compression threads: more than 64 is taken as 64 (memory stays under 64 MiB).
        #[command(flatten)]
        threads: relkit_common::threads::ThreadsArg,
    },
    /// Unpack safely into DIR: every entry checked first, written to a temporary
    /// sibling, renamed into place only when complete.
    Unpack {
        file: PathBuf,
        /// The release directory to create (e.g. /home/billing/prod/billing).
        #[arg(long, value_name = "DIR")]
        into: PathBuf,
        /// Swap the new tree in over a non-empty DIR, keeping the old one as DIR.prev.
        #[arg(long)]
        replace: bool,
        /// With --replace: remove the old tree instead of keeping DIR.prev.
        #[arg(long, requires = "replace")]
        no_keep: bool,
        /// Do not flush the unpacked files (syncfs) and the directory to disk: faster
        /// where the tree need not survive a power loss (a CI job, a scratch
        /// directory). A kill still leaves the old tree or the new one.
        #[arg(long)]
        no_sync: bool,
        /// Admit absolute symlinks under PREFIX (edeliver's LinkConfig links vm.args
        /// and sys.config out of the release) (repeatable).
        #[arg(long, value_name = "PREFIX")]
        allow_symlinks_to: Vec<String>,
        /// Refuse an archive whose entries declare more bytes than this in all.
        #[arg(long, value_name = "BYTES", default_value_t = crate::screen::Limits::default().max_bytes)]
        max_bytes: u64,
        /// Refuse an archive with more entries than this.
        #[arg(long, value_name = "N", default_value_t = crate::screen::Limits::default().max_entries)]
        max_entries: u64,
    },
    /// Describe a release tarball or directory as a release-pack.inspect document.
    Inspect {
        /// A .tar.gz, or an assembled release directory.
        path: PathBuf,
    },
    /// Report findings: unsafe entries, a corrupt archive, an incomplete release,
    /// world-writable files, a checksum mismatch; with --target-root, whether the
    /// release's native code loads on that target.
    Verify {
        /// A .tar.gz, or an assembled release directory.
        file: PathBuf,
        /// The expected sha256 of the tarball.
        #[arg(long, value_name = "HEX", conflicts_with = "manifest")]
        sha256: Option<String>,
        /// A release-pack.manifest document (from pack) giving the expected sha256.
        #[arg(long, value_name = "FILE")]
        manifest: Option<PathBuf>,
        /// Check the release's native code (ERTS, NIFs) as the dynamic loader of the
        /// system under ROOT would load it: its libraries, their symbol versions, the
        /// architecture, an installed ERTS when the release has none (/ is this host,
        /// the root taken when the flag is given alone).
        #[arg(long, value_name = "ROOT", num_args = 0..=1, default_missing_value = "/", conflicts_with_all = ["target", "target_host"])]
        target_root: Option<PathBuf>,
        /// The same against a host described by `release-pack survey` run there (a
        /// release-pack.host document; - reads stdin).
        #[arg(long, value_name = "FILE", conflicts_with = "target_host")]
        target: Option<PathBuf>,
        /// The same against a host over OpenSSH (your ssh config, batch mode); only
        /// the loader's configuration and the parts of the libraries the release
        /// needs are read, in a few ssh runs; nothing of relkit is needed there.
        #[arg(long, value_name = "[USER@]HOST")]
        target_host: Option<String>,
        #[command(flatten)]
        ssh: relkit_common::ssh::SshArgs,
        #[command(flatten)]
        findings: FindingArgs,
    },
    /// List the entries, like tar tzvf (--json: one entry per line).
    List { file: PathBuf },
    /// Describe this host (or the system under --root) as its dynamic loader and
    /// Erlang see it: a release-pack.host document for verify --target.
    Survey {
        /// The root of the system to describe (/ is this host).
        #[arg(long, value_name = "ROOT", default_value = "/")]
        root: PathBuf,
        /// Also describe the libraries in DIR (where a release's absolute RUNPATH
        /// points; the cache's, the default and ld.so.conf's directories always are)
        /// (repeatable).
        #[arg(long, value_name = "DIR")]
        dir: Vec<String>,
    },
}

/// The whole command: parse the arguments, run, and exit as relkit tools do.
pub fn main() -> ExitCode {
    relkit_common::run(TOOL, || {
        let cli: Cli = relkit_common::args::parse(TOOL);
        match &cli.verb {
            Verb::Pack {
                dir,
                output,
                threads,
            } => {
                let threads = threads.count();
                let progress = relkit_common::Progress::bytes(&cli.common, "packing");
                let manifest =
                    pack::pack(dir, output, pack::mtime_from_env()?, threads, &progress)?;
                if !cli.common.quiet {
                    let mut out = std::io::stdout().lock();
                    json::write(&mut out, &manifest, json::stdout_is_pretty())?;
                    out.flush()?;
                }
                Ok(Status::Clean)
            }
            Verb::List { file } => list(&cli.common, file),
            Verb::Survey { root, dir } => {
                let opened = target::root::Root::open(root)?;
                let doc = target::host::HostDoc::survey(&opened, &host_name(root), dir);
                if !cli.common.quiet {
                    let mut out = std::io::stdout().lock();
                    json::write(&mut out, &doc, json::stdout_is_pretty())?;
                    out.flush()?;
                }
                Ok(Status::Clean)
            }
            Verb::Inspect { path } => {
                let contents = if path.is_dir() {
                    inspect::from_dir(path)?
                } else {
                    let contents = inspect::from_tarball(path)?;
                    if let Some(why) = &contents.corrupt {
                        anyhow::bail!("{}: the archive is truncated or corrupt ({why}); release-pack verify lists what is wrong", path.display());
                    }
                    contents
                };
                let report = inspect::inspect(path, &contents, cli.common.show_secrets);
                if !cli.common.quiet {
                    let mut out = std::io::stdout().lock();
                    json::write(&mut out, &report, json::stdout_is_pretty())?;
                    out.flush()?;
                }
                Ok(Status::Clean)
            }
            Verb::Verify {
                file,
                sha256,
                manifest,
                target_root,
                target,
                target_host,
                ssh,
                findings,
            } => verify_verb(
                &cli.common,
                findings,
                file,
                Expected {
                    sha256: sha256.as_deref(),
                    manifest: manifest.as_deref(),
                },
                Target {
                    root: target_root.as_deref(),
                    document: target.as_deref(),
                    host: target_host.as_deref(),
                    ssh,
                },
            ),
            Verb::Unpack {
                file,
                into,
                replace,
                no_keep,
                no_sync,
                allow_symlinks_to,
                max_bytes,
                max_entries,
            } => {
                let options = unpack::Options {
                    replace: *replace,
                    no_keep: *no_keep,
                    no_sync: *no_sync,
                    allow_symlinks_to: allow_symlinks_to.clone(),
                    progress: relkit_common::Progress::bytes(&cli.common, "unpacking"),
                    limits: crate::screen::Limits {
                        max_bytes: *max_bytes,
                        max_entries: *max_entries,
                    },
                };
                let done = unpack::unpack(file, into, &options)?;
                if cli.common.json && !cli.common.quiet {
                    let result = unpack::UnpackResult {
                        verb: "unpack",
                        file: file.display().to_string(),
                        into: into.display().to_string(),
                        unpacked: done,
                    };
                    let mut out = std::io::stdout().lock();
                    json::write(&mut out, &result, json::stdout_is_pretty())?;
                    out.flush()?;
                } else if !cli.common.quiet {
                    let mut out = std::io::stdout().lock();
                    write!(
                        out,
                        "unpacked {} entries ({} bytes) into {}",
                        done.entries,
                        done.bytes,
                        into.display()
                    )?;
                    if let Some(previous) = &done.previous {
                        write!(out, "; the old release is in {}", previous.display())?;
                    }
                    writeln!(out)?;
                }
                Ok(Status::Clean)
            }
        }
    })
}

/// What the tarball's checksum must be, from `--sha256` or `--manifest`.
struct Expected<'a> {
    sha256: Option<&'a str>,
    manifest: Option<&'a std::path::Path>,
}

/// What `verify` checks the native code against: a root here, or a host document.
struct Target<'a> {
    root: Option<&'a std::path::Path>,
    document: Option<&'a std::path::Path>,
    host: Option<&'a str>,
    ssh: &'a relkit_common::ssh::SshArgs,
}

/// An opened target: a root or a document answers at once; a host over ssh is
/// read again for what each check asks that it has not said yet.
enum Opened {
    Here(Box<dyn target::view::TargetView>),
    Remote(Box<target::remote::RemoteHost>),
}

impl Opened {
    fn view(&self) -> &dyn target::view::TargetView {
        match self {
            Opened::Here(view) => view.as_ref(),
            Opened::Remote(remote) => remote.as_ref(),
        }
    }

    /// Check, and for a remote host read what the check asked for and check
    /// again, until it asks for nothing new.
    fn check(
        &mut self,
        shown: &str,
        contents: &inspect::Contents,
        release: &inspect::Inspection,
    ) -> Result<(Vec<relkit_common::Finding>, target::check::Checked)> {
        loop {
            let done = target::check::check(shown, contents, release, self.view());
            match self {
                Opened::Here(_) => return Ok(done),
                Opened::Remote(remote) => {
                    if !remote.fetch_wanted()? {
                        return Ok(done);
                    }
                }
            }
        }
    }

    fn name(&self) -> String {
        match self {
            Opened::Here(view) => view.name(),
            Opened::Remote(remote) => {
                use target::view::TargetView;
                format!("{} (read in {} ssh runs)", remote.name(), remote.runs())
            }
        }
    }
}

impl Target<'_> {
    fn open(&self) -> Result<Option<Opened>> {
        if let Some(host) = self.host {
            let remote = target::remote::RemoteHost::connect(host, self.ssh)?;
            return Ok(Some(Opened::Remote(Box::new(remote))));
        }
        Ok(self.open_here()?.map(Opened::Here))
    }

    fn open_here(&self) -> Result<Option<Box<dyn target::view::TargetView>>> {
        if let Some(root) = self.root {
            return Ok(Some(Box::new(target::root::Root::open(root)?)));
        }
        let Some(document) = self.document else {
            return Ok(None);
        };
        let input = relkit_common::input::read_input(Some(document))?;
        let docs = relkit_common::Documents::read(
            &input.name,
            &input.bytes,
            &[<target::host::HostDoc as json::Document>::KIND],
        )?
        .into_typed::<target::host::HostDoc>(&input.name)?;
        let [doc] = <[target::host::HostDoc; 1]>::try_from(docs).map_err(|docs| {
            anyhow::anyhow!(
                "{}: {} release-pack.host documents; give one host's survey",
                input.name,
                docs.len()
            )
        })?;
        Ok(Some(Box::new(doc)))
    }
}

/// How `survey` names what it describes: this host's name, or the root's.
fn host_name(root: &std::path::Path) -> String {
    let from = if root == std::path::Path::new("/") {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .or_else(|_| std::fs::read_to_string("/etc/hostname"))
            .ok()
    } else {
        None
    };
    from.map(|name| name.trim().to_string())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| root.display().to_string())
}

fn verify_verb(
    common: &CommonArgs,
    finding_args: &FindingArgs,
    file: &std::path::Path,
    Expected { sha256, manifest }: Expected<'_>,
    target: Target<'_>,
) -> Result<Status> {
    let expected = match manifest {
        Some(path) => {
            let input = relkit_common::input::read_file(path)?;
            let docs = relkit_common::Documents::read(
                &input.name,
                &input.bytes,
                &[<pack::Manifest as json::Document>::KIND],
            )?
            .into_typed::<pack::Manifest>(&input.name)?;
            docs.into_iter().next().map(|m| m.sha256)
        }
        None => sha256.map(str::to_string),
    };
    let secrets = Secrets::new(common.show_secrets);
    let reporter = Reporter::new(TOOL, common, finding_args, &secrets)?;
    let progress = relkit_common::Progress::bytes(common, "verifying");
    let directory = file.is_dir();
    if directory && expected.is_some() {
        anyhow::bail!("{}: a directory has no sha256 to compare; give the tarball with --sha256 or --manifest", file.display());
    }
    // A target that cannot be read at all is a usage error, found before any work.
    let mut target = target.open()?;
    let contents = if directory {
        inspect::from_dir(file)?
    } else {
        inspect::from_tarball_with(file, &progress)?
    };
    let mut all = verify::verify(file, &contents, expected.as_deref())?;
    if directory {
        // Modes are a tarball's question: pack writes 0755/0644 whatever the tree has.
        all.retain(|f| f.code != codes::CODE_WORLD_WRITABLE && f.code != codes::CODE_SETUID);
    }
    let mut checked = None;
    if let Some(target) = &mut target {
        let release = inspect::inspect(file, &contents, false);
        let (found, counts) = target.check(&file.display().to_string(), &contents, &release)?;
        if !release.erts_included {
            // The target's Erlang answers what these notes leave to it.
            all.retain(|f| {
                !(f.severity == relkit_common::Severity::Info
                    && (f.code == codes::CODE_MISSING_APPLICATION
                        || f.code == codes::CODE_MISSING_ERTS))
            });
        }
        all.extend(found);
        checked = Some(counts);
    }
    let findings = reporter.select(all);
    let summary = match (findings.is_empty(), &checked, &target) {
        (true, Some(counts), Some(target)) => format!(
            "{}: {} entries, a complete release, nothing unsafe; {} on {} ({} of its libraries used)",
            file.display(),
            contents.entries.len(),
            match counts.files {
                1 => "its native file loads".to_string(),
                n => format!("its {n} native files load"),
            },
            target.name(),
            counts.libraries
        ),
        (true, _, _) => format!(
            "{}: {} entries, a complete release, nothing unsafe",
            file.display(),
            contents.entries.len()
        ),
        (false, Some(counts), Some(target)) => format!(
            "{}; {} native files checked against {}",
            relkit_common::finding::tally(&findings),
            counts.files,
            target.name()
        ),
        (false, _, _) => relkit_common::finding::tally(&findings),
    };
    reporter.write(&findings, |_| None, &summary)?;
    Ok(Status::problems_if(
        findings
            .iter()
            .any(|f| f.severity == relkit_common::Severity::Error),
    ))
}

fn list(common: &CommonArgs, file: &std::path::Path) -> Result<Status> {
    let entries = archive::list(file)?;
    if common.quiet {
        return Ok(Status::Clean);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if common.json {
        let pretty = json::stdout_is_pretty();
        for entry in &entries {
            json::write(&mut out, entry, pretty)?;
        }
    } else {
        for e in &entries {
            write!(
                out,
                "{}{} {}/{} {:>10} {} {}",
                e.kind.letter(),
                mode_string(e.mode),
                e.uid,
                e.gid,
                e.size,
                date(e.mtime),
                e.name
            )?;
            if let Some(link) = &e.link {
                write!(out, " -> {link}")?;
            }
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(Status::Clean)
}

/// `YYYY-MM-DD HH:MM` in UTC, as `tar tv` shows a date.
fn date(mtime: u64) -> String {
    let (year, month, day, hour, minute, _) = relkit_common::time::utc(mtime);
    format!("{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}")
}

fn mode_string(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

/// The clap definition of the command line, for man pages and shell completions.
pub fn command() -> clap::Command {
    Cli::command()
}
