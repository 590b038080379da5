//! journal-fmt: filter and colourise systemd journal output of BEAM apps.
//!
//! In progress. What stands: the journal entry model, the two lossless input
//! readers, `journalctl -o json` (and `json-seq`) and `-o export`, checked against
//! a real journal written by systemd-journal-remote, and the effective level of an
//! entry (`level`). The text readers, the command, filters, output and follow mode
//! are still to come (issue 5).

pub mod entry;
pub mod export;
pub mod json;
pub mod level;

/// Run both readers on arbitrary bytes: each line as a json entry, the whole as an
/// export stream, and check that what the export reader accepts survives a write
/// and a second read unchanged. The fuzz target and its corpus replay call this.
#[doc(hidden)]
pub fn exercise_readers(data: &[u8]) {
    for line in data.split(|&b| b == b'\n') {
        let _ = json::parse_line(line);
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
            let mut again = Vec::new();
            export::write_entry(&mut again, &entry).expect("writing to memory");
            let mut second = export::ExportReader::new(&again[..], 1 << 16);
            let back = second.next_entry().expect("one entry").expect("readable");
            assert_eq!(back, entry);
        }
    }
}
