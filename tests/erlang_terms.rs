//! The shared Erlang term reader against erl's own `file:consult/1`: generated
//! config files (sys.config shapes, every token kind, and mistakes people make in
//! them) must read to the same terms, or fail on the same line.

use relkit_common::erlang::{consult, Kind, Term};
use relkit_tests::{require_peer, Rng};
use std::fmt::Write as _;
use std::process::Command;

/// A term as erl's `~w` writes it: strings as lists of codes, binaries as bytes.
fn w(term: &Term) -> String {
    let items = |items: &[Term]| items.iter().map(w).collect::<Vec<_>>().join(",");
    match &term.kind {
        Kind::Atom(a) => relkit_common::erlang::show_atom(a),
        Kind::Str(s) if s.is_empty() => "[]".into(),
        Kind::Str(s) => format!(
            "[{}]",
            s.chars()
                .map(|c| (c as u32).to_string())
                .collect::<Vec<_>>()
                .join(",")
        ),
        Kind::Int(n) => n.clone(),
        Kind::Float(f) => erlang_float(*f),
        Kind::Binary(b) => format!(
            "<<{}>>",
            b.iter().map(u8::to_string).collect::<Vec<_>>().join(",")
        ),
        Kind::Tuple(t) => format!("{{{}}}", items(t)),
        Kind::List(l, None) => format!("[{}]", items(l)),
        Kind::List(l, Some(tail)) => format!("[{}|{}]", items(l), w(tail)),
        Kind::Map(pairs) => format!(
            "#{{{}}}",
            pairs
                .iter()
                .map(|(k, v)| format!("{} => {}", w(k), w(v)))
                .collect::<Vec<_>>()
                .join(",")
        ),
    }
}

/// A float as `~w` writes it: the shortest digits that read back, in plain or
/// exponent form, whichever is shorter (plain on a tie).
fn erlang_float(f: f64) -> String {
    let sci = format!("{f:e}");
    let (mantissa, exponent) = sci.split_once('e').unwrap();
    let mantissa = if mantissa.contains('.') {
        mantissa.to_string()
    } else {
        format!("{mantissa}.0")
    };
    let exponent_form = format!("{mantissa}e{exponent}");
    let plain = format!("{f:?}");
    if exponent_form.len() < plain.len() {
        exponent_form
    } else {
        plain
    }
}

fn atom(rng: &mut Rng) -> String {
    rng.pick(&[
        "kernel",
        "billing",
        "'billing@10.0.0.5'",
        "n1@host",
        "'Quoted Atom'",
        "'it''s'",
        "'a\\'b'",
        "sync_nodes_optional",
        "true",
        "'end'",
        "ok_1",
        "'\\x{41}t\\u00e9'",
    ])
    .to_string()
}

fn scalar(rng: &mut Rng) -> String {
    match rng.below(9) {
        0 => atom(rng),
        1 => rng
            .pick(&[
                "\"text\"",
                "\"a\" \"b\"",
                "\"tab\\there\"",
                "\"\\101\\x42\\^a\"",
                "\"\"",
                "\"caf\u{e9}\"",
                "\"q\\\"q\"",
            ])
            .to_string(),
        2 => rng
            .pick(&[
                "0", "42", "-7", "- 7", "+3", "1_000", "16#ff", "2#1010", "36#zz", "0042",
            ])
            .to_string(),
        3 => rng.pick(&["$a", "$\\n", "$ ", "$\\s", "$\\\\"]).to_string(),
        4 => rng.pick(&["1.5", "-0.25", "2.0e3", "1.0E-2"]).to_string(),
        5 => rng
            .pick(&[
                "<<>>",
                "<<\"bin\">>",
                "<<1,2,255>>",
                "<<\"\u{e9}\"/utf8>>",
                "<<$a, 98>>",
            ])
            .to_string(),
        6 => "[]".into(),
        7 => "{}".into(),
        _ => format!("{}", rng.below(70_000)),
    }
}

fn term(rng: &mut Rng, depth: usize) -> String {
    if depth > 3 || rng.chance(35) {
        return scalar(rng);
    }
    let mut items = Vec::new();
    for _ in 0..rng.below(4) {
        items.push(term(rng, depth + 1));
    }
    let sep = rng.pick(&[",", ", ", ",\n  ", " ,% note\n "]);
    match rng.below(5) {
        0 | 1 => format!("{{{}}}", items.join(sep)),
        2 if items.len() >= 2 => {
            let tail = items.pop().unwrap_or_default();
            format!("[{} | {}]", items.join(sep), tail)
        }
        3 => format!("#{{{} => {}}}", atom(rng), term(rng, depth + 1)),
        _ => format!("[{}]", items.join(sep)),
    }
}

/// A sys.config-shaped file, sometimes spoilt the way hand edits spoil one.
fn config(rng: &mut Rng) -> String {
    let mut apps = Vec::new();
    for _ in 0..1 + rng.below(3) {
        let mut pairs = Vec::new();
        for _ in 0..rng.below(4) {
            pairs.push(format!("{{{}, {}}}", atom(rng), term(rng, 1)));
        }
        apps.push(format!("{{{}, [{}]}}", atom(rng), pairs.join(",\n   ")));
    }
    if rng.chance(20) {
        apps.push("\"other.config\"".into());
    }
    let mut text = format!("%% generated\n[{}].\n", apps.join(",\n "));
    if rng.chance(10) {
        text.push_str("{second, term}.\n");
    }
    if rng.chance(45) {
        // One mistake: a dotted unquoted node name, a variable, a reserved word, a
        // missing dot or bracket, a stray character, an open string.
        let spoil = rng.below(8);
        let at = rng.below(text.len().max(1));
        let at = (0..=at)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0);
        match spoil {
            0 => text = text.replacen("%% generated\n[", "%% generated\n[n1@127.0.0.1, ", 1),
            1 => text.insert_str(at, " Var "),
            2 => text = text.replacen('[', "[end, ", 1),
            3 => text = text.trim_end().trim_end_matches('.').to_string(),
            4 => text.insert(at, ']'),
            5 => text.insert(at, ';'),
            6 => text.insert(at, '"'),
            _ => text = text.replacen("].", "]", 1),
        }
    }
    text
}

#[test]
fn generated_config_files_read_as_file_consult_reads_them() {
    let Some(erl) = require_peer("erl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x5e5c_0f16);
    let count = 400;
    let mut texts = Vec::new();
    for i in 0..count {
        let text = config(&mut rng);
        std::fs::write(dir.path().join(format!("{i}.config")), &text).unwrap();
        texts.push(text);
    }
    // One erl for all files: `ok TERMS` as ~w writes them, or `error LINE`.
    let script = format!(
        "D = \"{}\", lists:foreach(fun(I) -> F = D ++ \"/\" ++ integer_to_list(I) ++ \".config\", \
         case file:consult(F) of {{ok, Ts}} -> io:format(\"~b ok ~w~n\", [I, Ts]); \
         {{error, {{L, _, _}}}} -> io:format(\"~b error ~w~n\", [I, L]); \
         {{error, E}} -> io:format(\"~b other ~w~n\", [I, E]) end end, lists:seq(0, {})), halt().",
        dir.path().display(),
        count - 1
    );
    let out = Command::new(erl)
        .args(["-noshell", "-eval", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers = String::from_utf8_lossy(&out.stdout).into_owned();
    let mut compared = (0, 0);
    let mut report = String::new();
    for (line, text) in answers.lines().zip(&texts) {
        let (_, rest) = line.split_once(' ').unwrap();
        let ours = match consult(text) {
            Ok(terms) => format!("ok [{}]", terms.iter().map(w).collect::<Vec<_>>().join(",")),
            Err(e) => format!("error {}", e.line),
        };
        if rest.starts_with("ok") {
            compared.0 += 1;
        } else {
            compared.1 += 1;
        }
        if ours != rest {
            let _ = writeln!(report, "--- {text:?}\n  erl:  {rest}\n  ours: {ours}");
        }
    }
    assert_eq!(compared.0 + compared.1, count, "{answers}");
    assert!(report.is_empty(), "{report}");
    // Both kinds were tried in numbers.
    assert!(compared.0 > 100 && compared.1 > 100, "{compared:?}");
}
