//! What erlexec does with each word: an emulator flag (`+`), a flag for init
//! (`-`), or a plain argument, and the words it refuses to start with.

use super::args_file::{Fatal, Origin, Word};

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
