//! Several journal files read as one stream, in journalctl's order: of the entries
//! each file would give next, the first by sequence number when two files share a
//! sequence-number source, else by monotonic time within one boot, else by wall
//! clock, else by content hash; an entry found in two files (a copy, a rotated file
//! read beside its successor) is given once. Which files a directory holds, as
//! `journalctl -D` and the system journal find them.

use super::file::{entry_of, Damage, JournalFile, Keep, RawEntry, Seek, Span};
use crate::entry::Entry;
use std::cmp::Ordering;
use std::path::{Path, PathBuf};

/// What reading a set of files met besides entries: a file that could not be
/// opened, or where one stopped making sense.
#[derive(Debug)]
pub enum Trouble {
    Unreadable(PathBuf, std::io::Error),
    /// The file ends here: what came before was read.
    Damaged(PathBuf, Damage),
    /// One entry that cannot be read is left out; the file goes on.
    EntrySkipped(PathBuf, Damage),
    /// A field of an entry cannot be read: the entry is shown without it.
    FieldSkipped(PathBuf, Damage),
    /// The file's index is damaged: the whole file is read instead.
    IndexUnusable(PathBuf, Damage),
}

impl Trouble {
    /// A file this user may not read.
    pub fn is_permission_denied(&self) -> bool {
        matches!(self, Trouble::Unreadable(_, e) if e.kind() == std::io::ErrorKind::PermissionDenied)
    }

    /// The file it is about.
    pub fn path(&self) -> &Path {
        match self {
            Trouble::Unreadable(p, _)
            | Trouble::Damaged(p, _)
            | Trouble::EntrySkipped(p, _)
            | Trouble::FieldSkipped(p, _)
            | Trouble::IndexUnusable(p, _) => p,
        }
    }
}

pub struct JournalSet {
    /// Each file with the entry it would give next (None: done).
    files: Vec<(JournalFile, Option<RawEntry>)>,
    pub troubles: Vec<Trouble>,
    /// The entry being given: its bytes and where its fields are in them.
    buf: Vec<u8>,
    spans: Vec<Span>,
    /// Newest first (as `journalctl -r`).
    reverse: bool,
    /// The set ends at the first entry received after this time (before it, in
    /// reverse), as journalctl's `--until` (`--since` with `-r`) stops reading.
    bound: Option<u64>,
    /// The fields each file's index narrows it to (`NAME=value`), if any.
    fields: Option<Vec<Vec<u8>>>,
    /// Which fields are read into entries.
    keep: Keep,
}

/// journalctl's order of two entries from files with these sequence-number sources.
fn compare(a: &RawEntry, a_source: &[u8; 16], b: &RawEntry, b_source: &[u8; 16]) -> Ordering {
    if a_source == b_source {
        match a.seqnum.cmp(&b.seqnum) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    if a.boot_id == b.boot_id {
        match a.monotonic.cmp(&b.monotonic) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    a.realtime
        .cmp(&b.realtime)
        .then(a.xor_hash.cmp(&b.xor_hash))
}

/// The same entry (in another file, or read twice).
fn same(a: &RawEntry, a_source: &[u8; 16], b: &RawEntry, b_source: &[u8; 16]) -> bool {
    a.boot_id == b.boot_id
        && a.monotonic == b.monotonic
        && a.realtime == b.realtime
        && a.xor_hash == b.xor_hash
        && a_source == b_source
        && a.seqnum == b.seqnum
}

impl JournalSet {
    /// Opens every file; one that cannot be read or is not a journal file is a
    /// trouble, and the others are still read.
    pub fn open(paths: &[PathBuf]) -> JournalSet {
        JournalSet::open_matching(paths, None)
    }

    /// Opens every file, to read only the entries holding one of `fields`
    /// (`NAME=value`) when they are given, found through each file's index. A file
    /// whose index is damaged is read whole, as if no field had been named.
    pub fn open_matching(paths: &[PathBuf], fields: Option<&[Vec<u8>]>) -> JournalSet {
        let mut set = JournalSet {
            files: Vec::new(),
            troubles: Vec::new(),
            buf: Vec::new(),
            spans: Vec::new(),
            reverse: false,
            bound: None,
            fields: fields.map(<[Vec<u8>]>::to_vec),
            keep: None,
        };
        for path in paths {
            set.add(path);
        }
        set
    }

    /// Opens one more file, its walk at its start, its first entry next in line.
    /// One that cannot be read is a trouble, and false.
    pub fn add(&mut self, path: &Path) -> bool {
        let path = path.to_path_buf();
        let mut file = match JournalFile::open(&path) {
            Err(e) => {
                self.troubles.push(Trouble::Unreadable(path, e));
                return false;
            }
            Ok(Err(d)) => {
                self.troubles.push(Trouble::Damaged(path, d));
                return false;
            }
            Ok(Ok(file)) => file,
        };
        let restricted = self
            .fields
            .as_deref()
            .map_or(Ok(()), |fields| file.restrict_to(fields));
        if let Err(d) = restricted {
            self.troubles.push(Trouble::IndexUnusable(path.clone(), d));
            // The whole file instead: the filters still apply.
            match JournalFile::open(&path) {
                Ok(Ok(whole)) => file = whole,
                Ok(Err(d)) => {
                    self.troubles.push(Trouble::Damaged(path, d));
                    return false;
                }
                Err(e) => {
                    self.troubles.push(Trouble::Unreadable(path, e));
                    return false;
                }
            }
        }
        file.keep = self.keep.clone();
        self.files.push((file, None));
        self.advance(self.files.len() - 1);
        true
    }

    /// Reads into entries only the fields `keep` names (by name; the others are
    /// left out of every entry given from now on).
    pub fn keep_only(&mut self, keep: Keep) {
        for (file, _) in &mut self.files {
            file.keep = keep.clone();
        }
        self.keep = keep;
    }

    /// Whether no file could be opened.
    /// Whether any file holds a value of one of `fields` that `matches` accepts
    /// (journalctl's expansion of `-u` globs into the units its files name). A file
    /// whose field index cannot be read counts as a match: its entries are read
    /// whole and filtered.
    pub fn any_value(&mut self, fields: &[&str], matches: impl Fn(&[u8]) -> bool) -> bool {
        self.files.iter_mut().any(|(file, _)| {
            fields
                .iter()
                .any(|field| match file.field_values(field.as_bytes()) {
                    Ok(values) => values.iter().any(|v| matches(v)),
                    Err(_) => true,
                })
        })
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files read, each as its device and inode (which file it is, whatever
    /// its name becomes), with its path.
    pub fn identities(&self) -> Vec<((u64, u64), PathBuf)> {
        self.files
            .iter()
            .filter_map(|(f, _)| Some((f.identity().ok()?, f.path.clone())))
            .collect()
    }

    /// Stops reading the file that is `identity` (deleted: its entries were read).
    pub fn remove(&mut self, identity: (u64, u64)) {
        self.files
            .retain(|(f, _)| f.identity().map_or(true, |id| id != identity));
    }

    /// Reads every file again for the entries its writer has added since: a file
    /// that had none left has its next one in line again.
    pub fn refresh(&mut self) {
        let mut i = 0;
        while i < self.files.len() {
            let path = self.files[i].0.path.clone();
            match self.files[i].0.refresh() {
                Err(e) => {
                    self.troubles.push(Trouble::Unreadable(path, e));
                    self.files.remove(i);
                    continue;
                }
                // Kept, where it stood: what its writer was doing may be done
                // next time.
                Ok(Err(d)) => self.troubles.push(Trouble::Damaged(path, d)),
                Ok(Ok(())) => {}
            }
            if self.files[i].1.is_none() {
                self.advance(i);
            }
            i += 1;
        }
    }

    /// Places every file's walk (`seek`) and sets the direction the set is read
    /// in, as journalctl seeks before it reads; `bound` ends the set at the first
    /// entry received after it (before it, in reverse).
    pub fn start(&mut self, seek: Seek, reverse: bool, bound: Option<u64>) {
        self.reverse = reverse;
        self.bound = bound;
        for i in 0..self.files.len() {
            self.files[i].0.seek(seek);
            self.advance(i);
        }
    }

    /// Moves file `i` to its next whole entry (the previous one, in reverse);
    /// damage ends the file (its entries so far have been given).
    fn advance(&mut self, i: usize) {
        let reverse = self.reverse;
        let (file, head) = &mut self.files[i];
        *head = None;
        loop {
            let step = if reverse {
                file.previous_offset()
            } else {
                file.next_offset()
            };
            match step {
                Ok(None) => return,
                Err(d) => {
                    // The list of entries itself is broken: the file ends here.
                    self.troubles.push(Trouble::Damaged(file.path.clone(), d));
                    return;
                }
                Ok(Some(offset)) if offset >= file.end() => {
                    // Entries lie in increasing order: the file was cut before this
                    // one. Read forwards, the file ends here; backwards, the entries
                    // past the cut come first, and are left out (the cut told once).
                    if !reverse || !std::mem::replace(&mut file.cut_told, true) {
                        let d = Damage {
                            offset,
                            what: format!(
                                "the file ends at {} bytes, before this entry (cut short)",
                                file.end()
                            ),
                        };
                        self.troubles.push(Trouble::Damaged(file.path.clone(), d));
                    }
                    if !reverse {
                        return;
                    }
                }
                Ok(Some(offset)) => match file.entry(offset) {
                    Ok(entry) => {
                        *head = Some(entry);
                        return;
                    }
                    // One broken entry is left out; the list goes on.
                    Err(d) => self
                        .troubles
                        .push(Trouble::EntrySkipped(file.path.clone(), d)),
                },
            }
        }
    }

    /// The next entry of the set, or `None` when every file is done.
    pub fn next_entry(&mut self) -> Option<Entry<'_>> {
        let (mut buf, mut spans) = (
            std::mem::take(&mut self.buf),
            std::mem::take(&mut self.spans),
        );
        buf.clear();
        spans.clear();
        let found = self.next_into(&mut buf, &mut spans);
        self.buf = buf;
        self.spans = spans;
        found.then(|| entry_of(&self.buf, &self.spans))
    }

    /// The next entry of the set in journalctl's order, unread (which file holds
    /// it, and its ENTRY object), or `None` when every file is done.
    pub fn next_located(&mut self) -> Option<Located> {
        self.next_raw().map(|(file, raw)| Located { file, raw })
    }

    /// Appends the entry `at` to `buf` and its fields to `spans` (as
    /// [`JournalSet::next_into`] does for the next one).
    pub fn read_located(&mut self, at: &Located, buf: &mut Vec<u8>, spans: &mut Vec<Span>) {
        if let Some(d) = self.files[at.file].0.read_entry_into(&at.raw, buf, spans) {
            let path = self.files[at.file].0.path.clone();
            self.troubles.push(Trouble::FieldSkipped(path, d));
        }
    }

    fn next_raw(&mut self) -> Option<(usize, RawEntry)> {
        let mut best: Option<usize> = None;
        for i in 0..self.files.len() {
            let Some(entry) = &self.files[i].1 else {
                continue;
            };
            let better = match best {
                None => true,
                Some(b) => {
                    let (bf, be) = (&self.files[b].0, self.files[b].1.as_ref());
                    let wanted = if self.reverse {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    };
                    be.is_none_or(|be| {
                        compare(
                            entry,
                            &self.files[i].0.header.seqnum_id,
                            be,
                            &bf.header.seqnum_id,
                        ) == wanted
                    })
                }
            };
            if better {
                best = Some(i);
            }
        }
        let b = best?;
        let raw = self.files[b].1.clone()?;
        if let Some(bound) = self.bound {
            let past = if self.reverse {
                raw.realtime < bound
            } else {
                raw.realtime > bound
            };
            if past {
                // As journalctl: reading stops at the first entry past the bound.
                for (_, head) in &mut self.files {
                    *head = None;
                }
                return None;
            }
        }
        let source = self.files[b].0.header.seqnum_id;
        // The same entry in other files is given once.
        for i in 0..self.files.len() {
            if i == b {
                continue;
            }
            let dup = self.files[i]
                .1
                .as_ref()
                .is_some_and(|e| same(e, &self.files[i].0.header.seqnum_id, &raw, &source));
            if dup {
                self.advance(i);
            }
        }
        self.advance(b);
        Some((b, raw))
    }

    /// Appends the next entry of the set to `buf` and its fields to `spans`; false
    /// when every file is done.
    pub fn next_into(&mut self, buf: &mut Vec<u8>, spans: &mut Vec<Span>) -> bool {
        let Some(at) = self.next_located() else {
            return false;
        };
        self.read_located(&at, buf, spans);
        true
    }

    /// The boot of the newest entry of the set, if it has any.
    pub fn last_boot(&mut self) -> Option<[u8; 16]> {
        self.start(Seek::Tail, true, None);
        self.next_located().map(|at| at.raw.boot_id)
    }

    /// The boots the set holds, in the order their first entries come, each with
    /// the times of its first and last entry (as `journalctl --list-boots`).
    pub fn boots(&mut self) -> Vec<Boot> {
        let mut boots: Vec<Boot> = Vec::new();
        while let Some((_, raw)) = self.next_raw() {
            match boots.iter_mut().rev().find(|b| b.id == raw.boot_id) {
                Some(boot) => {
                    boot.first = boot.first.min(raw.realtime);
                    boot.last = boot.last.max(raw.realtime);
                }
                None => boots.push(Boot {
                    id: raw.boot_id,
                    first: raw.realtime,
                    last: raw.realtime,
                }),
            }
        }
        boots
    }
}

/// An entry of the set, not read yet: which file holds it, and its ENTRY object.
#[derive(Debug, Clone)]
pub struct Located {
    file: usize,
    pub raw: RawEntry,
}

/// One boot in a set of journal files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Boot {
    pub id: [u8; 16],
    /// Microseconds since the epoch of its first and last entries.
    pub first: u64,
    pub last: u64,
}

/// The journal files of a directory as `journalctl -D` reads them: `*.journal` and
/// `*.journal~` in it and in its subdirectories one level down (the machine ID
/// directories), sorted by path.
pub fn files_in(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            dirs.push(path);
        }
    }
    for d in dirs {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if (name.ends_with(".journal") || name.ends_with(".journal~")) && path.is_file() {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}
