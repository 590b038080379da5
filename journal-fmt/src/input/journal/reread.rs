//! A journal file read again as its writer adds to it (`-f`): the header looked at
//! first, and only when it says entries were added, the windows dropped and the
//! lists of entries read anew, the walk kept where it stood.

use super::file::{damage, Damage, Header, JournalFile, HEADER_MIN};
use std::io;

impl JournalFile {
    /// Reads the file again for what its writer added since it was opened (or last
    /// refreshed): the header, the lists of entries, the walk kept where it stood.
    pub fn refresh(&mut self) -> io::Result<Result<(), Damage>> {
        // Most files do not change (archived ones never do): a look at the header
        // alone tells, without dropping the windows or reading the lists again.
        if let Ok(head) = self.windows.fresh(0, HEADER_MIN as usize) {
            let same = Header::read(&head).is_ok_and(|now| {
                now.n_entries == self.header.n_entries
                    && now.arena_size == self.header.arena_size
                    && now.entry_array_offset == self.header.entry_array_offset
            });
            if same {
                return Ok(Ok(()));
            }
        }
        let mut walk = std::mem::take(&mut self.walk);
        let boundary = walk.boundary(self);
        self.walk = walk;
        let boundary = match boundary {
            Ok(boundary) => boundary,
            Err(d) => return Ok(Err(d)),
        };
        let kept = std::mem::take(&mut self.walk);
        let grown = self.reread(boundary);
        if let Ok(Err(_)) | Err(_) = &grown {
            // Damage met while the writer is at work may be gone next time: the
            // walk stays where it stood.
            self.walk = kept;
        }
        grown
    }

    /// [`JournalFile::refresh`] past the walk's `boundary`.
    fn reread(&mut self, boundary: Option<u64>) -> io::Result<Result<(), Damage>> {
        self.windows.reload()?;
        let size = self.windows.file_len();
        if size < HEADER_MIN {
            return Ok(damage(0, "shorter than a journal file's header"));
        }
        let head = self.windows.bytes(0, HEADER_MIN as usize)?.to_vec();
        match Header::read(&head) {
            Ok(header) => self.header = header,
            Err(d) => return Ok(Err(d)),
        }
        self.end = self
            .header
            .header_size
            .saturating_add(self.header.arena_size)
            .min(size);
        self.walk = self.every_entry();
        if let Some(fields) = self.fields.clone() {
            if let Err(d) = self.restrict_to(&fields) {
                return Ok(Err(d));
            }
        }
        if let Some(offset) = boundary {
            let mut walk = std::mem::take(&mut self.walk);
            let placed = walk.wind_past(self, offset);
            self.walk = walk;
            if let Err(d) = placed {
                return Ok(Err(d));
            }
        }
        Ok(Ok(()))
    }
}
