//! hsts-check parse as a command: values, dumps on stdin, JSON, exit statuses and
//! bad input.

use predicates::prelude::*;
use predicates::str::contains;
use relkit_tests::{example_dir, tool};

fn hsts() -> assert_cmd::Command {
    tool("hsts-check")
}

#[test]
fn help_has_an_example() {
    hsts().arg("--help").assert().success().stdout(contains(
        "curl -sSI https://example.com | hsts-check parse --host example.com",
    ));
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
