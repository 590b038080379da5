//! `unpack`: every entry screened, everything written into a temporary sibling of the
//! destination, flushed to disk, and only a complete tree renamed into place. On any
//! error the temporary tree is removed and the destination is untouched; a kill at
//! any moment leaves the destination as it was or as it is meant to be.
//!
//! The temporary tree is `.<DIR>.release-pack-<pid>-XXXXXX` beside DIR. While it is
//! incomplete (extracting) or disposable (an older `DIR.prev` being removed) a mark
//! `<that name>.partial` stands beside it; a later run removes a marked tree, and an
//! empty one, whose process is gone. An unmarked leftover is a whole release (the new
//! tree before its rename, or the old one before it became `DIR.prev`), kept for
//! whoever looks. `--replace` swaps the trees with one `renameat2(RENAME_EXCHANGE)`,
//! so DIR is never missing; on a file system without it (NFS), DIR is missing between
//! two renames.

use crate::archive::{self, Kind};
use crate::screen::{Limits, Screen, Verdict};
use anyhow::{anyhow, bail, Context, Result};
use std::fs;
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct Options {
    pub replace: bool,
    /// With `replace`: remove the old tree instead of keeping it as `DIR.prev`.
    pub no_keep: bool,
    /// Skip flushing the unpacked files to disk before the rename.
    pub no_sync: bool,
    pub allow_symlinks_to: Vec<String>,
    pub limits: Limits,
    /// Counts entries and bytes written.
    pub progress: relkit_common::Progress,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unpacked {
    pub entries: u64,
    pub bytes: u64,
    /// Where the replaced tree went, if it was kept.
    pub previous: Option<PathBuf>,
}

/// What `unpack --json` prints: the `release-pack.result` document.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UnpackResult {
    pub verb: &'static str,
    pub file: String,
    pub into: String,
    #[serde(flatten)]
    pub unpacked: Unpacked,
}

impl relkit_common::Document for UnpackResult {
    const KIND: &'static str = "release-pack.result";
}

/// Clear setuid, setgid and sticky, and group/other write, as PEP 706's data filter.
pub fn safe_mode(mode: u32) -> u32 {
    mode & 0o755
}

fn is_empty_dir(path: &Path) -> io::Result<bool> {
    Ok(fs::read_dir(path)?.next().is_none())
}

pub fn unpack(file: &Path, into: &Path, options: &Options) -> Result<Unpacked> {
    let parent = relkit_common::fs::parent_dir(into).to_path_buf();
    if !parent.is_dir() {
        bail!(
            "{} does not exist; create the parent directory of --into first",
            parent.display()
        );
    }
    let existing = match fs::symlink_metadata(into) {
        Ok(meta) if meta.is_dir() => {
            !is_empty_dir(into).with_context(|| format!("cannot read {}", into.display()))?
        }
        Ok(_) => bail!("{} exists and is not a directory", into.display()),
        Err(_) => false,
    };
    if existing && !options.replace {
        bail!(
            "{} is not empty; pass --replace to swap the new release in (the old one is kept as {}.prev)",
            into.display(),
            into.display()
        );
    }
    let base = into
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| anyhow!("--into {} has no directory name", into.display()))?;
    let prefix = format!(".{base}.release-pack-{}-", std::process::id());
    remove_leftovers(&parent, &format!(".{base}.release-pack-"));
    let staging = tempfile::Builder::new()
        .prefix(&prefix)
        .tempdir_in(&parent)
        .with_context(|| {
            format!(
                "cannot create a temporary directory in {}",
                parent.display()
            )
        })?;
    let staged = staging.path().to_path_buf();
    let mark = Mark::set(&staged)?;
    let (entries, bytes) = match fill(file, &staged, options) {
        Ok(counts) => counts,
        Err(e) => {
            // The tree first, then its mark: a kill between leaves a mark to finish on.
            let _ = staging.close();
            let _ = mark.clear();
            return Err(e);
        }
    };
    // From here the tree is whole: a leftover of it is kept, not removed.
    let staged = staging.keep();
    mark.clear()?;
    let mut previous = None;
    if existing {
        let prev = PathBuf::from(format!("{}.prev", into.display()));
        match relkit_common::fs::exchange(&staged, into) {
            Ok(()) => {
                // DIR is the new release; the old one is at the temporary name.
                flush_dir(into, options)?;
                previous = retire(&staged, into, &prev, &prefix, options)?;
            }
            Err(e) if relkit_common::fs::exchange_unsupported(&e) => {
                previous = replace_by_two_renames(&staged, into, &prev, options)?;
            }
            Err(e) => {
                let _ = dispose(&staged);
                return Err(e).with_context(|| {
                    format!(
                        "cannot swap the unpacked tree {} with {}",
                        staged.display(),
                        into.display()
                    )
                });
            }
        }
    } else {
        // rename(2) replaces an empty directory in one step.
        if let Err(e) = fs::rename(&staged, into) {
            let _ = dispose(&staged);
            bail!("cannot rename the unpacked tree to {}: {e}", into.display());
        }
        flush_dir(into, options)?;
    }
    Ok(Unpacked {
        entries,
        bytes,
        previous,
    })
}

/// After the swap: the old release, now at the temporary name `old`, becomes
/// DIR.prev (an older DIR.prev is removed), or with `--no-keep` is removed with any
/// DIR.prev. Every removal goes through a marked temporary name, so a kill never
/// leaves half a tree as DIR.prev. Returns where the old release went.
fn retire(
    old: &Path,
    into: &Path,
    prev: &Path,
    prefix: &str,
    options: &Options,
) -> Result<Option<PathBuf>> {
    let in_place = "the new release is in place, but";
    let prev_exists = fs::symlink_metadata(prev).is_ok();
    if options.no_keep {
        dispose(old).with_context(|| {
            format!("{in_place} removing the old one ({}) failed", old.display())
        })?;
        if prev_exists {
            let gone = relkit_common::fs::parent_dir(into).join(format!("{prefix}prev"));
            dispose_as(prev, &gone).with_context(|| {
                format!("{in_place} removing the older {} failed", prev.display())
            })?;
        }
        flush_dir(into, options)?;
        return Ok(None);
    }
    if prev_exists {
        // The older release takes the temporary name, and is removed there.
        relkit_common::fs::exchange(old, prev).with_context(|| {
            format!(
                "{in_place} the old one ({}) could not replace {}",
                old.display(),
                prev.display()
            )
        })?;
        dispose(old).with_context(|| {
            format!(
                "{in_place} removing the older {} (now {}) failed",
                prev.display(),
                old.display()
            )
        })?;
    } else {
        fs::rename(old, prev).with_context(|| {
            format!(
                "{in_place} the old one ({}) could not be renamed to {}",
                old.display(),
                prev.display()
            )
        })?;
    }
    flush_dir(into, options)?;
    Ok(Some(prev.to_path_buf()))
}

/// Extract into the temporary tree, give it its mode, and flush it to disk: the
/// files' contents reach the disk before any name points at them. One `syncfs` of
/// the file system, not an fsync per file: a release is thousands of files, and an
/// fsync each costs a journal commit each (dpkg flushes the same way).
fn fill(file: &Path, staged: &Path, options: &Options) -> Result<(u64, u64)> {
    let counts = extract(file, staged, options)?;
    fs::set_permissions(staged, fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot set the mode of {}", staged.display()))?;
    if options.no_sync {
        return Ok(counts);
    }
    let tree =
        fs::File::open(staged).with_context(|| format!("cannot open {}", staged.display()))?;
    rustix::fs::syncfs(&tree).with_context(|| {
        format!(
            "cannot flush the unpacked tree {} to disk",
            staged.display()
        )
    })?;
    Ok(counts)
}

/// Flush the directory DIR is in, unless `--no-sync` (on ext4 that commits the
/// journal, and with it the unpacked files' data: it costs what the syncfs does).
fn flush_dir(into: &Path, options: &Options) -> Result<()> {
    if options.no_sync {
        return Ok(());
    }
    relkit_common::fs::sync_dir_of(into)
}

/// The mark beside a temporary tree that says it may be removed.
struct Mark(PathBuf);

impl Mark {
    fn path_for(tree: &Path) -> PathBuf {
        let mut name = tree.as_os_str().to_owned();
        name.push(".partial");
        PathBuf::from(name)
    }

    fn set(tree: &Path) -> Result<Mark> {
        let path = Mark::path_for(tree);
        fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(Mark(path))
    }

    fn clear(self) -> Result<()> {
        fs::remove_file(&self.0).with_context(|| format!("cannot remove {}", self.0.display()))
    }
}

/// Remove a temporary tree: marked first, so a kill half-way leaves it marked for
/// the next run to finish.
fn dispose(tree: &Path) -> Result<()> {
    dispose_as(tree, tree)
}

/// Remove `tree` under the temporary name `temp` (renamed there first when it has
/// another name), marked, so no kill leaves half of it under its own name.
fn dispose_as(tree: &Path, temp: &Path) -> Result<()> {
    let mark = Mark::set(temp)?;
    if tree != temp {
        if let Err(e) = fs::rename(tree, temp) {
            let _ = mark.clear();
            bail!("cannot move {} to {}: {e}", tree.display(), temp.display());
        }
    }
    fs::remove_dir_all(temp).with_context(|| format!("cannot remove {}", temp.display()))?;
    mark.clear()
}

/// Leftovers of killed runs (names starting with `prefix`) whose process is gone: a
/// marked tree, its mark, or an empty tree.
fn remove_leftovers(parent: &Path, prefix: &str) {
    // Without /proc no process can be told gone: leave everything.
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(listing) = fs::read_dir(parent) else {
        return;
    };
    for entry in listing.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(prefix)) else {
            continue;
        };
        let alive = rest
            .split_once('-')
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
            .is_none_or(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if alive {
            continue;
        }
        let path = entry.path();
        match name.to_str().and_then(|n| n.strip_suffix(".partial")) {
            Some(tree) => {
                let _ = fs::remove_dir_all(parent.join(tree));
                let _ = fs::remove_file(&path);
            }
            None => {
                let _ = fs::remove_dir(&path);
            }
        }
    }
}

/// `--replace` where the file system cannot exchange: the old tree moved aside,
/// then the new one renamed in (DIR is missing for the moment between).
fn replace_by_two_renames(
    staged: &Path,
    into: &Path,
    prev: &Path,
    options: &Options,
) -> Result<Option<PathBuf>> {
    let no_keep = options.no_keep;
    if fs::symlink_metadata(prev).is_ok() {
        fs::remove_dir_all(prev)
            .with_context(|| format!("cannot remove the older {}", prev.display()))?;
    }
    if let Err(e) = fs::rename(into, prev) {
        let _ = dispose(staged);
        bail!(
            "cannot move {} aside to {}: {e}",
            into.display(),
            prev.display()
        );
    }
    if let Err(e) = fs::rename(staged, into) {
        let _ = fs::rename(prev, into);
        let _ = dispose(staged);
        bail!("cannot rename the unpacked tree to {}: {e}", into.display());
    }
    flush_dir(into, options)?;
    if no_keep {
        fs::remove_dir_all(prev).with_context(|| {
            format!(
                "the new release is in place, but removing {} failed",
                prev.display()
            )
        })?;
        return Ok(None);
    }
    Ok(Some(prev.to_path_buf()))
}

fn extract(file: &Path, root: &Path, options: &Options) -> Result<(u64, u64)> {
    let mut archive = archive::open(file)?;
    let mut screen = Screen::new(options.limits, options.allow_symlinks_to.clone());
    let (mut count, mut bytes) = (0u64, 0u64);
    for entry in archive.entries().map_err(|e| archive::corrupt(file, &e))? {
        let mut entry = entry.map_err(|e| archive::corrupt(file, &e))?;
        let described = archive::describe(&entry)?;
        options.progress.entries(count);
        let name = match screen.check(&described) {
            Ok(Verdict::Write(name)) => name,
            Ok(Verdict::Skip) => continue,
            Err(problem) => bail!(
                "{}: entry {}: {}; refusing to unpack ({problem_code}), nothing was written",
                file.display(),
                problem.entry,
                problem.message,
                problem_code = problem.code
            ),
        };
        let path = root.join(&name);
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        // A later entry of the same name and type replaces the earlier one, as tar does.
        if described.kind != Kind::Directory {
            if let Ok(meta) = fs::symlink_metadata(&path) {
                if !meta.is_dir() {
                    fs::remove_file(&path)
                        .with_context(|| format!("cannot replace {}", path.display()))?;
                }
            }
        }
        let set_mode = |mode: u32| {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode))
                .with_context(|| format!("cannot set the mode of {}", path.display()))
        };
        match described.kind {
            Kind::Directory => {
                fs::create_dir_all(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                set_mode(safe_mode(described.mode) | 0o700)?;
            }
            Kind::File => {
                // The owner may write while unpacking; the final mode is set after.
                let mut out = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(safe_mode(described.mode) | 0o600)
                    .open(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let copied = copy(&mut entry, &mut out, file, &path)?;
                if copied != described.size {
                    return Err(archive::corrupt(file, &format!("{name} is cut short")));
                }
                set_mode(safe_mode(described.mode))?;
                bytes += copied;
                options.progress.add(copied);
            }
            Kind::Symlink => {
                let target = described.link.clone().unwrap_or_default();
                std::os::unix::fs::symlink(&target, &path)
                    .with_context(|| format!("cannot create the link {}", path.display()))?;
            }
            Kind::Hardlink => {
                let target =
                    crate::screen::normalise(described.link.as_deref().unwrap_or_default())
                        .unwrap_or_default();
                fs::hard_link(root.join(target), &path)
                    .with_context(|| format!("cannot create the hard link {}", path.display()))?;
            }
            // The screen refuses or skips these before they get here.
            Kind::Device | Kind::Fifo | Kind::Other => continue,
        }
        count += 1;
    }
    Ok((count, bytes))
}

/// Copy an entry's data to its file: a failed read is the archive's fault, a failed
/// write the destination's, and each says so.
fn copy(entry: &mut impl io::Read, out: &mut fs::File, file: &Path, path: &Path) -> Result<u64> {
    use std::io::Write;
    let mut buf = vec![0u8; 64 * 1024];
    let mut copied = 0u64;
    loop {
        let n = match entry.read(&mut buf) {
            Ok(0) => return Ok(copied),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(archive::corrupt(file, &e)),
        };
        out.write_all(&buf[..n])
            .with_context(|| format!("cannot write {}", path.display()))?;
        copied += n as u64;
    }
}
