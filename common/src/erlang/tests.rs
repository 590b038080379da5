use super::*;

fn one(text: &str) -> Term {
    let mut terms = consult(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert_eq!(terms.len(), 1, "{text:?}");
    terms.remove(0)
}

#[test]
fn a_sys_config_reads_back_as_erlang_prints_it() {
    let text = "%% sys.config\n[{kernel, [{sync_nodes_optional, ['a@h1', b@h2]},\n  {sync_nodes_timeout, 30_000}]},\n \"extra.config\", {app, #{k => <<\"v\">>, n => -1.5e3, c => $a}}].\n";
    assert_eq!(
        one(text).show(),
        "[{kernel,[{sync_nodes_optional,[a@h1,b@h2]},{sync_nodes_timeout,30000}]},\"extra.config\",{app,#{k => <<\"v\">>,n => -1500.0,c => 97}}]"
    );
}

#[test]
fn numbers_strings_and_atoms() {
    assert_eq!(one("16#ff.").integer(), Some(255));
    assert_eq!(one("- 7.").integer(), Some(-7));
    assert_eq!(one("007.").integer(), Some(7));
    assert_eq!(
        one("\"a\" \"b\\n\\x{41}\\101\".").string().as_deref(),
        Some("ab\nAA")
    );
    assert_eq!(one("'n1@127.0.0.1'.").atom(), Some("n1@127.0.0.1"));
    assert_eq!(one("[$a, $\\n].").string().as_deref(), Some("a\n"));
    assert_eq!(one("[a|b].").show(), "[a|b]");
    assert_eq!(one("'end'.").show(), "'end'");
    assert_eq!(consult("a. b.\n% c\n").unwrap().len(), 2);
}

#[test]
fn what_parse_term_refuses_is_an_error_at_its_place() {
    for (text, line, column) in [
        ("[a@127.0.0.1].", 1, 7),
        ("[{kernel, X}].", 1, 11),
        ("{a, end}.", 1, 5),
        ("{a, b}", 1, 7),
        ("{a b}.", 1, 4),
        ("\n\"open.", 2, 1),
        ("{a}.b.", 1, 4),
        ("#r{a=1}.", 1, 1),
    ] {
        let e = consult(text).expect_err(text);
        assert_eq!((e.line, e.column), (line, column), "{text:?}: {e}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let text = format!("{}.", "[".repeat(100_000));
    assert!(consult(&text).is_err());
}
