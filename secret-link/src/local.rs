//! The machine secret-link runs on: the survey with `lstat`/`stat`/`access(2)`,
//! the steps with `symlink(2)` and `rename(2)` in the link's own directory.

use crate::selection::join;
use crate::survey::*;
use anyhow::{anyhow, bail, Result};
use std::ffi::OsStr;
use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// Set `SECRET_LINK_FAULT` to one of these to make apply stop dead (no cleanup, as if
/// killed) at that point of a step; the tests use it to show a link is never missing.
pub const FAULT_ENV: &str = "SECRET_LINK_FAULT";

pub struct Local;

impl Machine for Local {
    fn label(&self) -> String {
        String::new()
    }

    fn survey(&self, from: &str, into: &str, names: &[String]) -> Result<Survey> {
        let from = expand_home(from)?;
        let into = expand_home(into)?;
        let into_state = match fs::metadata(&into) {
            Ok(m) if m.is_dir() => IntoState::Directory,
            Ok(_) => IntoState::NotDirectory,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if fs::symlink_metadata(&into).is_ok() {
                    IntoState::NotDirectory
                } else {
                    IntoState::Missing
                }
            }
            Err(_) => IntoState::NotDirectory,
        };
        let git = git_context(&into, into_state);
        let mut entries = Vec::with_capacity(names.len());
        for name in names {
            let source = join(&from, name);
            let link = join(&into, name);
            let git_status = git.top.as_ref().map(|_| git_status(&into, name));
            entries.push(Observed {
                name: name.clone(),
                source: source_info(&source),
                at_link: at_link(&link),
                git: git_status,
                stale_temps: stale_temps(&into, name),
            });
        }
        Ok(Survey {
            into_writable: accessible(&into, rustix::fs::Access::WRITE_OK),
            from,
            into,
            into_state,
            uid: rustix::process::getuid().as_raw(),
            git,
            entries,
        })
    }

    fn execute(&self, into: &str, steps: &[Step]) -> Result<Vec<Outcome>> {
        Ok(steps.iter().map(|step| execute_step(into, step)).collect())
    }
}

fn expand_home(dir: &str) -> Result<String> {
    if dir == "~" || dir.starts_with("~/") {
        let home = std::env::var("HOME")
            .ok()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| anyhow!("{dir}: HOME is not set, so ~ means nothing; give the path"))?;
        return Ok(format!("{}{}", home.trim_end_matches('/'), &dir[1..]));
    }
    Ok(dir.to_string())
}

fn accessible(path: &str, access: rustix::fs::Access) -> bool {
    rustix::fs::access(path, access).is_ok()
}

fn source_info(path: &str) -> SourceInfo {
    match fs::metadata(path) {
        Ok(meta) => SourceInfo {
            kind: if meta.is_file() {
                SourceKind::File
            } else if meta.is_dir() {
                SourceKind::Directory
            } else {
                SourceKind::Other
            },
            mode: Some(meta.permissions().mode() & 0o7777),
            owner: Some(meta.uid()),
            readable: accessible(path, rustix::fs::Access::READ_OK),
        },
        Err(_) => SourceInfo {
            kind: SourceKind::Missing,
            mode: None,
            owner: None,
            readable: false,
        },
    }
}

fn at_link(path: &str) -> AtLink {
    match fs::symlink_metadata(path) {
        Err(_) => AtLink::Nothing,
        Ok(meta) if meta.file_type().is_symlink() => AtLink::Link {
            target: fs::read_link(path)
                .map(|t| t.to_string_lossy().into_owned())
                .unwrap_or_default(),
            resolves: fs::metadata(path).is_ok(),
        },
        Ok(meta) if meta.is_file() => AtLink::File,
        Ok(meta) if meta.is_dir() => AtLink::Directory,
        Ok(_) => AtLink::Other,
    }
}

fn stale_temps(into: &str, name: &str) -> Vec<String> {
    let prefix = temp_prefix(name);
    let Ok(dir) = fs::read_dir(into) else {
        return Vec::new();
    };
    let mut found: Vec<String> = dir
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_type().is_ok_and(|t| t.is_symlink()))
        .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
        .filter(|file| file.starts_with(&prefix))
        .collect();
    found.sort();
    found
}

fn git_context(into: &str, into_state: IntoState) -> GitContext {
    let mut context = GitContext {
        available: relkit_common::git::available(),
        in_work_tree: false,
        top: None,
        prefix: String::new(),
    };
    if into_state != IntoState::Directory {
        return context;
    }
    if context.available {
        let top = git(into, &["rev-parse", "--show-toplevel"]);
        if let Some(top) = top {
            context.in_work_tree = true;
            context.prefix = git(into, &["rev-parse", "--show-prefix"]).unwrap_or_default();
            context.top = Some(top);
        }
    } else {
        context.in_work_tree = Path::new(into)
            .ancestors()
            .any(|dir| dir.join(".git").exists());
    }
    context
}

fn git_status(into: &str, name: &str) -> GitStatus {
    let tracked = relkit_common::git::tracked(&Path::new(into).join(name)).unwrap_or(false);
    GitStatus {
        tracked,
        ignored: relkit_common::git::succeeds(Path::new(into), &["check-ignore", "-q", "--", name]),
    }
}

/// One line of git's output, or None when git fails.
fn git(dir: &str, args: &[&str]) -> Option<String> {
    relkit_common::git::output_line(Path::new(dir), args)
}

fn fault(point: &str) {
    if std::env::var_os(FAULT_ENV).as_deref() == Some(OsStr::new(point)) {
        // As abrupt as a kill: no destructors, no cleanup.
        std::process::abort();
    }
}

fn link_target(path: &str) -> Option<String> {
    let meta = fs::symlink_metadata(path).ok()?;
    if !meta.file_type().is_symlink() {
        return None;
    }
    fs::read_link(path)
        .ok()
        .map(|t| t.to_string_lossy().into_owned())
}

fn describe(path: &str) -> String {
    match at_link(path) {
        AtLink::Nothing => "none".into(),
        AtLink::Link { target, .. } => format!("link:{target}"),
        AtLink::File => "file".into(),
        AtLink::Directory => "directory".into(),
        AtLink::Other => "other".into(),
    }
}

/// What is at `link` is not what was planned: `Already` when it is the right link
/// (another apply, racing this one, made it), else `Changed` with what it is.
fn changed(link: &str, step: &Step) -> Outcome {
    if link_target(link).as_deref() == Some(step.source.as_str()) {
        return Outcome::Already;
    }
    Outcome::Changed(describe(link))
}

fn execute_step(into: &str, step: &Step) -> Outcome {
    let link = join(into, &step.name);
    if link_target(&link).as_deref() == Some(step.source.as_str()) {
        return Outcome::Already;
    }
    let temp = join(into, &step.temp);
    let result = match step.op {
        Op::Create => match std::os::unix::fs::symlink(&step.source, &link) {
            Ok(()) => return Outcome::Done { backup: None },
            Err(e) if e.kind() == ErrorKind::AlreadyExists => return changed(&link, step),
            Err(e) => Err(anyhow!("cannot create {link}: {e}")),
        },
        Op::Replace => {
            if link_target(&link).as_deref() != Some(step.expect_target.as_str()) {
                return changed(&link, step);
            }
            swap_in(&step.source, &temp, &link).map(|()| None)
        }
        Op::BackupFile => {
            let is_file = fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_file());
            if !is_file {
                return changed(&link, step);
            }
            backup_file(into, step, &temp, &link).map(Some)
        }
        Op::BackupDir => {
            let is_dir = fs::symlink_metadata(&link).is_ok_and(|m| m.file_type().is_dir());
            if !is_dir {
                return changed(&link, step);
            }
            backup_dir(into, step, &temp, &link).map(Some)
        }
    };
    match result {
        Ok(backup) => Outcome::Done { backup },
        Err(e) => Outcome::Failed(format!("{e:#}")),
    }
}

/// A link to `source` under the temporary name, then renamed over `link`: anyone
/// looking at `link` sees the old entry or the new link, never nothing.
fn swap_in(source: &str, temp: &str, link: &str) -> Result<()> {
    std::os::unix::fs::symlink(source, temp)
        .map_err(|e| anyhow!("cannot create the temporary link {temp}: {e}"))?;
    fault("after-temp");
    if let Err(e) = fs::rename(temp, link) {
        let _ = fs::remove_file(temp);
        bail!("cannot rename {temp} over {link}: {e}");
    }
    relkit_common::fs::sync_dir_of(Path::new(link))
}

fn free_backup(into: &str, wanted: &str) -> String {
    let taken = |name: &str| fs::symlink_metadata(join(into, name)).is_ok();
    if !taken(wanted) {
        return wanted.to_string();
    }
    (1..)
        .map(|n| format!("{wanted}.{n}"))
        .find(|name| !taken(name))
        .unwrap_or_default()
}

fn backup_file(into: &str, step: &Step, temp: &str, link: &str) -> Result<String> {
    let backup = free_backup(into, &step.backup);
    let backup_path = join(into, &backup);
    // A second name for the same file: it stays reachable while the link takes its place.
    if fs::hard_link(link, &backup_path).is_err() {
        fs::copy(link, &backup_path)
            .map_err(|e| anyhow!("cannot keep a copy of {link} as {backup_path}: {e}"))?;
    }
    fault("after-backup");
    swap_in(&step.source, temp, link)?;
    Ok(backup)
}

fn backup_dir(into: &str, step: &Step, temp: &str, link: &str) -> Result<String> {
    let backup = free_backup(into, &step.backup);
    let backup_path = join(into, &backup);
    std::os::unix::fs::symlink(&step.source, temp)
        .map_err(|e| anyhow!("cannot create the temporary link {temp}: {e}"))?;
    // Exchange the directory and the new link in one step where the kernel can,
    // then give the directory (now under the temporary name) its backup name.
    let exchanged = relkit_common::fs::exchange(Path::new(temp), Path::new(link));
    if exchanged.is_ok() {
        fault("after-backup");
        fs::rename(temp, &backup_path).map_err(|e| {
            anyhow!("the link is in place, but moving the old directory from {temp} to {backup_path} failed: {e}")
        })?;
        relkit_common::fs::sync_dir_of(Path::new(link))?;
        return Ok(backup);
    }
    if let Err(e) = fs::rename(link, &backup_path) {
        let _ = fs::remove_file(temp);
        bail!("cannot move the directory {link} aside to {backup_path}: {e}");
    }
    fault("after-backup");
    if let Err(e) = fs::rename(temp, link) {
        let _ = fs::rename(&backup_path, link);
        let _ = fs::remove_file(temp);
        bail!("cannot rename {temp} over {link}: {e}");
    }
    relkit_common::fs::sync_dir_of(Path::new(link))?;
    Ok(backup)
}
