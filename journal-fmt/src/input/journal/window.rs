//! A file read through a few windows of bytes, so that memory stays bounded however
//! large the journal file is (no mmap: it would need `unsafe`, and a file truncated
//! under a mapping kills the process with SIGBUS).

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// Bytes read at a time: most objects are far smaller, and entries that follow each
/// other sit close together.
const WINDOW: usize = 1 << 16;
/// Windows kept: the entry array, the entries, and the data objects they share.
const KEPT: usize = 16;

pub struct Windows {
    file: File,
    /// The file's length when it was opened (or last looked at).
    len: u64,
    /// `(start, bytes, last use)`.
    kept: Vec<(u64, Vec<u8>, u64)>,
    clock: u64,
    /// The window used last: most reads fall in it again.
    last: usize,
}

impl Windows {
    pub fn new(file: File) -> io::Result<Windows> {
        let len = file.metadata()?.len();
        Ok(Windows {
            file,
            len,
            kept: Vec::new(),
            clock: 0,
            last: 0,
        })
    }

    pub fn file_len(&self) -> u64 {
        self.len
    }

    /// Looks at the file again, for what its writer has added since: its length
    /// anew, and no window kept (bytes already read may have changed: the header,
    /// the last entry array's free items).
    pub fn reload(&mut self) -> io::Result<()> {
        self.len = self.file.metadata()?.len();
        self.kept.clear();
        self.last = 0;
        Ok(())
    }

    /// `len` bytes at `offset` read from the file now, past the windows kept (and
    /// not kept): a look at what may have changed.
    pub fn fresh(&self, offset: u64, len: usize) -> io::Result<Vec<u8>> {
        let mut bytes = vec![0; len];
        self.file.read_exact_at(&mut bytes, offset)?;
        Ok(bytes)
    }

    /// The file's device and inode: the file whatever its name becomes.
    pub fn identity(&self) -> io::Result<(u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        let meta = self.file.metadata()?;
        Ok((meta.dev(), meta.ino()))
    }

    /// `len` bytes at `offset`, or an error when they are not all in the file.
    pub fn bytes(&mut self, offset: u64, len: usize) -> io::Result<&[u8]> {
        let end = offset
            .checked_add(len as u64)
            .filter(|&end| end <= self.len)
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::UnexpectedEof, "past the end of the file")
            })?;
        self.clock += 1;
        let clock = self.clock;
        let holds = |(start, bytes, _): &(u64, Vec<u8>, u64)| {
            *start <= offset && end <= start + bytes.len() as u64
        };
        let found = match self.kept.get(self.last) {
            Some(window) if holds(window) => Some(self.last),
            _ => self.kept.iter().position(holds),
        };
        if let Some(at) = found {
            self.last = at;
            let (start, bytes, used) = &mut self.kept[at];
            *used = clock;
            let from = (offset - *start) as usize;
            return Ok(&bytes[from..from + len]);
        }
        // Windows lie on multiples of their size, so that reading backwards (a
        // list walked from its end) finds the bytes before in the same window.
        let start = offset - offset % WINDOW as u64;
        let size = (end - start).div_ceil(WINDOW as u64) * WINDOW as u64;
        let size = size.min(self.len - start) as usize;
        let mut bytes = vec![0; size];
        self.file.read_exact_at(&mut bytes, start)?;
        let from = (offset - start) as usize;
        let slot = if self.kept.len() < KEPT {
            self.kept.push((start, bytes, clock));
            self.kept.len() - 1
        } else {
            let oldest = (0..self.kept.len())
                .min_by_key(|&i| self.kept[i].2)
                .unwrap_or(0);
            self.kept[oldest] = (start, bytes, clock);
            oldest
        };
        self.last = slot;
        Ok(&self.kept[slot].1[from..from + len])
    }

    pub fn u64_at(&mut self, offset: u64) -> io::Result<u64> {
        let b = self.bytes(offset, 8)?;
        Ok(u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn reads_across_windows_and_refuses_past_the_end() {
        let mut file = tempfile::tempfile().unwrap();
        let data: Vec<u8> = (0..(3 * WINDOW + 17)).map(|i| (i % 251) as u8).collect();
        file.write_all(&data).unwrap();
        let mut w = Windows::new(file).unwrap();
        for offset in [0, 5, WINDOW - 3, 2 * WINDOW + 1, 3 * WINDOW] {
            assert_eq!(
                w.bytes(offset as u64, 17).unwrap(),
                &data[offset..offset + 17]
            );
        }
        let big = w.bytes(1, 2 * WINDOW).unwrap().to_vec();
        assert_eq!(big, &data[1..1 + 2 * WINDOW]);
        assert!(w.bytes(data.len() as u64 - 4, 8).is_err());
        assert!(w.bytes(u64::MAX - 2, 8).is_err());
    }
}
