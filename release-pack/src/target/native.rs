//! The release's native code: which of its files the loader will read (ERTS's
//! binaries, every ELF under `lib/*/priv/`), each read once as [`super::elf`] does.

use super::elf::{self, Elf, NotElf};

/// An ELF entry of a tarball up to this size is read into memory; a larger one is
/// copied to a temporary file first, so memory stays flat whatever the release holds.
pub const IN_MEMORY: u64 = 16 << 20;

/// One native file of the release: what the loader reads of it, or why it cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Native {
    Elf(Box<Elf>),
    /// Named as a shared object (or in ERTS's `bin/` with an ELF start) but not
    /// readable as one.
    Unreadable(NotElf),
}

/// Whether a release entry is where native code lives: under `erts-*/` or under
/// an application's `priv/`.
pub fn in_native_tree(name: &str) -> bool {
    let mut parts = name.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(erts), Some(_), _) if erts.starts_with("erts-") => true,
        (Some("lib"), Some(_app), Some("priv")) => true,
        _ => false,
    }
}

/// An entry's name inside the release: a top folder that is not one of a
/// release's own (`billing/` in `billing/bin/billing`) and `./` left out.
pub fn release_relative(name: &str) -> &str {
    let name = name.trim_start_matches("./");
    let first = name.split('/').next().unwrap_or("");
    let own = matches!(first, "bin" | "lib" | "releases") || first.starts_with("erts-");
    match name.split_once('/') {
        Some((_, rest)) if !own => rest,
        _ => name,
    }
}

/// Whether a file name says "shared object": `x.so` or `x.so.1.2`.
pub fn named_as_shared_object(name: &str) -> bool {
    let base = name.rsplit('/').next().unwrap_or(name);
    match base.find(".so") {
        Some(at) if at > 0 => {
            let rest = &base[at + 3..];
            rest.is_empty()
                || (rest.starts_with('.')
                    && rest[1..]
                        .split('.')
                        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        }
        _ => false,
    }
}

/// Whether an entry may be native code: its first bytes decide (an ELF start), or
/// its name does.
pub fn worth_reading(name: &str, size: u64) -> bool {
    in_native_tree(name) && size > 0
}

/// The native fact of a file on disk, reading only what the loader reads of it.
pub fn of_file(name: &str, path: &std::path::Path) -> std::io::Result<Option<Native>> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let mut magic = [0u8; 4];
    let got = file.read(&mut magic)?;
    if !elf::looks_like_elf(&magic[..got]) && !named_as_shared_object(name) {
        return Ok(None);
    }
    of_file_handle(file)
}

/// The native fact of an entry streamed from a tarball.
pub fn of_stream(
    name: &str,
    size: u64,
    stream: &mut impl std::io::Read,
) -> std::io::Result<Option<Native>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(4);
    stream.by_ref().take(4).read_to_end(&mut head)?;
    if !elf::looks_like_elf(&head) && !named_as_shared_object(name) {
        return Ok(None);
    }
    if size <= IN_MEMORY {
        let mut bytes = head;
        stream.read_to_end(&mut bytes)?;
        return Ok(of_bytes(name, &bytes));
    }
    let mut spool = tempfile::tempfile()?;
    std::io::Write::write_all(&mut spool, &head)?;
    std::io::copy(stream, &mut spool)?;
    of_file_handle(spool)
}

fn of_file_handle(file: std::fs::File) -> std::io::Result<Option<Native>> {
    Ok(Some(match elf::read_file(file) {
        Ok(elf) => Native::Elf(Box::new(elf)),
        Err(why) => Native::Unreadable(why),
    }))
}

/// The native fact of a file's bytes, or `None` for a file that is neither ELF nor
/// named as a shared object (a script, a data file).
pub fn of_bytes(name: &str, bytes: &[u8]) -> Option<Native> {
    if !elf::looks_like_elf(bytes) && !named_as_shared_object(name) {
        return None;
    }
    Some(match elf::read(bytes) {
        Ok(elf) => Native::Elf(Box::new(elf)),
        Err(why) => Native::Unreadable(why),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_trees_and_shared_object_names() {
        assert!(in_native_tree("erts-13.1.5/bin/beam.smp"));
        assert!(in_native_tree("lib/crypto-5.1.2/priv/lib/crypto.so"));
        assert!(!in_native_tree("lib/crypto-5.1.2/ebin/crypto.beam"));
        assert!(!in_native_tree("releases/0.1.0/vm.args"));
        assert!(named_as_shared_object("priv/x.so"));
        assert!(named_as_shared_object("priv/libssl.so.3"));
        assert!(named_as_shared_object("priv/libz.so.1.2.13"));
        assert!(!named_as_shared_object("priv/x.so.txt"));
        assert!(!named_as_shared_object("priv/.so"));
        assert!(!named_as_shared_object("priv/notes.sol"));
    }

    #[test]
    fn scripts_are_not_native_and_fake_shared_objects_are_unreadable() {
        assert_eq!(of_bytes("erts-1/bin/erl", b"#!/bin/sh\n"), None);
        assert_eq!(
            of_bytes("lib/a-1/priv/a.so", b"not elf"),
            Some(Native::Unreadable(NotElf::NotElf))
        );
    }
}
