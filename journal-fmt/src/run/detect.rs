//! Which input form a stream is, from its first line, and running it.

use crate::input::lines::Blocks;
use crate::run::engine;
use crate::run::processor::{Format, Processor, Settings};
use crate::run::sink::Sink;
use std::io::{self, BufReader, Cursor, Read, Write};
use std::sync::Arc;

/// How much is read to decide (a first line longer than this is judged on its start).
const HEAD: usize = 64 * 1024;
/// Lines are handed to the workers in blocks of this size.
pub const BLOCK: usize = 1 << 20;

/// Read the start of a stream: up to the end of its first non-blank line.
pub fn read_head<R: Read>(mut reader: R) -> io::Result<(Vec<u8>, R)> {
    let mut head: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let start = head.iter().position(|b| !b.is_ascii_whitespace());
        if let Some(start) = start {
            if memchr::memchr(b'\n', &head[start..]).is_some() || head.len() >= HEAD {
                break;
            }
        }
        let n = match reader.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            break;
        }
        head.extend_from_slice(&chunk[..n]);
    }
    Ok((head, reader))
}

/// JSON text (an array, or an object whose `{` is alone on its line, as
/// `json-pretty` writes it), json (a `{`, or json-seq's RS), export (a field name and `=`, or a field name
/// alone on its line before a binary value), the short family (a timestamp and an
/// identifier), else plain lines.
pub fn detect(head: &[u8]) -> Format {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let rest = &head[start..];
    let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
    if crate::input::jsonstream::looks_like(line) {
        return Format::JsonPretty;
    }
    match line.first() {
        None => return Format::Cat,
        Some(b'{' | 0x1e) => return Format::Json,
        _ => {}
    }
    let name_len = line
        .iter()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'_')
        .count();
    let is_name = name_len > 0 && !line[0].is_ascii_digit();
    if is_name && (line.get(name_len) == Some(&b'=') || name_len == line.len()) {
        return Format::Export;
    }
    if crate::input::text::looks_short(line, &mut crate::time::clock::Clock::utc()) {
        return Format::Short;
    }
    Format::Cat
}

/// Run one input through the engine: export on this thread; line forms in
/// parallel blocks, or in order when each entry must be written as it comes.
pub fn run_input<W: Write, E: Write>(
    format: Format,
    head: Vec<u8>,
    reader: Box<dyn Read + Send>,
    settings: Arc<Settings>,
    threads: usize,
    eager: bool,
    sink: &mut Sink<W, E>,
) -> anyhow::Result<()> {
    sink.by_entry = format == Format::JsonPretty;
    if format == Format::JsonPretty {
        let values = crate::input::jsonstream::JsonValues::new(Cursor::new(head).chain(reader));
        return run_lines(format, Vec::new(), values, settings, threads, eager, sink);
    }
    if format == Format::Export {
        let reader = BufReader::with_capacity(BLOCK, Cursor::new(head).chain(reader));
        let mut processor = Processor::new(settings);
        return engine::run_export(reader, &mut processor, sink);
    }
    run_lines(format, head, reader, settings, threads, eager, sink)
}

/// A line-based input: in parallel blocks, or in order when each entry must be
/// written as it comes.
fn run_lines<R: Read + Send + 'static, W: Write, E: Write>(
    format: Format,
    head: Vec<u8>,
    reader: R,
    settings: Arc<Settings>,
    threads: usize,
    eager: bool,
    sink: &mut Sink<W, E>,
) -> anyhow::Result<()> {
    let blocks = Blocks::new(reader, BLOCK, settings.max_line, eager)
        .keeping_indented(format == Format::Short)
        .with_head(head);
    if eager || threads <= 1 {
        let mut blocks = blocks;
        let mut processor = Processor::new(settings);
        engine::run_sequential(&mut blocks, format, &mut processor, sink)
    } else {
        engine::run_parallel(blocks, format, settings, threads, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_from_the_first_line() {
        assert_eq!(detect(b"\n  {\"MESSAGE\":\"x\"}\n"), Format::Json);
        assert_eq!(detect(b"\x1e{\"MESSAGE\":\"x\"}\n"), Format::Json);
        assert_eq!(detect(b"{\n\t\"MESSAGE\" : \"x\"\n}\n"), Format::JsonPretty);
        assert_eq!(detect(b"[{\"MESSAGE\":\"x\"}]\n"), Format::JsonPretty);
        assert_eq!(detect(b"\n[\n"), Format::JsonPretty);
        assert_eq!(detect(b"__CURSOR=s=1;i=2\nMESSAGE=x\n"), Format::Export);
        assert_eq!(
            detect(b"MESSAGE\n\x07\0\0\0\0\0\0\0foo\nbar\n"),
            Format::Export
        );
        assert_eq!(
            detect(b"2026-11-22T10:00:07+01:00 web1 billing[3448]: [info] x\n"),
            Format::Short
        );
        assert_eq!(
            detect(b"Nov 22 10:00:07 web1 billing[3448]: x\n"),
            Format::Short
        );
        assert_eq!(
            detect(b"10:00:07.903 [error] GenServer terminating\n"),
            Format::Cat
        );
        assert_eq!(detect(b"SELECT 1\n"), Format::Cat);
        assert_eq!(detect(b""), Format::Cat);
    }

    #[test]
    fn the_head_is_the_first_line() {
        let (head, mut rest) = read_head(&b"\n\nfirst\nsecond\n"[..]).unwrap();
        let mut tail = Vec::new();
        rest.read_to_end(&mut tail).unwrap();
        let mut all = head.clone();
        all.extend_from_slice(&tail);
        assert_eq!(all, b"\n\nfirst\nsecond\n");
    }
}
