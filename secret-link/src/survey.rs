//! What is on disk: the survey of the sources and link paths of a selection, the
//! steps that change it, and the `Machine` that does both (here, or on a build host
//! over ssh). The local and remote machines observe and act the same way; the
//! decisions are made once, in `plan`, from a survey.

use anyhow::Result;
use serde::{Deserialize, Serialize};

/// What a secret's source path is (following symlinks, as `mix` will).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    File,
    Directory,
    Other,
    Missing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceInfo {
    pub kind: SourceKind,
    /// Permission bits (`0o640`), when the source exists.
    pub mode: Option<u32>,
    pub owner: Option<u32>,
    /// Whether the surveying user can read it.
    pub readable: bool,
}

/// What is at a link path, without following it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AtLink {
    Nothing,
    Link { target: String, resolves: bool },
    File,
    Directory,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GitStatus {
    pub tracked: bool,
    pub ignored: bool,
}

/// One secret: its source and its link path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub name: String,
    pub source: SourceInfo,
    pub at_link: AtLink,
    /// Tracked/ignored status when the link directory is in a git work tree.
    pub git: Option<GitStatus>,
    /// Temporary links an interrupted apply left next to the link (file names).
    pub stale_temps: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntoState {
    Directory,
    Missing,
    NotDirectory,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitContext {
    /// Whether `git` is installed where the links are.
    pub available: bool,
    /// Whether the link directory is inside a git work tree.
    pub in_work_tree: bool,
    /// The work tree's top directory, and the link directory relative to it
    /// (`config/`), when git could tell.
    pub top: Option<String>,
    pub prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    /// `--from` and `--into` as absolute paths (`~/` expanded where the files are).
    pub from: String,
    pub into: String,
    pub into_state: IntoState,
    pub into_writable: bool,
    /// The user the survey ran as.
    pub uid: u32,
    pub git: GitContext,
    pub entries: Vec<Observed>,
}

/// How a step changes a link path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Nothing is there: create the link in one `symlink(2)`.
    Create,
    /// A link to `expect` is there: a temporary link, renamed over it.
    Replace,
    /// A regular file is there: hard-link it to the backup name, then rename a
    /// temporary link over it.
    BackupFile,
    /// A directory is there: move it to the backup name and put the link in its place.
    BackupDir,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Create => "create",
            Op::Replace => "replace",
            Op::BackupFile => "backup-file",
            Op::BackupDir => "backup-dir",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub op: Op,
    pub name: String,
    pub source: String,
    /// For `Replace`: the target the existing link must still have.
    pub expect_target: String,
    /// The temporary link's file name, in the link directory.
    pub temp: String,
    /// For the backup ops: the name to move the old file or directory to (a
    /// numeric suffix is added if it is taken).
    pub backup: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Done; the backup name used, if any.
    Done {
        backup: Option<String>,
    },
    /// The right link was already there.
    Already,
    /// Something else was there by the time of the step (described).
    Changed(String),
    Failed(String),
}

/// Where the files are: this machine, or a build host over ssh.
pub trait Machine {
    /// `""` here, `"HOST:"` for a build host: put before paths in messages.
    fn label(&self) -> String;
    fn survey(&self, from: &str, into: &str, names: &[String]) -> Result<Survey>;
    fn execute(&self, into: &str, steps: &[Step]) -> Result<Vec<Outcome>>;
}

/// The prefix of temporary link names for `name`; check finds leftovers by it.
pub fn temp_prefix(name: &str) -> String {
    format!(".{name}.secret-link-tmp.")
}

/// A fresh temporary link name for `name`: unique per process and call.
pub fn temp_name(name: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!(
        "{}{}-{nanos}-{}",
        temp_prefix(name),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}
