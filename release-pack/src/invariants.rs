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
