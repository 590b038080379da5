//! What reading journal files met (a file that cannot be read, one damaged or cut
//! short), said on stderr as it comes: the first few of each file, then a count.

use super::sink::Sink;
use crate::input::journal::sources::{reads_every_journal, GROUPS_HINT};
use crate::input::journal::Trouble;
use std::io::Write;

/// At most this many warnings per file; the rest are counted.
const TOLD_PER_FILE: usize = 5;

/// What the files met, said on stderr as it comes: the first few of each file, then
/// a count at the end.
#[derive(Default)]
pub(super) struct Teller {
    /// How many troubles each file has had.
    counts: std::collections::BTreeMap<std::path::PathBuf, usize>,
    /// Files this user may not read.
    denied: usize,
}

impl Teller {
    pub(super) fn tell<W: Write, E: Write>(
        &mut self,
        troubles: impl Iterator<Item = Trouble>,
        sink: &mut Sink<W, E>,
    ) -> anyhow::Result<()> {
        for trouble in troubles {
            self.denied += usize::from(trouble.is_permission_denied());
            let count = self.counts.entry(trouble.path().to_path_buf()).or_default();
            *count += 1;
            if *count > TOLD_PER_FILE {
                continue;
            }
            let more = if *count == TOLD_PER_FILE {
                "; further damage in this file is counted at the end"
            } else {
                ""
            };
            sink.out.flush()?;
            let (path, what) = match &trouble {
                Trouble::Unreadable(path, e) => {
                    let why = relkit_common::input::describe_io_error(e);
                    let what = format!(
                        "cannot read {}: {why}; the other files are read",
                        path.display()
                    );
                    writeln!(sink.err, "journal-fmt: warning: {what}")?;
                    continue;
                }
                Trouble::Damaged(path, d) => (
                    path,
                    format!(
                        "{d}; the entries before it are shown, the rest of the file is not read"
                    ),
                ),
                Trouble::EntrySkipped(path, d) => (path, format!("{d}; that entry is left out")),
                Trouble::IndexUnusable(path, d) => (
                    path,
                    format!("its index is damaged {d}; the whole file is read instead"),
                ),
                Trouble::FieldSkipped(path, d) => {
                    (path, format!("{d}; the entry is shown without that field"))
                }
            };
            writeln!(
                sink.err,
                "journal-fmt: warning: {}: {what}{more}",
                path.display()
            )?;
        }
        Ok(())
    }

    /// The count of warnings not shown, per file, once at the end.
    pub(super) fn finish<W: Write, E: Write>(&self, sink: &mut Sink<W, E>) -> anyhow::Result<()> {
        if self.denied > 0 && !reads_every_journal() {
            writeln!(sink.err, "journal-fmt: hint: {GROUPS_HINT}")?;
        }
        for (path, &count) in &self.counts {
            if count > TOLD_PER_FILE {
                writeln!(
                    sink.err,
                    "journal-fmt: warning: {}: {} more damaged entries or fields were left out",
                    path.display(),
                    count - TOLD_PER_FILE
                )?;
            }
        }
        Ok(())
    }
}
