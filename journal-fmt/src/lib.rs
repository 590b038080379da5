//! journal-fmt: filter and colourise systemd journal output of BEAM apps.
//!
//! Inputs (`journalctl -o json`, `json-seq`, `export`, the `short` family, `cat`
//! and Elixir console lines) become [`entry::Entry`] values; [`level`] finds each
//! entry's effective level (an Elixir release logs `[error]` at `PRIORITY=6`);
//! [`filter`] applies `-p`, `-u`, `-t`, `-g`, `--since/--until` and `--field`;
//! [`render`] writes human lines; [`engine`] runs it all, in parallel on blocks of a
//! file or pipe with the output in input order.

pub mod clock;
pub mod detect;
pub mod engine;
pub mod entry;
pub mod export;
pub mod filter;
pub mod follow;
pub mod json;
pub mod level;
pub mod render;
pub mod text;

/// Run both readers on arbitrary bytes: each line as a json entry, the whole as an
/// export stream, and check that what the export reader accepts survives a write
/// and a second read unchanged. The fuzz target and its corpus replay call this.
#[doc(hidden)]
pub fn exercise_readers(data: &[u8]) {
    let mut clock = clock::Clock::utc();
    for line in data.split(|&b| b == b'\n') {
        if let Ok(entry) = json::parse_line(line) {
            let mut again = Vec::new();
            json::write_entry(&mut again, &entry);
            let mut back = json::parse_line(&again[..again.len() - 1]).expect("re-reading json");
            let mut entry = entry;
            // Repeated fields come back together, each in its order.
            back.fields.sort_by(|a, b| a.name.cmp(&b.name));
            entry.fields.sort_by(|a, b| a.name.cmp(&b.name));
            assert_eq!(back, entry);
        }
        let _ = text::short_line(line, &mut clock, 1_795_338_007_000_000);
        let _ = render::sanitize(line);
    }
    let mut reader = export::ExportReader::new(data, 1 << 16);
    let mut guard = 0;
    while let Some(result) = reader.next_entry() {
        guard += 1;
        assert!(
            guard <= data.len() + 1,
            "the export reader does not advance"
        );
        if let Ok(entry) = result {
            if entry.fields.iter().any(|f| f.value.is_none()) {
                continue;
            }
            let mut again = Vec::new();
            export::write_entry(&mut again, &entry).expect("writing to memory");
            let mut second = export::ExportReader::new(&again[..], 1 << 16);
            let back = second.next_entry().expect("one entry").expect("readable");
            assert_eq!(back, entry);
        }
    }
}
