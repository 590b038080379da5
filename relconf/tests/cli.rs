//! relconf as a command: parse and check on the example, selections, secrets,
//! and every kind of bad input giving exit 2 with a position and an excerpt.

use predicates::prelude::*;
use predicates::str::contains;
use relkit_tests::{doc_of, example_dir, temp_project, tool};
use serde_json::Value;

fn relconf() -> assert_cmd::Command {
    tool("relconf")
}

#[test]
fn parse_the_example_config() {
    let doc = doc_of(
        relconf()
            .current_dir(example_dir())
            .args(["parse", "rel/config.exs"]),
    );
    assert_eq!(doc["kind"], "relconf.config");
    assert_eq!(doc["format"], "distillery");
    assert_eq!(
        doc["root"],
        example_dir().canonicalize().unwrap().display().to_string()
    );
    assert_eq!(doc["environments"]["stage"]["vm_args"], "rel/vm.args.stage");
    assert_eq!(doc["environments"]["stage"]["include_erts"], true);
    assert_eq!(doc["environments"]["prod"]["include_src"], false);
    assert_eq!(doc["environments"]["prod"]["cookie"]["redacted"], true);
    assert_eq!(doc["releases"]["billing"]["version"], "0.1.0");
    assert_eq!(doc["unresolved"][0]["expr"], "Mix.env()");
    assert!(!doc.to_string().contains("foo123"));
    let shown = doc_of(relconf().current_dir(example_dir()).args([
        "parse",
        "--show-secrets",
        "rel/config.exs",
    ]));
    assert_eq!(shown["environments"]["prod"]["cookie"], "foo123");
}

#[test]
fn parse_finds_the_config_by_itself_and_reads_mix_exs() {
    let doc = doc_of(relconf().current_dir(example_dir()).arg("parse"));
    assert_eq!(doc["path"], "rel/config.exs");
    let mix = doc_of(relconf().current_dir(example_dir()).args([
        "parse",
        "mix.exs",
        "--release",
        "billing",
    ]));
    assert_eq!(mix["format"], "mix");
    assert_eq!(
        mix["releases"]["billing"]["settings"]["steps"],
        serde_json::json!(["assemble", "tar"])
    );
}

#[test]
fn env_selection_and_unknown_names() {
    let out = relconf()
        .current_dir(example_dir())
        .args(["parse", "rel/config.exs", "--env", "stage"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["environments"].as_object().unwrap().len(), 1);
    relconf()
        .current_dir(example_dir())
        .args(["parse", "rel/config.exs", "--env", "qa"])
        .assert()
        .code(2)
        .stderr(
            "relconf: error: rel/config.exs: no environment \"qa\"; the config has stage, prod\n",
        );
    relconf()
        .current_dir(example_dir())
        .args(["parse", "rel/config.exs", "--release", "web"])
        .assert()
        .code(2)
        .stderr(contains("no release \"web\"; the config has billing"));
}

#[test]
fn check_the_example() {
    relconf()
        .current_dir(example_dir())
        .args(["check", "rel/config.exs"])
        .assert()
        .success()
        .stdout(contains("rel/config.exs:28:7: warning[cookie-overridden]"))
        .stdout(contains("info[edeliver-environments]"));
}

#[test]
fn check_exits_1_on_errors_and_speaks_json() {
    let dir = temp_project(&[(
        "rel/config.exs",
        "use Distillery.Releases.Config\nenvironment :prod do\n  set include_ert: true\nend\nrelease :a do\nend\n",
    )]);
    let out = relconf()
        .current_dir(dir.path())
        .args(["check", "--json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let finding: Value =
        serde_json::from_slice(out.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(finding["code"], "unknown-setting");
    assert_eq!(
        finding["message"],
        "unknown environment config setting `include_ert`"
    );
    assert_eq!(finding["hint"], "did you mean `include_erts`?");
    assert_eq!(finding["line"], 3);
}

fn bad(src: &[u8]) -> assert_cmd::assert::Assert {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.exs"), src).unwrap();
    relconf()
        .current_dir(dir.path())
        .args(["parse", "config.exs"])
        .timeout(std::time::Duration::from_secs(10))
        .assert()
}

#[test]
fn syntax_errors_point_at_the_line_with_a_caret() {
    bad(b"use Mix.Releases.Config\nenvironment :prod do\n  set cookie: \"open\nend\n")
        .code(2)
        .stderr("relconf: error: config.exs:3:15: unterminated string (the \" here is never closed)\n  3 |   set cookie: *****\n    |               ^\n");
}

#[test]
fn a_syntax_error_on_a_cookie_line_shows_the_cookie_only_when_asked() {
    let src = b"use Mix.Releases.Config\nenvironment :prod do\n  set cookie: \"s3cr3t_value\nend\n";
    bad(src)
        .code(2)
        .stderr(contains("set cookie: *************\n"))
        .stderr(contains("s3cr3t").not());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.exs"), src).unwrap();
    relconf()
        .current_dir(dir.path())
        .args(["parse", "config.exs", "--show-secrets"])
        .assert()
        .code(2)
        .stderr(contains("set cookie: \"s3cr3t_value\n"));
}

#[test]
fn a_cookie_on_the_line_after_its_key_is_masked_too() {
    for value in [":s3cr3t_first :s3cr3t_second", "123s3cr3t", "1.0e999"] {
        let src = format!(
            "use Mix.Releases.Config\nenvironment :prod do\n  set cookie:\n    {value}\nend\n"
        );
        bad(src.as_bytes())
            .code(2)
            .stderr(contains("config.exs:4:"))
            .stderr(contains("s3cr3t").not())
            .stderr(contains("999").not());
    }
}

#[test]
fn every_kind_of_bad_input_is_exit_2_with_a_reason() {
    let cases: &[(&[u8], &str)] = &[
        (
            b"environment :prod do\n  set x: 1\n",
            "this `do` has no matching `end`",
        ),
        (b"environment :prod do\nend\nend\n", "`end`"),
        (b"x = \"\"\"\nnever closed\n", "unterminated heredoc"),
        (b"x = [1, 2\n", "this `[` has no matching `]`"),
        (
            b"x = [1, 2)\n",
            "unexpected `)`: the `[` on line 1 has no matching `]`",
        ),
        (
            b"x = foo(a, b c, d)\n",
            "unexpected comma: parentheses are required",
        ),
        (b"x = 1 +\n", "unexpected end of input"),
        (
            b"x = \"#{1 +}\"\n",
            "config.exs:1:11: unexpected `}`: the interpolation ends before its expression does",
        ),
        (b"x = 'open\n", "unterminated charlist"),
        (b"use Mix.Releases.Config\n# caf\xe9\n", "not valid UTF-8"),
        (b"", "no environment or release block found"),
        (
            b"IO.puts(:hello)\n",
            "no environment or release block found",
        ),
    ];
    for (src, why) in cases {
        bad(src)
            .code(2)
            .stderr(contains("relconf: error: config.exs:"))
            .stderr(contains(*why))
            .stderr(contains("panicked").not());
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let src = format!(
        "use Mix.Releases.Config\nenvironment :a do\n  set x: {}1{}\nend\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    bad(src.as_bytes())
        .code(2)
        .stderr(contains("nested deeper than 200 levels"));
}

#[test]
fn a_missing_file_is_exit_2() {
    relconf()
        .args(["parse", "/nonexistent/rel/config.exs"])
        .assert()
        .code(2)
        .stderr("relconf: error: cannot read /nonexistent/rel/config.exs: No such file or directory; check the path\n");
}
