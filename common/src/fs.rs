//! Writing files so that a reader never sees half of one, and a crash or a kill at
//! any moment leaves the old file or the new one, never a mix.
//!
//! The order is the one that makes that hold: the new content goes into a temporary
//! file in the same directory, is flushed to disk (`fsync`), gets its mode, and is
//! renamed over the destination (`rename(2)` replaces it in one step); then the
//! directory is flushed, so the rename itself survives a power loss. A kill leaves
//! at most the temporary file, named `<prefix>XXXXXX` beside the destination, which
//! no later run reads. Every error names the path and what the system said.

use anyhow::{Context, Result};
use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The mode a committed file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Exactly this mode.
    Set(u32),
    /// The mode of the file being replaced, or this one for a new file.
    KeepOr(u32),
}

/// A file being written in place of `path`: the content goes to a temporary sibling
/// until [`AtomicFile::commit`]. Dropped without a commit, the temporary file is
/// removed and `path` is untouched.
pub struct AtomicFile {
    temp: tempfile::NamedTempFile,
    path: PathBuf,
}

/// The directory a path is in (`.` for a bare name).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

impl AtomicFile {
    /// A temporary file beside `path`, named `<prefix>XXXXXX` (prefix starting
    /// with `.`), created 0600.
    pub fn new(path: &Path, prefix: &str) -> Result<AtomicFile> {
        let dir = parent_dir(path);
        let temp = tempfile::Builder::new()
            .prefix(prefix)
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        Ok(AtomicFile {
            temp,
            path: path.to_path_buf(),
        })
    }

    /// The temporary file, to write to.
    pub fn file(&self) -> &File {
        self.temp.as_file()
    }

    /// A second handle on the temporary file (for a writer that owns its file).
    pub fn reopen(&self) -> Result<File> {
        self.temp
            .reopen()
            .with_context(|| format!("cannot reopen {}", self.temp.path().display()))
    }

    /// Flush the content to disk, set the mode, rename it over the destination and
    /// flush the directory.
    pub fn commit(self, mode: Mode) -> Result<()> {
        let path = &self.path;
        self.temp
            .as_file()
            .sync_all()
            .with_context(|| format!("cannot write {}", path.display()))?;
        let mode = match mode {
            Mode::Set(mode) => mode,
            Mode::KeepOr(new) => fs::metadata(path).map_or(new, |m| m.permissions().mode()),
        };
        self.temp
            .as_file()
            .set_permissions(fs::Permissions::from_mode(mode))
            .with_context(|| format!("cannot set the mode of {}", path.display()))?;
        self.temp
            .persist(path)
            .map_err(|e| e.error)
            .with_context(|| format!("cannot replace {}", path.display()))?;
        sync_dir_of(path)
    }
}

/// Flush the directory `path` is in to disk, once `path` was renamed or created
/// there, so the new name survives a power loss.
pub fn sync_dir_of(path: &Path) -> Result<()> {
    let dir = parent_dir(path);
    File::open(dir).and_then(|d| d.sync_all()).with_context(|| {
        format!(
            "{} is in place, but flushing its directory {} to disk failed",
            path.display(),
            dir.display()
        )
    })
}

/// Swap two directory entries in one step (`renameat2(RENAME_EXCHANGE)`): whoever
/// looks at either path sees one of the two, never nothing.
pub fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    rustix::fs::renameat_with(
        rustix::fs::CWD,
        a,
        rustix::fs::CWD,
        b,
        rustix::fs::RenameFlags::EXCHANGE,
    )
    .map_err(std::io::Error::from)
}

/// Whether an [`exchange`] failed because the kernel or the file system cannot
/// exchange (NFS, an old kernel), so two renames must do.
pub fn exchange_unsupported(e: &std::io::Error) -> bool {
    use rustix::io::Errno;
    [Errno::INVAL, Errno::NOSYS, Errno::OPNOTSUPP]
        .iter()
        .any(|errno| e.raw_os_error() == Some(errno.raw_os_error()))
}

/// Write `bytes` to `path` atomically ([`AtomicFile`]). An existing file's mode is
/// kept; a new file gets 0644.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let file = AtomicFile::new(path, ".relkit-")?;
    file.file()
        .write_all(bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    file.commit(Mode::KeepOr(0o644))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_keeps_permissions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vm.args");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_new_file_gets_0644_and_a_set_mode_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        write_atomic(&path, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o644);
        let file = AtomicFile::new(&path, ".t-").unwrap();
        file.file().write_all(b"y").unwrap();
        file.commit(Mode::Set(0o600)).unwrap();
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"y");
    }

    #[test]
    fn dropped_without_commit_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out");
        let file = AtomicFile::new(&path, ".t-").unwrap();
        file.file().write_all(b"half").unwrap();
        drop(file);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_missing_directory_is_an_error_and_writes_nothing() {
        let err = write_atomic(Path::new("/nonexistent/dir/vm.args"), b"x").unwrap_err();
        assert!(format!("{err:#}").contains("/nonexistent/dir"), "{err:#}");
    }
}
