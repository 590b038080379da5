//! One journal file read as systemd's JOURNAL_FILE_FORMAT describes it: the header,
//! the chain of entry arrays that lists every entry in order, each ENTRY object and
//! the DATA objects it points to, in regular or compact form, their payloads
//! compressed with XZ, LZ4 or Zstandard or not. Every offset read is checked
//! (alignment, the file's length, the object's type and size) before it is followed:
//! a file still being written, cut short by a crash or damaged gives its whole
//! entries and a [`Damage`] saying where it stopped making sense.

use super::compress::{lz4, xz, zstd};
pub use super::damage::{damage, Damage};
use super::list::{Arrays, Chain, Walk};
use super::window::Windows;
use crate::entry::Entry;
use std::io;
use std::path::{Path, PathBuf};

pub const SIGNATURE: &[u8; 8] = b"LPKSHHRH";

const INCOMPATIBLE_XZ: u32 = 1 << 0;
const INCOMPATIBLE_LZ4: u32 = 1 << 1;
pub(super) const INCOMPATIBLE_KEYED_HASH: u32 = 1 << 2;
const INCOMPATIBLE_ZSTD: u32 = 1 << 3;
const INCOMPATIBLE_COMPACT: u32 = 1 << 4;
const INCOMPATIBLE_KNOWN: u32 = INCOMPATIBLE_XZ
    | INCOMPATIBLE_LZ4
    | INCOMPATIBLE_KEYED_HASH
    | INCOMPATIBLE_ZSTD
    | INCOMPATIBLE_COMPACT;

pub(super) const OBJECT_DATA: u8 = 1;
pub(super) const OBJECT_FIELD: u8 = 2;
const OBJECT_ENTRY: u8 = 3;
pub(super) const OBJECT_ENTRY_ARRAY: u8 = 6;

const COMPRESSED_XZ: u8 = 1 << 0;
const COMPRESSED_LZ4: u8 = 1 << 1;
const COMPRESSED_ZSTD: u8 = 1 << 2;

/// The object header: type, flags, reserved, size.
pub(super) const OBJECT_HEADER: u64 = 16;
/// ENTRY: the object header, seqnum, realtime, monotonic, boot ID, xor hash.
const ENTRY_HEADER: u64 = OBJECT_HEADER + 8 + 8 + 8 + 16 + 8;
/// DATA: the object header, hash, next hash, next field, entry, entry array, count.
pub(super) const DATA_HEADER: u64 = OBJECT_HEADER + 6 * 8;
/// The header fields every version of the format has (up to `n_data`).
pub(super) const HEADER_MIN: u64 = 208;
/// The largest field a journal file is read with (journald itself stores at most
/// 768 MiB in one DATA object; a larger size is damage, not data).
const MAX_FIELD: u64 = 768 << 20;

/// What the header says that reading needs.
#[derive(Debug, Clone)]
pub struct Header {
    pub incompatible: u32,
    pub file_id: [u8; 16],
    pub data_hash_table_offset: u64,
    pub data_hash_table_size: u64,
    pub field_hash_table_offset: u64,
    pub field_hash_table_size: u64,
    pub seqnum_id: [u8; 16],
    pub header_size: u64,
    pub arena_size: u64,
    pub n_entries: u64,
    pub entry_array_offset: u64,
}

impl Header {
    /// The header's fields from its first bytes; a file that is not a journal
    /// file, or uses a feature this reader does not know, is damage at offset 0.
    pub(super) fn read(head: &[u8]) -> Result<Header, Damage> {
        if !is_journal(head) {
            return damage(0, "not a journal file (no LPKSHHRH signature)");
        }
        let incompatible = u32_at(head, 12);
        if incompatible & !INCOMPATIBLE_KNOWN != 0 {
            return damage(
                0,
                format!("uses features this reader does not know (incompatible flags {incompatible:#x}); read it with journalctl"),
            );
        }
        let header = Header {
            incompatible,
            file_id: id_at(head, 24),
            data_hash_table_offset: u64_at(head, 104),
            data_hash_table_size: u64_at(head, 112),
            field_hash_table_offset: u64_at(head, 120),
            field_hash_table_size: u64_at(head, 128),
            seqnum_id: id_at(head, 72),
            header_size: u64_at(head, 88),
            arena_size: u64_at(head, 96),
            n_entries: u64_at(head, 152),
            entry_array_offset: u64_at(head, 176),
        };
        if header.header_size < HEADER_MIN || !header.header_size.is_multiple_of(8) {
            return damage(88, format!("a header size of {}", header.header_size));
        }
        Ok(header)
    }
}

/// An ENTRY object's own fields and the offsets of its DATA objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEntry {
    pub seqnum: u64,
    pub realtime: u64,
    pub monotonic: u64,
    pub boot_id: [u8; 16],
    pub xor_hash: u64,
    pub items: Vec<u64>,
}

impl Arrays for JournalFile {
    fn entry_array(&mut self, at: u64) -> Result<(u64, u64), Damage> {
        let (_, size) = self.object(at, OBJECT_ENTRY_ARRAY, OBJECT_HEADER + 8)?;
        let width = if self.compact { 4 } else { 8 };
        let next = self
            .windows
            .u64_at(at + OBJECT_HEADER)
            .or_else(|_| damage(at, "an entry array cut short"))?;
        Ok(((size - OBJECT_HEADER - 8) / width, next))
    }

    fn array_item(&mut self, array: u64, index: u64) -> Result<u64, Damage> {
        let width = if self.compact { 4 } else { 8 };
        let place = array + OBJECT_HEADER + 8 + index * width;
        let bytes = self
            .windows
            .bytes(place, width as usize)
            .or_else(|_| damage(place, "an entry array cut short"))?;
        Ok(if self.compact {
            u64::from(u32_at(bytes, 0))
        } else {
            u64_at(bytes, 0)
        })
    }

    fn realtime_of(&mut self, offset: u64) -> Result<u64, Damage> {
        self.object(offset, OBJECT_ENTRY, ENTRY_HEADER)?;
        self.windows
            .u64_at(offset + 24)
            .or_else(|_| damage(offset, "an entry cut short"))
    }
}

/// Where a walk through a file's entries is placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek {
    Head,
    Tail,
    /// Before the first entry received at `usec` or later (`after`: later only).
    Time {
        usec: u64,
        after: bool,
    },
}

pub struct JournalFile {
    pub path: PathBuf,
    pub header: Header,
    pub(super) windows: Windows,
    pub(super) compact: bool,
    /// The end of the part of the file objects may be in.
    pub(super) end: u64,
    /// Where reading stands in the file's list of entries (or, when filters named
    /// fields the index can find, in the lists of the entries holding them).
    pub(super) walk: Walk,
    /// The fields the walk is restricted to ([`JournalFile::restrict_to`]).
    pub(super) fields: Option<Vec<Vec<u8>>>,
    /// Which fields are read into entries (the others are left out).
    pub keep: Keep,
    /// Whether the file's being cut short has been told (read backwards, the
    /// entries past the cut come one after another).
    pub(super) cut_told: bool,
    /// Small fields read lately, by offset: most entries share most of their
    /// fields (the unit, the host, the PID, the priority).
    recent: Vec<Recent>,
}

/// Which fields are read into entries, by name (`None`: all).
pub type Keep = Option<std::sync::Arc<dyn Fn(&[u8]) -> bool + Send + Sync>>;

/// A field read lately: its DATA object's offset, whether it is kept, and its
/// payload (`NAME=value`, decompressed), with where its name ends.
#[derive(Default, Clone)]
struct Recent {
    offset: u64,
    kept: bool,
    eq: usize,
    payload: Vec<u8>,
}

/// Fields remembered, and the largest remembered.
const RECENT: usize = 2048;
const RECENT_MAX: usize = 256;

/// Whether `bytes` start as a journal file does.
pub fn is_journal(bytes: &[u8]) -> bool {
    bytes.starts_with(SIGNATURE)
}

pub(super) fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap_or([0; 4]))
}

pub(super) fn u64_at(bytes: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap_or([0; 8]))
}

fn id_at(bytes: &[u8], at: usize) -> [u8; 16] {
    bytes[at..at + 16].try_into().unwrap_or([0; 16])
}

impl JournalFile {
    /// Opens a journal file and reads its header. An I/O error is the caller's to
    /// report; a file that is not a journal file, or one with a feature this reader
    /// does not know, is a [`Damage`] at offset 0.
    pub fn open(path: &Path) -> io::Result<Result<JournalFile, Damage>> {
        let file = std::fs::File::open(path)?;
        let mut windows = Windows::new(file)?;
        let size = windows.file_len();
        if size < HEADER_MIN {
            return Ok(damage(0, "shorter than a journal file's header"));
        }
        let head = windows.bytes(0, HEADER_MIN as usize)?.to_vec();
        let header = match Header::read(&head) {
            Ok(header) => header,
            Err(d) => return Ok(Err(d)),
        };
        // Objects lie in the arena; a file cut short has fewer bytes than it says.
        let end = header
            .header_size
            .saturating_add(header.arena_size)
            .min(size);
        let mut file = JournalFile {
            path: path.to_path_buf(),
            compact: header.incompatible & INCOMPATIBLE_COMPACT != 0,
            fields: None,
            keep: None,
            cut_told: false,
            recent: Vec::new(),
            end,
            walk: Walk::default(),
            header,
            windows,
        };
        file.walk = file.every_entry();
        Ok(Ok(file))
    }

    /// The type, flags and size of the object at `offset`, checked to lie whole in
    /// the arena and to be of `kind`.
    pub(super) fn object(&mut self, offset: u64, kind: u8, min: u64) -> Result<(u8, u64), Damage> {
        if !offset.is_multiple_of(8) || offset < self.header.header_size || offset >= self.end {
            return damage(offset, "an object offset outside the file");
        }
        let head = match self.windows.bytes(offset, OBJECT_HEADER as usize) {
            Ok(head) => head,
            Err(_) => return damage(offset, "an object cut short"),
        };
        let (found, flags, size) = (head[0], head[1], u64_at(head, 8));
        if found != kind {
            return damage(
                offset,
                format!("an object of type {found} where type {kind} belongs"),
            );
        }
        if size < min || offset.checked_add(size).is_none_or(|end| end > self.end) {
            return damage(
                offset,
                format!("an object of {size} bytes that does not fit the file"),
            );
        }
        Ok((flags, size))
    }

    /// Where the objects of the file end (its header's arena, or its length when it
    /// was cut short).
    pub fn end(&self) -> u64 {
        self.end
    }

    /// A walk through every entry, at the start.
    pub(super) fn every_entry(&mut self) -> Walk {
        let (array, count) = (self.header.entry_array_offset, self.header.n_entries);
        Walk::over(vec![Chain::read(self, None, array, count)])
    }

    /// The file's device and inode: which file it is, whatever its name becomes.
    pub fn identity(&self) -> io::Result<(u64, u64)> {
        self.windows.identity()
    }

    /// The offset of the next entry in the file's order, `None` at the end.
    pub fn next_offset(&mut self) -> Result<Option<u64>, Damage> {
        let mut walk = std::mem::take(&mut self.walk);
        let next = walk.next(self);
        self.walk = walk;
        next
    }

    /// The offset of the entry before the walk's place, `None` at the start.
    pub fn previous_offset(&mut self) -> Result<Option<u64>, Damage> {
        let mut walk = std::mem::take(&mut self.walk);
        let previous = walk.previous(self);
        self.walk = walk;
        previous
    }

    /// Places the walk before the first entry (`Seek::Head`), after the last, or
    /// before the first entry received at or after a time (or after it).
    pub fn seek(&mut self, to: Seek) {
        match to {
            Seek::Head => self.walk.rewind(),
            Seek::Tail => self.walk.wind_to_end(),
            Seek::Time { usec, after } => {
                let mut walk = std::mem::take(&mut self.walk);
                walk.wind_to_time(self, usec, after);
                self.walk = walk;
            }
        }
    }

    /// The ENTRY object at `offset`.
    pub fn entry(&mut self, offset: u64) -> Result<RawEntry, Damage> {
        let (_, size) = self.object(offset, OBJECT_ENTRY, ENTRY_HEADER)?;
        let width: u64 = if self.compact { 4 } else { 16 };
        let count = (size - ENTRY_HEADER) / width;
        let bytes = self
            .windows
            .bytes(offset, size as usize)
            .or_else(|_| damage(offset, "an entry cut short"))?;
        // The checks journalctl makes before it uses an entry: a whole number of
        // items and at least one, a sequence number, times within range.
        if !(size - ENTRY_HEADER).is_multiple_of(width) || count == 0 {
            return damage(offset, format!("an entry of {size} bytes"));
        }
        let (seqnum, realtime, monotonic) =
            (u64_at(bytes, 16), u64_at(bytes, 24), u64_at(bytes, 32));
        if seqnum == 0 || realtime == 0 || realtime >= 1 << 55 || monotonic >= 1 << 55 {
            return damage(
                offset,
                "an entry whose sequence number or time is out of range",
            );
        }
        let items = (0..count as usize)
            .map(|i| {
                let at = ENTRY_HEADER as usize + i * width as usize;
                if width == 4 {
                    u64::from(u32_at(bytes, at))
                } else {
                    u64_at(bytes, at)
                }
            })
            .collect();
        Ok(RawEntry {
            seqnum,
            realtime,
            monotonic,
            boot_id: id_at(bytes, 40),
            xor_hash: u64_at(bytes, 56),
            items,
        })
    }

    /// Appends the payload of the DATA object at `offset` (`FIELD=value`) to `out`,
    /// decompressed.
    pub fn data_into(&mut self, offset: u64, out: &mut Vec<u8>) -> Result<(), Damage> {
        let header = DATA_HEADER + if self.compact { 8 } else { 0 };
        let (flags, size) = self.object(offset, OBJECT_DATA, header)?;
        if size - header > MAX_FIELD {
            return damage(offset, format!("a field of {} bytes", size - header));
        }
        let links = self
            .windows
            .bytes(offset + 24, 32)
            .or_else(|_| damage(offset, "a field cut short"))?;
        // journalctl's checks: links to other objects 8-byte aligned, a payload, at
        // most one compression.
        if (0..4).any(|i| !u64_at(links, i * 8).is_multiple_of(8)) || size == header {
            return damage(offset, "a field object with broken links");
        }
        let stored = self
            .windows
            .bytes(offset + header, (size - header) as usize)
            .or_else(|_| damage(offset, "a field cut short"))?;
        let compression = flags & (COMPRESSED_XZ | COMPRESSED_LZ4 | COMPRESSED_ZSTD);
        let decompressed = match compression {
            0 => {
                out.extend_from_slice(stored);
                return Ok(());
            }
            COMPRESSED_ZSTD => zstd(stored),
            COMPRESSED_XZ => xz(stored),
            COMPRESSED_LZ4 => lz4(stored),
            _ => Err(format!("compression flags {compression:#x}")),
        };
        match decompressed {
            Ok(payload) => {
                out.extend_from_slice(&payload);
                Ok(())
            }
            Err(why) => damage(
                offset,
                format!("a compressed field that does not decompress: {why}"),
            ),
        }
    }

    /// The entry as `journalctl -o export` gives it, written into `buf` with the
    /// place of each field's name and value in `spans`: the cursor, the two
    /// timestamps and the boot ID from the ENTRY object, then its fields in the order
    /// the object lists them (a `_BOOT_ID=` field is left out: the boot ID was given).
    /// A field that cannot be read is left out, and the first such is returned.
    /// The entry is appended: what `buf` and `spans` held stays.
    pub fn read_entry_into(
        &mut self,
        raw: &RawEntry,
        buf: &mut Vec<u8>,
        spans: &mut Vec<Span>,
    ) -> Option<Damage> {
        let keep = self.keep.clone();
        let kept = |name: &[u8]| keep.as_ref().is_none_or(|keep| keep(name));
        let mut field = |buf: &mut Vec<u8>, name: &[u8], value: &dyn Fn(&mut Vec<u8>)| {
            if !kept(name) {
                return;
            }
            let name_at = buf.len();
            buf.extend_from_slice(name);
            let value_at = buf.len();
            value(buf);
            spans.push(Span {
                name: name_at..value_at,
                value: value_at..buf.len(),
            });
        };
        let seqnum_id = self.header.seqnum_id;
        field(buf, b"__CURSOR", &|buf| {
            buf.extend_from_slice(b"s=");
            push_id(buf, &seqnum_id);
            buf.extend_from_slice(b";i=");
            push_hex(buf, raw.seqnum);
            buf.extend_from_slice(b";b=");
            push_id(buf, &raw.boot_id);
            buf.extend_from_slice(b";m=");
            push_hex(buf, raw.monotonic);
            buf.extend_from_slice(b";t=");
            push_hex(buf, raw.realtime);
            buf.extend_from_slice(b";x=");
            push_hex(buf, raw.xor_hash);
        });
        field(buf, b"__REALTIME_TIMESTAMP", &|buf| {
            buf.extend_from_slice(itoa::Buffer::new().format(raw.realtime).as_bytes())
        });
        field(buf, b"__MONOTONIC_TIMESTAMP", &|buf| {
            buf.extend_from_slice(itoa::Buffer::new().format(raw.monotonic).as_bytes())
        });
        field(buf, b"_BOOT_ID", &|buf| push_id(buf, &raw.boot_id));
        if self.recent.is_empty() {
            self.recent = vec![Recent::default(); RECENT];
        }
        let mut skipped = None;
        for &item in &raw.items {
            let slot = (item >> 3) as usize % RECENT;
            let start = buf.len();
            let eq = if self.recent[slot].offset == item && item != 0 {
                let recent = &self.recent[slot];
                if !recent.kept {
                    continue;
                }
                buf.extend_from_slice(&recent.payload);
                recent.eq
            } else {
                // As journalctl: a field whose object is broken is left out, the
                // entry shown without it.
                if let Err(d) = self.data_into(item, buf) {
                    buf.truncate(start);
                    skipped.get_or_insert(d);
                    continue;
                }
                let Some(eq) = memchr::memchr(b'=', &buf[start..]) else {
                    buf.truncate(start);
                    skipped.get_or_insert(Damage {
                        offset: item,
                        what: "a field without '='".into(),
                    });
                    continue;
                };
                // _BOOT_ID was given from the entry itself.
                let is_kept =
                    &buf[start..start + eq] != b"_BOOT_ID" && kept(&buf[start..start + eq]);
                let payload = &buf[start..];
                if payload.len() <= RECENT_MAX {
                    let recent = &mut self.recent[slot];
                    recent.offset = item;
                    recent.kept = is_kept;
                    recent.eq = eq;
                    recent.payload.clear();
                    recent.payload.extend_from_slice(payload);
                }
                if !is_kept {
                    buf.truncate(start);
                    continue;
                }
                eq
            };
            spans.push(Span {
                name: start..start + eq,
                value: start + eq + 1..buf.len(),
            });
        }
        skipped
    }
}

/// Where one field's name and value are in an entry's buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub name: std::ops::Range<usize>,
    pub value: std::ops::Range<usize>,
}

/// The entry `spans` describe in `buf`, borrowing from it.
pub fn entry_of<'b>(buf: &'b [u8], spans: &[Span]) -> Entry<'b> {
    let mut entry = Entry::default();
    entry.fields.reserve(spans.len());
    for span in spans {
        let name = &buf[span.name.clone()];
        // Field names are ASCII by journald's rules; a damaged one is shown lossily.
        let name = match std::str::from_utf8(name) {
            Ok(name) => std::borrow::Cow::Borrowed(name),
            Err(_) => String::from_utf8_lossy(name),
        };
        entry.push(name, Some(&buf[span.value.clone()]));
    }
    entry
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// An ID as journalctl writes it: 32 lowercase hex digits.
pub fn hex_id(id: &[u8; 16]) -> String {
    let mut buf = Vec::with_capacity(32);
    push_id(&mut buf, id);
    String::from_utf8(buf).unwrap_or_default()
}

/// An ID as journalctl writes it: 32 lowercase hex digits.
fn push_id(buf: &mut Vec<u8>, id: &[u8; 16]) {
    for b in id {
        buf.push(HEX[usize::from(b >> 4)]);
        buf.push(HEX[usize::from(b & 15)]);
    }
}

/// A number in lowercase hex without leading zeros (`%llx`).
fn push_hex(buf: &mut Vec<u8>, n: u64) {
    let digits = (64 - n.leading_zeros()).div_ceil(4).max(1);
    for i in (0..digits).rev() {
        buf.push(HEX[((n >> (i * 4)) & 15) as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_numbers_are_written_as_journalctl_writes_them() {
        let mut buf = Vec::new();
        for (n, hex) in [
            (0u64, "0"),
            (1, "1"),
            (0x1bca9, "1bca9"),
            (u64::MAX, "ffffffffffffffff"),
        ] {
            buf.clear();
            push_hex(&mut buf, n);
            assert_eq!(buf, hex.as_bytes());
        }
        buf.clear();
        push_id(&mut buf, &[0xab; 16]);
        assert_eq!(buf, "ab".repeat(16).as_bytes());
    }
}
