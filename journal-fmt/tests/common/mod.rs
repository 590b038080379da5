//! Helpers the journal-fmt tests share.

use journal_fmt::entry::Entry;
use journal_fmt::input::export::write_entry;
use relkit_tests::assert_ok;
use std::path::Path;
use std::process::{Command, Stdio};

/// Write entries to a journal file with systemd-journal-remote (appending when the
/// file exists).
pub fn write_journal(remote: &Path, entries: &[Entry<'_>], file: &Path) {
    let mut export = Vec::new();
    for entry in entries {
        write_entry(&mut export, entry).unwrap();
    }
    let mut child = Command::new(remote)
        .arg("-o")
        .arg(file)
        .arg("-")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &export).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert_ok(&out, "out");
}

/// `journalctl --file FILE -o MODE` in UTC; its stdout (it must succeed).
#[allow(dead_code)] // not every test crate that includes this module reads a journal back
pub fn journalctl(journalctl: &Path, file: &Path, mode: &str) -> Vec<u8> {
    let mut cmd = Command::new(journalctl);
    cmd.env("TZ", "UTC")
        .arg("--file")
        .arg(file)
        .args(["--no-pager", "-o", mode]);
    succeeded(assert_cmd::Command::from_std(cmd).assert())
}

/// journal-fmt run with `args` on `input`, in UTC; its stdout (it must succeed).
#[allow(dead_code)] // not every test crate that includes this module runs journal-fmt
pub fn journal_fmt(args: &[&str], input: impl Into<Vec<u8>>) -> Vec<u8> {
    let mut cmd = relkit_tests::tool("journal-fmt");
    cmd.env("TZ", "UTC").args(args).write_stdin(input.into());
    succeeded(cmd.assert())
}

/// The stdout of a command that must have succeeded (assert_cmd's failure message
/// shows the command, its status and its stderr).
fn succeeded(run: assert_cmd::assert::Assert) -> Vec<u8> {
    run.success().get_output().stdout.clone()
}
