//! vmargs as a command: exit statuses, human and JSON output, stdin, JSON input of
//! the right and wrong kinds, render refusals, atomic output, diff, bad input.

use predicates::prelude::*;
use predicates::str::contains;
use relkit_tests::{example_dir, temp_project, tool};
use serde_json::Value;

fn vmargs() -> assert_cmd::Command {
    tool("vmargs")
}

/// Run, require exit status `code`, and return stdout.
fn stdout_of(cmd: &mut assert_cmd::Command, code: i32) -> Vec<u8> {
    cmd.assert().code(code).get_output().stdout.clone()
}

fn json_lines(out: &[u8]) -> Vec<Value> {
    out.split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).expect("one JSON document per line"))
        .collect()
}

#[test]
fn no_verb_or_a_bad_flag_is_a_usage_error() {
    vmargs().assert().code(2);
    vmargs()
        .args(["check", "--bogus"])
        .assert()
        .code(2)
        .stderr(contains("vmargs: error: unexpected argument '--bogus'"));
}

#[test]
fn check_reports_the_example_bugs_and_exits_1() {
    vmargs()
        .current_dir(example_dir())
        .args(["check", "rel/vm.args.stage", "rel/vm.args.prod"])
        .assert()
        .code(1)
        .stdout(contains("rel/vm.args.stage:2:7: error[name-without-host]: -name billing_stage.0.0.1 has no @host part"))
        .stdout(contains("  = hint: did you mean -name billing_stage@127.0.0.1?"))
        .stdout(contains("error[shared-cookie]"))
        .stdout(contains("vmargs: 2 files checked: 2 errors,"));
}

#[test]
fn check_json_is_one_finding_per_line() {
    let out = stdout_of(
        vmargs()
            .current_dir(example_dir())
            .args(["check", "--json", "rel/vm.args.stage"]),
        1,
    );
    let docs = json_lines(&out);
    assert!(docs
        .iter()
        .all(|d| d["kind"] == "finding" && d["tool"] == "vmargs"));
    let typo = docs
        .iter()
        .find(|d| d["code"] == "name-without-host")
        .unwrap();
    assert_eq!(typo["line"], 2);
    assert_eq!(typo["column"], 7);
    assert_eq!(typo["path"], "rel/vm.args.stage");
}

#[test]
fn a_clean_file_exits_0_and_quiet_prints_nothing() {
    let dir = temp_project(&[(
        "vm.args",
        "-name api@10.0.0.5\n-setcookie Xq7rTz9KpL2mWvB4nJ8cD3fH6gY\n",
    )]);
    vmargs()
        .current_dir(dir.path())
        .args(["check", "--target", "distillery", "vm.args"])
        .assert()
        .success();
    vmargs()
        .current_dir(dir.path())
        .args(["check", "-q", "vm.args"])
        .write_stdin("")
        .assert()
        .success()
        .stdout("");
}

#[test]
fn check_reads_raw_text_from_stdin() {
    vmargs()
        .args(["check", "--target", "distillery", "-"])
        .write_stdin("-name billing_prod@\n")
        .assert()
        .code(1)
        .stdout(contains("<stdin>:1:7: error[empty-host]"));
}

#[test]
fn check_refuses_json_of_the_wrong_kind() {
    vmargs()
        .arg("check")
        .write_stdin(r#"{"kind":"hsts-check.report"}"#)
        .assert()
        .code(2)
        .stderr(contains("is of kind \"hsts-check.report\", but this command reads a \"relconf.config\", \"vmargs.file\" or \"release-pack.inspect\" document"));
}

#[test]
fn check_reads_a_relconf_document_and_resolves_paths_against_its_root() {
    let root = example_dir();
    let doc = serde_json::json!({
        "kind": "relconf.config",
        "path": root.join("rel/config.exs"),
        "root": root,
        "format": "distillery",
        "environments": {
            "stage": {"vm_args": "rel/vm.args.stage"},
            "prod": {"vm_args": "rel/vm.args.prod"},
            "qa": {"vm_args": "rel/vm.args.qa"}
        }
    });
    let out = stdout_of(
        vmargs()
            .current_dir("/")
            .args(["check", "--json"])
            .write_stdin(doc.to_string()),
        1,
    );
    let codes: Vec<String> = json_lines(&out)
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert!(
        codes.contains(&"name-without-host".to_string()),
        "{codes:?}"
    );
    assert!(codes.contains(&"shared-cookie".to_string()), "{codes:?}");
    assert!(
        codes.contains(&"missing-vm-args-file".to_string()),
        "{codes:?}"
    );
}

#[test]
fn parse_prints_the_document_with_the_cookie_redacted() {
    let out = stdout_of(
        vmargs()
            .current_dir(example_dir())
            .args(["parse", "rel/vm.args.prod"]),
        0,
    );
    let doc = &json_lines(&out)[0];
    assert_eq!(doc["kind"], "vmargs.file");
    assert_eq!(doc["node"]["type"], "name");
    assert_eq!(doc["node"]["name"], "billing_prod");
    assert_eq!(doc["node"]["host"], "127.0.0.1");
    assert_eq!(doc["cookie"]["redacted"], true);
    assert!(!String::from_utf8_lossy(&out).contains("foo123"));
    assert_eq!(doc["emulator_flags"][0]["flag"], "+K");
    assert_eq!(doc["app_params"][0]["key"], "inet_dist_listen_min");
    assert_eq!(doc["env"][0]["name"], "ERL_MAX_PORTS");
    let shown = stdout_of(
        vmargs()
            .current_dir(example_dir())
            .args(["parse", "--show-secrets", "rel/vm.args.prod"]),
        0,
    );
    assert_eq!(json_lines(&shown)[0]["cookie"]["value"], "foo123");
}

#[test]
fn non_utf8_values_are_byte_arrays() {
    let out = stdout_of(
        vmargs()
            .args(["parse", "-"])
            .write_stdin(&b"-env GREETING caf\xe9\n"[..]),
        0,
    );
    let doc = &json_lines(&out)[0];
    assert_eq!(
        doc["env"][0]["value"]["bytes"],
        serde_json::json!([99, 97, 102, 233])
    );
}

#[test]
fn parse_stops_on_what_erl_stops_on_with_file_line_and_column() {
    vmargs()
        .args(["parse", "-"])
        .write_stdin("-name a@b.c\n+P\n")
        .assert()
        .code(2)
        .stderr(contains(
            "vmargs: error: <stdin>:2:1: erl would refuse this file: Missing argument(s) for '+P'.",
        ));
}

#[test]
fn parse_warns_about_what_erl_accepts_silently() {
    vmargs()
        .args(["parse", "-"])
        .write_stdin("-setcookie \"abc\n")
        .assert()
        .success()
        .stderr(contains(
            "vmargs: warning: <stdin>:1:12: unterminated quote",
        ));
}

#[test]
fn parse_then_render_round_trips_the_example() {
    let dir = example_dir();
    let parsed = stdout_of(
        vmargs()
            .current_dir(&dir)
            .args(["parse", "rel/vm.args.stage"]),
        0,
    );
    vmargs()
        .current_dir(&dir)
        .arg("render")
        .write_stdin(parsed)
        .assert()
        .success()
        .stdout(std::fs::read_to_string(dir.join("rel/vm.args.stage")).unwrap());
}

#[test]
fn render_from_flags_writes_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("vm.args.prod");
    vmargs()
        .args([
            "render",
            "--name",
            "billing_prod@127.0.0.1",
            "--cookie-env",
            "RELEASE_COOKIE",
            "--kernel",
            "inet_dist_listen_min=9100",
            "--flag",
            "+P 5000000",
            "--setenv",
            "TZ=UTC",
            "-o",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "## Written by vmargs render\n-name billing_prod@127.0.0.1\n-setcookie ${RELEASE_COOKIE}\n-kernel inet_dist_listen_min 9100\n-env TZ UTC\n+P 5000000\n"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

#[test]
fn render_refuses_what_would_not_work_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("vm.args");
    vmargs()
        .args(["render", "--flag", "+A 8", "-o"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(contains("refusing to write a vm.args that would not work for a distillery release: no -name or -sname"));
    assert!(!out.exists());
    vmargs()
        .args([
            "render",
            "--name",
            "a@127.0.0.1",
            "--cookie=-abcdefghijklmnopqrstuvwxyz",
        ])
        .assert()
        .code(2)
        .stderr(contains("starts with '-'"));
    vmargs()
        .args(["render", "--target", "mix", "--name", "a@127.0.0.1"])
        .assert()
        .code(2)
        .stderr(contains("RELEASE_"));
    vmargs()
        .args(["render", "--kernel", "novalue"])
        .assert()
        .code(2)
        .stderr(contains("--kernel takes KEY=VALUE"));
}

#[test]
fn render_refuses_a_document_of_another_kind() {
    vmargs()
        .arg("render")
        .write_stdin(r#"{"kind":"finding","tool":"x"}"#)
        .assert()
        .code(2)
        .stderr(contains(
            "but this command reads a \"vmargs.file\" document",
        ));
}

#[test]
fn diff_exits_1_when_erl_would_differ_and_0_when_not() {
    let dir = example_dir();
    vmargs()
        .current_dir(&dir)
        .args(["diff", "rel/vm.args.stage", "rel/vm.args.prod"])
        .assert()
        .code(1)
        .stdout(contains(
            "~ -name: billing_stage.0.0.1 -> billing_prod@127.0.0.1",
        ))
        .stdout(contains("+ +K true"));
    let same = temp_project(&[
        ("a", "-name x@h.y # c\n+A 5\n"),
        ("b", "+A 5\n\n-name 'x@h.y'\n"),
    ]);
    vmargs()
        .current_dir(same.path())
        .args(["diff", "a", "b"])
        .assert()
        .success()
        .stdout(contains("no difference"));
    let out = stdout_of(
        vmargs().current_dir(&dir).args([
            "diff",
            "--json",
            "rel/vm.args.stage",
            "rel/vm.args.prod",
        ]),
        1,
    );
    let doc = &json_lines(&out)[0];
    assert_eq!(doc["kind"], "vmargs.diff");
    assert_eq!(doc["same"], false);
}

#[test]
fn a_missing_file_is_exit_2_naming_it() {
    vmargs()
        .args(["check", "/nonexistent/vm.args"])
        .assert()
        .code(2)
        .stderr("vmargs: error: cannot read /nonexistent/vm.args: No such file or directory; check the path\n");
}

#[test]
fn broken_pipe_is_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = String::new();
    for i in 0..20000 {
        big.push_str(&format!("-kernel key{i} {i}\n"));
    }
    std::fs::write(dir.path().join("big.args"), big).unwrap();
    let out = std::process::Command::new("bash")
        .args(["-o", "pipefail", "-c", "\"$0\" check --target erl --json big.args | head -c 10; \"$0\" parse big.args big.args big.args | head -c 10"])
        .arg(relkit_tests::tool_path("vmargs"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn bad_input_gives_findings_never_a_panic() {
    let cases: &[(&[u8], &str)] = &[
        (b"-name a@b.c\n-setcookie 'abc\n", "unterminated-quote"),
        (b"-name a@b.c x\\", "trailing-backslash"),
        (b"-name a@b.c\0\n-setcookie x", "nul-byte"),
        (b"-name a@b.c\n-setcookie caf\xe9\n", "non-utf8"),
        (b"-name a@b.c\r\n", "crlf-line-endings"),
        (b"\xef\xbb\xbf-name a@b.c\n", "byte-order-mark"),
        (
            b"-name a@b.c\n-args_file /nonexistent/inner.args\n",
            "missing-args-file",
        ),
    ];
    for (input, code) in cases {
        vmargs()
            .args(["check", "--target", "erl", "--json", "-"])
            .write_stdin(*input)
            .assert()
            .stdout(contains(format!("\"code\":\"{code}\"")))
            .stderr("");
    }
}

#[test]
fn an_include_cycle_is_a_finding_not_a_hang() {
    let dir = temp_project(&[
        ("a.args", "-args_file b.args\n"),
        ("b.args", "-args_file a.args\n"),
    ]);
    vmargs()
        .current_dir(dir.path())
        .args(["check", "--json", "a.args"])
        .timeout(std::time::Duration::from_secs(10))
        .assert()
        .code(1)
        .stdout(contains("\"code\":\"args-file-cycle\""));
}

#[test]
fn a_ten_megabyte_file_is_fine() {
    let dir = tempfile::tempdir().unwrap();
    let mut big = Vec::with_capacity(11 << 20);
    big.extend_from_slice(b"-name big@127.0.0.1\n");
    while big.len() < 10 << 20 {
        big.extend_from_slice(b"## padding comment line that is quite long indeed, to reach ten megabytes\n+A 5 -kernel k 'v w'\n");
    }
    std::fs::write(dir.path().join("big.args"), &big).unwrap();
    vmargs()
        .current_dir(dir.path())
        .args(["check", "--quiet", "--target", "erl", "big.args"])
        .timeout(std::time::Duration::from_secs(30))
        .assert()
        .success();
}

#[test]
fn colour_follows_the_flag_and_no_color() {
    let dir = example_dir();
    vmargs()
        .current_dir(&dir)
        .args(["check", "--color", "always", "rel/vm.args.stage"])
        .assert()
        .code(1)
        .stdout(contains("\u{1b}["));
    vmargs()
        .current_dir(&dir)
        .args(["check", "rel/vm.args.stage"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .assert()
        .code(1)
        .stdout(contains("\u{1b}[").not());
    vmargs()
        .current_dir(&dir)
        .args(["check", "rel/vm.args.stage"])
        .env("CLICOLOR_FORCE", "1")
        .assert()
        .code(1)
        .stdout(contains("\u{1b}["));
}

#[test]
fn check_reads_the_vm_args_inside_a_release_pack_inspect_document() {
    let doc = serde_json::json!({
        "kind": "release-pack.inspect",
        "path": "billing-0.1.0.tar.gz",
        "layout": "distillery",
        "release": "billing",
        "vm_args": {
            "path": "releases/0.1.0/vm.args",
            "text": "-name billing_stage.0.0.1\n-setcookie ******\n-smp auto\n",
            "cookie_redacted": true
        }
    });
    let out = stdout_of(
        vmargs()
            .args(["check", "--json"])
            .write_stdin(doc.to_string()),
        1,
    );
    let docs = json_lines(&out);
    let typo = docs
        .iter()
        .find(|d| d["code"] == "name-without-host")
        .unwrap();
    assert_eq!(typo["path"], "billing-0.1.0.tar.gz:releases/0.1.0/vm.args");
    assert_eq!(typo["line"], 1);
    // The placeholder is not a cookie to judge.
    assert!(!docs
        .iter()
        .any(|d| d["code"] == "weak-cookie" || d["code"] == "cookie-special-characters"));
    assert!(docs.iter().any(|d| d["code"] == "no-effect-flag"));
}

#[test]
fn a_named_file_that_starts_like_json_is_read_as_a_vm_args() {
    let dir = tempfile::tempdir().unwrap();
    let text = "{a,b}\n-name billing@127.0.0.1\n-setcookie Zk3PqT9vW2xR7mN4\n";
    std::fs::write(dir.path().join("vm.args"), text).unwrap();
    let out = vmargs()
        .current_dir(dir.path())
        .args(["check", "--target", "erl", "--json", "vm.args"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stderr}");
    assert!(!stderr.contains("JSON"), "{stderr}");
    // The plain word `{a,b}` is a finding about the file, not a JSON error.
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"path\":\"vm.args\""));
    // On stdin JSON is still sniffed, and must be right.
    vmargs()
        .args(["check"])
        .write_stdin(text)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("invalid JSON"));
}

#[test]
fn render_json_prints_the_document_of_what_it_wrote_without_the_cookie() {
    let dir = tempfile::tempdir().unwrap();
    let out = vmargs()
        .current_dir(dir.path())
        .args([
            "render",
            "--name",
            "billing@127.0.0.1",
            "--cookie",
            "Zk3PqT9vW2xR7mN4",
            "-o",
            "vm.args",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["kind"], "vmargs.file");
    assert_eq!(doc["path"], "vm.args");
    assert_eq!(doc["cookie"]["redacted"], true);
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Zk3PqT9vW2xR7mN4"));
    let written = std::fs::read_to_string(dir.path().join("vm.args")).unwrap();
    assert!(written.contains("-setcookie Zk3PqT9vW2xR7mN4"));
}

#[test]
fn a_cookie_cut_by_a_hash_is_redacted_whole_and_rendered_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let text = "-name billing@127.0.0.1\n-setcookie yG9kF8#hV5secretpart\n";
    std::fs::write(dir.path().join("vm.args"), text).unwrap();
    let parsed = stdout_of(
        vmargs().current_dir(dir.path()).args(["parse", "vm.args"]),
        0,
    );
    let shown = String::from_utf8_lossy(&parsed);
    assert!(
        !shown.contains("hV5secretpart") && !shown.contains("yG9kF8"),
        "{shown}"
    );
    let rendered = stdout_of(
        vmargs()
            .current_dir(dir.path())
            .arg("render")
            .write_stdin(parsed.clone()),
        0,
    );
    // render puts a comment after a space; erl reads the same words either way.
    assert_eq!(
        String::from_utf8_lossy(&rendered),
        "-name billing@127.0.0.1\n-setcookie yG9kF8 #hV5secretpart\n"
    );
}
