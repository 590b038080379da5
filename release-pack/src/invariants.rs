//! The properties the fuzz targets and the corpus replay hold the readers to. Nothing
//! in the crate imports this module.

use crate::{deflate_end, inspect, verify};

/// Run the tarball reader on arbitrary bytes: screen, inspect and verify what it
/// finds. The fuzz target and its corpus replay call this; none of it may panic,
/// and an archive the screen passes may have no name that climbs out.
pub fn exercise_reader(data: &[u8]) {
    let contents = inspect::from_bytes(data);
    let path = std::path::Path::new("fuzz.tar.gz");
    let report = inspect::inspect(path, &contents, false);
    assert!(report.entries as usize == contents.entries.len());
    // An archive the screen finds nothing wrong with has only names that stay inside.
    if contents.problems.is_empty() {
        for entry in &contents.entries {
            let inside =
                !entry.name.starts_with('/') && !entry.name.split('/').any(|part| part == "..");
            assert!(inside, "the screen let {} through", entry.name);
        }
    }
    let findings = verify::verify(path, &contents, None).unwrap_or_default();
    assert!(findings.len() >= contents.problems.len());
    for text in &report.vm_args {
        let _ = vmargs::tokenize::tokenize(text.text.as_bytes(), true);
    }
}

/// Run the deflate block walker on arbitrary bytes. None of it may panic; and when
/// the bytes are a complete deflate stream (miniz_oxide inflates them), the stream made
/// continuable and ended with an empty final block inflates to the same bytes. The
/// fuzz target and its corpus replay call this.
pub fn exercise_deflate_end(data: &[u8]) {
    use std::io::Read;
    let inflate = |stream: &[u8]| {
        let mut out = Vec::new();
        let mut decoder = flate2::read::DeflateDecoder::new(stream);
        let ok = (&mut decoder).take(4 << 20).read_to_end(&mut out).is_ok();
        (ok && decoder.total_in() as usize == stream.len()).then_some(out)
    };
    let Ok(last) = deflate_end::find_final_block(data) else {
        return;
    };
    assert!(last.start_bit < last.end_bit && last.end_bit <= data.len() * 8);
    let mut stream = data.to_vec();
    deflate_end::make_continuable(&mut stream).expect("the walk succeeded once");
    let Some(expected) = inflate(&data[..last.end_bit.div_ceil(8)]) else {
        return;
    };
    stream.extend_from_slice(&deflate_end::FINAL_EMPTY_BLOCK);
    assert_eq!(inflate(&stream), Some(expected));
}

/// Run the readers of `verify --target-root` on arbitrary bytes: as an ELF file
/// (read whole and read in parts through a cache: the same answer both ways), as an
/// `ld.so.cache`, and as an `ld.so.conf` that may include itself. None may panic.
pub fn exercise_native(data: &[u8]) {
    use crate::target::{elf, ldcache, ldconf, native};
    let whole = elf::read(data);
    let cache = object::read::ReadCache::new(std::io::Cursor::new(data));
    let parts = elf::read_ref(&cache);
    assert_eq!(whole, parts);
    if let Ok(read) = &whole {
        assert!(read.kind.is_some());
        assert!(elf::looks_like_elf(data));
    }
    let _ = native::of_bytes("lib/a-1/priv/a.so", data);
    crate::target::remote::exercise_reply(data);
    if let Ok(entries) = ldcache::parse(data) {
        assert!(entries.len() <= data.len());
    }
    struct OneFile<'d>(&'d [u8]);
    impl ldconf::ConfFiles for OneFile<'_> {
        fn read(&self, path: &str) -> Option<String> {
            (path.starts_with("/etc/")).then(|| String::from_utf8_lossy(self.0).into_owned())
        }
        fn glob(&self, pattern: &str) -> Result<Vec<String>, String> {
            // Every include finds the one file again: loops must end.
            Ok(if pattern.contains('*') {
                vec!["/etc/ld.so.conf".into()]
            } else {
                vec![pattern.to_string()]
            })
        }
    }
    // The head of the bytes as every configuration file: a thousand reads of a
    // long input would only slow the fuzzer.
    let head = &data[..data.len().min(512)];
    let conf = ldconf::read(&OneFile(head));
    // At most 1,000 files are read, each of at most `head` lines.
    assert!(conf.problems.len() <= 1001);
    assert!(conf.dirs.len() <= (head.len() + 1) * 1000);
}
