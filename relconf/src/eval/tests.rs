//! Evaluation: literals, what is kept as an expression, aliases, interpolation.

use super::*;
use crate::syntax::{block_items, parse};

fn eval(src: &str) -> (Value, Vec<Unresolved>) {
    let tree = parse(src).unwrap();
    let mut ev = Evaluator::new(
        src,
        Box::new(|app| (app == "billing").then(|| "0.1.0".to_string())),
    );
    let v = ev.value(&block_items(&tree)[0], "x");
    (v, ev.unresolved)
}

#[test]
fn literals_map_to_json() {
    assert_eq!(
        eval("[a: 1, b: :two, c: \"three\", d: 'four', e: nil, f: true, g: 1.5]").0,
        json!({"a": 1, "b": "two", "c": "three", "d": "four", "e": null, "f": true, "g": 1.5})
    );
    assert_eq!(
        eval("[:a, {:copy, \"x\", \"y\"}]").0,
        json!(["a", {"tuple": ["copy", "x", "y"]}])
    );
    assert_eq!(eval("~w(a b c)").0, json!(["a", "b", "c"]));
    assert_eq!(eval("[]").0, json!([]));
    assert_eq!(eval("[-1, -2.5]").0, json!([-1, -2.5]));
    assert!(eval("+1").0["expr"].is_string());
    // A list of code points written as a list stays a list; written as a
    // charlist it is a string.
    assert_eq!(eval("[97, 98]").0, json!([97, 98]));
    assert_eq!(eval("'ab'").0, json!("ab"));
    // Too large for a JSON number: kept as written.
    assert!(eval("123456789012345678901234567890").0["expr"].is_string());
}

#[test]
fn expressions_are_kept_not_guessed() {
    let (v, unresolved) = eval("[env: Mix.env(), home: System.get_env(\"HOME\")]");
    assert_eq!(v["env"], json!({"expr": "Mix.env()", "line": 1}));
    assert_eq!(unresolved.len(), 2);
    assert_eq!(unresolved[1].place, "x.home");
}

#[test]
fn current_version_is_read_from_the_app() {
    assert_eq!(eval("current_version(:billing)").0, json!("0.1.0"));
    assert_eq!(
        eval("current_version(:other)").0,
        json!({"expr": "current_version(:other)", "line": 1})
    );
}

/// The last expression of `src`, after its `alias` directives and `@attr`
/// definitions (top level, as a test convenience) were read.
fn eval_last(src: &str) -> Value {
    let tree = parse(src).unwrap();
    let mut ev = Evaluator::new(src, Box::new(|_| None));
    ev.learn(&tree);
    let nodes = block_items(&tree);
    for node in nodes {
        if let Some((attr, value)) = attr_definition(node) {
            ev.attrs.insert(attr.to_string(), value);
        }
    }
    ev.value(nodes.last().unwrap(), "x")
}

#[test]
fn aliases_are_atoms_named_as_elixir_names_them() {
    assert_eq!(eval_last("Toml.Provider"), json!("Elixir.Toml.Provider"));
    assert_eq!(
        eval_last("Elixir.Toml.Provider"),
        json!("Elixir.Toml.Provider")
    );
    assert_eq!(
        eval_last("alias A.B.Reader\nReader.X"),
        json!("Elixir.A.B.Reader.X")
    );
    assert_eq!(eval_last("alias A.B, as: C\nC"), json!("Elixir.A.B"));
    assert_eq!(eval_last("alias A.{B, D}\nD.E"), json!("Elixir.A.D.E"));
    // One name given two meanings (in different scopes, say): not guessed.
    assert!(eval_last("alias A.B\nalias C.B\nB")["expr"].is_string());
    // `__MODULE__` of a file without one module is unknown, so is what it names.
    assert!(eval_last("alias __MODULE__.B\nB")["expr"].is_string());
    assert_eq!(
        eval_last("defmodule M do\n  alias __MODULE__.B\nend\n{B, __MODULE__.C}"),
        json!({"tuple": ["Elixir.M.B", "Elixir.M.C"]})
    );
    // A directive that cannot be read leaves every alias unknown.
    assert!(eval_last("alias unquote(x)\nB")["expr"].is_string());
    assert_eq!(
        eval_last("defmodule Gateway.MixProject do\nend\n__MODULE__"),
        json!("Elixir.Gateway.MixProject")
    );
    assert!(eval_last("defmodule A do\nend\ndefmodule B do\nend\n__MODULE__")["expr"].is_string());
}

#[test]
fn tuples_with_atoms_first_are_keyword_lists() {
    assert_eq!(
        eval_last("@app :gateway\n[{@app, [a: 1]}, {Toml.Provider, path: \"x\"}]"),
        json!({"gateway": {"a": 1}, "Elixir.Toml.Provider": {"path": "x"}})
    );
    // A key twice stays a list of tuples: nothing is lost.
    assert_eq!(
        eval_last("[{P, 1}, {P, 2}]"),
        json!([{"tuple": ["Elixir.P", 1]}, {"tuple": ["Elixir.P", 2]}])
    );
    assert_eq!(
        eval_last("[a: 1, a: 2]"),
        json!([{"tuple": ["a", 1]}, {"tuple": ["a", 2]}])
    );
}

#[test]
fn interpolation_of_known_values_is_resolved() {
    let src = "@app :gateway\n@n 3\n@none nil\n@cl 'abc'\n";
    let at = |tail: &str| eval_last(&format!("{src}{tail}"));
    assert_eq!(at("\"#{@app}_cookie\""), json!("gateway_cookie"));
    assert_eq!(at(":\"#{@app}@host\""), json!("gateway@host"));
    assert_eq!(at("[\"#{@app}_key\": 1]"), json!({"gateway_key": 1}));
    assert_eq!(
        at("\"n=#{@n} #{@none}|#{@cl}|#{}|#{Toml.Provider}\""),
        json!("n=3 |abc||Elixir.Toml.Provider")
    );
    assert_eq!(at("\"#{\"in #{@app}\"}\""), json!("in gateway"));
    assert_eq!(at("\"\"\"\n  #{@app}\n  \"\"\""), json!("gateway\n"));
    assert_eq!(at("'#{@app}-#{@n}'"), json!("gateway-3"));
    // Code that runs, values without a text here, bitstrings: kept as written.
    for kept in [
        "\"#{1 + 1}\"",
        "\"#{1.5}\"",
        "\"#{[1]}\"",
        "\"#{@missing}\"",
        "<<\"a\", \"b\">>",
    ] {
        assert!(at(kept)["expr"].is_string(), "{kept}");
    }
}
