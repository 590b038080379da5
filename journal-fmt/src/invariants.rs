//! The properties the fuzz targets and the corpus replay hold the readers to. Nothing
//! in the crate imports this module.

use crate::input::{export, json, jsonstream, lines, text};
use crate::run::engine;
use crate::{filter, render, time::clock, time::timespec};

/// Run every reader on arbitrary bytes: each line as a json entry (which must survive
/// a write and a second read) and as a `short` line, the whole as an export stream
/// (likewise), and the whole through the engine in every input form, coloured and as
/// json, with and without `--merge`, in one block and in small blocks on 2 threads
/// (which must agree). The
/// fuzz target and its corpus replay call this.
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
    exercise_engine(data);
    exercise_json_text(data);
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

/// JSON text as lines: the same lines whatever the reads, each value on one line
/// (no newline but in a string's raw bytes), and a compact json line unchanged.
fn exercise_json_text(data: &[u8]) {
    use std::io::Read;
    let whole = {
        let mut out = Vec::new();
        jsonstream::JsonValues::new(data)
            .read_to_end(&mut out)
            .expect("reading memory");
        out
    };
    let mut trickled = Vec::new();
    jsonstream::JsonValues::new(lines::Trickle {
        inner: data,
        chunk: 7,
    })
    .read_to_end(&mut trickled)
    .expect("reading memory");
    assert_eq!(whole, trickled, "the reads change nothing");
    assert!(whole.is_empty() || whole.ends_with(b"\n"));
    for line in data.split(|&b| b == b'\n') {
        if line.first() == Some(&b'{') && json::parse_line(line).is_ok() {
            let mut out = Vec::new();
            jsonstream::JsonValues::new(line)
                .read_to_end(&mut out)
                .expect("reading memory");
            let again = json::parse_line(&out[..out.len() - 1]).expect("still json");
            assert_eq!(again, json::parse_line(line).expect("json"));
        }
    }
}

fn exercise_engine(data: &[u8]) {
    use crate::run::processor::{Format, Output, Processor, Settings};
    use crate::run::sink::Sink;
    use lines::Blocks;
    use std::sync::Arc;
    for (output, merge) in [
        (Output::Short, false),
        (Output::Json, false),
        (Output::Short, true),
        (Output::Json, true),
    ] {
        let settings = Arc::new(Settings {
            output,
            color: true,
            utc: true,
            filter: filter::Filter {
                priority: Some((0, 4)),
                ..filter::Filter::default()
            },
            now: 1_795_338_007_000_000,
            max_line: 4096,
            merge,
        });
        for format in [Format::Json, Format::Short, Format::Cat] {
            // As the command reads: `short` input keeps an entry's indented lines
            // with it (lines longer than 64 KiB, not in the corpus, would be pieces).
            let keep = format == Format::Short;
            let mut sink = Sink::new(Vec::new(), Vec::new(), false, false);
            let mut blocks = Blocks::new(data, 1 << 20, 1 << 16, false).keeping_indented(keep);
            let mut processor = Processor::new(Arc::clone(&settings));
            engine::run_sequential(&mut blocks, format, &mut processor, &mut sink)
                .expect("writing to memory");
            let mut parallel = Sink::new(Vec::new(), Vec::new(), false, false);
            // Small blocks (at most about 24 of them, so a run stays quick), read 7
            // bytes at a time, put block edges inside events.
            let block = (data.len() / 24).max(7);
            let trickle = lines::Trickle {
                inner: std::io::Cursor::new(data.to_vec()),
                chunk: 7,
            };
            let blocks = Blocks::new(trickle, block, 1 << 16, false).keeping_indented(keep);
            engine::run_parallel(blocks, format, Arc::clone(&settings), 2, &mut parallel)
                .expect("writing to memory");
            assert_eq!(parallel.out, sink.out, "blocks on threads change nothing");
        }
        let mut sink = Sink::new(Vec::new(), Vec::new(), false, false);
        let mut processor = Processor::new(settings);
        engine::run_export(data, &mut processor, &mut sink).expect("reading memory");
    }
}

/// Read arbitrary text as `--since` would, in UTC and in a zone with summer time:
/// no panic, and every instant read (other than `@`'s) within journalctl's range.
/// The `journal_time` fuzz target and its corpus replay call this.
pub fn exercise_time(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let zones = [
        Some(jiff::tz::TimeZone::UTC),
        jiff::tz::TimeZone::get("Europe/Berlin").ok(),
    ];
    for zone in zones.into_iter().flatten() {
        let mut reader = timespec::TimeReader::new(zone, 1_795_338_007_000_000);
        for _ in 0..2 {
            if let Ok(at) = reader.read(text) {
                assert!(
                    text.starts_with('@') || at <= 253_402_214_399_000_000,
                    "{text:?}"
                );
            }
        }
    }
}

/// Read arbitrary bytes as a journal file: no panic, no hang, every entry given has
/// the four fields the reader writes first. The `journal_file` fuzz target and its
/// corpus replay call this.
pub fn exercise_journal_file(data: &[u8]) {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let path = std::env::temp_dir().join(format!(
        "journal-fmt-fuzz-{}-{}.journal",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    use crate::input::journal::{JournalSet, Seek};
    let mut set = JournalSet::open(std::slice::from_ref(&path));
    let mut given = 0;
    let mut cursors = Vec::new();
    while let Some(entry) = set.next_entry() {
        given += 1;
        cursors.push(entry.get("__CURSOR").flatten().map(|c| c.to_vec()));
        let names: Vec<&str> = entry
            .fields
            .iter()
            .take(4)
            .map(|f| f.name.as_ref())
            .collect();
        assert_eq!(
            names,
            [
                "__CURSOR",
                "__REALTIME_TIMESTAMP",
                "__MONOTONIC_TIMESTAMP",
                "_BOOT_ID"
            ]
        );
        // Every entry lies in the file: there cannot be more than bytes / 64.
        assert!(
            given <= data.len() / 64 + 1,
            "more entries than the file can hold"
        );
    }
    let forward_clean = set.troubles.is_empty();
    // A field's values listed through the field hash table (-u globs): no panic,
    // no hang on any bytes.
    let _ = set.any_value(&crate::filter::UNIT_FIELDS, |_| false);
    // Looked at again (as -f does when the file changes): nothing new, no panic.
    set.refresh();
    let again = set.next_entry().is_some();
    assert!(
        !(forward_clean && set.troubles.is_empty() && again),
        "an unchanged file gave an entry again"
    );
    // Newest first (-r): where neither way met damage, the same entries reversed.
    let mut backward = JournalSet::open(std::slice::from_ref(&path));
    backward.start(Seek::Tail, true, None);
    let mut reversed = Vec::new();
    while let Some(entry) = backward.next_entry() {
        reversed.push(entry.get("__CURSOR").flatten().map(|c| c.to_vec()));
        assert!(reversed.len() <= given + data.len() / 64 + 1);
    }
    if forward_clean && backward.troubles.is_empty() {
        reversed.reverse();
        assert!(reversed == cursors, "read newest first, the entries differ");
    }
    // From a time (--since, -r --until): no panic, no more entries than there are.
    for after in [false, true] {
        let mut from = JournalSet::open(std::slice::from_ref(&path));
        let usec = 1_700_000_000_000_000 + data.len() as u64;
        from.start(Seek::Time { usec, after }, after, None);
        let mut n = 0;
        while from.next_entry().is_some() {
            n += 1;
            assert!(n <= given + data.len() / 64 + 1);
        }
    }
    // Through the index, as -u and -t read: no panic, and no entry the whole read
    // lacks (the index can only narrow).
    let fields = [
        b"_SYSTEMD_UNIT=billing_prod.service".to_vec(),
        b"MESSAGE=hello".to_vec(),
    ];
    let mut narrowed = crate::input::journal::JournalSet::open_matching(
        std::slice::from_ref(&path),
        Some(&fields),
    );
    let mut some = 0;
    while narrowed.next_entry().is_some() {
        some += 1;
    }
    assert!(
        some <= given,
        "the index gave {some} entries, the whole file {given}"
    );
    let _ = std::fs::remove_file(&path);
}
