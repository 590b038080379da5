//! A target that is a directory tree on this machine (`/`, a debootstrap root, a
//! container's filesystem): paths are the target's, and absolute symlinks in it
//! point inside it, as they would after `chroot`.

use super::elf::{self, Kind};
use super::ldcache::{self, CacheEntry};
use super::ldconf::{self, Conf, ConfFiles};
use super::view::{self, Candidate, InstalledErts, TargetView};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Symlinks followed for one path before it is taken as a loop (the kernel's 40).
const MAX_LINKS: usize = 40;

/// Where a target path leads inside the root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// The path on this machine, and the target path symlinks led to.
    Found(PathBuf, String),
    Missing,
    Dangling {
        link: String,
    },
    Loop,
}

pub struct Root {
    dir: PathBuf,
    cache: Option<Result<Vec<CacheEntry>, String>>,
    conf: Conf,
    kind: Option<Kind>,
    opened: RefCell<HashMap<String, Candidate>>,
}

impl Root {
    /// A root to check against: `dir` must be a directory.
    pub fn open(dir: &Path) -> anyhow::Result<Root> {
        let meta = std::fs::metadata(dir)
            .map_err(|e| anyhow::anyhow!("cannot read the target root {}: {e}", dir.display()))?;
        anyhow::ensure!(
            meta.is_dir(),
            "the target root {} is not a directory; give the directory a chroot would enter",
            dir.display()
        );
        let mut root = Root {
            dir: dir.to_path_buf(),
            cache: None,
            conf: Conf::default(),
            kind: None,
            opened: RefCell::new(HashMap::new()),
        };
        root.cache = match root.locate("/etc/ld.so.cache") {
            Located::Found(path, _) => Some(
                std::fs::read(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|b| ldcache::parse(&b)),
            ),
            _ => None,
        };
        root.conf = ldconf::read(&root);
        root.kind = ["/bin/sh", "/usr/bin/env", "/sbin/ldconfig", "/usr/bin/ls"]
            .iter()
            .find_map(|p| match root.candidate(p) {
                Candidate::Elf { elf, .. } if elf.interpreter.is_some() => elf.kind,
                _ => None,
            });
        Ok(root)
    }

    /// Follow a target path inside the root, one component at a time.
    pub fn locate(&self, path: &str) -> Located {
        let mut queue: Vec<String> = components(path).into_iter().rev().collect();
        let mut at: Vec<String> = Vec::new();
        let mut links = 0;
        // Set once the path's last component turned out to be a symlink: what goes
        // missing after that makes it a dangling link.
        let mut final_link: Option<String> = None;
        while let Some(part) = queue.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    at.pop();
                    continue;
                }
                _ => {}
            }
            let host = self.host_path(&at, &part);
            match std::fs::symlink_metadata(&host) {
                Err(_) => {
                    return match final_link {
                        Some(link) => Located::Dangling { link },
                        None => Located::Missing,
                    }
                }
                Ok(meta) if meta.file_type().is_symlink() => {
                    links += 1;
                    if links > MAX_LINKS {
                        return Located::Loop;
                    }
                    let Ok(target) = std::fs::read_link(&host) else {
                        return Located::Missing;
                    };
                    let target = target.to_string_lossy().into_owned();
                    if queue.is_empty() && final_link.is_none() {
                        final_link = Some(format!("/{} -> {target}", join(&at, &part)));
                    }
                    if target.starts_with('/') {
                        at.clear();
                    }
                    queue.extend(components(&target).into_iter().rev());
                }
                Ok(_) => at.push(part),
            }
        }
        Located::Found(self.host_path(&at, ""), format!("/{}", at.join("/")))
    }

    fn host_path(&self, at: &[String], part: &str) -> PathBuf {
        let mut host = self.dir.clone();
        for p in at {
            host.push(p);
        }
        if !part.is_empty() {
            host.push(part);
        }
        host
    }

    fn read_candidate(&self, path: &str) -> Candidate {
        match self.locate(path) {
            Located::Missing => Candidate::Missing,
            Located::Dangling { link } => Candidate::Dangling { link },
            Located::Loop => Candidate::Unopenable("a symlink loop".into()),
            // Only the parts the loader reads are read (libcrypto is 4 MiB).
            Located::Found(host, real) => match std::fs::File::open(&host) {
                Ok(file) if file.metadata().is_ok_and(|m| m.is_file()) => {
                    match elf::read_file(file) {
                        Ok(elf) => Candidate::Elf {
                            path: real,
                            elf: Arc::new(elf),
                        },
                        Err(why) => Candidate::NotElf(why),
                    }
                }
                Ok(_) => Candidate::Unopenable("not a regular file".into()),
                Err(e) => Candidate::Unopenable(e.to_string()),
            },
        }
    }

    /// The entries of the root's `/etc/ld.so.cache`, if it has a readable one.
    pub fn cache_entries(&self) -> Option<&[CacheEntry]> {
        self.cache.as_ref()?.as_ref().ok().map(Vec::as_slice)
    }

    /// The names in a directory of the root, sorted; none if it is not there.
    pub fn list(&self, dir: &str) -> Vec<String> {
        let Located::Found(host, _) = self.locate(dir) else {
            return Vec::new();
        };
        let mut names: Vec<String> = std::fs::read_dir(host)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }
}

fn components(path: &str) -> Vec<String> {
    path.split('/').map(str::to_string).collect()
}

fn join(at: &[String], part: &str) -> String {
    let mut parts: Vec<&str> = at.iter().map(String::as_str).collect();
    parts.push(part);
    parts.join("/")
}

impl ConfFiles for Root {
    fn read(&self, path: &str) -> Option<String> {
        match self.locate(path) {
            Located::Found(host, _) => std::fs::read(host)
                .ok()
                .map(|b| String::from_utf8_lossy(&b).into_owned()),
            _ => None,
        }
    }

    fn glob(&self, pattern: &str) -> Result<Vec<String>, String> {
        let base = glob::Pattern::escape(&self.dir.to_string_lossy());
        let base = base.trim_end_matches('/');
        let options = glob::MatchOptions {
            case_sensitive: true,
            require_literal_separator: true,
            require_literal_leading_dot: true,
        };
        let mut found = Vec::new();
        for path in glob::glob_with(&format!("{base}{pattern}"), options)
            .map_err(|e| format!("not a valid pattern: {e}"))?
            .flatten()
        {
            if let Ok(rest) = path.strip_prefix(&self.dir) {
                found.push(format!("/{}", rest.to_string_lossy()));
            }
        }
        Ok(found)
    }
}

impl TargetView for Root {
    fn name(&self) -> String {
        format!("root {}", self.dir.display())
    }

    fn kind(&self) -> Option<Kind> {
        self.kind
    }

    fn candidate(&self, path: &str) -> Candidate {
        if let Some(known) = self.opened.borrow().get(path) {
            return known.clone();
        }
        let found = self.read_candidate(path);
        self.opened
            .borrow_mut()
            .insert(path.to_string(), found.clone());
        found
    }

    fn cached(&self, name: &str, kind: Kind) -> Option<Vec<String>> {
        let entries = self.cache.as_ref()?.as_ref().ok()?;
        Some(ldcache::lookup(entries, name, kind))
    }

    fn default_dirs(&self, kind: Kind) -> Vec<String> {
        default_dirs(kind, |dir| matches!(self.locate(dir), Located::Found(..)))
    }

    fn erts(&self) -> Vec<InstalledErts> {
        let mut roots: Vec<String> = Vec::new();
        for dir in [
            "/usr/local/bin",
            "/usr/bin",
            "/bin",
            "/usr/local/sbin",
            "/usr/sbin",
            "/sbin",
        ] {
            if let Located::Found(host, real) = self.locate(&format!("{dir}/erl")) {
                let text = std::fs::read(&host).unwrap_or_default();
                let text = String::from_utf8_lossy(&text);
                if let Some(root) = erl_rootdir(&text) {
                    roots.push(root);
                } else if let Some(bin) = real.strip_suffix("/bin/erl") {
                    roots.push(bin.to_string());
                }
                break;
            }
        }
        roots.extend([
            "/usr/lib/erlang".to_string(),
            "/usr/local/lib/erlang".to_string(),
        ]);
        let mut out = Vec::new();
        for root in roots {
            let Located::Found(host, real) = self.locate(&root) else {
                continue;
            };
            let Ok(entries) = std::fs::read_dir(&host) else {
                continue;
            };
            let mut found: Vec<InstalledErts> = entries
                .flatten()
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let version = name.strip_prefix("erts-")?.to_string();
                    Some(InstalledErts {
                        version,
                        path: format!("{real}/{name}"),
                    })
                })
                .collect();
            found.sort_by(|a, b| a.path.cmp(&b.path));
            for erts in found {
                if !out.contains(&erts) {
                    out.push(erts);
                }
            }
        }
        out
    }

    fn is_dir(&self, path: &str) -> bool {
        matches!(self.locate(path), Located::Found(host, _) if host.is_dir())
    }

    fn conf_dirs(&self) -> Vec<String> {
        self.conf.dirs.iter().map(|d| d.dir.clone()).collect()
    }

    fn problems(&self) -> Vec<String> {
        let mut out = self.conf.problems.clone();
        out.extend(ldcache::problem(self.cache.as_ref()));
        if self.kind.is_none() {
            out.push("no dynamically linked program found (/bin/sh, /usr/bin/env): the target's architecture and loader are unknown".into());
        }
        out
    }
}

/// The loader's own directories for a kind: Debian's multiarch ones where the
/// target has them (glibc as Debian builds it), else the lib64 pair.
pub fn default_dirs(kind: Kind, exists: impl Fn(&str) -> bool) -> Vec<String> {
    if let Some(tuple) = view::multiarch(kind) {
        let lib = format!("/lib/{tuple}");
        let usr = format!("/usr/lib/{tuple}");
        if exists(&lib) || exists(&usr) {
            return vec![lib, usr, "/lib".into(), "/usr/lib".into()];
        }
    }
    if kind.bits == 64 {
        vec!["/lib64".into(), "/usr/lib64".into()]
    } else {
        vec!["/lib".into(), "/usr/lib".into()]
    }
}

/// `ROOTDIR="/usr/lib/erlang"` in an installed `erl` script.
fn erl_rootdir(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let value = line.trim().strip_prefix("ROOTDIR=")?;
        let value = value.trim_matches('"').trim_matches('\'');
        (value.starts_with('/') && !value.contains('$')).then(|| value.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symlinks_stay_inside_the_root() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("usr/lib/x")).unwrap();
        std::fs::write(root.join("usr/lib/x/libz.so.1.2"), b"z").unwrap();
        std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
        std::os::unix::fs::symlink("/lib/x/libz.so.1.2", root.join("usr/lib/x/libz.so.1")).unwrap();
        std::os::unix::fs::symlink("/nowhere/libssl.so.3", root.join("usr/lib/x/libssl.so.3"))
            .unwrap();
        std::os::unix::fs::symlink("loop", root.join("usr/lib/x/loop")).unwrap();
        let root = Root::open(root).unwrap();
        assert_eq!(
            root.locate("/lib/x/libz.so.1"),
            Located::Found(
                dir.path().join("usr/lib/x/libz.so.1.2"),
                "/usr/lib/x/libz.so.1.2".into()
            )
        );
        assert!(matches!(
            root.locate("/lib/x/libssl.so.3"),
            Located::Dangling { .. }
        ));
        assert_eq!(root.locate("/lib/x/nothing"), Located::Missing);
        assert_eq!(root.locate("/lib/x/loop"), Located::Loop);
        assert_eq!(
            root.locate("/../../lib/x/libz.so.1.2"),
            Located::Found(
                dir.path().join("usr/lib/x/libz.so.1.2"),
                "/usr/lib/x/libz.so.1.2".into()
            )
        );
        assert!(root
            .problems()
            .iter()
            .any(|p| p.contains("ld.so.cache: missing")));
    }

    #[test]
    fn the_erl_script_names_its_root() {
        assert_eq!(
            erl_rootdir("#!/bin/sh\nROOTDIR=\"/usr/lib/erlang\"\nBINDIR=$ROOTDIR/bin\n"),
            Some("/usr/lib/erlang".into())
        );
        assert_eq!(erl_rootdir("ROOTDIR=\"$dyn_rootdir\"\n"), None);
    }
}
