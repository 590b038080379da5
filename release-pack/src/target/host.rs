//! `release-pack.host`: what a host's loader and Erlang look like, written by
//! `release-pack survey` on that host and read by `verify --target FILE|-` on the
//! build host, for hosts reached some other way (Ansible, a CI artefact) or over
//! ssh. It holds the answers a root would give: the loader's cache and default
//! directories, every library they lead to (its ELF facts, not its bytes), the
//! installed Erlang runtimes and OTP applications, and what is wrong in the
//! loader's configuration.

use super::elf::{Elf, Kind, NotElf};
use super::ldcache;
use super::root::Root;
use super::view::{loader_path, Candidate, InstalledErts, TargetView};
use relkit_common::json::Document;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One path of the host as the loader finds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "is", rename_all = "kebab-case")]
pub enum HostFile {
    /// A library (or program): its real path and what the loader reads of it.
    Elf {
        path: String,
        elf: Box<Elf>,
    },
    DanglingLink {
        link: String,
    },
    NotElf {
        why: String,
        damaged: bool,
    },
    Unopenable {
        why: String,
    },
}

/// One line of `/etc/ld.so.cache`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CachedLibrary {
    pub name: String,
    pub path: String,
    pub flags: u32,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostDoc {
    /// The host's name (`uname -n`), or the root surveyed.
    pub host: String,
    pub architecture: Option<String>,
    /// The ELF class, byte order and machine of the host's own programs (`kind` is
    /// the document's).
    pub code: Option<Kind>,
    /// `None`: the host has no readable `/etc/ld.so.cache`.
    pub cache: Option<Vec<CachedLibrary>>,
    pub default_dirs: Vec<String>,
    /// The directories ld.so.conf names.
    #[serde(default)]
    pub conf_dirs: Vec<String>,
    /// Every path the cache and the default directories lead to, and the loader.
    pub files: BTreeMap<String, HostFile>,
    pub erts: Vec<InstalledErts>,
    /// The OTP application directories of the installed runtimes.
    pub otp_applications: Vec<String>,
    pub problems: Vec<String>,
}

impl Document for HostDoc {
    const KIND: &'static str = "release-pack.host";
}

impl HostDoc {
    /// Survey a root (`/` for this host): `host` names it in the document. Besides
    /// the cache and the default directories, the libraries of the directories in
    /// ld.so.conf and of `extra_dirs` (where a release's absolute RUNPATH points)
    /// are described.
    pub fn survey(root: &Root, host: &str, extra_dirs: &[String]) -> HostDoc {
        let kind = root.kind();
        let mut doc = HostDoc {
            host: host.to_string(),
            architecture: kind.map(|k| k.name()),
            code: kind,
            erts: root.erts(),
            problems: root.problems(),
            ..HostDoc::default()
        };
        let Some(kind) = kind else {
            return doc;
        };
        doc.default_dirs = root.default_dirs(kind);
        let mut paths: Vec<String> = Vec::new();
        if let Some(entries) = root.cache_entries() {
            doc.cache = Some(
                entries
                    .iter()
                    .map(|e| CachedLibrary {
                        name: e.name.clone(),
                        path: e.path.clone(),
                        flags: e.flags,
                    })
                    .collect(),
            );
            paths.extend(
                entries
                    .iter()
                    .filter(|e| e.hwcap == 0)
                    .map(|e| e.path.clone()),
            );
        }
        doc.conf_dirs = root.conf_dirs();
        let dirs: Vec<String> = doc
            .default_dirs
            .iter()
            .cloned()
            .chain(doc.conf_dirs.iter().cloned())
            .chain(extra_dirs.iter().cloned())
            .collect();
        for dir in &dirs {
            for name in root.list(dir) {
                if super::native::named_as_shared_object(&name) {
                    paths.push(format!("{dir}/{name}"));
                }
            }
        }
        paths.extend(loader_path(kind).map(str::to_string));
        for path in paths {
            if doc.files.contains_key(&path) {
                continue;
            }
            let file = match root.candidate(&path) {
                Candidate::Missing => continue,
                Candidate::Dangling { link } => HostFile::DanglingLink { link },
                Candidate::Unopenable(why) => HostFile::Unopenable { why },
                Candidate::NotElf(why) => HostFile::NotElf {
                    damaged: matches!(why, NotElf::Damaged(_)),
                    why: why.to_string(),
                },
                Candidate::Elf { path: real, elf } => HostFile::Elf {
                    path: real,
                    elf: Box::new((*elf).clone()),
                },
            };
            doc.files.insert(path, file);
        }
        for erts in &doc.erts {
            let erlang = erts.path.rsplit_once('/').map_or("", |(d, _)| d);
            for app in root.list(&format!("{erlang}/lib")) {
                let dir = format!("{erlang}/lib/{app}");
                if !doc.otp_applications.contains(&dir) {
                    doc.otp_applications.push(dir);
                }
            }
        }
        doc
    }
}

impl TargetView for HostDoc {
    fn name(&self) -> String {
        format!("host {}", self.host)
    }

    fn kind(&self) -> Option<Kind> {
        self.code
    }

    fn candidate(&self, path: &str) -> Candidate {
        match self.files.get(path) {
            None => Candidate::Missing,
            Some(HostFile::Elf { path, elf }) => Candidate::Elf {
                path: path.clone(),
                elf: Arc::new((**elf).clone()),
            },
            Some(HostFile::DanglingLink { link }) => Candidate::Dangling { link: link.clone() },
            Some(HostFile::Unopenable { why }) => Candidate::Unopenable(why.clone()),
            Some(HostFile::NotElf { why, damaged }) => Candidate::NotElf(if *damaged {
                NotElf::Damaged(why.trim_start_matches("a damaged ELF file: ").to_string())
            } else {
                NotElf::NotElf
            }),
        }
    }

    fn cached(&self, name: &str, kind: Kind) -> Option<Vec<String>> {
        let expected = ldcache::expected_flags(kind);
        Some(
            self.cache
                .as_ref()?
                .iter()
                .filter(|e| e.name == name && expected.is_none_or(|f| f == e.flags))
                .map(|e| e.path.clone())
                .collect(),
        )
    }

    fn default_dirs(&self, _kind: Kind) -> Vec<String> {
        self.default_dirs.clone()
    }

    fn erts(&self) -> Vec<InstalledErts> {
        self.erts.clone()
    }

    fn is_dir(&self, path: &str) -> bool {
        self.otp_applications.iter().any(|d| d == path)
    }

    fn problems(&self) -> Vec<String> {
        self.problems.clone()
    }

    fn conf_dirs(&self) -> Vec<String> {
        self.conf_dirs.clone()
    }
}
