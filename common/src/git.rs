//! "Does git track this file?", answered one way for every tool.
//!
//! Running git costs a process start, more than all of `vmargs check` on a small
//! file, so the index is read directly when that is sure to give git's answer:
//! index versions 2, 3 and 4 (v4 compresses each path against the one before), a
//! SHA-1 or SHA-256 repository, a work tree whose `.git` is a directory or a file
//! (`gitdir: ...`, as linked worktrees and submodules have). Where the index alone
//! cannot answer (a split index, a sparse index, an unknown version or extension
//! layout, anything malformed), `git ls-files --error-unmatch` is asked instead.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A work tree and the git directory that holds its index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    pub work_tree: PathBuf,
    pub git_dir: PathBuf,
}

/// The repository whose work tree holds `path` (the nearest `.git` above it).
pub fn repository_of(path: &Path) -> Option<Repository> {
    repository_above(&containing_dir(path)?)
}

/// The repository whose work tree holds the directory `start`.
fn repository_above(start: &Path) -> Option<Repository> {
    for dir in start.ancestors() {
        let dot_git = dir.join(".git");
        let Ok(meta) = std::fs::metadata(&dot_git) else {
            continue;
        };
        let git_dir = if meta.is_dir() {
            dot_git
        } else {
            // `gitdir: <path>`, relative to the directory holding the file.
            let text = std::fs::read_to_string(&dot_git).ok()?;
            let target = text.trim().strip_prefix("gitdir:")?.trim();
            dir.join(target)
        };
        return Some(Repository {
            work_tree: dir.to_path_buf(),
            git_dir,
        });
    }
    None
}

/// The absolute, symlink-free directory holding `path`, the last component not
/// followed (a symlink is tracked as a link, not as what it points to).
fn containing_dir(path: &Path) -> Option<PathBuf> {
    let abs = std::path::absolute(path).ok()?;
    let parent = abs.parent()?;
    std::fs::canonicalize(parent).ok()
}

/// Whether git tracks `path`: `Some(true)` or `Some(false)`, or `None` when no
/// repository holds it or git could not say.
pub fn tracked(path: &Path) -> Option<bool> {
    let dir = containing_dir(path)?;
    let repo = repository_above(&dir)?;
    let name = dir.join(path.file_name()?);
    let rel = name.strip_prefix(&repo.work_tree).ok()?;
    if let Ok(index) = std::fs::read(repo.git_dir.join("index")) {
        if let Some(answer) = index_lookup(&index, rel.to_str()?.as_bytes()) {
            return Some(answer);
        }
    } else if repo.git_dir.join("HEAD").is_file() {
        // A repository without an index tracks nothing yet.
        return Some(false);
    }
    ls_files(&repo.work_tree, rel)
}

/// Ask git itself.
fn ls_files(work_tree: &Path, rel: &Path) -> Option<bool> {
    let mut ls = command(work_tree)?;
    ls.args(["--literal-pathspecs", "ls-files", "--error-unmatch", "--"])
        .arg(rel);
    Some(ls.stdout(Stdio::null()).status().ok()?.success())
}

/// Whether a `git` program is on PATH.
pub fn available() -> bool {
    which::which("git").is_ok()
}

/// `git -C dir`, the one way relkit runs git: the program found on PATH (None when
/// there is none), no stdin, stderr dropped (git's messages are not relkit's).
pub fn command(dir: &Path) -> Option<Command> {
    let mut git = Command::new(which::which("git").ok()?);
    git.arg("-C")
        .arg(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null());
    Some(git)
}

/// Whether `git -C dir ARGS` succeeds (false when git cannot be run).
pub fn succeeds(dir: &Path, args: &[&str]) -> bool {
    command(dir).is_some_and(|mut git| {
        git.args(args)
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}

/// What `git -C dir ARGS` prints, without its final newline, or None when it fails.
pub fn output_line(dir: &Path, args: &[&str]) -> Option<String> {
    let out = command(dir)?.args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    Some(text.strip_suffix('\n').unwrap_or(&text).to_string())
}

/// Whether the index lists `path` (relative, `/`-separated), or `None` when this
/// index is one the fast path does not read (then git is asked).
pub fn index_lookup(index: &[u8], path: &[u8]) -> Option<bool> {
    let header = index.get(..12)?;
    if &header[..4] != b"DIRC" {
        return None;
    }
    let version = u32::from_be_bytes(header[4..8].try_into().ok()?);
    if !(2..=4).contains(&version) {
        return None;
    }
    let count = u32::from_be_bytes(header[8..12].try_into().ok()?) as usize;
    // The trailing checksum is the hash length: 20 bytes (SHA-1) or 32 (SHA-256).
    // Try SHA-1 first; an index that does not parse cleanly that way is tried as
    // SHA-256, and one that parses neither way goes to git.
    for hash_len in [20usize, 32] {
        if let Some(answer) = scan(index, version, count, hash_len, path) {
            return Some(answer);
        }
    }
    None
}

fn scan(index: &[u8], version: u32, count: usize, hash_len: usize, path: &[u8]) -> Option<bool> {
    let end_of_data = index.len().checked_sub(hash_len)?;
    let mut at = 12usize;
    let mut previous: Vec<u8> = Vec::new();
    let mut found = false;
    // ctime, mtime (8 each), dev, ino, mode, uid, gid, size (4 each), the object id.
    let fixed = 40 + hash_len;
    for _ in 0..count {
        let entry_start = at;
        let flags_at = at.checked_add(fixed)?;
        let flags = u16::from_be_bytes(index.get(flags_at..flags_at + 2)?.try_into().ok()?);
        at = flags_at + 2;
        if flags & 0x4000 != 0 {
            if version < 3 {
                return None;
            }
            at += 2; // extended flags
        }
        let mode = u32::from_be_bytes(
            index
                .get(entry_start + 24..entry_start + 28)?
                .try_into()
                .ok()?,
        );
        // Compared in place: an index has thousands of entries, read at every run.
        let matches = if version == 4 {
            let (strip, used) = varint(index.get(at..)?)?;
            at += used;
            let nul = memchr::memchr(0, index.get(at..end_of_data)?)?;
            let keep = previous.len().checked_sub(strip)?;
            previous.truncate(keep);
            previous.extend_from_slice(&index[at..at + nul]);
            at += nul + 1;
            previous == path
        } else {
            // The low 12 bits of the flags hold the name's length when it is shorter
            // than 0xfff: the NUL is found without a search.
            let short = usize::from(flags & 0x0fff);
            let nul = if short < 0x0fff {
                (index.get(at + short) == Some(&0)).then_some(short)?
            } else {
                memchr::memchr(0, index.get(at..end_of_data)?)?
            };
            let matches = nul == path.len() && &index[at..at + nul] == path;
            // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
            let len = at + nul - entry_start;
            at = entry_start + (len + 8) / 8 * 8;
            matches
        };
        if at > end_of_data {
            return None;
        }
        // A sparse-directory entry (mode 040000) stands for files it does not list.
        if mode & 0o170000 == 0o040000 {
            return None;
        }
        found |= matches;
    }
    // Extensions: a split index ("link") keeps entries in another file, and a
    // sparse index ("sdir") has directories for files; both go to git.
    while at + 8 <= end_of_data {
        let signature = &index[at..at + 4];
        let size = u32::from_be_bytes(index[at + 4..at + 8].try_into().ok()?) as usize;
        if signature == b"link" || signature == b"sdir" {
            return None;
        }
        at = at.checked_add(8 + size)?;
    }
    (at == end_of_data).then_some(found)
}

/// Git's offset varint (index v4): seven bits a byte, high bit set on all but the
/// last, each continuation adding one before the shift.
fn varint(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut value: usize = 0;
    for (i, &b) in bytes.iter().enumerate().take(10) {
        if i > 0 {
            value = value.checked_add(1)?.checked_shl(7)?;
        }
        value |= usize::from(b & 0x7f);
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_as_git_writes_them() {
        assert_eq!(varint(&[0x00]), Some((0, 1)));
        assert_eq!(varint(&[0x7f]), Some((127, 1)));
        assert_eq!(varint(&[0x80, 0x00]), Some((128, 2)));
        assert_eq!(varint(&[0x80, 0x01]), Some((129, 2)));
        assert_eq!(varint(&[0xff, 0x7f]), Some((16511, 2)));
        assert_eq!(varint(&[0x80]), None);
    }

    #[test]
    fn garbage_is_not_an_answer() {
        assert_eq!(index_lookup(b"", b"a"), None);
        assert_eq!(index_lookup(b"DIRC\0\0\0\x05\0\0\0\0", b"a"), None);
        assert_eq!(index_lookup(b"DIRC\0\0\0\x02\0\0\0\x09", b"a"), None);
    }
}
