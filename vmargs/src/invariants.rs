//! Properties that must hold for any input, checked by the fuzz target
//! (fuzz/fuzz_targets/vmargs.rs) and, over its corpus, by `cargo test`.

use crate::check::{check_unit, Options, Target, Unit};
use crate::doc::file_doc;
use crate::model::Parsed;
use crate::render;
use crate::tokenize::tokenize;
use std::path::Path;

/// Run every stage on `data` and panic if a property fails: no stage panics,
/// positions are inside the text, a parsed file survives JSON and renders back to
/// the same words.
pub fn check_all(data: &[u8]) {
    let tokens = tokenize(data, true);
    for t in &tokens.tokens {
        assert!(
            t.start <= t.end && t.end <= data.len(),
            "token span out of bounds"
        );
    }
    // Nested files are never read here: the fuzzer must not touch the disk.
    let mut no_files = |_: &Path| Err(std::io::Error::from(std::io::ErrorKind::NotFound));
    let parsed = Parsed::new(Path::new("fuzz.args"), data.to_vec(), &mut no_files);
    for target in [Target::Distillery, Target::Mix, Target::Relx, Target::Erl] {
        let unit = Unit {
            display: "fuzz.args".into(),
            env: Some("stage".into()),
            target,
            parsed: parsed.clone(),
            tracked: true,
            cookie_redacted: false,
        };
        for f in check_unit(&unit, Options { otp: 25 }) {
            if let (Some(line), Some(column)) = (f.line, f.column) {
                assert!(line >= 1 && column >= 1, "finding position must be 1-based");
                // Rendering a finding never panics either.
                let _ = f.render(unit.parsed.line_text(0, line).as_deref());
            }
        }
    }
    if parsed.fatal().is_some() {
        return;
    }
    let doc = file_doc(&parsed, "fuzz.args", true);
    let json = serde_json::to_string(&doc).expect("documents serialize");
    let back: crate::doc::FileDoc = serde_json::from_str(&json).expect("documents deserialize");
    assert_eq!(back, doc, "JSON round trip changed the document");
    let text = render::from_doc(&back).expect("a parsed file renders");
    let again = tokenize(&text, true);
    let before: Vec<&[u8]> = tokens.tokens.iter().map(|t| t.value.as_slice()).collect();
    let after: Vec<&[u8]> = again.tokens.iter().map(|t| t.value.as_slice()).collect();
    assert_eq!(before, after, "rendering changed the words erl reads");
}

/// The systemd unit reader and its environment-file reader on any bytes: no panic,
/// an error names the file and a line of it, and every `Environment=` name is one
/// systemd accepts.
pub fn check_systemd_unit(data: &[u8]) {
    let path = std::path::Path::new("fuzz.service");
    match crate::boot::unit::parse(path, data) {
        Ok(unit) => {
            for (name, _, _) in &unit.environment {
                assert!(!name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()));
            }
        }
        Err(e) => assert!(e.to_string().starts_with("fuzz.service:"), "{e}"),
    }
    let text = String::from_utf8_lossy(data);
    for (name, _) in crate::boot::unit::environment_file(&text) {
        assert!(!name.is_empty());
    }
    let _ = crate::boot::unit::unquote(&text);
}

/// relx's file handling as `vmargs boot` models it, on arbitrary bytes: the awk
/// `${VAR}` substitution ends (or says it would not), keeps the lines, and leaves no
/// known variable behind; the `-name` check over a chain of args files that name
/// each other ends with a line or a reason.
pub fn check_relx_files(data: &[u8]) {
    use crate::boot::relx_files::{name_line, replace_os_vars, replace_os_vars_distillery};
    use relkit_common::shell::Value;
    let text = String::from_utf8_lossy(data);
    let env = |name: &str| match name {
        "A" => Some(Value::known("alpha")),
        "B" => Some(Value::known("${A}")),
        "E" => Some(Value::known("")),
        "SELF" => Some(Value::known("${SELF}")),
        _ => None,
    };
    // relx's substitution and Distillery's (no defaults) keep the same promises.
    for replace in [replace_os_vars, replace_os_vars_distillery] {
        if let Ok(out) = replace(&text, &env) {
            let lines = |t: &str| t.strip_suffix('\n').unwrap_or(t).split('\n').count();
            if !text.is_empty() {
                assert_eq!(lines(&out), lines(&text));
            }
            assert!(!out.contains("${A}") && !out.contains("${B}"));
        }
    }
    let read = |p: &std::path::Path| -> Option<Vec<u8>> {
        // Every file holds the same bytes: a chain that names itself must end.
        (p.as_os_str().len() < 4096).then(|| data.to_vec())
    };
    let _ = name_line(std::path::Path::new("/top"), &read);
}
