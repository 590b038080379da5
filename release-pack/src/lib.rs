//! release-pack: pack, unpack, inspect and verify Erlang/Elixir release tarballs,
//! reproducibly and safely.

pub mod archive;
pub mod cli;
pub mod deflate_end;
pub mod gz;
pub mod inspect;
pub mod pack;
pub mod release;
pub mod relfile;
pub mod screen;
pub mod unpack;
pub mod verify;

pub const TOOL: &str = "release-pack";

/// Run the tarball reader on arbitrary bytes: screen, inspect and verify what it
/// finds. The fuzz target and its corpus replay call this; none of it may panic,
/// and an archive the screen passes may have no name that climbs out.
#[doc(hidden)]
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
