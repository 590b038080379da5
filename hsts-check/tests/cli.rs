//! hsts-check parse as a command: values, dumps on stdin, JSON, exit statuses and
//! bad input.

use predicates::prelude::*;
use predicates::str::contains;
use relkit_tests::{example_dir, tool};

fn hsts() -> assert_cmd::Command {
    tool("hsts-check")
}

#[test]
fn a_valid_value_explains_itself() {
    hsts()
        .args(["parse", "max-age=31536000; includeSubDomains"])
        .assert()
        .success()
        .stdout(contains(
            "max-age 31536000 (1 year); includeSubDomains: every subdomain is forced to HTTPS too",
        ))
        .stdout(contains(
            "not eligible for the HSTS preload list: it needs preload",
        ));
}

#[test]
fn an_invalid_value_is_exit_1_with_the_reason() {
    hsts()
        .args(["parse", "max-age=31536000; includeSubDomains=yes"])
        .assert()
        .code(1)
        .stdout(contains(
            "error[invalid-header]: browsers ignore this header: includeSubDomains takes no value",
        ));
}

#[test]
fn the_example_parent_dump() {
    let dump = std::fs::read(example_dir().join("headers/example.com.https.txt")).unwrap();
    hsts()
        .args(["parse", "--host", "example.com"])
        .write_stdin(dump)
        .assert()
        .success()
        .stdout(contains(
            "example.com: max-age 31536000 (1 year); includeSubDomains",
        ));
}

#[test]
fn a_dump_with_two_headers_over_http_for_an_ip() {
    let dump = "HTTP/1.1 200 OK\nStrict-Transport-Security: max-age=300\nStrict-Transport-Security: max-age=31536000\n\n";
    hsts()
        .args(["parse", "--host", "192.0.2.7", "--scheme", "http", "--json"])
        .write_stdin(dump)
        .assert()
        .success()
        .stdout(contains("\"code\":\"duplicate-header\""))
        .stdout(contains("\"code\":\"sts-over-http\""))
        .stdout(contains("\"code\":\"ip-literal-host\""));
}

#[test]
fn bad_input_is_handled() {
    hsts()
        .arg("parse")
        .write_stdin("not a dump")
        .assert()
        .code(2)
        .stderr(contains("no HTTP status line found"));
    hsts().args(["parse", "--scheme", "ftp"]).assert().code(2);
    let mut big = b"HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=1; ".to_vec();
    big.extend(std::iter::repeat_n(b'x', 1 << 20));
    big.extend_from_slice(b"\r\n\r\n");
    hsts()
        .arg("parse")
        .write_stdin(big)
        .timeout(std::time::Duration::from_secs(10))
        .assert()
        .success()
        .stderr("");
    hsts()
        .arg("parse")
        .write_stdin(
            &b"HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=1\xff\xfe\r\n\r\n"[..],
        )
        .assert()
        .code(1)
        .stdout(contains("invalid-header"))
        .stderr(contains("panicked").not());
}

#[test]
fn probe_from_the_example_dumps_explains_the_stage_host() {
    hsts()
        .current_dir(example_dir())
        .args(["probe", "example.com", "stage.example.com", "--from-dumps", "headers"])
        .assert()
        .code(1)
        .stdout(contains("stage.example.com is forced to HTTPS by example.com's policy (includeSubDomains) for 1 year"))
        .stdout(contains("error[forced-https-without-https]"))
        .stdout(contains("delete example.com's entry (not stage.example.com's)"))
        .stdout(contains("example.com: warning[header-missing-on-errors]"));
}

#[test]
fn probe_json_and_offline_requirements() {
    let out = hsts()
        .current_dir(example_dir())
        .args([
            "probe",
            "stage.example.com",
            "--from-dumps",
            "headers",
            "--json",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["kind"], "hsts-check.probe");
    assert_eq!(doc["hosts"][0]["covered_by"], "example.com");
    assert_eq!(doc["hosts"][0]["problem"], true);
    hsts()
        .args(["probe", "example.com", "--resolve", "example.com:443"])
        .assert()
        .code(2)
        .stderr(contains("expected HOST:PORT:ADDR"));
    // An IDN host is probed under its punycode name (here from a dumps directory).
    let dumps = tempfile::tempdir().unwrap();
    std::fs::write(
        dumps.path().join("xn--bcher-kva.example.https.txt"),
        "HTTP/1.1 200 OK\r\nStrict-Transport-Security: max-age=31536000\r\n\r\n",
    )
    .unwrap();
    let out = hsts()
        .args(["probe", "B\u{fc}cher.example.", "--json", "--from-dumps"])
        .arg(dumps.path())
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["hosts"][0]["host"], "xn--bcher-kva.example");
    assert_eq!(doc["hosts"][0]["covered_by"], "xn--bcher-kva.example");
    hsts()
        .args(["probe", "example.com", "--timeout", "0"])
        .assert()
        .code(2)
        .stderr(contains("--timeout"));
    hsts()
        .args(["probe", "example.com", "--cacert", "/nonexistent.pem"])
        .assert()
        .code(2)
        .stderr(contains("cannot read /nonexistent.pem"));
    hsts()
        .args(["probe", "example.com", "--from-dumps", "/nonexistent"])
        .assert()
        .code(2)
        .stderr(contains("not a directory"));
}
