//! hsts-check's nginx reader against nginx itself and crossplane (nginx's own Python
//! parser): generated configurations (servers, nested locations, `if`, `map`,
//! `add_header` with quotes and escapes, comments, CRLF, includes with globs), half
//! of them broken in one of the ways people break them. `nginx -t` must accept
//! exactly the ones the reader accepts and name the same file and line for the
//! others; for the accepted ones, crossplane's tree must be the reader's, directive
//! for directive, file by file.

use hsts_check::config::nginx::{self, Config, Directive};
use relkit_tests::{require_peer, Rng};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Writes words with random spacing, comments and line ends.
struct Writer {
    rng: Rng,
    out: String,
    /// Makes every location's path unique (nginx refuses a duplicate location).
    count: usize,
}

impl Writer {
    fn space(&mut self) {
        match self.rng.below(12) {
            0 => self.out.push('\t'),
            1 => self.out.push_str("\r\n    "),
            2 => self.out.push_str("  # a comment; with { braces }\n  "),
            3 => self.out.push_str("\n\n"),
            _ => self.out.push(' '),
        }
    }
    /// The words with random spacing between them, then `end` (`;` or `{`).
    fn words_then(&mut self, words: &[String], end: &str) {
        for (i, word) in words.iter().enumerate() {
            if i > 0 {
                self.space();
            }
            self.out.push_str(word);
        }
        if !self.rng.chance(20) {
            self.space();
        }
        self.out.push_str(end);
    }
    fn directive(&mut self, words: &[String]) {
        self.words_then(words, ";\n");
    }
    fn open(&mut self, words: &[String]) {
        self.words_then(words, "{\n");
    }
    fn close(&mut self) {
        self.out.push_str("}\n");
    }
}

fn words(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A header value written in one of the ways nginx reads it.
fn quoted_value(rng: &mut Rng, value: &str) -> String {
    match rng.below(4) {
        0 if !value.contains([' ', ';', '"', '\'', '{', '#']) => value.to_string(),
        1 => format!("'{}'", value.replace('\'', "\\'")),
        2 => format!("\"{}\"", value.replace('"', "\\\"")),
        _ => format!("\"{}\"", value.replace('"', "\\\"").replace(';', "\\;")),
    }
}

fn add_header(w: &mut Writer) {
    let rng = &mut w.rng;
    let value = rng
        .pick(&[
            "max-age=31536000; includeSubDomains",
            "max-age=63072000; includeSubDomains; preload",
            "max-age=0",
            "max-age=300",
            "nosniff",
            "it's \"quoted\"",
        ])
        .to_string();
    let name = rng
        .pick(&[
            "Strict-Transport-Security",
            "X-Content-Type-Options",
            "X-Stage",
        ])
        .to_string();
    let mut items = vec!["add_header".to_string(), name, quoted_value(rng, &value)];
    if w.rng.chance(50) {
        items.push("always".into());
    }
    w.directive(&items);
}

fn location(w: &mut Writer, depth: usize, prefix: &str) {
    w.count += 1;
    let path = format!(
        "{prefix}/{}{}",
        w.rng.pick(&["api", "static", "health", "a b", "x"]),
        w.count
    );
    let matcher = if path.contains(' ') {
        format!("\"{path}\"")
    } else {
        path.clone()
    };
    w.open(&["location".to_string(), matcher]);
    for _ in 0..w.rng.below(4) {
        match w.rng.below(6) {
            0 | 1 => add_header(w),
            2 => {
                let code = w
                    .rng
                    .pick(&["200", "204", "404", "301 https://$host$request_uri"]);
                w.directive(&words(&["return", code]))
            }
            3 if depth < 3 => location(w, depth + 1, &path),
            4 => {
                w.open(&words(&["if", "($request_method", "=", "POST)"]));
                add_header(w);
                w.close();
            }
            _ => w.directive(&words(&["set", "$stage", "\"${host}x\""])),
        }
    }
    w.close();
}

fn server(w: &mut Writer) {
    w.open(&words(&["server"]));
    let listen = w.rng.pick(&["80", "8080", "127.0.0.1:8081"]);
    w.directive(&words(&["listen", listen]));
    let name = w
        .rng
        .pick(&["example.test", "stage.example.test", "*.example.test"]);
    w.directive(&words(&["server_name", name]));
    for _ in 0..w.rng.below(5) {
        match w.rng.below(5) {
            0 | 1 => add_header(w),
            2 => w.directive(&words(&["error_page", "404", "/404.html"])),
            _ => location(w, 0, ""),
        }
    }
    w.close();
}

/// A configuration: `nginx.conf` and, sometimes, included site files.
fn generate(w: &mut Writer) -> Vec<(String, String)> {
    let mut files = Vec::new();
    w.out.push_str("# generated\n");
    w.open(&words(&["events"]));
    w.close();
    w.open(&words(&["http"]));
    if w.rng.chance(50) {
        w.open(&words(&["map", "$host", "$sts"]));
        w.directive(&words(&["default", "\"max-age=300\""]));
        w.directive(&words(&["stage.example.test", "''"]));
        w.close();
    }
    for _ in 0..w.rng.below(3) {
        server(w);
    }
    let includes = w.rng.below(3);
    match includes {
        1 => w.directive(&words(&["include", "sites/*.conf"])),
        2 => w.directive(&words(&["include", "sites/a.conf"])),
        _ => {}
    }
    w.close();
    let main = std::mem::take(&mut w.out);
    if includes > 0 {
        for name in ["sites/a.conf", "sites/b.conf"] {
            server(w);
            files.push((name.to_string(), std::mem::take(&mut w.out)));
        }
    }
    files.insert(0, ("nginx.conf".to_string(), main));
    files
}

/// One of the ways people break a configuration, applied to one file.
/// Lines are inserted only between directives (after a line that ends one), so each
/// break is a syntax error and not a directive with other arguments.
fn break_one(rng: &mut Rng, text: &str) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let boundaries: Vec<usize> = (0..lines.len())
        .filter(|&i| !lines[i].contains('#') && lines[i].trim_end().ends_with([';', '{', '}']))
        .map(|i| i + 1)
        .collect();
    let at = boundaries[rng.below(boundaries.len())];
    match rng.below(6) {
        0 => lines.push("}".into()),
        1 => {
            if let Some(i) = lines.iter().rposition(|l| l.trim() == "}") {
                lines.remove(i);
            }
        }
        2 => lines.push("add_header X-Broken \"unterminated;".into()),
        3 => lines.insert(at, "add_header X-Broken \"a\"b;".into()),
        4 => lines.insert(at, ";".into()),
        _ => lines.insert(at, "{".into()),
    }
    lines.join("\n") + "\n"
}

/// nginx -t on the files: Ok, or the file and line of its error.
fn nginx_t(nginx: &Path, dir: &Path) -> Result<(), (String, usize, String)> {
    let d = dir.display();
    let out = Command::new(nginx)
        .arg("-t")
        .arg("-q")
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .arg("-g")
        .arg(format!("pid {d}/nginx.pid; error_log stderr;"))
        .output()
        .expect("nginx runs");
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    // "... in /path/to/file:LINE"
    let location = stderr
        .lines()
        .find_map(|l| l.rsplit_once(" in ").map(|(_, at)| at.to_string()))
        .unwrap_or_default();
    let (file, line) = location
        .rsplit_once(':')
        .map(|(f, l)| (f.to_string(), l.trim().parse().unwrap_or(0)))
        .unwrap_or_default();
    Err((file, line, stderr))
}

/// A file's directives in one comparable form: name, line, arguments as nginx reads
/// them, and blocks; includes as the names of the files read.
fn normalise_ours(config: &Config) -> BTreeMap<String, Value> {
    fn tree(config: &Config, directives: &[Directive]) -> Value {
        Value::Array(
            directives
                .iter()
                .map(|d| {
                    let mut args = d.args.clone();
                    if d.name == "if" {
                        strip_if_parentheses(&mut args);
                    }
                    let includes: Vec<String> = d
                        .includes
                        .iter()
                        .map(|&i| config.files[i].path.display().to_string())
                        .collect();
                    serde_json::json!({
                        "directive": d.name,
                        "line": d.line,
                        "args": args,
                        "block": d.block.as_ref().map(|b| tree(config, b)),
                        "includes": includes,
                    })
                })
                .collect(),
        )
    }
    config
        .files
        .iter()
        .map(|f| (f.path.display().to_string(), tree(config, &f.directives)))
        .collect()
}

/// crossplane reads `if (a = b)` as the arguments `a = b`, parentheses removed.
fn strip_if_parentheses(args: &mut Vec<String>) {
    if let Some(first) = args.first_mut() {
        if let Some(rest) = first.strip_prefix('(') {
            *first = rest.to_string();
        }
    }
    if let Some(last) = args.last_mut() {
        if let Some(rest) = last.strip_suffix(')') {
            *last = rest.to_string();
        }
    }
    args.retain(|a| !a.is_empty());
}

fn normalise_crossplane(doc: &Value) -> BTreeMap<String, Value> {
    let files: Vec<String> = doc["config"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["file"].as_str().unwrap().to_string())
        .collect();
    fn tree(files: &[String], parsed: &Value) -> Value {
        Value::Array(
            parsed
                .as_array()
                .unwrap()
                .iter()
                // Comments inside a directive come out as "#" entries; nginx has none.
                .filter(|d| d["directive"] != "#")
                .map(|d| {
                    // crossplane unescapes a quoted word's own quote only; nginx's
                    // rules applied on top give nginx's value.
                    let args: Vec<String> = d["args"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| {
                            let raw = a.as_str().unwrap().as_bytes();
                            String::from_utf8_lossy(&nginx::unescape(raw)).into_owned()
                        })
                        .collect();
                    let includes: Vec<String> = d["includes"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|i| files[i.as_u64().unwrap() as usize].clone())
                                .collect()
                        })
                        .unwrap_or_default();
                    serde_json::json!({
                        "directive": d["directive"],
                        "line": d["line"],
                        "args": args,
                        "block": d.get("block").map(|b| tree(files, b)),
                        "includes": includes,
                    })
                })
                .collect(),
        )
    }
    doc["config"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["file"].as_str().unwrap().to_string(),
                tree(&files, &c["parsed"]),
            )
        })
        .collect()
}

#[test]
fn nginx_and_crossplane_agree_with_the_reader() {
    let (Some(nginx_bin), Some(crossplane)) = (require_peer("nginx"), require_peer("crossplane"))
    else {
        return;
    };
    let mut w = Writer {
        rng: Rng(0x2545_f491_4f6c_dd1d),
        out: String::new(),
        count: 0,
    };
    let (mut accepted, mut refused, mut compared) = (0, 0, 0);
    for case in 0..400 {
        let work = tempfile::tempdir().unwrap();
        let dir = work.path();
        let mut files = generate(&mut w);
        if w.rng.chance(50) {
            let victim = w.rng.below(files.len());
            files[victim].1 = break_one(&mut w.rng, &files[victim].1);
        }
        for (name, text) in &files {
            let path = dir.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let ours = nginx::read(&dir.join("nginx.conf"));
        let theirs = nginx_t(&nginx_bin, dir);
        match (&ours, &theirs) {
            (Ok(config), Ok(())) => {
                accepted += 1;
                if case % 2 == 0 {
                    let out = Command::new(&crossplane)
                        .arg("parse")
                        .arg(dir.join("nginx.conf"))
                        .output()
                        .expect("crossplane runs");
                    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
                    assert_eq!(doc["status"], "ok", "case {case}: {doc}");
                    assert_eq!(
                        normalise_ours(config),
                        normalise_crossplane(&doc),
                        "case {case}: crossplane reads another tree; files: {files:#?}"
                    );
                    compared += 1;
                }
            }
            (Err(error), Err((file, line, stderr))) => {
                refused += 1;
                assert_eq!(
                    (
                        error
                            .file
                            .as_ref()
                            .map(|f| f.display().to_string())
                            .unwrap_or_default(),
                        error.line
                    ),
                    (file.clone(), *line),
                    "case {case}: ours {error}; nginx: {stderr}; files: {files:#?}"
                );
            }
            _ => panic!(
                "case {case}: the reader says {ours:?}, nginx -t says {theirs:?}; files: {files:#?}"
            ),
        }
    }
    assert!(
        accepted >= 150 && refused >= 150,
        "{accepted} accepted, {refused} refused"
    );
    assert!(compared >= 75, "{compared} compared with crossplane");
}
