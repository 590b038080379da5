//! What the dynamic loader reads of an ELF file: its class, byte order and machine,
//! the interpreter it names, its `DT_NEEDED`, `DT_RUNPATH`/`DT_RPATH`, `DT_SONAME`
//! and `DF_1_NODEFLIB`, the symbol versions it needs of each library
//! (`.gnu.version_r`) and the ones it defines (`.gnu.version_d`). Read with the
//! `object` crate; any bytes give an answer or an error, never a panic.

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader};
use object::{Endianness, ReadRef};
use serde::{Deserialize, Serialize};

/// The kind of machine code, as the loader compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kind {
    /// 64-bit (ELFCLASS64) or 32-bit.
    pub bits: u8,
    pub little_endian: bool,
    /// `e_machine`.
    pub machine: u16,
}

impl Kind {
    /// The name people know the kind by: `x86_64`, `aarch64`, `i386`...
    pub fn name(&self) -> String {
        let known = match (elf::Machine(self.machine), self.bits) {
            (elf::EM_X86_64, 64) => "x86_64",
            (elf::EM_X86_64, 32) => "x32",
            (elf::EM_386, _) => "i386",
            (elf::EM_AARCH64, 64) => "aarch64",
            (elf::EM_ARM, _) => "arm",
            (elf::EM_RISCV, 64) => "riscv64",
            (elf::EM_PPC64, 64) if self.little_endian => "ppc64le",
            (elf::EM_PPC64, _) => "ppc64",
            (elf::EM_S390, 64) => "s390x",
            (elf::EM_MIPS, _) => "mips",
            (elf::EM_LOONGARCH, 64) => "loongarch64",
            _ => "",
        };
        if known.is_empty() {
            format!("machine {} ({}-bit)", self.machine, self.bits)
        } else {
            known.to_string()
        }
    }
}

/// One library's symbol versions that an object needs (`Verneed` and its `Vernaux`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionNeed {
    /// The library, as named in `DT_NEEDED` (`libc.so.6`).
    pub file: String,
    /// The versions (`GLIBC_2.34`), and whether each is weak (a miss is not fatal).
    pub versions: Vec<(String, bool)>,
}

/// What the loader reads of one ELF file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Elf {
    pub kind: Option<Kind>,
    /// `e_type` is `ET_DYN` or `ET_EXEC`: something the loader can map.
    pub loadable: bool,
    pub interpreter: Option<String>,
    pub soname: Option<String>,
    pub needed: Vec<String>,
    pub runpath: Vec<String>,
    pub rpath: Vec<String>,
    /// `DF_1_NODEFLIB`: the cache and the default directories are not searched for
    /// this object's needs.
    pub nodeflib: bool,
    pub needs: Vec<VersionNeed>,
    /// The versions the object defines, its own name (the `VER_FLG_BASE` entry) left out.
    pub defines: Vec<String>,
    /// Whether it has a `.gnu.version_d` at all (without one, any version is taken).
    pub has_version_definitions: bool,
    /// It has a dynamic segment but no section headers (stripped with sstrip):
    /// the loader reads its needs through `PT_DYNAMIC`, this reader does not.
    pub unread_dynamic: bool,
}

/// `DF_1_NODEFLIB` in `DT_FLAGS_1`.
const DF_1_NODEFLIB: u64 = 0x800;

/// Why bytes are not an ELF file the loader can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotElf {
    /// Not ELF at all: the loader says "invalid ELF header".
    NotElf,
    /// ELF, but cut short or with tables outside the file.
    Damaged(String),
}

impl std::fmt::Display for NotElf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotElf::NotElf => f.write_str("not an ELF file (invalid ELF header)"),
            NotElf::Damaged(why) => write!(f, "a damaged ELF file: {why}"),
        }
    }
}

/// Whether `bytes` start as an ELF file does.
pub fn looks_like_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x7fELF")
}

/// The class, byte order and machine from the first bytes alone (the 20 of
/// `e_ident` and `e_machine`), as the loader checks a candidate before mapping it.
pub fn kind_of(bytes: &[u8]) -> Option<Kind> {
    if !looks_like_elf(bytes) || bytes.len() < 20 {
        return None;
    }
    let bits = match elf::FileClass(bytes[4]) {
        elf::ELFCLASS32 => 32,
        elf::ELFCLASS64 => 64,
        _ => return None,
    };
    let little_endian = match elf::DataEncoding(bytes[5]) {
        elf::ELFDATA2LSB => true,
        elf::ELFDATA2MSB => false,
        _ => return None,
    };
    let machine = if little_endian {
        u16::from_le_bytes([bytes[18], bytes[19]])
    } else {
        u16::from_be_bytes([bytes[18], bytes[19]])
    };
    Some(Kind {
        bits,
        little_endian,
        machine,
    })
}

/// Read an ELF file's loader facts from its bytes.
pub fn read(bytes: &[u8]) -> Result<Elf, NotElf> {
    read_ref(bytes)
}

/// Read an ELF file's loader facts from a file, reading only the parts the
/// loader reads (headers, the dynamic section, the version sections), so a large
/// file costs no more memory than a small one.
pub fn read_file(file: std::fs::File) -> Result<Elf, NotElf> {
    let cache = object::read::ReadCache::new(file);
    read_ref(&cache)
}

pub fn read_ref<'data, R: ReadRef<'data>>(data: R) -> Result<Elf, NotElf> {
    let len = data.len().unwrap_or(0);
    let head = data.read_bytes_at(0, len.min(20)).unwrap_or(&[]);
    let Some(kind) = kind_of(head) else {
        return Err(if looks_like_elf(head) && head.len() >= 20 {
            NotElf::Damaged("an unknown ELF class or byte order".into())
        } else if looks_like_elf(head) {
            NotElf::Damaged("the file ends inside the ELF header".into())
        } else {
            NotElf::NotElf
        });
    };
    let damaged = |e: object::read::Error| NotElf::Damaged(e.to_string());
    let mut out = if kind.bits == 64 {
        read_as::<elf::FileHeader64<Endianness>, R>(data).map_err(damaged)?
    } else {
        read_as::<elf::FileHeader32<Endianness>, R>(data).map_err(damaged)?
    };
    out.kind = Some(kind);
    Ok(out)
}

fn read_as<'data, H: FileHeader<Endian = Endianness>, R: ReadRef<'data>>(
    bytes: R,
) -> object::read::Result<Elf> {
    let header = H::parse(bytes)?;
    let endian = header.endian()?;
    let e_type = header.e_type(endian);
    let mut out = Elf {
        loadable: e_type == elf::ET_DYN || e_type == elf::ET_EXEC,
        ..Elf::default()
    };
    for segment in header.program_headers(endian, bytes)? {
        if let Some(path) = segment.interpreter(endian, bytes)? {
            out.interpreter = Some(text(path));
        }
    }
    let sections = header.sections(endian, bytes)?;
    if let Some((entries, strings_index)) = sections.dynamic(endian, bytes)? {
        let strings = sections.strings(endian, bytes, strings_index)?;
        for entry in entries {
            let string =
                || -> object::read::Result<String> { Ok(text(entry.string(endian, strings)?)) };
            match entry.tag(endian) {
                elf::DT_NULL => break,
                elf::DT_NEEDED => out.needed.push(string()?),
                elf::DT_SONAME => out.soname = Some(string()?),
                elf::DT_RUNPATH => out.runpath.extend(path_list(&string()?)),
                elf::DT_RPATH => out.rpath.extend(path_list(&string()?)),
                elf::DT_FLAGS_1 => out.nodeflib = entry.val(endian) & DF_1_NODEFLIB != 0,
                _ => {}
            }
        }
    }
    if let Some((mut needs, strings_index)) = sections.gnu_verneed(endian, bytes)? {
        let strings = sections.strings(endian, bytes, strings_index)?;
        while let Some((need, mut aux)) = needs.next()? {
            let mut versions = Vec::new();
            while let Some(version) = aux.next()? {
                let weak = version.vna_flags.get(endian).0 & elf::VER_FLG_WEAK.0 != 0;
                versions.push((text(version.name(endian, strings)?), weak));
            }
            out.needs.push(VersionNeed {
                file: text(need.file(endian, strings)?),
                versions,
            });
        }
    }
    if let Some((mut defs, strings_index)) = sections.gnu_verdef(endian, bytes)? {
        out.has_version_definitions = true;
        let strings = sections.strings(endian, bytes, strings_index)?;
        while let Some((def, mut aux)) = defs.next()? {
            if def.vd_flags.get(endian).0 & elf::VER_FLG_BASE.0 != 0 {
                continue;
            }
            // The first auxiliary entry is the version's own name; the rest name
            // its parents.
            if let Some(name) = aux.next()? {
                out.defines.push(text(name.name(endian, strings)?));
            }
        }
    }
    // A file without section headers (sstrip) would hide its dynamic section from
    // this reader; the loader reads it through PT_DYNAMIC. Say so rather than
    // report no needs.
    if sections.is_empty()
        && header
            .program_headers(endian, bytes)?
            .iter()
            .any(|p| p.p_type(endian) == elf::PT_DYNAMIC)
    {
        out.unread_dynamic = true;
    }
    Ok(out)
}

/// A colon-separated search path, as `DT_RUNPATH` holds one (empty parts dropped,
/// as the loader does).
pub fn path_list(value: &str) -> Vec<String> {
    value
        .split(':')
        .filter(|part| !part.is_empty())
        .map(str::to_string)
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_test_binary_reads_as_the_loader_sees_it() {
        let exe = std::env::current_exe().unwrap();
        let bytes = std::fs::read(exe).unwrap();
        let elf = read(&bytes).unwrap();
        assert!(elf.loadable);
        assert!(elf.needed.iter().any(|n| n.starts_with("libc.so")));
        let libc = elf.needs.iter().find(|n| n.file.starts_with("libc.so"));
        assert!(libc.is_some_and(|n| n.versions.iter().any(|(v, _)| v.starts_with("GLIBC_2."))));
        assert!(elf.interpreter.is_some());
    }

    #[test]
    fn bytes_that_are_not_elf_or_are_cut_short_are_errors() {
        assert_eq!(read(b"#!/bin/sh\n"), Err(NotElf::NotElf));
        assert_eq!(read(b""), Err(NotElf::NotElf));
        assert!(matches!(read(b"\x7fELF\x02\x01"), Err(NotElf::Damaged(_))));
        let exe = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        for cut in [20, 64, 100, 4096] {
            assert!(read(&exe[..cut]).is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn search_paths_drop_empty_parts() {
        assert_eq!(
            path_list("$ORIGIN/../lib::/opt/x"),
            ["$ORIGIN/../lib", "/opt/x"]
        );
    }
}
