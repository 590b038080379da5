//! `--follow`: run `journalctl -o json --all -f` and format what it writes, an entry
//! at a time. SIGINT or SIGTERM (to this process or, with Ctrl-C, to both) and a
//! broken pipe end it cleanly: journalctl is killed if it still runs, and reaped.

use crate::input::lines::Blocks;
use crate::run::engine;
use crate::run::processor::{Format, Processor, Settings};
use crate::run::sink::Sink;
use anyhow::{anyhow, Result};
use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// journalctl's arguments: json with long fields kept (`--all`), following, and the
/// filters it can apply itself. `-p` is not passed on: journald's PRIORITY is what
/// journal-fmt corrects.
pub fn journalctl_args(
    units: &[String],
    identifiers: &[String],
    since: Option<&str>,
    lines: Option<u64>,
    directory: Option<&Path>,
) -> Vec<OsString> {
    let mut args: Vec<OsString> = vec!["-o".into(), "json".into(), "--all".into(), "-f".into()];
    for unit in units {
        args.push("-u".into());
        args.push(unit.into());
    }
    for identifier in identifiers {
        args.push("-t".into());
        args.push(identifier.into());
    }
    if let Some(since) = since {
        args.push(format!("--since={since}").into());
        if lines.is_none() {
            args.push("--no-tail".into());
        }
    }
    if let Some(lines) = lines {
        args.push(format!("--lines={lines}").into());
    }
    if let Some(directory) = directory {
        let mut arg = OsString::from("--directory=");
        arg.push(directory);
        args.push(arg);
    }
    args
}

struct Shared(Arc<duct::ReaderHandle>);

impl Read for Shared {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        (&*self.0).read(buf)
    }
}

pub fn run<W: Write, E: Write>(
    args: &[OsString],
    settings: Arc<Settings>,
    sink: &mut Sink<W, E>,
) -> Result<()> {
    let journalctl = which::which("journalctl").map_err(|_| {
        anyhow!(
            "journalctl is not on PATH: --follow runs `journalctl -o json -f`; install systemd's \
             journalctl, or pipe journal JSON in from elsewhere"
        )
    })?;
    let handle = Arc::new(
        duct::cmd(&journalctl, args)
            .unchecked()
            .reader()
            .map_err(|e| anyhow!("cannot run {}: {e}", journalctl.display()))?,
    );
    let stopped = Arc::new(AtomicBool::new(false));
    let mut signals = signal_hook::iterator::Signals::new([
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
    ])?;
    {
        let handle = Arc::clone(&handle);
        let stopped = Arc::clone(&stopped);
        std::thread::spawn(move || {
            if signals.forever().next().is_some() {
                stopped.store(true, Ordering::SeqCst);
                let _ = handle.kill();
            }
        });
    }
    sink.source = "journalctl".into();
    let mut blocks = Blocks::new(
        Shared(Arc::clone(&handle)),
        crate::run::detect::BLOCK,
        settings.max_line,
        true,
    );
    let mut processor = Processor::new(settings);
    let result = engine::run_sequential(&mut blocks, Format::Json, &mut processor, sink);
    if result.is_err() {
        // The reader went away (or output failed): stop journalctl.
        let _ = handle.kill();
    }
    // Read to the end, which waits for journalctl: it is reaped, never left behind.
    let mut rest = Shared(Arc::clone(&handle));
    let _ = std::io::copy(&mut rest, &mut std::io::sink());
    result?;
    if stopped.load(Ordering::SeqCst) {
        return Ok(());
    }
    match handle.try_wait()? {
        Some(output) if !output.status.success() => {
            match output.status.code() {
                Some(code) => Err(anyhow!(
                    "journalctl exited with status {code} (its message is above)"
                )),
                // Killed by a signal (Ctrl-C reaches journalctl too): a clean end.
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}
