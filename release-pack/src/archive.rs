//! Reading a release tarball entry by entry, streaming: the one reader `list`,
//! `inspect`, `verify` and `unpack` share.

use anyhow::{anyhow, Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Read;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Directory,
    Symlink,
    Hardlink,
    Device,
    Fifo,
    Other,
}

impl Kind {
    fn from_tar(t: tar::EntryType) -> Kind {
        match t {
            tar::EntryType::Regular | tar::EntryType::Continuous => Kind::File,
            tar::EntryType::Directory => Kind::Directory,
            tar::EntryType::Symlink => Kind::Symlink,
            tar::EntryType::Link => Kind::Hardlink,
            tar::EntryType::Char | tar::EntryType::Block => Kind::Device,
            tar::EntryType::Fifo => Kind::Fifo,
            _ => Kind::Other,
        }
    }

    /// The type letter `tar tv` shows.
    pub fn letter(self) -> char {
        match self {
            Kind::File => '-',
            Kind::Directory => 'd',
            Kind::Symlink => 'l',
            Kind::Hardlink => 'h',
            Kind::Device => 'c',
            Kind::Fifo => 'p',
            Kind::Other => '?',
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The name as stored (lossy UTF-8).
    pub name: String,
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Permission bits, type bits masked off.
    pub mode: u32,
    pub size: u64,
    pub mtime: u64,
    pub uid: u64,
    pub gid: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl relkit_common::json::Document for Entry {
    const KIND: &'static str = "release-pack.entry";
}

/// A gzip-compressed tar (gzip members may be concatenated, as gzip allows).
pub fn open(
    path: &Path,
) -> Result<tar::Archive<flate2::read::MultiGzDecoder<std::io::BufReader<std::fs::File>>>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    from_file(file, path)
}

/// The archive in an open file (named `path` in errors), after checking that it is
/// gzip at all.
pub fn from_file(
    file: std::fs::File,
    path: &Path,
) -> Result<tar::Archive<flate2::read::MultiGzDecoder<std::io::BufReader<std::fs::File>>>> {
    let mut magic = [0u8; 2];
    let mut probe = &file;
    let got = probe.read(&mut magic).unwrap_or(0);
    if got == 0 {
        return Err(anyhow!(
            "{}: the file is empty, not a release tarball",
            path.display()
        ));
    }
    if got < 2 || magic != [0x1f, 0x8b] {
        return Err(anyhow!(
            "{}: not gzip-compressed (a release tarball is a .tar.gz)",
            path.display()
        ));
    }
    use std::io::Seek;
    let mut file = file;
    file.rewind()?;
    let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(
        std::io::BufReader::with_capacity(1 << 16, file),
    ));
    archive.set_ignore_zeros(false);
    Ok(archive)
}

/// The header fields of an entry.
pub fn describe<R: Read>(entry: &tar::Entry<R>) -> Result<Entry> {
    let header = entry.header();
    let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
    let link = entry
        .link_name_bytes()
        .map(|l| String::from_utf8_lossy(&l).into_owned());
    Ok(Entry {
        kind: Kind::from_tar(header.entry_type()),
        mode: header
            .mode()
            .map_err(|e| anyhow!("{name}: bad mode field: {e}"))?
            & 0o7777,
        size: entry.size(),
        mtime: header.mtime().unwrap_or(0),
        uid: header.uid().unwrap_or(0),
        gid: header.gid().unwrap_or(0),
        link,
        name,
    })
}

/// Every entry's header, read to the end of the archive (so a truncated or corrupt
/// archive is an error naming the file).
pub fn list(path: &Path) -> Result<Vec<Entry>> {
    let mut archive = open(path)?;
    let mut out = Vec::new();
    for entry in archive.entries().map_err(|e| corrupt(path, &e))? {
        let entry = entry.map_err(|e| corrupt(path, &e))?;
        out.push(describe(&entry)?);
    }
    Ok(out)
}

pub fn corrupt(path: &Path, err: &dyn std::fmt::Display) -> anyhow::Error {
    anyhow!(
        "{}: the archive is truncated or corrupt ({err})",
        path.display()
    )
}
