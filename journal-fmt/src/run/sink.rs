//! Where output and reports go: stdout (flushed per block when following or on a
//! terminal), the once-per-kind reports of bad input on stderr, and `--strict`.

use crate::run::processor::Problem;
use std::io::{self, Write};

/// Where output and reports go: stdout (flushed per block when following or on a
/// terminal), the once-per-kind reports on stderr, and `--strict`.
pub struct Sink<W: Write, E: Write> {
    pub out: W,
    pub err: E,
    pub eager: bool,
    pub strict: bool,
    pub source: String,
    /// Reports name entries (`<stdin>: entry 3`) rather than lines (`<stdin>:3`): for
    /// inputs whose lines are not the input's.
    pub by_entry: bool,
    /// Following (`-f`, `--line-buffered`): `--merge` writes the events still open
    /// when a read ends, rather than waiting for their process's next line.
    pub live: bool,
    counts: [u64; 6],
}

/// `--strict` stopped at a bad line.
#[derive(Debug)]
pub struct StrictStop(pub String);

impl std::fmt::Display for StrictStop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StrictStop {}

impl<W: Write, E: Write> Sink<W, E> {
    pub fn new(out: W, err: E, eager: bool, strict: bool) -> Sink<W, E> {
        Sink {
            out,
            err,
            eager,
            strict,
            source: String::from("<stdin>"),
            by_entry: false,
            live: false,
            counts: [0; 6],
        }
    }

    /// Where the `number`th line or entry of the current input is, for a report.
    pub(crate) fn place(&self, number: u64) -> String {
        if self.by_entry {
            format!("{}: entry {number}", self.source)
        } else {
            format!("{}:{number}", self.source)
        }
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    pub(crate) fn block_done(&mut self) -> io::Result<()> {
        if self.eager {
            self.out.flush()?;
        }
        Ok(())
    }

    /// Report a bad line (the first of each kind in full); with `--strict`, stop.
    pub(crate) fn problem(
        &mut self,
        where_: &str,
        problem: Problem,
        detail: &str,
    ) -> anyhow::Result<()> {
        let what = format!("{}: {} ({detail})", where_, problem.code());
        if self.strict {
            self.out.flush()?;
            return Err(StrictStop(format!(
                "{what}; stopped by --strict (without it the line is shown as unparsed and the stream goes on)"
            ))
            .into());
        }
        let count = &mut self.counts[problem as usize];
        *count += 1;
        if *count == 1 {
            writeln!(
                self.err,
                "journal-fmt: warning: {what}: shown as [unparsed]; more lines like it are counted"
            )?;
        }
        Ok(())
    }

    /// The counts of bad lines, once at the end; true when there were any.
    pub fn finish(&mut self) -> io::Result<bool> {
        self.out.flush()?;
        let total: u64 = self.counts.iter().sum();
        if total > 0 {
            let parts: Vec<String> = Problem::ALL
                .iter()
                .filter(|p| self.counts[**p as usize] > 0)
                .map(|p| format!("{} {}", self.counts[*p as usize], p.code()))
                .collect();
            writeln!(
                self.err,
                "journal-fmt: warning: {total} input {} not read as journal entries: {}",
                if total == 1 { "line was" } else { "lines were" },
                parts.join(", ")
            )?;
        }
        Ok(total > 0)
    }
}
