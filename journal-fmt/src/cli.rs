//! The command line: clap definitions and the verbs' glue to the library. `main.rs`
//! only calls [`main`]; man pages and completions are built from [`command`].

use crate::codes::TOOL;
use crate::input::journal::file::hex_id;
use crate::input::journal::sources::{
    followed, reads_every_journal, starts_as_journal, system_journal, Named, GROUPS_HINT,
};
use crate::input::journal::{files_in, JournalSet, Trouble};
use crate::run::boots::{boots_table, pick_boot};
use crate::run::journal::{run_journal, Reading};
use crate::run::processor::{needed_fields, Processor};
use crate::run::processor::{Format, Output, Settings};
use crate::run::sink::Sink;
use crate::{entry::level, filter::Filter, run::detect, run::follow, run::watch, time::timespec};
use anyhow::{bail, Context, Result};
use clap::{CommandFactory, Parser, ValueEnum};
use relkit_common::color::ColorWhen;
use relkit_common::input::describe_io_error;
use relkit_common::Status;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    name = "journal-fmt",
    version,
    propagate_version = true,
    about = "Filter and colourise systemd journal output of Erlang/Elixir releases",
    long_about = "Filter and colourise systemd journal output of Erlang/Elixir releases.\n\n\
An Elixir release under systemd logs to stdout, so journald stores every line, [error] \
included, at PRIORITY=6 and a crash report as one entry per line. journal-fmt reads the \
level from the message ([error], =ERROR REPORT====, ** (RuntimeError) ...) and gives the \
lines of a report (stack frames, Last message:, ...) the level of the line that started \
it, so -p err finds every error.",
    after_help = "Examples:
  journal-fmt -u billing_prod --since today -p warning   # the system journal, read directly
  journal-fmt --file '/var/log/journal/*/*.journal' -p err
  journal-fmt -D /srv/copied-journals/web1 --since yesterday
  journal-fmt -b -1 -u billing_prod -p err               # the boot before this one
  journal-fmt -r -n 20 -u billing_prod                  # the last 20, newest first
  journalctl -o json -u billing_prod --since today | journal-fmt -p warning
  journal-fmt -u billing_prod -f                         # follows the journal files
  journal-fmt -p err -o json saved.json | jq -r .MESSAGE
  journalctl -o short-iso | journal-fmt -g 'timeout|refused'

Input is detected from its first line (json, json-seq, json-pretty or a JSON array,
export, the short family, or plain lines); --input names it. Bad lines are shown as [unparsed] and reported once per
kind on stderr; --strict makes the first one an error.

Exit status: 0 done, 2 could not do the job (usage, unreadable input, --strict)."
)]
pub struct Cli {
    /// What to read: journalctl's output saved or piped (`journalctl -o json > FILE`
    /// ...), or journal files themselves (`*.journal`, read without journalctl); `-`
    /// is stdin. None: stdin when it is piped, else the system journal.
    files: Vec<PathBuf>,

    /// Show only the entries of one boot of the journal files: 0 (the default) the
    /// last, -1 the one before, 1 the first; or a boot ID, optionally with an offset
    /// from it (`ID-1`), as journalctl -b.
    #[arg(short = 'b', long, value_name = "ID|OFFSET", num_args = 0..=1,
          default_missing_value = "0", allow_negative_numbers = true)]
    boot: Option<String>,

    /// List the boots of the journal files, as journalctl --list-boots, and exit.
    #[arg(long)]
    list_boots: bool,

    /// Read these journal files, as `journalctl --file` (a glob; repeatable).
    #[arg(long = "file", value_name = "GLOB")]
    journal_files: Vec<String>,

    /// Show entries whose effective level is in this range: a name or number
    /// (`warning` means emerg..warning, as journalctl), or `err..warning`.
    #[arg(short, long, value_name = "RANGE")]
    priority: Option<String>,

    /// Show entries of this unit (`billing_prod` means `billing_prod.service`;
    /// `*` globs) (repeatable).
    #[arg(short, long, value_name = "UNIT")]
    unit: Vec<String>,

    /// Show entries with this SYSLOG_IDENTIFIER (repeatable).
    #[arg(short = 't', long, value_name = "ID")]
    identifier: Vec<String>,

    /// Show entries whose message matches REGEX (smart case: a pattern without
    /// capitals ignores case).
    #[arg(short, long, value_name = "REGEX")]
    grep: Option<String>,

    /// Show entries the journal received at or after this time, read as journalctl
    /// reads it: `2026-11-22 10:00`, `Sun 2026-11-22`, `10:00`, `yesterday`,
    /// `today`, `-1h`, `2h ago`, `@SECONDS`, with ` UTC` or a zone name after.
    #[arg(short = 'S', long, value_name = "TIME", allow_hyphen_values = true)]
    since: Option<String>,

    /// Show entries at or before this time (same forms as --since).
    #[arg(short = 'U', long, value_name = "TIME", allow_hyphen_values = true)]
    until: Option<String>,

    /// Show entries with FIELD=VALUE (repeatable; values of one field widen, fields narrow).
    #[arg(long, value_name = "FIELD=VALUE")]
    field: Vec<String>,

    /// Output form: coloured human lines (short, short-iso, cat), or the matching
    /// entries passed through as journal JSON or export format.
    #[arg(short, long, value_enum, default_value_t = OutputArg::Short)]
    output: OutputArg,

    /// Join each multi-line Elixir event (a crash report, a stack trace, Ecto's query
    /// and its SQL) into one entry: one block on screen, one object in `-o json`
    /// (the message joined with newlines, journal-fmt's `journal_fmt_*` fields
    /// added). No effect on `-o export`, which stays entry for entry.
    #[arg(long)]
    merge: bool,

    /// The same as `-o json`: matching entries as journal JSON, one per line.
    #[arg(long, conflicts_with = "output")]
    json: bool,

    /// Print the man page or a shell's completion script, and exit.
    #[arg(long, value_enum, value_name = "KIND")]
    generate: Option<relkit_common::generate::Generate>,

    /// Accepted for uniformity with the other relkit tools: journal-fmt shows journal
    /// text as journalctl does and knows of no secrets in it.
    #[arg(long)]
    show_secrets: bool,

    /// Input form [default: detected].
    #[arg(long, value_enum, value_name = "FORM")]
    input: Option<InputArg>,

    /// Show times in UTC rather than local time.
    #[arg(long)]
    utc: bool,

    /// Follow the journal files: the last 10 entries of the last boot (-n N, or
    /// all from --since), then each new one as it is written, across rotation and
    /// vacuum. journalctl -o json -f is run only when no journal file of this
    /// machine can be read here.
    #[arg(short, long)]
    follow: bool,

    /// Show the last N entries the filters let through (10 when N is left out),
    /// as journalctl -n; with --since the first N from there. Journal files and
    /// --follow only.
    #[arg(short = 'n', long, value_name = "N", num_args = 0..=1, default_missing_value = "10")]
    lines: Option<u64>,

    /// Show the newest entries first, as journalctl -r. Journal files only.
    #[arg(short = 'r', long)]
    reverse: bool,

    /// Read the journal files in DIR (as journalctl -D) rather than the system
    /// journal.
    #[arg(short = 'D', long, value_name = "DIR")]
    directory: Option<PathBuf>,

    /// Write each entry as soon as it is read, even into a pipe.
    #[arg(long)]
    line_buffered: bool,

    /// Make the first bad input line an error (exit 2) instead of showing it as unparsed.
    #[arg(long)]
    strict: bool,

    /// Do not report bad input lines on stderr.
    #[arg(short, long)]
    quiet: bool,

    /// When to use colour: auto (terminal only; NO_COLOR, CLICOLOR_FORCE and CLICOLOR
    /// are honoured), always or never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    color: ColorWhen,

    #[command(flatten)]
    threads: relkit_common::threads::ThreadsArg,

    /// The longest line read as an entry, in bytes; a longer one is passed on as
    /// unparsed, a piece at a time.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20)]
    max_line: usize,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum OutputArg {
    Short,
    ShortIso,
    Cat,
    Json,
    Export,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum InputArg {
    Json,
    JsonSeq,
    /// `-o json-pretty`, and JSON arrays of entries.
    JsonPretty,
    Export,
    Short,
    ShortIso,
    ShortPrecise,
    ShortFull,
    Cat,
}

impl InputArg {
    fn format(self) -> Format {
        match self {
            InputArg::Json | InputArg::JsonSeq => Format::Json,
            InputArg::JsonPretty => Format::JsonPretty,
            InputArg::Export => Format::Export,
            InputArg::Short | InputArg::ShortIso | InputArg::ShortPrecise | InputArg::ShortFull => {
                Format::Short
            }
            InputArg::Cat => Format::Cat,
        }
    }
}

/// The whole command: parse the arguments, run, and exit as relkit tools do.
pub fn main() -> ExitCode {
    let cli: Cli = relkit_common::args::parse(TOOL);
    relkit_common::run(TOOL, || run(cli))
}

fn settings(cli: &Cli) -> Result<Settings> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64);
    let mut filter = Filter::default();
    if let Some(range) = &cli.priority {
        filter.priority = Some(level::priority_range(range).with_context(|| {
            format!(
                "-p {range:?} is not a priority: use a name ({}), a number 0-7, or a range like err..warning",
                level::NAMES.join(", ")
            )
        })?);
    }
    filter.units = cli.unit.iter().map(|u| Filter::unit_pattern(u)).collect();
    filter.identifiers = cli.identifier.clone();
    if let Some(pattern) = &cli.grep {
        filter.grep = Some(
            Filter::grep_pattern(pattern)
                .map_err(|e| anyhow::anyhow!("-g {pattern:?} is not a valid regex: {e}"))?,
        );
    }
    // As journalctl: read in the local zone whatever --utc says, --since first.
    let zone = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    let mut reader = timespec::TimeReader::new(zone, now.max(0) as u64);
    let mut time = |spec: &Option<String>, flag: &str| -> Result<Option<u64>> {
        spec.as_deref()
            .map(|s| reader.read(s).map_err(|e| anyhow::anyhow!("{flag}: {e}")))
            .transpose()
    };
    let since = time(&cli.since, "--since")?;
    let until = time(&cli.until, "--until")?;
    if let (Some(since), Some(until)) = (since, until) {
        if since > until {
            bail!(
                "--since {:?} is after --until {:?}: nothing could be shown",
                cli.since.as_deref().unwrap_or_default(),
                cli.until.as_deref().unwrap_or_default()
            );
        }
    }
    let micros = |t: u64| i64::try_from(t).unwrap_or(i64::MAX);
    filter.since = since.map(micros);
    filter.until = until.map(micros);
    for pair in &cli.field {
        let Some((key, value)) = pair.split_once('=') else {
            bail!("--field {pair:?} needs the form FIELD=VALUE, e.g. --field _SYSTEMD_UNIT=billing_prod.service");
        };
        match filter.fields.iter_mut().find(|(k, _)| k == key) {
            Some((_, values)) => values.push(value.as_bytes().to_vec()),
            None => filter
                .fields
                .push((key.to_string(), vec![value.as_bytes().to_vec()])),
        }
    }
    let output = match if cli.json {
        OutputArg::Json
    } else {
        cli.output
    } {
        OutputArg::Short => Output::Short,
        OutputArg::ShortIso => Output::ShortIso,
        OutputArg::Cat => Output::Cat,
        OutputArg::Json => Output::Json,
        OutputArg::Export => Output::Export,
    };
    let human = matches!(output, Output::Short | Output::ShortIso | Output::Cat);
    Ok(Settings {
        output,
        color: human && relkit_common::color::for_stdout(cli.color),
        utc: cli.utc,
        filter,
        now,
        max_line: cli.max_line.max(1024),
        merge: cli.merge && output != Output::Export,
    })
}

fn run(cli: Cli) -> Result<Status> {
    let mut settings = settings(&cli)?;
    // What -f follows, worked out once (None: journalctl is run instead).
    let watched = if cli.follow {
        followed(named(&cli))?
    } else {
        None
    };
    if cli.list_boots || cli.boot.is_some() {
        let paths = if cli.follow {
            watched.as_ref().map(|w| (w.list)()).unwrap_or_default()
        } else {
            boot_paths(&cli)?
        };
        let boots = JournalSet::open(&paths).boots();
        if cli.list_boots {
            let mut out = std::io::stdout().lock();
            out.write_all(boots_table(&boots, cli.utc).as_bytes())?;
            out.flush()?;
            return Ok(Status::Clean);
        }
        let wanted = cli.boot.as_deref().unwrap_or("0");
        let boot = pick_boot(&boots, wanted)?;
        settings
            .filter
            .fields
            .push(("_BOOT_ID".into(), vec![boot.into_bytes()]));
    } else if cli.follow {
        // As journalctl -f: the last boot only (that of the newest entry).
        if let Some(watched) = &watched {
            if let Some(boot) = JournalSet::open(&(watched.list)()).last_boot() {
                settings
                    .filter
                    .fields
                    .push(("_BOOT_ID".into(), vec![hex_id(&boot).into_bytes()]));
            }
        }
    }
    let settings = Arc::new(settings);
    let stdout_terminal = std::io::stdout().is_terminal();
    let eager = cli.follow || cli.line_buffered || stdout_terminal;
    // Smaller than a block's output, which then goes straight to stdout rather
    // than through this buffer (a copy of everything: 2% of colouring json).
    let out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    let err: Box<dyn Write> = if cli.quiet {
        Box::new(std::io::sink())
    } else {
        Box::new(std::io::stderr())
    };
    let mut sink = Sink::new(out, err, eager, cli.strict);
    sink.live = cli.follow || cli.line_buffered;
    if cli.follow {
        if cli.reverse || cli.until.is_some() {
            bail!("--follow shows entries as they come: it cannot be used with -r or --until");
        }
        if let Some(watched) = &watched {
            let mut processor = Processor::new(Arc::new(by_reading(&settings)));
            let reading = Reading {
                until: None,
                // As journalctl -f: the last 10 entries first, or all from --since.
                lines: cli
                    .lines
                    .or(if cli.since.is_some() { None } else { Some(10) }),
                ..Reading::between(settings.filter.since, settings.filter.until)
            };
            sink.source = "journal".into();
            let fields = settings.filter.index_fields();
            watch::follow(
                watched,
                fields.as_deref(),
                reading,
                &mut processor,
                &mut sink,
            )?;
            sink.finish()?;
            return Ok(Status::Clean);
        }
        warn(cli.quiet, "no journal files of this machine can be read here (/var/log/journal, /run/log/journal): following through `journalctl -o json -f`");
        let command = follow::journalctl_args(
            &cli.unit,
            &cli.identifier,
            cli.since.as_deref(),
            cli.lines,
            None,
        );
        follow::run(&command, Arc::clone(&settings), &mut sink)?;
        sink.finish()?;
        return Ok(Status::Clean);
    }
    let threads = cli.threads.count();
    if cli.merge && (cli.reverse || cli.lines.is_some()) {
        bail!("--merge joins an event's lines in the order they were written: it cannot be used with -r or -n");
    }
    let journals = journal_files(&cli)?;
    let mut inputs: Vec<Input> = cli.files.iter().map(|p| Input::Named(p.clone())).collect();
    let asked_for_journals =
        !cli.journal_files.is_empty() || (cli.directory.is_some() && !cli.follow);
    if asked_for_journals {
        inputs.insert(0, Input::Journals(journals));
    } else if inputs.is_empty() {
        inputs.push(if std::io::stdin().is_terminal() {
            let files = system_journal();
            if files.is_empty() {
                warn(cli.quiet, "no journal files of this machine in /var/log/journal or /run/log/journal (or none readable: journalctl shows them to root and the systemd-journal and adm groups); pipe `journalctl -o json` in, or name files with --file or -D");
            }
            Input::Journals(files)
        } else {
            Input::Named(PathBuf::from("-"))
        });
    }
    // Journal files named as inputs are read together, interleaved, where the
    // first of them stands.
    let mut named_journals = Vec::new();
    let mut first_journal = None;
    for (i, input) in inputs.iter().enumerate() {
        if let Input::Named(path) = input {
            if path.as_os_str() != "-" && starts_as_journal(path) {
                named_journals.push(path.clone());
                first_journal.get_or_insert(i);
            }
        }
    }
    if let Some(at) = first_journal {
        inputs.retain(|i| !matches!(i, Input::Named(p) if named_journals.contains(p)));
        inputs.insert(at.min(inputs.len()), Input::Journals(named_journals));
    }
    for input in inputs {
        let path = match input {
            Input::Journals(paths) => {
                sink.source = "journal".into();
                let mut set =
                    JournalSet::open_matching(&paths, settings.filter.index_fields().as_deref());
                if set.is_empty() && set.troubles.iter().any(Trouble::is_permission_denied) {
                    // As journalctl: nothing to show for want of permission is a failure.
                    let hint = if reads_every_journal() {
                        String::new()
                    } else {
                        format!("; {GROUPS_HINT}")
                    };
                    bail!(
                        "none of the {} journal files could be opened: permission denied{hint}",
                        paths.len()
                    );
                }
                let refused = settings.filter.units_refused(|f, ok| set.any_value(f, ok));
                if let Some(why) = refused.filter(|_| !set.is_empty()) {
                    bail!("{why}");
                }
                let reading = Reading {
                    reverse: cli.reverse,
                    lines: cli.lines,
                    ..Reading::between(settings.filter.since, settings.filter.until)
                };
                let settings = Arc::new(by_reading(&settings));
                set.keep_only(needed_fields(&settings));
                let mut processor = Processor::new(settings);
                run_journal(&mut set, reading, threads, &mut processor, &mut sink)?;
                continue;
            }
            Input::Named(path) => path,
        };
        if cli.reverse || cli.lines.is_some() {
            bail!(
                "{}: -r and -n read journal files (--file, -D, the system journal) from their end; \
                 journalctl's output is read as it comes (use journalctl -r or -n before the pipe)",
                if path.as_os_str() == "-" { "<stdin>".into() } else { path.display().to_string() }
            );
        }
        let path = &path;
        let (name, reader): (String, Box<dyn std::io::Read + Send>) = if path.as_os_str() == "-" {
            ("<stdin>".into(), Box::new(std::io::stdin()))
        } else {
            let file = std::fs::File::open(path).map_err(|e| {
                anyhow::anyhow!("cannot read {}: {}", path.display(), describe_io_error(&e))
            })?;
            (path.display().to_string(), Box::new(file))
        };
        sink.source = name.clone();
        let (head, reader) = detect::read_head(reader)
            .map_err(|e| anyhow::anyhow!("cannot read {name}: {}", describe_io_error(&e)))?;
        let format = match cli.input {
            Some(input) => input.format(),
            None => detect::detect(&head),
        };
        if !cli.unit.is_empty() && matches!(format, Format::Short | Format::Cat) {
            bail!(
                "{name}: -u needs json or export input (text lines carry no unit); use \
                 `journalctl -o json -u UNIT | journal-fmt`, or -t IDENTIFIER"
            );
        }
        detect::run_input(
            format,
            head,
            reader,
            Arc::clone(&settings),
            threads,
            eager,
            &mut sink,
        )?;
    }
    sink.finish()?;
    Ok(Status::Clean)
}

/// What one input is: a file or stdin holding journalctl's output, or journal files.
enum Input {
    Named(PathBuf),
    Journals(Vec<PathBuf>),
}

/// The journal files -b and --list-boots read: --file and -D, journal files named as
/// inputs, else the system journal.
fn boot_paths(cli: &Cli) -> Result<Vec<PathBuf>> {
    let mut paths = journal_files(cli)?;
    for path in &cli.files {
        if path.as_os_str() == "-" || !starts_as_journal(path) {
            bail!(
                "{}: -b and --list-boots read journal files (--file, -D, the system journal), not journalctl's output",
                path.display()
            );
        }
        paths.push(path.clone());
    }
    if paths.is_empty() && cli.journal_files.is_empty() && cli.directory.is_none() {
        paths = system_journal();
    }
    Ok(paths)
}

/// The settings for reading journal files: the times bound the reading, as
/// journalctl's do, rather than filter each entry.
fn by_reading(settings: &Settings) -> Settings {
    let mut settings = settings.clone();
    settings.filter.since = None;
    settings.filter.until = None;
    settings
}

/// The journal files the command line names.
fn named(cli: &Cli) -> Named<'_> {
    Named {
        inputs: &cli.files,
        globs: &cli.journal_files,
        directory: cli.directory.as_deref(),
    }
}

/// A warning on stderr, in the tools' form; `-q` silences it as it does the
/// reports about bad input.
fn warn(quiet: bool, what: &str) {
    if !quiet {
        let _ = writeln!(std::io::stderr(), "journal-fmt: warning: {what}");
    }
}

/// The files of `--file` globs and `-D` (without --follow).
fn journal_files(cli: &Cli) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for pattern in &cli.journal_files {
        let matches = glob::glob(pattern)
            .map_err(|e| anyhow::anyhow!("--file {pattern:?}: {e}"))?
            .filter_map(|m| m.ok());
        let before = found.len();
        found.extend(matches);
        if found.len() == before {
            bail!("--file {pattern:?}: no file matches it");
        }
    }
    if let (Some(dir), false) = (&cli.directory, cli.follow) {
        let files = files_in(dir).map_err(|e| {
            anyhow::anyhow!("cannot read {}: {}", dir.display(), describe_io_error(&e))
        })?;
        if files.is_empty() {
            // As journalctl -D: nothing to show is not a failure.
            warn(
                cli.quiet,
                &format!("{}: no journal files in it (*.journal)", dir.display()),
            );
        }
        found.extend(files);
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// The clap definition of the command line, for man pages and shell completions.
pub fn command() -> clap::Command {
    Cli::command()
}
