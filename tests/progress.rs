//! Progress on long work is for a person at a terminal only: under a pseudo-terminal
//! (`script`) pack, unpack, verify and probe draw it on stderr; with `-q` or
//! `--json`, or with stderr a pipe, nothing of it is written.

use relkit_tests::{assert_ok, copy_example, require_peer, tool, tool_path};
use std::path::Path;
use std::process::Command;

/// Run `command` under a pseudo-terminal with `script`; what the terminal showed.
fn on_a_terminal(script: &Path, dir: &Path, command: &str) -> String {
    let out = Command::new(script)
        .args(["-qec", command, "/dev/null"])
        .current_dir(dir)
        .env("TERM", "xterm")
        .env_remove("NO_COLOR")
        .output()
        .expect("script runs");
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    // Exit 1 is a finding (probe's stage host), not a failure to run.
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{command}: {shown}"
    );
    shown
}

#[test]
fn progress_is_drawn_on_a_terminal_and_never_in_a_pipe() {
    let Some(script) = require_peer("script") else {
        return;
    };
    let dir = copy_example();
    let root = dir.path();
    let pack = tool_path("release-pack").display().to_string();
    let hsts = tool_path("hsts-check").display().to_string();
    let cases = [
        (format!("{pack} pack release -o a.tar.gz"), "packing"),
        (format!("{pack} unpack a.tar.gz --into out"), "unpacking"),
        (format!("{pack} verify a.tar.gz"), "verifying"),
        (
            format!("{hsts} probe example.com stage.example.com --from-dumps headers"),
            "probing",
        ),
    ];
    for (command, word) in &cases {
        let shown = on_a_terminal(&script, root, command);
        assert!(shown.contains(word), "{command}: no progress in {shown:?}");
        // The bar is cleared at the end: its last drawing is followed by a line erase.
        let last = shown.rfind(word).unwrap();
        assert!(shown[last..].contains("\u{1b}[2K"), "{command}: {shown:?}");
        for flag in ["-q", "--json"] {
            let again = command.replace(" --into out", " --into out2 --replace");
            let shown = on_a_terminal(&script, root, &format!("{again} {flag}"));
            assert!(!shown.contains(word), "{command} {flag}: {shown:?}");
        }
    }
    // Into pipes (as in CI), stderr stays empty.
    for args in [
        vec!["pack", "release", "-o", "b.tar.gz"],
        vec!["unpack", "b.tar.gz", "--into", "piped"],
        vec!["verify", "b.tar.gz"],
    ] {
        let out = tool("release-pack")
            .current_dir(root)
            .args(&args)
            .output()
            .unwrap();
        assert_ok(&out, format_args!("{args:?}"));
        assert!(
            out.stderr.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = tool("hsts-check")
        .current_dir(root)
        .args([
            "probe",
            "example.com",
            "stage.example.com",
            "--from-dumps",
            "headers",
        ])
        .output()
        .unwrap();
    assert!(out.stderr.is_empty());
}
