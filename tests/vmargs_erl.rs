//! vmargs against the real erl: for every fixture and for 2,000 generated files,
//! the `argv` of `vmargs parse` must be byte for byte what
//! `erl -args_file F -emu_args_exit` prints (less the -root, -bindir, -progname and
//! -home pairs), and where erl refuses a file, vmargs must refuse it with erl's
//! message. `vmargs parse F | vmargs render` must give a file erl reads the same.

use relkit_tests::{assert_ok, require_peer, tool_path, workspace_root};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// What erl says about an args file: its stdout, or its first stderr line when it refuses.
#[derive(Debug, PartialEq)]
enum ErlSays {
    Argv(Vec<u8>),
    Refuses(String),
}

/// Run erl the way the tests compare it: no ERL_*FLAGS, no ERL_EPMD_PORT, a fixed
/// HOME, and `-start_epmd false` first so that a -name in a generated file does not
/// start an epmd daemon on the test machine.
fn erl_on(erl: &Path, file: &Path, cwd: &Path) -> ErlSays {
    let out = Command::new(erl)
        // Nothing after the file: words after it could become a flag's value when the
        // file's own `--` has moved away with -extra.
        .args(["-start_epmd", "false", "-emu_args_exit", "-args_file"])
        .arg(file)
        .current_dir(cwd)
        .env("HOME", "/relkit-home")
        .env_remove("ERL_AFLAGS")
        .env_remove("ERL_FLAGS")
        .env_remove("ERL_ZFLAGS")
        .env_remove("ERL_EPMD_PORT")
        .output()
        .expect("erl runs");
    if out.status.success() {
        ErlSays::Argv(out.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        ErlSays::Refuses(stderr.lines().next().unwrap_or("").to_string())
    }
}

/// The three `--`-separated parts erl adds, learned from an empty file:
/// `--\n-root\nR\n-bindir\nB\n-progname\nP\n--\n-home\nH\n--\n`.
fn erl_frame(erl: &Path, dir: &Path) -> Vec<u8> {
    let empty = dir.join("empty.args");
    std::fs::write(&empty, "").unwrap();
    let ErlSays::Argv(out) = erl_on(erl, &empty, dir) else {
        panic!("erl refuses an empty file")
    };
    // The empty file gives the frame, then `-start_epmd false` and the command line's `--`.
    let tail = b"-start_epmd\nfalse\n--\n";
    assert!(out.ends_with(tail), "{}", String::from_utf8_lossy(&out));
    out[..out.len() - tail.len()].to_vec()
}

/// What erl should print for vmargs' argv: the emulator part, erl's frame, then
/// `-start_epmd false` and the init part.
fn expected_output(argv: &[Vec<u8>], frame: &[u8]) -> Vec<u8> {
    // vmargs' argv is emulator words, three `--`, init words; erl's frame replaces
    // the three separators (it holds them, around -root ... and -home).
    let seps = argv
        .windows(3)
        .position(|w| w.iter().all(|x| x == b"--"))
        .expect("argv has erl's three separators");
    let mut out = Vec::new();
    for w in &argv[..seps] {
        out.extend_from_slice(w);
        out.push(b'\n');
    }
    out.extend_from_slice(frame);
    out.extend_from_slice(b"-start_epmd\nfalse\n");
    for w in &argv[seps + 3..] {
        out.extend_from_slice(w);
        out.push(b'\n');
    }
    out
}

fn value_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Object(o) => o["bytes"]
            .as_array()
            .expect("bytes")
            .iter()
            .map(|b| u8::try_from(b.as_u64().expect("byte")).expect("byte"))
            .collect(),
        other => panic!("unexpected argv value {other}"),
    }
}

/// `vmargs parse --show-secrets` on many files at once: documents by path, and
/// the error lines for the files it refused.
fn vmargs_parse(files: &[PathBuf], cwd: &Path) -> (HashMap<String, Value>, Vec<String>) {
    let mut docs = HashMap::new();
    let mut errors = Vec::new();
    for chunk in files.chunks(400) {
        let out = Command::new(tool_path("vmargs"))
            .arg("parse")
            .arg("--show-secrets")
            .args(chunk)
            .current_dir(cwd)
            .output()
            .expect("vmargs runs");
        for line in out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let doc: Value = serde_json::from_slice(line).expect("NDJSON");
            docs.insert(doc["path"].as_str().unwrap().to_string(), doc);
        }
        errors.extend(
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .map(str::to_string),
        );
    }
    (docs, errors)
}

/// Compare vmargs with erl on every file; return a description of each mismatch.
fn compare(erl: &Path, files: &[PathBuf], cwd: &Path, frame: &[u8]) -> Vec<String> {
    let (docs, errors) = vmargs_parse(files, cwd);
    let mut mismatches = Vec::new();
    let says: Vec<ErlSays> = std::thread::scope(|s| {
        let half = files.len().div_ceil(2).max(1);
        let handles: Vec<_> = files
            .chunks(half)
            .map(|chunk| {
                s.spawn(move || {
                    chunk
                        .iter()
                        .map(|f| erl_on(erl, f, cwd))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (file, said) in files.iter().zip(says) {
        let name = file.display().to_string();
        match (said, docs.get(&name)) {
            (ErlSays::Argv(out), Some(doc)) => {
                let argv: Vec<Vec<u8>> = doc["argv"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(value_bytes)
                    .collect();
                let want = expected_output(&argv, frame);
                if want != out {
                    mismatches.push(format!(
                        "{name}: argv differs\n  file: {:?}\n  erl:    {:?}\n  vmargs: {:?}",
                        String::from_utf8_lossy(&std::fs::read(cwd.join(file)).unwrap()),
                        String::from_utf8_lossy(&out),
                        String::from_utf8_lossy(&want)
                    ));
                }
            }
            (ErlSays::Argv(_), None) => mismatches.push(format!(
                "{name}: erl accepts it but vmargs refused: {:?}",
                errors.iter().find(|e| e.contains(&name))
            )),
            (ErlSays::Refuses(msg), None) => {
                let ours = errors.iter().find(|e| e.contains(&name));
                if !ours.is_some_and(|e| e.contains(msg.trim_start_matches("erlexec: "))) {
                    mismatches.push(format!(
                        "{name}: erl refuses with {msg:?}, vmargs said {ours:?}\n  file: {:?}",
                        String::from_utf8_lossy(&std::fs::read(cwd.join(file)).unwrap_or_default())
                    ));
                }
            }
            (ErlSays::Refuses(msg), Some(_)) => mismatches.push(format!(
                "{name}: erl refuses with {msg:?} but vmargs printed a document"
            )),
        }
    }
    mismatches
}

#[test]
fn fixtures_match_erl() {
    let Some(erl) = require_peer("erl") else {
        return;
    };
    let dir = workspace_root().join("tests/fixtures/vmargs");
    let tmp = tempfile::tempdir().unwrap();
    let frame = erl_frame(&erl, tmp.path());
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| PathBuf::from(e.unwrap().file_name()))
        .collect();
    files.sort();
    files.push(workspace_root().join("examples/billing/rel/vm.args.stage"));
    files.push(workspace_root().join("examples/billing/rel/vm.args.prod"));
    assert!(files.len() >= 20, "fixtures are missing: {files:?}");
    let mismatches = compare(&erl, &files, &dir, &frame);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n\n"));
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const FLAGS: &[&str] = &[
    "-name",
    "-sname",
    "-setcookie",
    "-kernel",
    "-mode",
    "-heart",
    "-smp",
    "-env",
    "-extra",
    "-detached",
    "-noinput",
    "-noshell",
    "-start_epmd",
    "-proto_dist",
    "-hidden",
    "-pa",
    "-s",
    "-eval",
    "-config",
    "-boot",
    "-version",
    "-epmd",
    "-emu_type",
    "-cookie",
    "-setcokie",
    "+A",
    "+a",
    "+P",
    "+Q",
    "+K",
    "+B",
    "+Bc",
    "+Bi",
    "+Bx",
    "+c",
    "+S",
    "+SP",
    "+SPx",
    "+SDio",
    "+SDcpu",
    "+SDPcpu",
    "+SDx",
    "+IOt",
    "+IOs",
    "+IOPp",
    "+IOx",
    "+Ix",
    "+MBas",
    "+MBzz",
    "+Mea",
    "+MYm",
    "+M",
    "+hmax",
    "+hmaxib",
    "+h",
    "+rg",
    "+r",
    "+sbwt",
    "+sss",
    "+zdbbl",
    "+zosrl",
    "+pc",
    "+pad",
    "+J",
    "+JPperf",
    "+Zfoo",
    "+",
    "-",
    "+R",
    "+W",
    "+T",
    "+e",
    "+i",
    "+n",
    "+t",
    "+C",
    "+V",
    "+P1000",
    "+A5",
];
const VALUES: &[&str] = &[
    "billing",
    "billing@127.0.0.1",
    "billing_stage.0.0.1",
    "a@b",
    "foo123",
    "9100",
    "true",
    "false",
    "auto",
    "enable",
    "disable",
    "i",
    "c",
    "d",
    "cc",
    "embedded",
    "--",
    "-x",
    "+x",
    "inet_dist_listen_min",
    "maybe",
    "inet_tls",
    "ERL_MAX_PORTS",
    "4096",
    "aobf",
    "very_short",
    "x y",
    "${NODE}",
    "$HOME",
    "caf\u{e9}",
    "\u{1F600}",
    "",
];
const SPACES: &[&str] = &[" ", "\t", "\n", "\r", "\x0b", "\x0c", "  ", "\n\n", "\r\n"];

/// One word as it might be written: bare, quoted, escaped, with glued comments.
fn written_word(rng: &mut Rng, word: &str) -> Vec<u8> {
    let mut out = Vec::new();
    match rng.below(14) {
        0 => out.extend_from_slice(format!("'{word}'").as_bytes()),
        1 => out.extend_from_slice(format!("\"{word}\"").as_bytes()),
        2 => {
            // Escape every byte that would otherwise be special, and one that would not.
            for b in word.bytes() {
                if b" \t#'\"\\".contains(&b) || rng.chance(20) {
                    out.push(b'\\');
                }
                out.push(b);
            }
        }
        3 if !word.is_empty() => {
            let cut = rng.below(word.len());
            let cut = (0..=cut)
                .rev()
                .find(|&i| word.is_char_boundary(i))
                .unwrap_or(0);
            out.extend_from_slice(&word.as_bytes()[..cut]);
            out.extend_from_slice(if rng.chance(50) { b"'" } else { b"\"" });
            out.extend_from_slice(&word.as_bytes()[cut..]);
            out.extend_from_slice(if out.contains(&b'\'') { b"'" } else { b"\"" });
        }
        4 => out.extend_from_slice(format!("{word}#glued comment").as_bytes()),
        5 => {
            out.extend_from_slice(word.as_bytes());
            out.push(0x80 + u8::try_from(rng.below(128)).unwrap());
        }
        6 => out.extend_from_slice(format!("'{word} \\' {word}'").as_bytes()),
        7 => out.extend_from_slice(format!("{word}\\\n").as_bytes()),
        8 => out.extend_from_slice(format!("\"a # b\"{word}").as_bytes()),
        _ => out.extend_from_slice(word.as_bytes()),
    }
    out
}

fn generated_file(rng: &mut Rng, includes: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    if rng.chance(3) {
        out.extend_from_slice(b"\xEF\xBB\xBF");
    }
    let words = rng.below(14);
    for _ in 0..words {
        match rng.below(20) {
            0 => out.extend_from_slice(b"## a comment line with 'quotes' and \\ backslash\n"),
            1 if !includes.is_empty() => {
                let inc = &includes[rng.below(includes.len())];
                out.extend_from_slice(format!("-args_file {inc}\n").as_bytes());
            }
            2..=8 => {
                let flag = rng.pick(FLAGS);
                out.extend_from_slice(&written_word(rng, flag));
            }
            _ => {
                let value = rng.pick(VALUES);
                out.extend_from_slice(&written_word(rng, value));
            }
        }
        out.extend_from_slice(rng.pick(SPACES).as_bytes());
    }
    match rng.below(30) {
        0 => out.extend_from_slice(b"\\"),
        1 => out.extend_from_slice(b"'unterminated at the end"),
        2 => out.extend_from_slice(b"before\0after -name x"),
        _ => {}
    }
    out
}

#[test]
fn generated_files_match_erl() {
    let Some(erl) = require_peer("erl") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let frame = erl_frame(&erl, dir);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    // Leaf files to include, by relative name (erl resolves it against its cwd) and
    // by absolute path; and one name that does not exist.
    let mut includes = Vec::new();
    for i in 0..4 {
        let body = generated_file(&mut rng, &[]);
        std::fs::write(dir.join(format!("inner{i}.args")), body).unwrap();
        includes.push(format!("inner{i}.args"));
    }
    includes.push(dir.join("inner0.args").display().to_string());
    includes.push("missing.args".to_string());
    let mut files = Vec::new();
    for i in 0..2000 {
        let path = PathBuf::from(format!("gen{i:04}.args"));
        std::fs::write(dir.join(&path), generated_file(&mut rng, &includes)).unwrap();
        files.push(path);
    }
    let mismatches = compare(&erl, &files, dir, &frame);
    assert!(
        mismatches.is_empty(),
        "{} of {} files differ; first ones:\n{}",
        mismatches.len(),
        files.len(),
        mismatches
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn parse_then_render_gives_what_erl_reads_the_same() {
    let Some(erl) = require_peer("erl") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut rng = Rng(0x0dd_ba11_cafe_f00d);
    let mut checked = 0;
    let fixtures = workspace_root().join("tests/fixtures/vmargs");
    let mut sources: Vec<(String, Vec<u8>)> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.to_string_lossy().contains("include"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    for i in 0..300 {
        sources.push((format!("gen{i}.args"), generated_file(&mut rng, &[])));
    }
    for (name, bytes) in sources {
        let original = dir.join(&name);
        std::fs::write(&original, &bytes).unwrap();
        let before = erl_on(&erl, &original, dir);
        if matches!(before, ErlSays::Refuses(_)) {
            continue;
        }
        let parsed = Command::new(tool_path("vmargs"))
            .args(["parse"])
            .arg(&original)
            .current_dir(dir)
            .output()
            .unwrap();
        assert_ok(&parsed, format_args!("{name}"));
        let rendered = relkit_tests::tool("vmargs")
            .arg("render")
            .current_dir(dir)
            .write_stdin(parsed.stdout)
            .output()
            .unwrap();
        assert_ok(&rendered, format_args!("{name}"));
        let copy = dir.join(format!("{name}.rendered"));
        std::fs::write(&copy, &rendered.stdout).unwrap();
        assert_eq!(
            erl_on(&erl, &copy, dir),
            before,
            "{name}: erl reads the rendered file differently\noriginal: {:?}\nrendered: {:?}",
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(&rendered.stdout)
        );
        checked += 1;
    }
    assert!(checked > 200, "only {checked} files were checked");
}
