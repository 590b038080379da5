//! Which journal files are read: the system journal as journalctl finds it, and
//! what `-f` follows (the directories to watch and how to list their files now).

use super::file::is_journal;
use super::set::files_in;
use anyhow::{bail, Result};
use std::path::PathBuf;

/// The journal files named on the command line: inputs, `--file` globs, `-D`.
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub inputs: &'a [PathBuf],
    pub globs: &'a [String],
    pub directory: Option<&'a std::path::Path>,
}

/// What is followed: the directories to watch, and how to list the journal files
/// in them now (a directory as `-D`, the system journal, `--file` globs).
pub struct Watched {
    pub dirs: Vec<PathBuf>,
    pub list: Box<dyn Fn() -> Vec<PathBuf>>,
}

/// What `-f` follows: the journal files named (`--file`, `-D`, journal files as
/// inputs) or else the system journal; `None` when that is to be read and no file
/// of it can be found (journalctl is then run).
pub fn followed(command_line: Named<'_>) -> Result<Option<Watched>> {
    let mut named = Vec::new();
    for path in command_line.inputs {
        if path.as_os_str() == "-" || !starts_as_journal(path) {
            bail!(
                "{}: --follow reads journal files (--file, -D, the system journal); pipe `journalctl -o json -f` in to follow its output",
                path.display()
            );
        }
        named.push(path.clone());
    }
    let globs = command_line.globs.to_vec();
    let mut dirs: Vec<PathBuf> = Vec::new();
    for pattern in &globs {
        glob::Pattern::new(pattern).map_err(|e| anyhow::anyhow!("--file {pattern:?}: {e}"))?;
        // The directory the pattern's fixed part names, and those of its matches.
        let fixed: PathBuf = std::path::Path::new(pattern)
            .components()
            .take_while(|c| !relkit_common::glob::is_glob(&c.as_os_str().to_string_lossy()))
            .collect();
        dirs.push(if fixed.is_dir() {
            fixed
        } else {
            fixed.parent().map(PathBuf::from).unwrap_or_default()
        });
        for found in glob::glob(pattern).into_iter().flatten().flatten() {
            dirs.extend(found.parent().map(PathBuf::from));
        }
    }
    dirs.extend(named.iter().filter_map(|p| p.parent().map(PathBuf::from)));
    if let Some(dir) = command_line.directory {
        dirs.push(dir.to_path_buf());
    }
    if globs.is_empty() && named.is_empty() && command_line.directory.is_none() {
        if system_journal().is_empty() {
            return Ok(None);
        }
        let list = Box::new(system_journal);
        return Ok(Some(Watched {
            dirs: system_dirs(),
            list,
        }));
    }
    for dir in &mut dirs {
        if dir.as_os_str().is_empty() {
            *dir = PathBuf::from(".");
        }
    }
    dirs.sort();
    dirs.dedup();
    let directory = command_line.directory.map(PathBuf::from);
    let list = Box::new(move || {
        let mut files: Vec<PathBuf> = named.iter().filter(|p| p.exists()).cloned().collect();
        for pattern in &globs {
            files.extend(glob::glob(pattern).into_iter().flatten().flatten());
        }
        if let Some(dir) = &directory {
            files.extend(files_in(dir).unwrap_or_default());
        }
        files.sort();
        files.dedup();
        files
    });
    Ok(Some(Watched { dirs, list }))
}

/// The directories of this machine's journal, as journalctl reads it by default:
/// the persistent one in /var/log/journal, then the volatile one in /run/log/journal
/// (each under the machine ID), those that exist.
pub fn system_dirs() -> Vec<PathBuf> {
    let machine = std::fs::read_to_string("/etc/machine-id").unwrap_or_default();
    let machine = machine.trim();
    if machine.is_empty() {
        return Vec::new();
    }
    ["/var/log/journal", "/run/log/journal"]
        .iter()
        .map(|root| std::path::Path::new(root).join(machine))
        .filter(|dir| dir.is_dir())
        .collect()
}

/// The journal files of this machine (in [`system_dirs`]).
pub fn system_journal() -> Vec<PathBuf> {
    system_dirs()
        .iter()
        .flat_map(|dir| files_in(dir).unwrap_or_default())
        .collect()
}

/// Whether a file starts as a journal file does (read as one, whatever its name).
pub fn starts_as_journal(path: &std::path::Path) -> bool {
    let mut head = [0u8; 8];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok()
        && is_journal(&head)
}

/// What journalctl tells a user who cannot read every journal file.
pub const GROUPS_HINT: &str = "users in the groups 'adm' and 'systemd-journal' can read every journal file (the system's and other users'): `usermod -aG systemd-journal USER`, then log in again";

/// Whether this process may read every journal file journald writes: root, or a
/// member of `adm` or `systemd-journal` (the groups journald's files and
/// directories grant reading to).
pub fn reads_every_journal() -> bool {
    if rustix::process::geteuid().is_root() {
        return true;
    }
    let groups = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let wanted: Vec<u32> = groups
        .lines()
        .filter_map(|line| {
            let mut parts = line.split(':');
            let name = parts.next()?;
            let gid = parts.nth(1)?.parse().ok()?;
            ["adm", "systemd-journal"].contains(&name).then_some(gid)
        })
        .collect();
    let mut mine = rustix::process::getgroups().unwrap_or_default();
    mine.push(rustix::process::getegid());
    mine.iter().any(|g| wanted.contains(&g.as_raw()))
}
