//! A target reached over OpenSSH (`verify --target-host`), with nothing of relkit
//! on it: one ssh run of `remote.sh basics` brings the loader's cache, the library
//! directories' listings, the ld.so.conf files and where Erlang is; then the check
//! runs, and every library path it would open that is not known yet is read in the
//! next ssh run (`remote.sh files PATH...`: the ELF parts the loader reads, not the
//! whole file), until a run asks for nothing new. The runs are as many as the
//! libraries' chain of needs is deep (three or four), never one per library.

use super::elf::{self, Elf, Kind, NotElf};
use super::ldcache::{self, CacheEntry};
use super::ldconf::{self, ConfFiles};
use super::root;
use super::view::{Candidate, InstalledErts, TargetView};
use anyhow::{bail, Result};
use relkit_common::ssh;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

const SCRIPT: &str = include_str!("remote.sh");

/// More runs than this means a chain of needs no real system has.
pub const MAX_RUNS: usize = 12;

/// What a host said of one path.
#[derive(Debug, Clone)]
pub(crate) enum Described {
    Missing,
    Dangling(String),
    Unopenable,
    File {
        real: String,
        elf: Result<Arc<Elf>, NotElf>,
    },
}

pub struct RemoteHost {
    host: String,
    ssh: PathBuf,
    words: Vec<String>,
    name: String,
    cache: Option<Result<Vec<CacheEntry>, String>>,
    listings: BTreeMap<String, BTreeSet<String>>,
    conf_files: BTreeMap<String, String>,
    erts: Vec<InstalledErts>,
    applications: BTreeSet<String>,
    kind: Option<Kind>,
    described: RefCell<BTreeMap<String, Described>>,
    wanted: RefCell<BTreeSet<String>>,
    runs: usize,
}

/// One marked block of the script's output: its fields and the bytes after it.
pub(crate) struct Block {
    fields: Vec<String>,
    bytes: Vec<u8>,
}

pub(crate) fn blocks(output: &[u8]) -> Result<Vec<Block>> {
    let text = String::from_utf8_lossy(output);
    let mut out: Vec<Block> = Vec::new();
    for line in text.lines() {
        if let Some(hex) = line.strip_prefix(' ') {
            let Some(block) = out.last_mut() else {
                bail!("the host's reply starts with data before any mark");
            };
            for pair in hex.split_whitespace() {
                let byte = u8::from_str_radix(pair, 16).map_err(|_| {
                    anyhow::anyhow!("the host's reply has {pair:?} where od writes a hex byte")
                })?;
                block.bytes.push(byte);
            }
        } else if !line.is_empty() {
            out.push(Block {
                fields: line.split(' ').map(str::to_string).collect(),
                bytes: Vec::new(),
            });
        }
    }
    Ok(out)
}

impl RemoteHost {
    /// Reach `host` and read its basics (one ssh run).
    pub fn connect(host: &str, ssh_args: &ssh::SshArgs) -> Result<RemoteHost> {
        ssh::check_host(host)?;
        let client = ssh::client(host)?;
        let mut remote = RemoteHost {
            host: host.to_string(),
            ssh: client,
            words: ssh_args.words(),
            name: host.to_string(),
            cache: None,
            listings: BTreeMap::new(),
            conf_files: BTreeMap::new(),
            erts: Vec::new(),
            applications: BTreeSet::new(),
            kind: None,
            described: RefCell::new(BTreeMap::new()),
            wanted: RefCell::new(BTreeSet::new()),
            runs: 0,
        };
        let reply = remote.run(&["basics".to_string()])?;
        let mut described = Vec::new();
        let mut files = Vec::new();
        for block in blocks(&reply)? {
            let field = |i: usize| block.fields.get(i).cloned().unwrap_or_default();
            match block.fields[0].as_str() {
                "N" => remote.name = field(1),
                "K" => remote.cache = Some(ldcache::parse(&block.bytes)),
                "L" => {
                    let names = String::from_utf8_lossy(&block.bytes)
                        .lines()
                        .map(str::to_string)
                        .collect();
                    remote.listings.insert(field(1), names);
                }
                "T" => {
                    remote
                        .conf_files
                        .insert(field(1), String::from_utf8_lossy(&block.bytes).into_owned());
                }
                "R" => {
                    let root = field(1);
                    for entry in String::from_utf8_lossy(&block.bytes).lines() {
                        if let Some(version) = entry.strip_prefix("erts-") {
                            let erts = InstalledErts {
                                version: version.to_string(),
                                path: format!("{root}/{entry}"),
                            };
                            if !remote.erts.contains(&erts) {
                                remote.erts.push(erts);
                            }
                        }
                    }
                }
                "A" => {
                    let lib = field(1);
                    for app in String::from_utf8_lossy(&block.bytes).lines() {
                        remote.applications.insert(format!("{lib}/{app}"));
                    }
                }
                _ => files.push(block),
            }
        }
        described.extend(describe_all(files));
        let sh = described
            .iter()
            .find(|(path, _)| path == "/bin/sh")
            .and_then(|(_, d)| match d {
                Described::File { elf: Ok(elf), .. } => elf.kind,
                _ => None,
            });
        remote.kind = sh;
        remote.described.borrow_mut().extend(described);
        Ok(remote)
    }

    fn run(&mut self, args: &[String]) -> Result<Vec<u8>> {
        self.runs += 1;
        let reply = ssh::run_script(&self.ssh, &self.host, &self.words, SCRIPT, args)?;
        if reply.code != Some(0) {
            bail!(
                "reading {} failed (exit {}): {}",
                self.host,
                reply.code.map_or("by a signal".into(), |c| c.to_string()),
                reply.last_line
            );
        }
        Ok(reply.stdout)
    }

    /// Read the paths the last check wanted; `false` when it wanted none.
    pub fn fetch_wanted(&mut self) -> Result<bool> {
        let wanted: Vec<String> = std::mem::take(&mut *self.wanted.borrow_mut())
            .into_iter()
            .collect();
        if wanted.is_empty() {
            return Ok(false);
        }
        if self.runs >= MAX_RUNS {
            bail!("{}: still asking for libraries after {MAX_RUNS} ssh runs; is a library chain looping?", self.host);
        }
        let mut args = vec!["files".to_string()];
        args.extend(wanted.iter().cloned());
        let reply = self.run(&args)?;
        let described = describe_all(blocks(&reply)?);
        let mut known = self.described.borrow_mut();
        known.extend(described);
        // A path the host did not mention is missing (it printed nothing for it).
        for path in wanted {
            known.entry(path).or_insert(Described::Missing);
        }
        Ok(true)
    }

    /// The ssh runs made so far.
    pub fn runs(&self) -> usize {
        self.runs
    }
}

/// A file the host described: its path, real path, size and the parts sent.
type Parts = (String, String, usize, Vec<(usize, Vec<u8>)>);

/// The paths the blocks describe, each with its ELF facts read from the parts sent.
pub(crate) fn describe_all(blocks: Vec<Block>) -> Vec<(String, Described)> {
    let mut out = Vec::new();
    let mut file: Option<Parts> = None;
    let finish = |file: Option<Parts>, out: &mut Vec<(String, Described)>| {
        if let Some((path, real, size, parts)) = file {
            // The image ends where the last part sent ends: what was not sent reads
            // as zeros, and memory is what the host sent, whatever size it claims.
            let end = parts
                .iter()
                .filter_map(|(at, bytes)| at.checked_add(bytes.len()))
                .filter(|&end| end <= size)
                .max()
                .unwrap_or(0);
            let mut image = vec![0; end];
            for (at, bytes) in parts {
                if let Some(stop) = at.checked_add(bytes.len()).filter(|&e| e <= end) {
                    image[at..stop].copy_from_slice(&bytes);
                }
            }
            out.push((
                path,
                Described::File {
                    real,
                    elf: from_parts(&image),
                },
            ));
        }
    };
    for block in blocks {
        let field = |i: usize| block.fields.get(i).cloned().unwrap_or_default();
        match block.fields[0].as_str() {
            "F" => {
                finish(file.take(), &mut out);
                file = Some((
                    field(1),
                    field(2),
                    field(3).parse().unwrap_or(0),
                    Vec::new(),
                ));
            }
            "C" => {
                if let (Some((_, _, _, parts)), Ok(at)) = (file.as_mut(), field(1).parse()) {
                    parts.push((at, block.bytes));
                }
            }
            "M" => {
                finish(file.take(), &mut out);
                out.push((field(1), Described::Missing));
            }
            "D" => {
                finish(file.take(), &mut out);
                out.push((
                    field(1),
                    Described::Dangling(format!("{} -> {}", field(1), field(2))),
                ));
            }
            "U" => {
                finish(file.take(), &mut out);
                out.push((field(1), Described::Unopenable));
            }
            _ => {}
        }
    }
    finish(file, &mut out);
    out
}

/// What the fuzz target checks: any reply a host could send is read without a
/// panic, and every path it describes comes out once per description.
#[doc(hidden)]
pub fn exercise_reply(data: &[u8]) {
    if let Ok(read) = blocks(data) {
        let marks = read
            .iter()
            .filter(|b| matches!(b.fields[0].as_str(), "F" | "M" | "D" | "U"))
            .count();
        assert_eq!(describe_all(read).len(), marks);
    }
}

/// The ELF facts of a file of which only some parts were sent. A file of another
/// class or byte order than the script reads keeps its kind only: the loader passes
/// such a file over, and its kind is all that takes.
fn from_parts(bytes: &[u8]) -> Result<Arc<Elf>, NotElf> {
    match elf::read(bytes) {
        Ok(read) => Ok(Arc::new(read)),
        Err(why) => match elf::kind_of(bytes) {
            Some(kind) if !(kind.bits == 64 && kind.little_endian) => Ok(Arc::new(Elf {
                kind: Some(kind),
                loadable: true,
                ..Elf::default()
            })),
            _ => Err(why),
        },
    }
}

impl ConfFiles for RemoteHost {
    fn read(&self, path: &str) -> Option<String> {
        self.conf_files.get(path).cloned()
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, String> {
        let pattern =
            glob::Pattern::new(pattern).map_err(|e| format!("not a valid pattern: {e}"))?;
        Ok(self
            .conf_files
            .keys()
            .filter(|path| pattern.matches(path))
            .cloned()
            .collect())
    }
}

impl TargetView for RemoteHost {
    fn name(&self) -> String {
        format!("host {}", self.name)
    }

    fn kind(&self) -> Option<Kind> {
        self.kind
    }

    fn candidate(&self, path: &str) -> Candidate {
        if let Some(known) = self.described.borrow().get(path) {
            return match known {
                Described::Missing => Candidate::Missing,
                Described::Dangling(link) => Candidate::Dangling { link: link.clone() },
                Described::Unopenable => Candidate::Unopenable("not a readable file".into()),
                Described::File { real, elf: Ok(elf) } => Candidate::Elf {
                    path: real.clone(),
                    elf: Arc::clone(elf),
                },
                Described::File { elf: Err(why), .. } => Candidate::NotElf(why.clone()),
            };
        }
        // A listed directory without the name: missing, no need to ask.
        if let Some((dir, name)) = path.rsplit_once('/') {
            if let Some(names) = self.listings.get(if dir.is_empty() { "/" } else { dir }) {
                if !names.contains(name) {
                    return Candidate::Missing;
                }
            }
        }
        self.wanted.borrow_mut().insert(path.to_string());
        Candidate::Missing
    }

    fn cached(&self, name: &str, kind: Kind) -> Option<Vec<String>> {
        let entries = self.cache.as_ref()?.as_ref().ok()?;
        Some(ldcache::lookup(entries, name, kind))
    }

    fn default_dirs(&self, kind: Kind) -> Vec<String> {
        root::default_dirs(kind, |dir| self.listings.contains_key(dir))
    }

    fn erts(&self) -> Vec<InstalledErts> {
        self.erts.clone()
    }

    fn is_dir(&self, path: &str) -> bool {
        self.applications.contains(path)
    }

    fn conf_dirs(&self) -> Vec<String> {
        ldconf::read(self).dirs.into_iter().map(|d| d.dir).collect()
    }

    fn problems(&self) -> Vec<String> {
        let mut out = ldconf::read(self).problems;
        out.extend(ldcache::problem(self.cache.as_ref()));
        if self.kind.is_none() {
            out.push("/bin/sh is not a dynamically linked program: the host's architecture and loader are unknown".into());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_describes_this_host_s_libc_in_parts_as_the_whole_file_reads() {
        let Ok(out) = std::process::Command::new("sh")
            .args([
                "-c",
                SCRIPT,
                "remote.sh",
                "files",
                "/lib/x86_64-linux-gnu/libc.so.6",
                "/nowhere/libx.so",
            ])
            .output()
        else {
            return;
        };
        let described = describe_all(blocks(&out.stdout).unwrap());
        let whole = std::fs::read("/lib/x86_64-linux-gnu/libc.so.6");
        let (Some((_, Described::File { elf: Ok(parts), .. })), Ok(whole)) =
            (described.first(), whole)
        else {
            return;
        };
        assert_eq!(**parts, elf::read(&whole).unwrap());
        assert!(matches!(described.get(1), Some((_, Described::Missing))));
    }
}
