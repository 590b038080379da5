//! `unpack`: every entry screened, everything written into a temporary sibling of the
//! destination, and only a complete tree renamed into place. On any error the
//! temporary tree is removed and the destination is untouched.

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
    let parent = match into.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
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
    let staging = tempfile::Builder::new()
        .prefix(&format!(".{base}.release-pack-"))
        .tempdir_in(&parent)
        .with_context(|| {
            format!(
                "cannot create a temporary directory in {}",
                parent.display()
            )
        })?;
    let (entries, bytes) = extract(file, staging.path(), options)?;
    fs::set_permissions(staging.path(), fs::Permissions::from_mode(0o755))?;

    let staged = staging.keep();
    let mut previous = None;
    if existing {
        let prev = PathBuf::from(format!("{}.prev", into.display()));
        if fs::symlink_metadata(&prev).is_ok() {
            fs::remove_dir_all(&prev)
                .with_context(|| format!("cannot remove the older {}", prev.display()))?;
        }
        if let Err(e) = fs::rename(into, &prev) {
            let _ = fs::remove_dir_all(&staged);
            bail!(
                "cannot move {} aside to {}: {e}",
                into.display(),
                prev.display()
            );
        }
        if let Err(e) = fs::rename(&staged, into) {
            let _ = fs::rename(&prev, into);
            let _ = fs::remove_dir_all(&staged);
            bail!("cannot rename the unpacked tree to {}: {e}", into.display());
        }
        if options.no_keep {
            fs::remove_dir_all(&prev).with_context(|| {
                format!(
                    "the new release is in place, but removing {} failed",
                    prev.display()
                )
            })?;
        } else {
            previous = Some(prev);
        }
    } else {
        // rename(2) replaces an empty directory in one step.
        if let Err(e) = fs::rename(&staged, into) {
            let _ = fs::remove_dir_all(&staged);
            bail!("cannot rename the unpacked tree to {}: {e}", into.display());
        }
    }
    Ok(Unpacked {
        entries,
        bytes,
        previous,
    })
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
                    fs::remove_file(&path)?;
                }
            }
        }
        match described.kind {
            Kind::Directory => {
                fs::create_dir_all(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                fs::set_permissions(
                    &path,
                    fs::Permissions::from_mode(safe_mode(described.mode) | 0o700),
                )?;
            }
            Kind::File => {
                // The owner may write while unpacking; the final mode is set after.
                let mut out = fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(safe_mode(described.mode) | 0o600)
                    .open(&path)
                    .with_context(|| format!("cannot create {}", path.display()))?;
                let copied =
                    io::copy(&mut entry, &mut out).map_err(|e| archive::corrupt(file, &e))?;
                if copied != described.size {
                    return Err(archive::corrupt(file, &format!("{name} is cut short")));
                }
                fs::set_permissions(&path, fs::Permissions::from_mode(safe_mode(described.mode)))?;
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
