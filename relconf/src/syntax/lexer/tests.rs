//! The lexer on the cases its rules are about.

use super::*;

fn kinds(src: &str) -> Vec<Tk> {
    tokenize(src).unwrap().into_iter().map(|t| t.tk).collect()
}

#[test]
fn identifiers_take_their_kind_from_what_follows() {
    assert_eq!(
        kinds("f(x) g[1] h -1 k - 1"),
        vec![
            Tk::Ident(IdKind::Paren, "f".into()),
            Tk::LParen,
            Tk::Ident(IdKind::Plain, "x".into()),
            Tk::RParen,
            Tk::Ident(IdKind::Bracket, "g".into()),
            Tk::LBracket,
            Tk::Int("1".into()),
            Tk::RBracket,
            Tk::Ident(IdKind::Op, "h".into()),
            Tk::Op(Op::Dual, "-"),
            Tk::Int("1".into()),
            Tk::Ident(IdKind::Plain, "k".into()),
            Tk::Op(Op::Dual, "-"),
            Tk::Int("1".into()),
        ]
    );
    assert_eq!(kinds("if x do end")[1], Tk::Ident(IdKind::Do, "x".into()));
}

#[test]
fn a_newline_before_a_binary_operator_is_dropped() {
    assert_eq!(
        kinds("a\n|> b\n-c"),
        vec![
            Tk::Ident(IdKind::Plain, "a".into()),
            Tk::Op(Op::Arrow, "|>"),
            Tk::Ident(IdKind::Plain, "b".into()),
            Tk::Eol,
            Tk::Op(Op::Dual, "-"),
            Tk::Ident(IdKind::Plain, "c".into()),
        ]
    );
}

#[test]
fn numbers_in_every_base_are_decimal() {
    assert_eq!(
        kinds("0x1F 0o17 0b10 1_000"),
        vec![
            Tk::Int("31".into()),
            Tk::Int("15".into()),
            Tk::Int("2".into()),
            Tk::Int("1000".into()),
        ]
    );
    assert_eq!(
        kinds("0xFFFFFFFFFFFFFFFFFFFFFFFF"),
        vec![Tk::Int("79228162514264337593543950335".into())]
    );
    assert_eq!(kinds("1.0e-3"), vec![Tk::Float(0.001)]);
    assert!(tokenize("1.0e999").is_err());
    assert!(tokenize("12abc").is_err());
}

#[test]
fn heredocs_lose_the_closing_indentation() {
    let toks = kinds("x = \"\"\"\n    a\n      b\n    \"\"\"");
    assert_eq!(toks[2], Tk::Str(vec![Part::Text(b"a\n  b\n".to_vec())]));
}

#[test]
fn sigils_are_named_by_one_lowercase_or_several_uppercase_letters() {
    let names: Vec<String> = kinds("~s(a) ~HTML\"b\" ~R1/c/i ~w[d]a")
        .into_iter()
        .filter_map(|t| match t {
            Tk::Sigil(s) => Some(format!("{}:{}", s.name, s.modifiers)),
            _ => None,
        })
        .collect();
    assert_eq!(names, ["s:", "HTML:", "R1:i", "w:a"]);
    assert!(tokenize("~ab").is_err());
}

#[test]
fn unmatched_closers_and_missing_terminators_are_errors() {
    assert!(tokenize("(]").is_err());
    assert!(tokenize("fn x -> x").is_err());
    assert!(tokenize("end").is_err());
    assert!(tokenize("\"abc").is_err());
    assert!(tokenize("\"#{a\"").is_err());
}

#[test]
fn deep_interpolation_is_refused_not_overflowed() {
    let mut src = String::new();
    for _ in 0..10_000 {
        src.push_str("\"#{");
    }
    let err = tokenize(&src).unwrap_err();
    assert!(err.message.contains("deeper than"), "{}", err.message);
}
