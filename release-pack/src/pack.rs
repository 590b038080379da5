//! `pack`: an assembled release directory to a reproducible `.tar.gz` with the
//! layout `:erl_tar` writes (relative names, no `./`, no top folder, symlinks
//! followed, directory entries only for empty directories).

use crate::gz::ParallelGz;
use crate::release;
use anyhow::{anyhow, bail, Context, Result};
use relkit_common::fs::{AtomicFile, Mode};
use relkit_common::json::Document;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// The mtime of every entry when `SOURCE_DATE_EPOCH` is not set: 1980-01-01 UTC, as
/// zip-era reproducible builds use (GNU tar warns about times near 0).
pub const DEFAULT_MTIME: u64 = 315_532_800;
/// Symlinks are followed, as `:dereference` does; a loop ends here.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub file: String,
    pub release: Option<String>,
    pub version: Option<String>,
    /// `null` when ERTS is not included or `start_erl.data` says `ERTS_VSN`.
    pub erts: Option<String>,
    pub entries: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub mtime: u64,
    pub sha256: String,
}

impl Document for Manifest {
    const KIND: &'static str = "release-pack.manifest";
}

/// One entry of the tree, in the order it is packed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    /// Relative name with `/` separators.
    pub name: String,
    pub source: PathBuf,
    /// `None` for an (empty) directory.
    pub size: Option<u64>,
    /// Permission bits as found (symlinks followed).
    pub mode: u32,
}

impl TreeEntry {
    /// The mode it is packed with: 0755 if anyone may execute it, else 0644.
    pub fn packed_mode(&self) -> u32 {
        if self.size.is_none() || self.mode & 0o111 != 0 {
            0o755
        } else {
            0o644
        }
    }
}

/// Every file (symlinks followed) and empty directory under `root`, sorted by name
/// byte by byte, so the order does not depend on the filesystem.
pub fn walk(root: &Path) -> Result<Vec<TreeEntry>> {
    let meta = fs::metadata(root).with_context(|| format!("cannot read {}", root.display()))?;
    if !meta.is_dir() {
        bail!("{} is not a directory; give the assembled release directory (e.g. _build/prod/rel/billing)", root.display());
    }
    let mut out = Vec::new();
    walk_dir(root, "", 0, &mut out)?;
    Ok(out)
}

fn walk_dir(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<TreeEntry>) -> Result<()> {
    if depth > MAX_DEPTH {
        bail!(
            "{} is nested more than {MAX_DEPTH} levels deep; is there a symlink loop?",
            dir.display()
        );
    }
    let mut names = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("cannot list {}", dir.display()))? {
        let entry = entry.with_context(|| format!("cannot list {}", dir.display()))?;
        let name = entry.file_name().into_string().map_err(|n| {
            anyhow!(
                "{}: the name {:?} is not UTF-8; release names are",
                dir.display(),
                n
            )
        })?;
        names.push(name);
    }
    names.sort();
    for name in names {
        let path = dir.join(&name);
        let rel = format!("{prefix}{name}");
        let meta = fs::metadata(&path).map_err(|e| match fs::symlink_metadata(&path) {
            Ok(m) if m.file_type().is_symlink() => {
                anyhow!("{rel} is a symlink to nothing ({e}); fix or remove it before packing")
            }
            _ => anyhow!("cannot read {}: {e}", path.display()),
        })?;
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o7777;
        if meta.is_dir() {
            let before = out.len();
            walk_dir(&path, &format!("{rel}/"), depth + 1, out)?;
            if out.len() == before {
                out.push(TreeEntry {
                    name: format!("{rel}/"),
                    source: path,
                    size: None,
                    mode,
                });
            }
        } else if meta.is_file() {
            out.push(TreeEntry {
                name: rel,
                source: path,
                size: Some(meta.len()),
                mode,
            });
        } else {
            bail!("{rel} is a device, fifo or socket; a release holds only files and directories");
        }
    }
    Ok(())
}

/// `SOURCE_DATE_EPOCH` when set, else [`DEFAULT_MTIME`].
pub fn mtime_from_env() -> Result<u64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text.trim().parse().map_err(|_| {
            anyhow!("SOURCE_DATE_EPOCH={text:?} is not a number of seconds since 1970")
        }),
        Err(_) => Ok(DEFAULT_MTIME),
    }
}

/// Writes through to `inner` and hashes and counts what passes.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    count: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Pack `root` into `output`, atomically (a temporary file beside it, renamed into
/// place; mode 0600, since a release carries its cookie and compiled-in config).
///
/// `progress` counts the bytes packed out of the tree's total, and the entries.
pub fn pack(
    root: &Path,
    output: &Path,
    mtime: u64,
    threads: usize,
    progress: &relkit_common::Progress,
) -> Result<Manifest> {
    let entries = walk(root)?;
    let start_erl = fs::read_to_string(root.join("releases/start_erl.data")).ok();
    let info = release::detect(
        entries.iter().map(|e| e.name.as_str()),
        start_erl.as_deref(),
    );
    let temp = AtomicFile::new(output, ".release-pack-")?;
    let file = temp.reopen()?;
    let hashing = Hashing {
        inner: io::BufWriter::with_capacity(1 << 16, file),
        hash: Sha256::new(),
        count: 0,
    };
    let mut builder = tar::Builder::new(ParallelGz::new(hashing, threads));
    let mut bytes_in = 0;
    for (done, entry) in entries.iter().enumerate() {
        progress.entries(done as u64);
        let mut header = tar::Header::new_ustar();
        header.set_mtime(mtime);
        header.set_uid(0);
        header.set_gid(0);
        match entry.size {
            None => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(entry.packed_mode());
                header.set_size(0);
                builder
                    .append_data(&mut header, &entry.name, io::empty())
                    .with_context(|| {
                        format!("cannot pack {} into {}", entry.name, output.display())
                    })?;
            }
            Some(size) => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(entry.packed_mode());
                header.set_size(size);
                let file = fs::File::open(&entry.source)
                    .with_context(|| format!("cannot read {}", entry.source.display()))?;
                // A file that changes size while packing would corrupt the archive.
                let mut limited = io::Read::take(file, size);
                builder
                    .append_data(&mut header, &entry.name, &mut limited)
                    .with_context(|| {
                        format!("cannot pack {} into {}", entry.name, output.display())
                    })?;
                if limited.limit() != 0 {
                    bail!(
                        "{} shrank while it was being packed; pack a tree nothing is writing to",
                        entry.source.display()
                    );
                }
                bytes_in += size;
                progress.add(size);
            }
        }
    }
    progress.finish();
    let write_error = || format!("cannot write {}", output.display());
    let gz = builder.into_inner().with_context(write_error)?;
    let mut hashing = gz.finish().with_context(write_error)?;
    hashing.flush().with_context(write_error)?;
    let sha256 = format!("{:x}", hashing.hash.clone().finalize());
    let bytes_out = hashing.count;
    hashing
        .inner
        .into_inner()
        .map_err(|e| anyhow!("cannot write {}: {}", output.display(), e.error()))?;
    temp.commit(Mode::Set(0o600))?;
    Ok(Manifest {
        file: output.display().to_string(),
        release: info.name,
        version: info.version,
        erts: info.erts,
        entries: entries.len() as u64,
        bytes_in,
        bytes_out,
        mtime,
        sha256,
    })
}
