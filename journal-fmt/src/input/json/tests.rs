//! The JSON line reader and writer on edge cases.

use super::*;

/// Eight bytes at a time finds what a byte at a time finds, at every offset.
#[test]
fn string_stops_word_at_a_time() {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..20_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let len = (state % 120) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|i| {
                let r = (state >> (i % 8 * 8)) as u8 ^ (i as u8).wrapping_mul(31);
                // Mostly plain text, with quotes, backslashes and controls.
                match r % (17 + (len as u8 / 8)) {
                    0 => b'"',
                    1 => b'\\',
                    2 => r % 0x20,
                    3 => 0x80 | r,
                    4 => 0x7f,
                    _ => b'a' + r % 26,
                }
            })
            .collect();
        let want = bytes
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20);
        assert_eq!(string_stop(&bytes), want, "{bytes:?}");
        let want = bytes
            .iter()
            .position(|&b| matches!(b, b'"' | b'\\' | 0..=0x1f | 0x7f));
        assert_eq!(escape_stop(&bytes), want, "{bytes:?}");
        let want = bytes.iter().position(|&b| b == b'"' || b == b'\\');
        assert_eq!(quote_or_backslash(&bytes), want, "{bytes:?}");
    }
}

/// The quick printable test answers as a test of each character does, on text
/// with every kind of control, C1 controls, other non-ASCII and broken UTF-8.
#[test]
fn printable_as_by_characters() {
    let by_characters = |value: &[u8]| {
        std::str::from_utf8(value).is_ok_and(|text| {
            !text
                .chars()
                .any(|c| (c < ' ' && c != '\t' && c != '\n') || ('\u{7f}'..='\u{9f}').contains(&c))
        })
    };
    let pieces: [&[u8]; 12] = [
        b"plain ",
        b"\t",
        b"\n",
        b"\x1b[31m",
        b"\x7f",
        "\u{85}".as_bytes(),
        "\u{9f}".as_bytes(),
        "\u{a0}\u{e9}".as_bytes(),
        "\u{c2}\u{1f600}".as_bytes(),
        b"\xc2",
        b"\xff",
        b"\x00",
    ];
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut printable = 0;
    for _ in 0..20_000 {
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut value = Vec::new();
        for _ in 0..next() % 6 {
            value.extend_from_slice(pieces[(next() % 12) as usize]);
        }
        assert_eq!(is_printable(&value), by_characters(&value), "{value:?}");
        printable += usize::from(by_characters(&value));
    }
    assert!(printable > 1000 && printable < 19_000, "{printable}");
}

#[test]
fn the_value_shapes_journalctl_writes() {
    let line = br#"{"__CURSOR":"s=1;i=2","MESSAGE":[27,91,51,49,109,101,114,114],"PRIORITY":"6","BIG":null,"TAG":["a",null,[104,105]],"TEXT":"tab\there \"q\" \u00e9 \ud83d\ude00"}"#;
    let entry = parse_line(line).unwrap();
    assert_eq!(entry.get("MESSAGE"), Some(Some(&b"\x1b[31merr"[..])));
    assert_eq!(entry.get("PRIORITY"), Some(Some(&b"6"[..])));
    assert_eq!(entry.get("BIG"), Some(None));
    let tags: Vec<_> = entry.all("TAG").collect();
    assert_eq!(tags, [Some(&b"a"[..]), None, Some(&b"hi"[..])]);
    assert_eq!(
        entry.get("TEXT"),
        Some(Some("tab\there \"q\" é 😀".as_bytes()))
    );
}

/// Every ASCII byte written in a string reads back as itself; control bytes
/// (but tab and newline) and DEL are written as `\u00xx`, byte arrays in decimal.
#[test]
fn strings_and_byte_arrays_as_written() {
    for b in 0..0x80u8 {
        let text = [b'a', b, b'z'];
        let mut out = Vec::new();
        write_string(&mut out, &text);
        let back: String = serde_json::from_slice(&out).unwrap();
        assert_eq!(back.as_bytes(), text, "{out:?}");
        let escaped = format!("\\u{b:04x}");
        let written = String::from_utf8(out).unwrap();
        assert_eq!(
            written.contains(&escaped),
            (b < 0x20 && b != b'\t' && b != b'\n') || b == 0x7f,
            "{written}"
        );
    }
    let mut out = Vec::new();
    write_value(&mut out, Some(&[0, 9, 27, 99, 100, 255]));
    assert_eq!(out, b"[0,9,27,99,100,255]");
}

#[test]
fn written_entries_read_back_the_same() {
    let line = r#"{"MESSAGE":[27,91,51,49,109,120],"TAG":["a",null,[104,7]],"TEXT":"tab\there \"q\" \\ é\nline","BIG":null}"#.as_bytes();
    let entry = parse_line(line).unwrap();
    let mut out = Vec::new();
    write_entry(&mut out, &entry);
    assert_eq!(out.last(), Some(&b'\n'));
    assert_eq!(parse_line(&out[..out.len() - 1]).unwrap(), entry);
    assert_eq!(&out[..out.len() - 1], line);
}

#[test]
fn spacing_and_json_seq() {
    let entry = parse_line(b"\x1e{ \"A\" : \"1\" , \"B\" : [ 0 , 255 ] }\n").unwrap();
    assert_eq!(entry.get("B"), Some(Some(&[0u8, 255][..])));
    assert_eq!(parse_line(b"{}").unwrap().fields.len(), 0);
}

#[test]
fn strings_before_and_after_the_first_escape_read_the_same() {
    let line = b"{\"A\":\"plain\",\t\"B\":\"x\\\"y\",\"C\":\"after\",\"D\":\"\"}";
    let entry = parse_line(line).unwrap();
    assert_eq!(entry.text("A"), Some(&b"plain"[..]));
    assert_eq!(entry.text("B"), Some(&b"x\"y"[..]));
    assert_eq!(entry.text("C"), Some(&b"after"[..]));
    assert_eq!(entry.text("D"), Some(&b""[..]));
    // A raw control byte inside a string is refused where it stands, whether or
    // not a plain string comes before it.
    let err = parse_line(b"{\"A\":\"ok\",\"B\":\"a\tb\"}").unwrap_err();
    assert_eq!(
        (err.offset, err.what),
        (16, "a control character inside a string")
    );
}

#[test]
fn quick_and_careful_string_ends_agree() {
    // Lines built from pieces with escapes, control bytes, quotes and blanks at
    // every place: both ways of finding a string's end give the same entry or
    // the same error.
    let pieces: [&[u8]; 12] = [
        b"{",
        b"}",
        b"\"A\"",
        b"\"B\"",
        b":",
        b",",
        b"\"x\\\"y\"",
        b"\"plain text\"",
        b"\"a\tb\"",
        b"\t",
        b"null",
        b"\"\\u00e9\\n\"",
    ];
    let mut rng = crate::test_rng::Rng(0x2545_f491_4f6c_dd1d);
    let mut next = |n: usize| rng.below(n);
    let mut agreed = 0;
    for _ in 0..20_000 {
        let mut line = b"{\"A\":\"v\",".to_vec();
        for _ in 0..next(12) {
            line.extend_from_slice(pieces[next(pieces.len())]);
        }
        line.extend_from_slice(b"\"Z\":\"end\"}");
        let quick = parse_with(&line, |_| true, true, Vec::new());
        let careful = parse_with(&line, |_| true, false, Vec::new());
        assert_eq!(quick, careful, "{}", String::from_utf8_lossy(&line));
        agreed += usize::from(quick.is_ok());
    }
    assert!(agreed > 100, "too few valid lines: {agreed}");
}

#[test]
fn malformed_lines_say_where() {
    for (line, offset) in [
        (&b"{\"A\":\"1\""[..], 8),
        (b"{\"A\":[256]}", 6),
        (b"{\"A\":tru}", 5),
        (b"not json", 0),
        (b"{\"A\":\"\\ud800\"}", 12),
        (b"{\"A\":\"1\"} x", 10),
    ] {
        let err = parse_line(line).unwrap_err();
        assert_eq!(
            err.offset,
            offset,
            "{:?}: {err}",
            String::from_utf8_lossy(line)
        );
    }
}
