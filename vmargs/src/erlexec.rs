//! What `erl -args_file F` does with the words of F before the VM starts
//! (erts/etc/common/erlexec.c, as in OTP 25, the release the conformance tests run):
//! expand nested `-args_file`, move each file's `-extra` part to the end, then sort
//! words into emulator flags (`+X` becomes `-X`) and init arguments, consume
//! `-env`, and stop with erl's own message where erl stops.

use crate::tokenize::{tokenize, Tokens};
use std::path::{Path, PathBuf};

/// Where a word came from: token `token` of file `file` (an index into
/// [`Expansion::files`]). Words erl adds itself (separators, implied flags) have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Origin {
    pub file: usize,
    pub token: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub value: Vec<u8>,
    pub origin: Option<Origin>,
}

impl Word {
    fn added(value: &str) -> Word {
        Word {
            value: value.as_bytes().to_vec(),
            origin: None,
        }
    }

    pub fn is(&self, s: &str) -> bool {
        self.value == s.as_bytes()
    }
}

/// One args file that took part: the top file is index 0.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The name as erl opens it (as written after `-args_file`).
    pub name: PathBuf,
    pub bytes: Vec<u8>,
    pub tokens: Tokens,
    /// Line starts of `bytes`, for positions.
    pub lines: relkit_common::LineIndex,
}

/// A nested `-args_file NAME` found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// The `-args_file` word.
    pub at: Origin,
    pub name: Vec<u8>,
    /// Index of the included file in [`Expansion::files`], when it could be read.
    pub file: Option<usize>,
}

/// Why erl would not start, in erl's words, and which word made it stop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal {
    pub message: String,
    pub at: Option<Origin>,
}

/// Limits against include bombs: erl itself has no cycle detection and loops.
pub const MAX_INCLUDE_DEPTH: usize = 64;
pub const MAX_FILES: usize = 1024;

#[derive(Debug, Clone)]
pub struct Expansion {
    pub files: Vec<SourceFile>,
    pub includes: Vec<Include>,
    /// The argument list after expansion: the words, erl's `--` after the command
    /// line, and `-extra` with every file's extra words at the end.
    pub words: Vec<Word>,
    /// Expansion stopped here (missing file, cycle, missing name).
    pub fatal: Option<Fatal>,
}

/// Expand `top` (already read) the way `erl -args_file <top>` does. Nested files are
/// read with `read`, which gets the name exactly as written (erl resolves it against
/// its working directory).
pub fn expand(
    top_name: &Path,
    top_bytes: Vec<u8>,
    read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
) -> Expansion {
    let mut exp = Expansion {
        files: Vec::new(),
        includes: Vec::new(),
        words: Vec::new(),
        fatal: None,
    };
    let mut extra = Vec::new();
    let top = add_file(&mut exp, top_name.to_path_buf(), top_bytes);
    let mut chain = vec![canonical(top_name)];
    expand_file(&mut exp, top, &mut extra, &mut chain, read);
    if exp.fatal.is_none() {
        // erl puts a `--` after the command line (`-args_file F`).
        exp.words.push(Word::added("--"));
        if !extra.is_empty() {
            exp.words.push(Word::added("-extra"));
            exp.words.extend(extra);
        }
    }
    exp
}

fn add_file(exp: &mut Expansion, name: PathBuf, bytes: Vec<u8>) -> usize {
    let tokens = tokenize(&bytes, true);
    let lines = relkit_common::LineIndex::new(&bytes);
    exp.files.push(SourceFile {
        name,
        bytes,
        tokens,
        lines,
    });
    exp.files.len() - 1
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// The file's words with their origins, plus erl's `--` when it has any word.
fn file_words(exp: &Expansion, file: usize) -> Vec<Word> {
    let tokens = &exp.files[file].tokens.tokens;
    let mut words: Vec<Word> = tokens
        .iter()
        .enumerate()
        .map(|(token, t)| Word {
            value: t.value.clone(),
            origin: Some(Origin { file, token }),
        })
        .collect();
    if !words.is_empty() {
        words.push(Word::added("--"));
    }
    words
}

fn expand_file(
    exp: &mut Expansion,
    file: usize,
    extra: &mut Vec<Word>,
    chain: &mut Vec<PathBuf>,
    read: &mut dyn FnMut(&Path) -> std::io::Result<Vec<u8>>,
) {
    let words = file_words(exp, file);
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        if word.is("-args_file") {
            let at = word.origin.unwrap_or(Origin { file, token: 0 });
            let Some(name_word) = words.get(i + 1) else {
                exp.fatal = Some(Fatal {
                    message: "Missing argument(s) for '-args_file'.".into(),
                    at: Some(at),
                });
                return;
            };
            let name = name_word.value.clone();
            i += 2;
            let path = PathBuf::from(bytes_to_os(&name));
            let key = canonical(&path);
            if chain.contains(&key) {
                exp.includes.push(Include {
                    at,
                    name: name.clone(),
                    file: None,
                });
                exp.fatal = Some(Fatal {
                    message: format!(
                        "-args_file \"{}\" includes itself (through {}); erl would loop until it runs out of memory",
                        path.display(),
                        chain.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(" -> ")
                    ),
                    at: Some(at),
                });
                return;
            }
            if chain.len() >= MAX_INCLUDE_DEPTH || exp.files.len() >= MAX_FILES {
                exp.fatal = Some(Fatal {
                    message: format!(
                        "-args_file nesting is deeper than {MAX_INCLUDE_DEPTH} files or more than {MAX_FILES} files in all"
                    ),
                    at: Some(at),
                });
                return;
            }
            match read(&path) {
                Ok(bytes) => {
                    let nested = add_file(exp, path, bytes);
                    exp.includes.push(Include {
                        at,
                        name,
                        file: Some(nested),
                    });
                    chain.push(key);
                    expand_file(exp, nested, extra, chain, read);
                    chain.pop();
                    if exp.fatal.is_some() {
                        return;
                    }
                }
                Err(err) => {
                    exp.includes.push(Include {
                        at,
                        name,
                        file: None,
                    });
                    let cwd = std::env::current_dir()
                        .map(|d| d.display().to_string())
                        .unwrap_or_default();
                    exp.fatal = Some(Fatal {
                        message: format!(
                            "Failed to open arguments file \"{}\" at \"{cwd}\": {}",
                            path.display(),
                            relkit_common::input::describe_io_error(&err)
                        ),
                        at: Some(at),
                    });
                    return;
                }
            }
        } else if word.is("-extra") {
            // The rest of this file, its `--` included, goes to the end.
            extra.extend(words[i + 1..].iter().cloned());
            return;
        } else {
            exp.words.push(word.clone());
            i += 1;
        }
    }
}

#[cfg(unix)]
fn bytes_to_os(bytes: &[u8]) -> std::ffi::OsString {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::OsStr::from_bytes(bytes).to_os_string()
}

/// Where the VM's argument list puts a word.
/// An emulator flag as written (`+A`) and the value erlexec gave it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmuFlag {
    pub flag: Word,
    pub value: Option<Word>,
}

#[derive(Debug, Clone, Default)]
pub struct Classified {
    /// `+X` flags (as written, with `+`) and their values, for the emulator.
    pub emulator: Vec<EmuFlag>,
    /// Everything for `init`, in order, ending with erl's separators and `-extra`.
    pub init: Vec<Word>,
    /// `-env NAME VALUE` pairs erlexec consumed.
    pub env: Vec<(Word, Word)>,
    pub fatal: Option<Fatal>,
}

impl Classified {
    /// The list `erl -args_file F -emu_args_exit` prints, less the `-root`,
    /// `-bindir`, `-progname` and `-home` pairs (and `-epmd_port`, set only from
    /// `ERL_EPMD_PORT`): emulator flags, erl's three `--`, then init's arguments.
    pub fn argv(&self) -> Vec<Word> {
        let mut argv = Vec::new();
        for e in &self.emulator {
            argv.push(minus(&e.flag));
            argv.extend(e.value.clone());
        }
        add_all(&mut argv, &["--", "--", "--"]);
        argv.extend(self.init.iter().cloned());
        argv
    }
}

const EMU_VALUE_LETTERS: &[u8] = b"aACeinPQtTRWK";
const PLUS_M_ALLOCS: &[u8] = b"uBIDEFHLRSTZ";
const PLUS_M_ALLOC_SWITCHES: &[&str] = &[
    "as", "asbcst", "atags", "acul", "acnl", "acfml", "acful", "cp", "e", "t", "lmbcs", "mbcgs",
    "mbsd", "mmbcs", "mmmbc", "mmsbc", "msbclt", "ramv", "rmbcmt", "rsbcmt", "rsbcst", "sbct",
    "smbcs",
];
const PLUS_M_OTHER_SWITCHES: &[&str] = &[
    "ea", "ummc", "uycs", "usac", "im", "is", "lpm", "Mamcbf", "Mrmcbf", "Mmcs", "Mscs", "Mscrfsd",
    "Msco", "Mscrpm", "Ye", "Ym", "Ytp", "Ytt", "Iscs", "Xscs", "dai",
];
const PLUS_S_VALUE_SWITCHES: &[&str] = &[
    "bt", "bwtdcpu", "bwtdio", "bwt", "cl", "ct", "ecio", "fwi", "tbt", "wct", "wtdcpu", "wtdio",
    "wt", "ws", "ss", "ssdcpu", "ssdio", "pp", "ub",
];
const PLUS_H_VALUE_SWITCHES: &[&str] = &["ms", "mbs", "pds", "max", "maxk", "maxel", "mqd", ""];
const PLUS_Z_VALUE_SWITCHES: &[&str] = &["dbbl", "dntgc", "ebwt", "osrl"];

fn one_of(rest: &[u8], list: &[&str]) -> bool {
    list.iter().any(|s| s.as_bytes() == rest)
}

/// Whether a `+` flag takes the next word as its value (OTP 25 erlexec), or stops erl.
enum PlusKind {
    Single,
    WithValue,
    /// `+B` and `+c` take the next word only when it is one of a few words.
    Optional(&'static [&'static str]),
    Usage,
}

fn plus_kind(w: &[u8]) -> PlusKind {
    let at = |i: usize| w.get(i).copied().unwrap_or(0);
    let rest = |i: usize| w.get(i..).unwrap_or(&[]);
    match at(1) {
        c if EMU_VALUE_LETTERS.contains(&c) => {
            if w.len() == 2 {
                PlusKind::WithValue
            } else {
                PlusKind::Single
            }
        }
        b'I' => match rest(2) {
            b"Ot" | b"Op" | b"OPt" | b"OPp" | b"Os" => PlusKind::WithValue,
            r if r.starts_with(b"Ot")
                || r.starts_with(b"Op")
                || r.starts_with(b"OPt")
                || r.starts_with(b"OPp")
                || r.starts_with(b"Os") =>
            {
                PlusKind::Single
            }
            _ => PlusKind::Usage,
        },
        b'J' => PlusKind::WithValue,
        b'S' => match at(2) {
            b'P' if w.len() == 3 => PlusKind::WithValue,
            b'P' => PlusKind::Single,
            b'D' => {
                let ty = rest(3);
                if !(ty.starts_with(b"cpu") || ty.starts_with(b"Pcpu") || ty.starts_with(b"io")) {
                    PlusKind::Usage
                } else if matches!(ty, b"cpu" | b"Pcpu" | b"io") {
                    PlusKind::WithValue
                } else {
                    PlusKind::Single
                }
            }
            0 => PlusKind::WithValue,
            _ => PlusKind::Single,
        },
        b'B' => match at(2) {
            0 => PlusKind::Optional(&["i", "c", "d"]),
            b'i' | b'c' | b'd' => PlusKind::Single,
            _ => PlusKind::Usage,
        },
        b'c' if w.len() == 2 => PlusKind::Optional(&["true", "false"]),
        b'M' => {
            let alloc = at(2) != 0 && PLUS_M_ALLOCS.contains(&at(2));
            if (alloc && one_of(rest(3), PLUS_M_ALLOC_SWITCHES))
                || one_of(rest(2), PLUS_M_OTHER_SWITCHES)
            {
                PlusKind::WithValue
            } else {
                PlusKind::Single
            }
        }
        b'h' if one_of(rest(2), PLUS_H_VALUE_SWITCHES) => PlusKind::WithValue,
        b'r' if rest(2) == b"g" => PlusKind::WithValue,
        b's' if one_of(rest(2), PLUS_S_VALUE_SWITCHES) => PlusKind::WithValue,
        b'p' if rest(2) == b"c" => PlusKind::WithValue,
        b'z' if one_of(rest(2), PLUS_Z_VALUE_SWITCHES) => PlusKind::WithValue,
        _ => PlusKind::Single,
    }
}

impl EmuFlag {
    fn added(flag: &str) -> EmuFlag {
        EmuFlag {
            flag: Word::added(flag),
            value: None,
        }
    }
}

fn minus(word: &Word) -> Word {
    let mut value = word.value.clone();
    value[0] = b'-';
    Word {
        value,
        origin: word.origin,
    }
}

fn missing(flag: &[u8], at: Option<Origin>) -> Fatal {
    Fatal {
        message: format!(
            "Missing argument(s) for '{}'.",
            String::from_utf8_lossy(flag)
        ),
        at,
    }
}

/// Sort the expanded words as erlexec's `main` does.
pub fn classify(words: &[Word]) -> Classified {
    let mut out = Classified::default();
    if let Some(fatal) = pre_pass(words) {
        out.fatal = Some(fatal);
        return out;
    }
    // The value check erl makes: a next word that exists and is not `--`.
    let value_at = |i: usize| words.get(i).filter(|w| !w.is("--"));
    let mut no_epmd = false;
    let mut proto_dist = false;
    let mut halt_afterwards = false;
    let mut i = 0;
    let mut process = true;
    macro_rules! need {
        ($flag:expr, $i:expr) => {
            match value_at($i + 1) {
                Some(v) => v,
                None => {
                    out.fatal = Some(missing($flag, words[$i].origin));
                    return out;
                }
            }
        };
    }
    while i < words.len() {
        let word = &words[i];
        let w = word.value.as_slice();
        if !process {
            out.init.push(word.clone());
            i += 1;
            continue;
        }
        let add = |out: &mut Classified, list: &[&str]| {
            for a in list {
                out.init.push(Word::added(a));
            }
        };
        match w.first() {
            Some(b'-') => match w {
                b"-compile" => {
                    add(&mut out, &["-noshell", "-noinput", "-s", "c", "lc_batch"]);
                    out.emulator.push(EmuFlag::added("+B"));
                }
                b"-configfd" => {
                    let v = need!(w, i);
                    if v.is("0") {
                        add(&mut out, &["-noshell", "-noinput"]);
                    }
                    out.init.push(word.clone());
                }
                b"-detached" => add(&mut out, &["-noshell", "-noinput"]),
                b"-extra" => {
                    process = false;
                    out.init.push(word.clone());
                }
                b"-emu_args" | b"-emu_args_exit" | b"-emu_qouted_cmd_exit" | b"-keep_window" => {}
                b"-emu_name_exit" => {
                    out.fatal = Some(Fatal {
                        message: "-emu_name_exit makes erl print the emulator's name and exit"
                            .into(),
                        at: word.origin,
                    });
                    return out;
                }
                b"-env" => {
                    let name = need!(w, i).clone();
                    let value = need!(b"-env", i + 1).clone();
                    out.env.push((name, value));
                    i += 2;
                }
                b"-epmd" => {
                    need!(w, i);
                    i += 1;
                }
                b"-make" => {
                    add(
                        &mut out,
                        &["-noshell", "-noinput", "-s", "make", "all_or_nothing"],
                    );
                    out.emulator.push(EmuFlag::added("+B"));
                    halt_afterwards = true;
                    i = words.len();
                    continue;
                }
                b"-man" => {
                    out.fatal = Some(Fatal {
                        message: "-man makes erl run man instead of the VM".into(),
                        at: word.origin,
                    });
                    return out;
                }
                b"-name" | b"-sname" | b"-proto_dist" => {
                    let v = need!(w, i).clone();
                    out.init.push(word.clone());
                    out.init.push(v);
                    proto_dist |= w == b"-proto_dist";
                    i += 1;
                }
                b"-noinput" => add(&mut out, &["-noshell", "-noinput"]),
                b"-no_epmd" => {
                    no_epmd = true;
                    out.init.push(word.clone());
                }
                b"-start_epmd" => {
                    let v = need!(w, i).clone();
                    if !(v.is("true") || v.is("false")) {
                        out.fatal = Some(Fatal {
                            message: "Expected boolean argument for '-start_epmd'.".into(),
                            at: v.origin.or(word.origin),
                        });
                        return out;
                    }
                    out.init.push(word.clone());
                    out.init.push(v);
                    i += 1;
                }
                b"-version" => out.emulator.push(EmuFlag::added("+V")),
                _ => out.init.push(word.clone()),
            },
            Some(b'+') => match plus_kind(w) {
                PlusKind::Single => out.emulator.push(EmuFlag {
                    flag: word.clone(),
                    value: None,
                }),
                PlusKind::WithValue => {
                    let v = need!(w, i).clone();
                    out.emulator.push(EmuFlag {
                        flag: word.clone(),
                        value: Some(v),
                    });
                    i += 1;
                }
                PlusKind::Optional(accepted) => {
                    let value = words
                        .get(i + 1)
                        .filter(|v| accepted.iter().any(|a| v.is(a)))
                        .cloned();
                    i += usize::from(value.is_some());
                    out.emulator.push(EmuFlag {
                        flag: word.clone(),
                        value,
                    });
                }
                PlusKind::Usage => {
                    // erl names +B's bad form after turning it into -B...
                    let shown = if w.get(1) == Some(&b'B') {
                        minus(word).value
                    } else {
                        w.to_vec()
                    };
                    out.fatal = Some(missing(&shown, word.origin));
                    return out;
                }
            },
            _ => out.init.push(word.clone()),
        }
        i += 1;
    }
    if no_epmd && !proto_dist {
        out.fatal = Some(Fatal {
            message: "erlexec: Missing -proto_dist option, expected when using -no_epmd.".into(),
            at: words
                .iter()
                .find(|w| w.is("-no_epmd"))
                .and_then(|w| w.origin),
        });
        return out;
    }
    if halt_afterwards {
        add_all(&mut out.init, &["-s", "erlang", "halt"]);
    }
    out
}

fn add_all(list: &mut Vec<Word>, words: &[&str]) {
    list.extend(words.iter().map(|w| Word::added(w)));
}

/// erlexec's first pass, up to `-extra`: `-smp disable` stops erl, and the
/// emulator type and flavour need a value.
fn pre_pass(words: &[Word]) -> Option<Fatal> {
    let value_at = |i: usize| words.get(i).filter(|w| !w.is("--"));
    let smp_disable = |at| Fatal {
        message: "Argument '-smp disable' not supported. Use \"+S 1\" instead.".into(),
        at,
    };
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        if w.value.first() == Some(&b'-') {
            if w.is("-smp") {
                if let Some(next) = words.get(i + 1) {
                    if next.is("auto") || next.is("enable") {
                        i += 1;
                    } else if next.is("disable") {
                        return Some(smp_disable(w.origin));
                    }
                }
            } else if w.is("-smpdisable") {
                return Some(smp_disable(w.origin));
            } else if w.is("-extra") {
                break;
            } else if w.is("-emu_type") || w.is("-emu_flavor") {
                if value_at(i + 1).is_none() {
                    return Some(missing(&w.value, w.origin));
                }
                i += 1;
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<Vec<String>, String> {
        let mut read = |p: &Path| std::fs::read(p);
        let exp = expand(Path::new("vm.args"), text.as_bytes().to_vec(), &mut read);
        if let Some(f) = exp.fatal {
            return Err(f.message);
        }
        let c = classify(&exp.words);
        if let Some(f) = c.fatal {
            return Err(f.message);
        }
        Ok(c.argv()
            .iter()
            .map(|w| String::from_utf8_lossy(&w.value).into_owned())
            .collect())
    }

    fn s(list: &[&str]) -> Vec<String> {
        list.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn the_shape_erl_prints() {
        // Checked against `erl -args_file F -emu_args_exit` (OTP 25), less -root,
        // -bindir, -progname and -home.
        let got = run("-name a@b\n-setcookie c\n+K true\n+A 5\n-env X 1\n-extra p q\n").unwrap();
        assert_eq!(
            got,
            s(&[
                "-K",
                "true",
                "-A",
                "5",
                "--",
                "--",
                "--",
                "-name",
                "a@b",
                "-setcookie",
                "c",
                "--",
                "-extra",
                "p",
                "q",
                "--"
            ])
        );
        assert_eq!(run("").unwrap(), s(&["--", "--", "--", "--"]));
    }

    #[test]
    fn plus_flags_follow_the_otp25_table() {
        assert_eq!(
            run("+P1000 +Zbogus").unwrap()[..2],
            s(&["-P1000", "-Zbogus"])
        );
        assert_eq!(run("+B c").unwrap()[..2], s(&["-B", "c"]));
        assert_eq!(run("+B cc").unwrap()[..2], s(&["-B", "--"]));
        assert_eq!(run("+c truex").unwrap()[..2], s(&["-c", "--"]));
        assert_eq!(run("+sss x").unwrap()[..2], s(&["-sss", "x"]));
        assert_eq!(run("+zosrl x").unwrap()[..2], s(&["-zosrl", "x"]));
        assert_eq!(run("+hmaxib x").unwrap()[..2], s(&["-hmaxib", "--"]));
        assert_eq!(
            run("+MBas x +MBzz y").unwrap()[..3],
            s(&["-MBas", "x", "-MBzz"])
        );
    }

    #[test]
    fn erl_stops_where_erl_stops() {
        assert_eq!(run("+P").unwrap_err(), "Missing argument(s) for '+P'.");
        assert_eq!(
            run("-name").unwrap_err(),
            "Missing argument(s) for '-name'."
        );
        assert_eq!(
            run("-env A").unwrap_err(),
            "Missing argument(s) for '-env'."
        );
        assert_eq!(run("+Bx").unwrap_err(), "Missing argument(s) for '-Bx'.");
        assert_eq!(
            run("+IOx y").unwrap_err(),
            "Missing argument(s) for '+IOx'."
        );
        assert_eq!(
            run("+SDx y").unwrap_err(),
            "Missing argument(s) for '+SDx'."
        );
        assert!(run("-smp disable")
            .unwrap_err()
            .starts_with("Argument '-smp disable' not supported."));
        assert!(run("-smpdisable").is_err());
        assert_eq!(
            run("-start_epmd maybe").unwrap_err(),
            "Expected boolean argument for '-start_epmd'."
        );
        assert!(run("-no_epmd").unwrap_err().contains("Missing -proto_dist"));
    }

    #[test]
    fn implied_and_consumed_flags() {
        assert_eq!(
            run("-detached").unwrap()[3..5],
            s(&["-noshell", "-noinput"])
        );
        assert_eq!(run("-noinput").unwrap()[3..5], s(&["-noshell", "-noinput"]));
        assert_eq!(run("-epmd x").unwrap(), s(&["--", "--", "--", "--", "--"]));
        assert_eq!(run("-version").unwrap()[0], "-V");
    }

    #[test]
    fn nested_files_expand_in_place_and_extra_ends_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let inner = dir.path().join("inner.args");
        std::fs::write(&inner, "-kernel a 1 -extra x\n").unwrap();
        let text = format!("-name n@h\n-args_file {}\n-sname s\n", inner.display());
        let got = run(&text).unwrap();
        assert_eq!(
            got,
            s(&[
                "--", "--", "--", "-name", "n@h", "-kernel", "a", "1", "-sname", "s", "--", "--",
                "-extra", "x", "--"
            ])
        );
    }

    #[test]
    fn missing_and_cyclic_includes_are_errors() {
        let err = run("-args_file /nonexistent/x.args").unwrap_err();
        assert!(
            err.starts_with("Failed to open arguments file \"/nonexistent/x.args\" at \""),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.args");
        std::fs::write(&a, format!("-args_file {}\n", a.display())).unwrap();
        let text = std::fs::read_to_string(&a).unwrap();
        let mut read = |p: &Path| std::fs::read(p);
        let exp = expand(&a, text.into_bytes(), &mut read);
        assert!(exp.fatal.unwrap().message.contains("includes itself"));
    }
}
