//! The safety rules every entry of a tarball passes before anything is written: the
//! same screen serves `unpack` (which stops at the first problem) and `verify` (which
//! reports them all). After PEP 706's `data` filter and the tar crate's advisories:
//! no absolute names, no `..`, no links leaving the tree, no devices or fifos, no
//! writing through a link, no entry that changes type, and limits against bombs.

use crate::archive::{Entry, Kind};
use crate::codes::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        // A large Phoenix release with ERTS is a few hundred MB and a few thousand files.
        Limits {
            max_bytes: 8 << 30,
            max_entries: 200_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub entry: String,
    pub message: String,
}

/// What to do with an entry that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Write it at this normalised relative name.
    Write(String),
    /// Nothing to write (the root directory `./`, a pax global header).
    Skip,
}

pub struct Screen {
    limits: Limits,
    allow_symlinks_to: Vec<String>,
    kinds: HashMap<String, Kind>,
    links: Vec<String>,
    bytes: u64,
    entries: u64,
}

impl Screen {
    pub fn new(limits: Limits, allow_symlinks_to: Vec<String>) -> Screen {
        Screen {
            limits,
            allow_symlinks_to,
            kinds: HashMap::new(),
            links: Vec::new(),
            bytes: 0,
            entries: 0,
        }
    }

    pub fn check(&mut self, entry: &Entry) -> Result<Verdict, Problem> {
        let problem = |code, message: String| Problem {
            code,
            entry: entry.name.clone(),
            message,
        };
        self.entries += 1;
        if self.entries > self.limits.max_entries {
            return Err(problem(
                CODE_TOO_MANY,
                format!(
                    "more than {} entries (--max-entries)",
                    self.limits.max_entries
                ),
            ));
        }
        self.bytes = self.bytes.saturating_add(entry.size);
        if self.bytes > self.limits.max_bytes {
            return Err(problem(CODE_TOO_BIG, format!(
                "the entries declare more than {} bytes in all (this one {} bytes); raise --max-bytes if that is real",
                self.limits.max_bytes, entry.size
            )));
        }
        if entry.name.starts_with('/') {
            return Err(problem(
                CODE_ABSOLUTE_NAME,
                "has an absolute name; release entries are relative".into(),
            ));
        }
        let Some(name) = normalise(&entry.name) else {
            return Err(problem(
                CODE_PARENT_NAME,
                "contains '..', which would climb out of the destination".into(),
            ));
        };
        if name.is_empty() {
            return Ok(Verdict::Skip);
        }
        match entry.kind {
            Kind::Device | Kind::Fifo => {
                return Err(problem(
                    CODE_SPECIAL_ENTRY,
                    "is a device or fifo; a release holds only files, directories and links".into(),
                ))
            }
            Kind::Other => return Ok(Verdict::Skip),
            _ => {}
        }
        if let Some(link) = self
            .links
            .iter()
            .find(|l| name.starts_with(l.as_str()) && name.as_bytes().get(l.len()) == Some(&b'/'))
        {
            return Err(problem(
                CODE_THROUGH_LINK,
                format!("would be written through the symlink {link}"),
            ));
        }
        let target = entry.link.clone().unwrap_or_default();
        match entry.kind {
            Kind::Symlink => {
                let allowed = self
                    .allow_symlinks_to
                    .iter()
                    .any(|prefix| target.starts_with('/') && target.starts_with(prefix.as_str()));
                if !allowed && !stays_inside(&name, &target) {
                    return Err(problem(
                        CODE_LINK_ESCAPES,
                        format!(
                            "is a symlink to {target}, outside the release{}",
                            if target.starts_with('/') {
                                "; pass --allow-symlinks-to PREFIX for edeliver's linked config"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
            }
            Kind::Hardlink => {
                let inside =
                    normalise(&target).filter(|t| !t.is_empty() && !target.starts_with('/'));
                match inside {
                    Some(t) if self.kinds.get(&t) == Some(&Kind::File) => {}
                    _ => {
                        return Err(problem(
                            CODE_HARDLINK_ESCAPES,
                            format!(
                            "is a hard link to {target}, which is not a file earlier in the archive"
                        ),
                        ))
                    }
                }
            }
            _ => {}
        }
        let kind = if entry.kind == Kind::Hardlink {
            Kind::File
        } else {
            entry.kind
        };
        match self.kinds.insert(name.clone(), kind) {
            Some(before) if before != kind => {
                return Err(problem(CODE_DUPLICATE_TYPE, format!(
                    "appears twice, first as a {} and then as a {}; which one wins depends on the unpacker",
                    kind_word(before),
                    kind_word(kind)
                )))
            }
            _ => {}
        }
        if kind == Kind::Symlink {
            self.links.push(name.clone());
        }
        Ok(Verdict::Write(name))
    }
}

fn kind_word(kind: Kind) -> &'static str {
    match kind {
        Kind::File => "file",
        Kind::Directory => "directory",
        Kind::Symlink => "symlink",
        Kind::Hardlink => "hard link",
        Kind::Device => "device",
        Kind::Fifo => "fifo",
        Kind::Other => "special entry",
    }
}

/// A relative name without `.` components and trailing `/`; `None` if it has `..`.
pub fn normalise(name: &str) -> Option<String> {
    let mut parts = Vec::new();
    for part in name.trim_start_matches('/').split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// Whether a relative symlink at `name` pointing to `target` resolves inside the
/// tree (and not to its root), judged on the names alone.
fn stays_inside(name: &str, target: &str) -> bool {
    if target.starts_with('/') || target.is_empty() {
        return false;
    }
    let mut depth: Vec<&str> = name.split('/').collect();
    depth.pop();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if depth.pop().is_none() {
                    return false;
                }
            }
            other => depth.push(other),
        }
    }
    !depth.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, kind: Kind, link: Option<&str>) -> Entry {
        Entry {
            name: name.into(),
            kind,
            mode: 0o644,
            size: 10,
            mtime: 0,
            uid: 0,
            gid: 0,
            link: link.map(str::to_string),
        }
    }

    fn code(screen: &mut Screen, e: Entry) -> &'static str {
        screen.check(&e).unwrap_err().code
    }

    #[test]
    fn names() {
        let mut s = Screen::new(Limits::default(), vec![]);
        assert_eq!(
            s.check(&entry("./bin/x", Kind::File, None)),
            Ok(Verdict::Write("bin/x".into()))
        );
        assert_eq!(
            s.check(&entry("./", Kind::Directory, None)),
            Ok(Verdict::Skip)
        );
        assert_eq!(
            code(&mut s, entry("/etc/passwd", Kind::File, None)),
            CODE_ABSOLUTE_NAME
        );
        assert_eq!(
            code(&mut s, entry("lib/../../x", Kind::File, None)),
            CODE_PARENT_NAME
        );
        assert_eq!(
            code(&mut s, entry("dev/null", Kind::Device, None)),
            CODE_SPECIAL_ENTRY
        );
    }

    #[test]
    fn links() {
        let mut s = Screen::new(Limits::default(), vec!["/etc/billing/".into()]);
        assert!(s
            .check(&entry("lib/a/priv", Kind::Symlink, Some("../b/priv")))
            .is_ok());
        assert_eq!(
            code(&mut s, entry("etc", Kind::Symlink, Some("/etc"))),
            CODE_LINK_ESCAPES
        );
        assert_eq!(
            code(&mut s, entry("up", Kind::Symlink, Some("../.."))),
            CODE_LINK_ESCAPES
        );
        assert_eq!(
            code(&mut s, entry("root", Kind::Symlink, Some("."))),
            CODE_LINK_ESCAPES
        );
        assert!(s
            .check(&entry(
                "releases/1/vm.args",
                Kind::Symlink,
                Some("/etc/billing/vm.args")
            ))
            .is_ok());
        assert_eq!(
            code(&mut s, entry("releases/1/vm.args/x", Kind::File, None)),
            CODE_THROUGH_LINK
        );
        assert_eq!(
            code(&mut s, entry("h", Kind::Hardlink, Some("/etc/shadow"))),
            CODE_HARDLINK_ESCAPES
        );
        assert!(s.check(&entry("bin/x", Kind::File, None)).is_ok());
        assert!(s
            .check(&entry("bin/y", Kind::Hardlink, Some("bin/x")))
            .is_ok());
    }

    #[test]
    fn duplicates_and_limits() {
        let mut s = Screen::new(
            Limits {
                max_bytes: 35,
                max_entries: 9,
            },
            vec![],
        );
        assert!(s.check(&entry("a", Kind::File, None)).is_ok());
        assert!(s.check(&entry("a", Kind::File, None)).is_ok());
        assert_eq!(
            code(&mut s, entry("a", Kind::Symlink, Some("b"))),
            CODE_DUPLICATE_TYPE
        );
        assert_eq!(code(&mut s, entry("c", Kind::File, None)), CODE_TOO_BIG);
        let mut s = Screen::new(
            Limits {
                max_bytes: 1000,
                max_entries: 1,
            },
            vec![],
        );
        assert!(s.check(&entry("a", Kind::File, None)).is_ok());
        assert_eq!(code(&mut s, entry("b", Kind::File, None)), CODE_TOO_MANY);
    }
}
