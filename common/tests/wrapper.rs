//! The `main` wrapper as a process: exit statuses, the one-line error, a panic
//! turned into that line, and a broken pipe that exits quietly.

use std::path::PathBuf;
use std::process::{Command, Stdio};

fn probe() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile = exe.parent().unwrap().parent().unwrap();
    let path = profile.join("examples/probe");
    assert!(
        path.is_file(),
        "cargo test builds examples; missing {}",
        path.display()
    );
    path
}

#[test]
fn clean_and_problems_exit_0_and_1() {
    assert_eq!(
        Command::new(probe())
            .args(["lines", "1"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        Command::new(probe())
            .arg("problems")
            .output()
            .unwrap()
            .status
            .code(),
        Some(1)
    );
}

#[test]
fn errors_are_one_line_and_exit_2() {
    let out = Command::new(probe()).arg("fail").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "probe: error: no such environment \"qa\"; known: stage, prod\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_detailed_error_prints_its_excerpt_under_the_error_line() {
    let out = Command::new(probe()).arg("detailed").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "probe: error: f.exs:2:3: unexpected `end`\n  2 | x end\n    |   ^\n"
    );
}

#[test]
fn a_panic_is_an_internal_error_line_not_a_dump() {
    let out = Command::new(probe())
        .arg("panic")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("probe: error: internal error: deliberate at "),
        "{stderr}"
    );
    assert!(!stderr.contains("stack backtrace"), "{stderr}");
}

#[test]
fn broken_pipe_is_a_quiet_success() {
    // The shell reports the producer's status with pipefail; head exits after one line.
    let out = Command::new("bash")
        .args(["-o", "pipefail", "-c", "\"$0\" lines 1000000 | head -1"])
        .arg(probe())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "line 0\n");
    assert_eq!(String::from_utf8(out.stderr).unwrap(), "");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn json_reader_refuses_the_wrong_kind_with_exit_2() {
    let mut child = Command::new(probe())
        .args(["doc", "vmargs.file"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"kind":"relconf.config"}"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "probe: error: <stdin>: document 1 is of kind \"relconf.config\", but this command reads a \"vmargs.file\" document\n"
    );
}

#[test]
fn json_documents_are_one_per_line_off_a_terminal() {
    let mut child = Command::new(probe())
        .args(["doc", "k"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\n  \"kind\": \"k\",\n  \"a\": 1\n}\n{\"kind\":\"k\",\"a\":2}")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "{\"kind\":\"k\",\"a\":1}\n{\"kind\":\"k\",\"a\":2}\n"
    );
}
