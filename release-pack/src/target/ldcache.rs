//! `/etc/ld.so.cache`, which the loader reads instead of `ld.so.conf` (ldconfig
//! writes it from there): glibc's two formats, `ld.so-1.7.0` followed by the new
//! table (glibc up to 2.31 writes both) or `glibc-ld.so.cache1.1` alone. Read from
//! glibc's `elf/dl-cache.c` and `sysdeps/generic/dl-cache.h`; every offset is
//! checked, so damaged bytes give an error, not a wrong answer.

const OLD_MAGIC: &[u8] = b"ld.so-1.7.0";
const NEW_MAGIC: &[u8] = b"glibc-ld.so.cache1.1";
const OLD_HEADER: usize = 16;
const OLD_ENTRY: usize = 12;
const NEW_HEADER: usize = 48;
const NEW_ENTRY: usize = 24;

/// One library of the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheEntry {
    /// The name programs need (`libssl.so.3`).
    pub name: String,
    /// Where it is (`/lib/x86_64-linux-gnu/libssl.so.3`).
    pub path: String,
    /// ldconfig's flags: the low byte the kind (`3`: ELF for libc6), the next the
    /// architecture (`0x03`: x86-64, `0x0a`: AArch64...).
    pub flags: u32,
    /// Non-zero for a `glibc-hwcaps` subdirectory's library.
    pub hwcap: u64,
}

/// The entries of a cache, in the file's order (the loader's order of preference).
pub fn parse(bytes: &[u8]) -> Result<Vec<CacheEntry>, String> {
    let (table, strings_base) = if bytes.starts_with(OLD_MAGIC) {
        let count = u32_at(bytes, 12)? as usize;
        let end = OLD_HEADER
            .checked_add(count.checked_mul(OLD_ENTRY).ok_or("too many entries")?)
            .ok_or("too many entries")?;
        let aligned = end.div_ceil(8) * 8;
        if bytes.len() >= aligned + NEW_MAGIC.len()
            && &bytes[aligned..aligned + NEW_MAGIC.len()] == NEW_MAGIC
        {
            (&bytes[aligned..], aligned)
        } else {
            return old_format(bytes, count, end);
        }
    } else if bytes.starts_with(NEW_MAGIC) {
        (bytes, 0)
    } else {
        return Err("not an ld.so.cache (no known magic)".into());
    };
    let count = u32_at(table, 20)? as usize;
    let mut out = Vec::with_capacity(count.min(1 << 16));
    for i in 0..count {
        let at = NEW_HEADER + i * NEW_ENTRY;
        if at + NEW_ENTRY > table.len() {
            return Err(format!(
                "entry {i} of {count} lies past the end of the file"
            ));
        }
        let flags = u32_at(table, at)?;
        let key = u32_at(table, at + 4)? as usize;
        let value = u32_at(table, at + 8)? as usize;
        let hwcap = u64::from(u32_at(table, at + 16)?) | (u64::from(u32_at(table, at + 20)?) << 32);
        // The new table's strings are counted from its own start.
        let _ = strings_base;
        out.push(CacheEntry {
            name: string_at(table, key)?,
            path: string_at(table, value)?,
            flags,
            hwcap,
        });
    }
    Ok(out)
}

fn old_format(bytes: &[u8], count: usize, end: usize) -> Result<Vec<CacheEntry>, String> {
    if end > bytes.len() {
        return Err(format!("{count} entries do not fit in the file"));
    }
    // The old format's strings follow its table.
    let strings = &bytes[end..];
    (0..count)
        .map(|i| {
            let at = OLD_HEADER + i * OLD_ENTRY;
            Ok(CacheEntry {
                flags: u32_at(bytes, at)?,
                name: string_at(strings, u32_at(bytes, at + 4)? as usize)?,
                path: string_at(strings, u32_at(bytes, at + 8)? as usize)?,
                hwcap: 0,
            })
        })
        .collect()
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32, String> {
    bytes
        .get(at..at + 4)
        .map(|b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("the file ends at byte {}, inside its table", bytes.len()))
}

fn string_at(bytes: &[u8], at: usize) -> Result<String, String> {
    let rest = bytes
        .get(at..)
        .ok_or_else(|| format!("a name at offset {at} lies past the end of the file"))?;
    let end = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or_else(|| format!("the name at offset {at} is not terminated"))?;
    Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// What is wrong with a target's cache, as it was read: missing, or unreadable.
pub fn problem(cache: Option<&Result<Vec<CacheEntry>, String>>) -> Option<String> {
    match cache {
        None => Some("/etc/ld.so.cache: missing; the loader searches only its default directories (run ldconfig on the target)".into()),
        Some(Err(why)) => Some(format!("/etc/ld.so.cache: not readable as a cache ({why}); the loader ignores it")),
        Some(Ok(_)) => None,
    }
}

/// The paths the cache gives for `name`, in its order, for a program of `kind`
/// (entries of glibc-hwcaps subdirectories left out).
pub fn lookup(entries: &[CacheEntry], name: &str, kind: super::elf::Kind) -> Vec<String> {
    let expected = expected_flags(kind);
    entries
        .iter()
        .filter(|e| e.name == name && e.hwcap == 0)
        .filter(|e| expected.is_none_or(|flags| e.flags == flags))
        .map(|e| e.path.clone())
        .collect()
}

/// The flags ldconfig gives a library of this architecture (glibc's
/// `_DL_CACHE_DEFAULT_ID`), where known; other kinds are told apart by opening
/// the file, as the loader also does.
pub fn expected_flags(kind: super::elf::Kind) -> Option<u32> {
    use object::elf::*;
    const ELF_LIBC6: u32 = 0x0003;
    Some(match (Machine(kind.machine), kind.bits) {
        (EM_X86_64, 64) => ELF_LIBC6 | 0x0300,
        (EM_X86_64, 32) => ELF_LIBC6 | 0x0800,
        (EM_386, 32) => ELF_LIBC6,
        (EM_AARCH64, 64) => ELF_LIBC6 | 0x0a00,
        (EM_S390, 64) => ELF_LIBC6 | 0x0400,
        (EM_PPC64, 64) => ELF_LIBC6 | 0x0500,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_machine_s_cache_names_libc() {
        let Ok(bytes) = std::fs::read("/etc/ld.so.cache") else {
            return;
        };
        let entries = parse(&bytes).unwrap();
        assert!(entries
            .iter()
            .any(|e| e.name == "libc.so.6" && e.path.ends_with("/libc.so.6")));
    }

    #[test]
    fn the_compat_format_glibc_2_31_writes_gives_the_same_entries() {
        let dir = tempfile::tempdir().unwrap();
        let written = |format: &str| {
            let file = dir.path().join(format);
            let ok = std::process::Command::new("/sbin/ldconfig")
                .args(["-c", format, "-C"])
                .arg(&file)
                .status()
                .is_ok_and(|s| s.success());
            ok.then(|| parse(&std::fs::read(&file).unwrap()).unwrap())
        };
        // Writing a cache needs root and ldconfig: where either is missing, the
        // machine's own cache test above stands alone.
        if let (Some(compat), Some(new)) = (written("compat"), written("new")) {
            assert_eq!(compat, new);
            assert!(compat.iter().any(|e| e.name == "libc.so.6"));
        }
    }

    #[test]
    fn damaged_caches_are_errors() {
        assert!(parse(b"").is_err());
        assert!(parse(b"glibc-ld.so.cache1.1").is_err());
        let Ok(bytes) = std::fs::read("/etc/ld.so.cache") else {
            return;
        };
        for cut in [30, 60, 200] {
            assert!(parse(&bytes[..cut]).is_err(), "cut at {cut}");
        }
    }
}
