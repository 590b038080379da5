//! What the check asks of a target, wherever its answers come from: a root on this
//! machine ([`super::root::Root`]) or a `release-pack.host` document another host
//! printed.

use super::elf::{Elf, Kind, NotElf};
use std::sync::Arc;

/// What the loader would find at one absolute path of the target.
#[derive(Debug, Clone)]
pub enum Candidate {
    Missing,
    /// A symlink whose target is not there.
    Dangling {
        link: String,
    },
    /// There, but not a file the loader can open (a directory, no permission...).
    Unopenable(String),
    NotElf(NotElf),
    Elf {
        path: String,
        elf: Arc<Elf>,
    },
}

/// An Erlang runtime installed on the target.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InstalledErts {
    pub version: String,
    /// Its directory (`/usr/lib/erlang/erts-12.3.1`).
    pub path: String,
}

/// The target as the dynamic loader and the release's start script see it.
pub trait TargetView {
    /// How the target is named in messages: `root /srv/bullseye`, `host web1`.
    fn name(&self) -> String;
    /// The machine code the target runs (its own programs' kind), if it has any.
    fn kind(&self) -> Option<Kind>;
    /// The file at an absolute path of the target, symlinks followed there.
    fn candidate(&self, path: &str) -> Candidate;
    /// `/etc/ld.so.cache`'s paths for a library name, in the loader's order;
    /// `None` without a cache.
    fn cached(&self, name: &str, kind: Kind) -> Option<Vec<String>>;
    /// The loader's built-in directories, searched after the cache.
    fn default_dirs(&self, kind: Kind) -> Vec<String>;
    /// The Erlang runtimes installed.
    fn erts(&self) -> Vec<InstalledErts>;
    /// Whether a directory is there (an OTP application of the installed Erlang).
    fn is_dir(&self, path: &str) -> bool;
    /// What is wrong with the target's own configuration (ld.so.conf, a missing
    /// cache), each with the file it is in.
    fn problems(&self) -> Vec<String>;
    /// The directories `ld.so.conf` names (the loader reads them only through the
    /// cache ldconfig writes; a library there that the cache lacks is not found).
    fn conf_dirs(&self) -> Vec<String>;
}

/// The Debian multiarch tuple of a kind (`x86_64-linux-gnu`), which names the
/// loader's default directories there.
pub fn multiarch(kind: Kind) -> Option<&'static str> {
    use object::elf::*;
    Some(match (Machine(kind.machine), kind.bits) {
        (EM_X86_64, 64) => "x86_64-linux-gnu",
        (EM_X86_64, 32) => "x86_64-linux-gnux32",
        (EM_386, 32) => "i386-linux-gnu",
        (EM_AARCH64, 64) => "aarch64-linux-gnu",
        (EM_ARM, 32) => "arm-linux-gnueabihf",
        (EM_PPC64, 64) if kind.little_endian => "powerpc64le-linux-gnu",
        (EM_S390, 64) => "s390x-linux-gnu",
        (EM_RISCV, 64) => "riscv64-linux-gnu",
        (EM_MIPS, 64) if kind.little_endian => "mips64el-linux-gnuabi64",
        (EM_LOONGARCH, 64) => "loongarch64-linux-gnu",
        _ => return None,
    })
}

/// The loader's path for a kind, as programs of that kind name it in `PT_INTERP`.
pub fn loader_path(kind: Kind) -> Option<&'static str> {
    use object::elf::*;
    Some(match (Machine(kind.machine), kind.bits) {
        (EM_X86_64, 64) => "/lib64/ld-linux-x86-64.so.2",
        (EM_X86_64, 32) => "/libx32/ld-linux-x32.so.2",
        (EM_386, 32) => "/lib/ld-linux.so.2",
        (EM_AARCH64, 64) => "/lib/ld-linux-aarch64.so.1",
        (EM_ARM, 32) => "/lib/ld-linux-armhf.so.3",
        (EM_PPC64, 64) if kind.little_endian => "/lib64/ld64.so.2",
        (EM_S390, 64) => "/lib/ld64.so.1",
        (EM_RISCV, 64) => "/lib/ld-linux-riscv64-lp64d.so.1",
        _ => return None,
    })
}
