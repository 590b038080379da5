//! relconf's parser against Elixir's own: thousands of generated programs, and
//! mutations of them, go to `Code.string_to_quoted/1` (through
//! quoted_normal_form.exs) and to `relconf::syntax::parse`. Each program must be
//! accepted by both or refused by both, and where accepted both trees, printed in
//! the normal form `syntax::normal_form` documents, must be equal byte for byte.
//! Comparing trees catches a precedence or grouping mistake that acceptance alone
//! would not.

use relkit_tests::require_peer;
use std::fmt::Write as _;
use std::process::Command;

/// A small deterministic generator (xorshift), so a failure can be reproduced
/// from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const VARS: &[&str] = &[
    "a",
    "b",
    "x",
    "_",
    "_acc",
    "foo?",
    "bar!",
    "config",
    "héllo",
    "ñame",
    "value2",
    "__MODULE__",
    "env",
];
const CALLS: &[&str] = &[
    "foo",
    "bar",
    "baz",
    "release",
    "if",
    "unless",
    "case",
    "cond",
    "try",
    "receive",
    "with",
    "for",
    "def",
    "defp",
    "defmodule",
    "quote",
    "unquote",
    "import",
    "alias",
    "use",
    "config",
    "set",
    "environment",
    "plugin",
    "is_atom",
    "elem",
];
const ALIASES: &[&str] = &[
    "Foo",
    "Foo.Bar",
    "Mix.Project",
    "Distillery.Releases.Config",
    "Toml.Provider",
    "Elixir.Foo",
    "__MODULE__.Sub",
    "A1_b",
];
const BINARY_OPS: &[&str] = &[
    "+", "-", "*", "/", "**", "++", "--", "+++", "---", "<>", "..", "==", "!=", "===", "!==", "=~",
    "<", ">", "<=", ">=", "&&", "||", "and", "or", "&&&", "|||", "in", "not in", "|>", "<<<",
    ">>>", "<<~", "~>>", "<~", "~>", "<~>", "<|>", "^^^", "=", "::", "|", "when", "<-", "\\\\",
    "//", "=>",
];
const UNARY_OPS: &[&str] = &["-", "+", "!", "^", "not ", "~~~", "@", "&", "- ", "not"];
const ATOMS: &[&str] = &[
    ":a",
    ":ok",
    ":error",
    ":foo?",
    ":bar!",
    ":Foo",
    ":\"quoted atom\"",
    ":'single'",
    ":+",
    ":==",
    ":\"::\"",
    ":::",
    ":..",
    ":...",
    ":%{}",
    ":{}",
    ":<<>>",
    ":%",
    ":@",
    ":&&",
    ":\\\\",
    ":->",
    ":a@b",
    ":nil",
    ":true",
    ":do",
    ":end",
    ":é",
];
const NUMBERS: &[&str] = &[
    "0",
    "1",
    "42",
    "1_000",
    "0x1F",
    "0xff_ff",
    "0o17",
    "0b1010",
    "1.0",
    "1.5e10",
    "1.0e-3",
    "2.5E+2",
    "0.1",
    "123456789012345678901234567890",
    "?a",
    "?\\n",
    "?\\s",
    "?é",
    "?\\\\",
    "?)",
    "007",
];
const SIGIL_DELIMS: &[(&str, &str)] = &[
    ("(", ")"),
    ("[", "]"),
    ("{", "}"),
    ("<", ">"),
    ("/", "/"),
    ("|", "|"),
    ("\"", "\""),
    ("'", "'"),
];
const STRING_BODIES: &[&str] = &[
    "",
    "plain",
    "with space",
    "esc\\n\\t\\\"q\\\"",
    "\\x41\\u00e9\\u{1F600}",
    "\\#{not}",
    "uni ☃",
    "back\\\\slash",
    "\\e\\0\\a\\s\\d",
];
const KEYS: &[&str] = &[
    "a:",
    "do:",
    "else:",
    "key:",
    "\"quoted key\":",
    "'single':",
    "Foo:",
    "when:",
    "+:",
    "if:",
];

struct Gen {
    rng: Rng,
}

impl Gen {
    fn space(&mut self) -> &'static str {
        match self.rng.below(12) {
            0 => "",
            1 => "  ",
            2 => " # note\n",
            3 => "\n",
            _ => " ",
        }
    }

    /// Space where Elixir allows a newline: after an operator, a comma, an opening
    /// bracket.
    fn break_space(&mut self) -> &'static str {
        match self.rng.below(10) {
            0 => "\n  ",
            1 => " # why\n",
            2 => "",
            _ => " ",
        }
    }

    fn string(&mut self, depth: usize, quote: &str) -> String {
        let mut s = String::from(quote);
        let n = self.rng.below(3);
        for _ in 0..=n {
            if depth > 0 && self.rng.chance(30) {
                let inner = self.expr(depth - 1);
                let _ = write!(s, "#{{{inner}}}");
            } else {
                s.push_str(self.rng.pick(STRING_BODIES));
            }
        }
        s.push_str(quote);
        s
    }

    fn heredoc(&mut self, depth: usize) -> String {
        let q = if self.rng.chance(70) { "\"\"\"" } else { "'''" };
        let indent = self.rng.pick(&["", "  ", "    ", "\t"]);
        let mut s = format!("{q}\n");
        for i in 0..=self.rng.below(3) {
            let extra = if self.rng.chance(30) { "  " } else { "" };
            let body = if depth > 0 && self.rng.chance(25) {
                format!("line {i} #{{{}}}", self.expr(depth - 1))
            } else {
                self.rng.pick(STRING_BODIES).to_string()
            };
            let _ = writeln!(s, "{indent}{extra}{body}");
        }
        let _ = write!(s, "{indent}{q}");
        s
    }

    fn sigil(&mut self) -> String {
        let letter = self
            .rng
            .pick(&["s", "S", "w", "W", "r", "R", "c", "D", "x"]);
        let (open, close) = SIGIL_DELIMS[self.rng.below(SIGIL_DELIMS.len())];
        let body = self.rng.pick(&[
            "a b c",
            "x#{y}z",
            "esc\\ape",
            "",
            "^[a-z]+$",
            "with \\) paren",
        ]);
        let mods = self.rng.pick(&["", "a", "i", "iu", "s"]);
        if self.rng.chance(10) {
            return format!("~{letter}\"\"\"\n  {body}\n  \"\"\"{mods}");
        }
        format!("~{letter}{open}{body}{close}{mods}")
    }

    fn literal(&mut self, depth: usize) -> String {
        match self.rng.below(11) {
            0..=2 => self.rng.pick(NUMBERS).to_string(),
            3 | 4 => self.rng.pick(ATOMS).to_string(),
            5 => self.string(depth, "\""),
            6 => self.string(depth, "'"),
            7 => self.heredoc(depth),
            8 => self.sigil(),
            9 => self.rng.pick(&["true", "false", "nil"]).to_string(),
            _ => format!(":\"a#{{{}}}b\"", self.rng.pick(VARS)),
        }
    }

    fn args(&mut self, depth: usize, n: usize) -> String {
        let mut parts: Vec<String> = (0..n).map(|_| self.expr(depth)).collect();
        if self.rng.chance(30) {
            parts.push(self.keywords(depth));
        }
        let sep = format!(",{}", self.break_space());
        parts.join(&sep)
    }

    fn keywords(&mut self, depth: usize) -> String {
        let n = 1 + self.rng.below(3);
        (0..n)
            .map(|_| format!("{} {}", self.rng.pick(KEYS), self.expr(depth)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn block_body(&mut self, depth: usize) -> String {
        let n = self.rng.below(3);
        let sep = if self.rng.chance(20) { "; " } else { "\n  " };
        (0..=n)
            .map(|_| self.expr(depth))
            .collect::<Vec<_>>()
            .join(sep)
    }

    fn clauses(&mut self, depth: usize) -> String {
        let n = 1 + self.rng.below(3);
        let mut s = String::new();
        for _ in 0..n {
            let head = match self.rng.below(6) {
                0 => String::new(),
                1 => format!("{}, {}", self.expr(depth), self.expr(depth)),
                2 => format!("{} when {}", self.expr(depth), self.expr(depth)),
                3 => format!(
                    "({}, {}) when {}",
                    self.expr(depth),
                    self.expr(depth),
                    self.expr(depth)
                ),
                4 => "()".to_string(),
                _ => self.expr(depth),
            };
            let body = self.block_body(depth);
            let _ = write!(s, "\n  {head} ->{}{body}", self.break_space());
        }
        s
    }

    fn do_block(&mut self, depth: usize) -> String {
        let mut s = String::from(" do");
        if self.rng.chance(40) {
            s.push_str(&self.clauses(depth));
        } else if self.rng.chance(90) {
            let _ = write!(s, "\n  {}", self.block_body(depth));
        }
        if self.rng.chance(30) {
            let word = self.rng.pick(&["else", "after", "rescue", "catch"]);
            let body = if self.rng.chance(50) {
                self.clauses(depth)
            } else {
                format!("\n  {}", self.block_body(depth))
            };
            let _ = write!(s, "\n{word}{body}");
        }
        s.push_str("\nend");
        s
    }

    fn call(&mut self, depth: usize) -> String {
        let name = self.rng.pick(CALLS);
        let target = match self.rng.below(6) {
            0 => format!("{}.", self.rng.pick(ALIASES)),
            1 => format!("{}.", self.rng.pick(VARS)),
            _ => String::new(),
        };
        let n = self.rng.below(3);
        match self.rng.below(8) {
            0 | 1 => format!("{target}{name}({})", self.args(depth, n)),
            2 => format!("{target}{name} {}", self.args(depth, n.max(1))),
            3 => format!("{target}{name}{}", self.do_block(depth)),
            4 => format!(
                "{target}{name} {}{}",
                self.args(depth, n.max(1)),
                self.do_block(depth)
            ),
            5 => format!(
                "{target}{name}({}){}",
                self.args(depth, n),
                self.do_block(depth)
            ),
            6 => format!("{}.({})", self.rng.pick(VARS), self.args(depth, n)),
            _ => format!("{name} {}", self.keywords(depth)),
        }
    }

    fn container(&mut self, depth: usize) -> String {
        let n = self.rng.below(4);
        let trailing = if self.rng.chance(10) { "," } else { "" };
        match self.rng.below(9) {
            0 | 1 => format!("[{}{trailing}]", self.args(depth, n)),
            2 => format!("{{{}{trailing}}}", self.args(depth, n)),
            3 => {
                let pairs: Vec<String> = (0..n)
                    .map(|_| format!("{} => {}", self.expr(depth), self.expr(depth)))
                    .collect();
                let kw = if self.rng.chance(30) {
                    format!(", {}", self.keywords(depth))
                } else {
                    String::new()
                };
                format!("%{{{}{kw}}}", pairs.join(", "))
            }
            4 => format!(
                "%{{{} | {}}}",
                self.rng.pick(VARS),
                if self.rng.chance(50) {
                    self.keywords(depth)
                } else {
                    format!("{} => {}", self.expr(depth), self.expr(depth))
                }
            ),
            5 => format!("%{}{{{}}}", self.rng.pick(ALIASES), self.keywords(depth)),
            6 => {
                let parts: Vec<String> = (0..n)
                    .map(|_| {
                        let spec = self.rng.pick(&[
                            "",
                            "::binary",
                            "::size(8)",
                            "::binary-size(4)",
                            "::utf8",
                        ]);
                        format!("{}{spec}", self.expr(depth))
                    })
                    .collect();
                format!("<<{}>>", parts.join(", "))
            }
            7 => format!("fn{}\nend", self.clauses(depth)),
            _ => format!("({})", self.block_body(depth)),
        }
    }

    fn expr(&mut self, depth: usize) -> String {
        if depth == 0 {
            return match self.rng.below(3) {
                0 => self.rng.pick(VARS).to_string(),
                1 => self.rng.pick(ALIASES).to_string(),
                _ => self.literal(0),
            };
        }
        let d = depth - 1;
        match self.rng.below(21) {
            0..=2 => self.literal(d),
            3 | 4 => self.rng.pick(VARS).to_string(),
            5 => self.rng.pick(ALIASES).to_string(),
            6..=9 => {
                let op = self.rng.pick(BINARY_OPS);
                let (l, r) = (self.expr(d), self.expr(d));
                let before = if self.rng.chance(8) {
                    "\n"
                } else {
                    self.space()
                };
                format!("{l}{before}{op}{}{r}", self.break_space())
            }
            10 => {
                let op = self.rng.pick(UNARY_OPS);
                format!("{op}{}", self.expr(d))
            }
            11 | 12 => self.call(d),
            13 | 14 => self.container(d),
            15 => format!("{}[{}]", self.expr(d), self.expr(d)),
            16 => format!(
                "{}.{}",
                self.expr(d),
                self.rng
                    .pick(&["b", "Bar", "c()", "d(1)", "{A, B}", "\"quoted\"()"])
            ),
            17 => format!(
                "&{}",
                self.rng.pick(&[
                    "foo/1",
                    "Mod.fun/2",
                    "(&1 + &2)",
                    "1",
                    "&1.x",
                    "+/2",
                    "and/2"
                ])
            ),
            18 => format!(
                "@{}",
                self.rng
                    .pick(&["attr", "attr value", "moduledoc \"\"\"\n  doc\n  \"\"\""])
            ),
            19 => self
                .rng
                .pick(&[
                    "a \\\n  + b",
                    "...",
                    "x..y//z",
                    "1..10//-2",
                    "&(&1 * &2)",
                    "a when b: 1",
                    "x not in [1, 2]",
                    "not x in y",
                    "^pin = 1",
                    "[h | t]",
                    "a.()",
                    "f(1)(2)",
                    "%{s | a: 1}",
                    "%_{}",
                    "?\\s",
                    "'\\x41'",
                    "\"\\u{1F600}\"",
                    "<<1::size(8)-unit(1)>>",
                    "(-> :x)",
                    "quote do: unquote_splicing(x)",
                ])
                .to_string(),
            _ => format!(
                "{} {}",
                self.rng.pick(VARS),
                self.rng.pick(&["-1", "- 1", "+x", "[1]", "(1)", "do end"])
            ),
        }
    }

    fn program(&mut self) -> String {
        let n = 1 + self.rng.below(3);
        let depth = 1 + self.rng.below(4);
        let sep = if self.rng.chance(15) { ";" } else { "\n" };
        (0..n)
            .map(|_| self.expr(depth))
            .collect::<Vec<_>>()
            .join(sep)
    }
}

/// Pieces a mutation works on: runs of word characters, of spaces, and single
/// other characters.
fn pieces(src: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let class = |c: char| {
        if c.is_alphanumeric() || c == '_' {
            0
        } else if c.is_whitespace() {
            1
        } else {
            2
        }
    };
    let chars: Vec<(usize, char)> = src.char_indices().collect();
    for w in 0..chars.len() {
        let (i, c) = chars[w];
        if i > start {
            let prev = chars[w - 1].1;
            if class(prev) != class(c) || class(c) == 2 {
                out.push(&src[start..i]);
                start = i;
            }
        }
    }
    if start < src.len() {
        out.push(&src[start..]);
    }
    out
}

fn mutate(rng: &mut Rng, src: &str) -> String {
    let mut p = pieces(src);
    if p.is_empty() {
        return src.to_string();
    }
    let i = rng.below(p.len());
    match rng.below(3) {
        0 => {
            p.remove(i);
        }
        1 => p.insert(i, p[i]),
        _ => {
            let j = rng.below(p.len());
            p.swap(i, j);
        }
    }
    p.concat()
}

/// `~AB`: a sigil named by several uppercase letters (Elixir 1.15 on).
fn has_later_syntax(src: &str) -> bool {
    src.as_bytes().windows(3).any(|w| {
        w[0] == b'~'
            && w[1].is_ascii_uppercase()
            && (w[2].is_ascii_uppercase() || w[2].is_ascii_digit())
    })
}

fn records(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let nl = rest
            .iter()
            .position(|&b| b == b'\n')
            .expect("a length line");
        let len: usize = std::str::from_utf8(&rest[..nl])
            .expect("digits")
            .parse()
            .expect("a length");
        out.push(rest[nl + 1..nl + 1 + len].to_vec());
        rest = &rest[nl + 1 + len..];
    }
    out
}

fn ours(src: &str) -> Vec<u8> {
    match relconf::syntax::parse(src) {
        Ok(tree) => {
            let mut v = b"ok ".to_vec();
            v.extend(relconf::syntax::normal_form(&tree));
            v
        }
        Err(_) => b"error".to_vec(),
    }
}

/// Elixir's answers for `programs`, in one run of `elixir`.
fn elixirs(elixir: &std::path::Path, programs: &[String]) -> Vec<Vec<u8>> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let input = dir.path().join("programs");
    let mut data = Vec::new();
    for p in programs {
        data.extend(format!("{}\n", p.len()).as_bytes());
        data.extend(p.as_bytes());
    }
    std::fs::write(&input, data).expect("write the programs");
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/quoted_normal_form.exs");
    let status = Command::new(elixir)
        .arg(&script)
        .arg(&input)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run elixir");
    assert!(status.success(), "the Elixir script failed");
    let answers = records(&std::fs::read(input.with_extension("out")).expect("Elixir's answers"));
    assert_eq!(answers.len(), programs.len());
    answers
}

fn compare(programs: &[String], answers: &[Vec<u8>]) -> (usize, usize, Vec<String>) {
    let mut accepted = 0;
    let mut failures = Vec::new();
    for (p, theirs) in programs.iter().zip(answers) {
        let mine = ours(p);
        if theirs.starts_with(b"ok") {
            accepted += 1;
        }
        if &mine != theirs {
            failures.push(format!(
                "program:\n{p}\n--- elixir: {}\n--- relconf: {}",
                String::from_utf8_lossy(theirs),
                String::from_utf8_lossy(&mine)
            ));
        }
    }
    (programs.len(), accepted, failures)
}

#[test]
fn generated_programs_parse_as_elixir_parses_them() {
    let Some(elixir) = require_peer("elixir") else {
        return;
    };
    let seed: u64 = std::env::var("RELCONF_SYNTAX_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_e11c_1a5e);
    let count: usize = std::env::var("RELCONF_SYNTAX_PROGRAMS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4000);
    // Xorshift needs a state that is not zero.
    let mut gen = Gen { rng: Rng(seed | 1) };
    let mut programs: Vec<String> = (0..count).map(|_| gen.program()).collect();
    // Mutations: a piece dropped, doubled or swapped; Elixir refuses most.
    let mut rng = Rng(seed ^ 0x9e37_79b9_7f4a_7c15);
    let mutated: Vec<String> = programs
        .iter()
        .take(count / 2)
        .map(|p| mutate(&mut rng, p))
        .collect();
    programs.extend(mutated);
    // Sigils named by several letters are Elixir 1.15 syntax, which relconf reads
    // and the Elixir these tests run refuses: such programs (mutations can make
    // them) are left out of the comparison.
    let before = programs.len();
    programs.retain(|p| !has_later_syntax(p));
    let left_out = before - programs.len();
    assert!(left_out < before / 100, "{left_out} programs left out");
    let answers = elixirs(&elixir, &programs);
    let (total, accepted, failures) = compare(&programs, &answers);
    eprintln!(
        "{total} programs (seed {seed}, {left_out} with later syntax left out): Elixir accepted {accepted}, relconf disagreed on {}",
        failures.len()
    );
    if let Some(path) = std::env::var_os("RELCONF_SYNTAX_FAILURES") {
        let mut sorted = failures.clone();
        sorted.sort_by_key(|f| f.len());
        std::fs::write(path, sorted.join("\n\n=========\n")).expect("write the failures");
    }
    // Both kinds must be well represented for the comparison to mean something.
    assert!(
        accepted > total / 4,
        "too few accepted programs: {accepted}"
    );
    assert!(accepted < total, "no refused programs");
    assert!(
        failures.is_empty(),
        "{} of {total} programs differ; the first:\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
