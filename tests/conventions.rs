//! One toolkit: every tool and verb keeps the conventions of README's "Conventions
//! every tool follows", checked from one table. For each verb: `--help` and
//! `--version` exit 0; an unknown flag is exit 2 with one line naming it; `-q` leaves
//! stdout empty and keeps the exit status; `--json` prints documents; `NO_COLOR=1`
//! beats `CLICOLOR_FORCE=1`; a reader that goes away (`| head -c1`) is a quiet exit 0;
//! and stdin at EOF is an answer or a one-line error, never a hang or a panic.

use relkit_tests::{copy_example, text, tool, tool_path};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// A verb of a tool with arguments that make a successful run in the prepared
/// project, and the arguments of a run that reads stdin instead of files.
struct Row {
    tool: &'static str,
    verb: Option<&'static str>,
    args: &'static [&'static str],
    stdin_form: &'static [&'static str],
    /// `--json` prints relkit documents (with "kind"); false for journal entries.
    relkit_json: bool,
}

const ROWS: &[Row] = &[
    Row {
        tool: "vmargs",
        verb: Some("parse"),
        args: &["rel/vm.args.prod"],
        stdin_form: &[],
        relkit_json: true,
    },
    Row {
        tool: "vmargs",
        verb: Some("check"),
        args: &["rel/vm.args.stage", "rel/vm.args.prod"],
        stdin_form: &[],
        relkit_json: true,
    },
    Row {
        tool: "vmargs",
        verb: Some("render"),
        args: &["--name", "shop@127.0.0.1", "--cookie-env", "RELEASE_COOKIE"],
        stdin_form: &[],
        relkit_json: true,
    },
    Row {
        tool: "vmargs",
        verb: Some("diff"),
        args: &["rel/vm.args.stage", "rel/vm.args.prod"],
        stdin_form: &["-", "rel/vm.args.prod"],
        relkit_json: true,
    },
    Row {
        tool: "relconf",
        verb: Some("parse"),
        args: &["rel/config.exs"],
        stdin_form: &["-"],
        relkit_json: true,
    },
    Row {
        tool: "relconf",
        verb: Some("check"),
        args: &["rel/config.exs"],
        stdin_form: &["-"],
        relkit_json: true,
    },
    Row {
        tool: "hsts-check",
        verb: Some("parse"),
        args: &["max-age=31536000; includeSubDomains"],
        stdin_form: &[],
        relkit_json: true,
    },
    Row {
        tool: "hsts-check",
        verb: Some("probe"),
        args: &[
            "example.com",
            "stage.example.com",
            "--from-dumps",
            "headers",
        ],
        stdin_form: &["example.com", "--from-dumps", "headers"],
        relkit_json: true,
    },
    Row {
        tool: "release-pack",
        verb: Some("pack"),
        args: &["release", "-o", "repacked.tar.gz"],
        stdin_form: &["release", "-o", "repacked.tar.gz"],
        relkit_json: true,
    },
    Row {
        tool: "release-pack",
        verb: Some("unpack"),
        args: &[
            "billing.tar.gz",
            "--into",
            "unpacked",
            "--replace",
            "--no-keep",
        ],
        stdin_form: &[
            "billing.tar.gz",
            "--into",
            "unpacked",
            "--replace",
            "--no-keep",
        ],
        relkit_json: true,
    },
    Row {
        tool: "release-pack",
        verb: Some("inspect"),
        args: &["billing.tar.gz"],
        stdin_form: &["release"],
        relkit_json: true,
    },
    Row {
        tool: "release-pack",
        verb: Some("verify"),
        args: &["billing.tar.gz"],
        stdin_form: &["billing.tar.gz"],
        relkit_json: true,
    },
    Row {
        tool: "release-pack",
        verb: Some("list"),
        args: &["billing.tar.gz"],
        stdin_form: &["billing.tar.gz"],
        relkit_json: true,
    },
    Row {
        tool: "secret-link",
        verb: Some("plan"),
        args: &["--env", "stage", "--from", "secrets", "--into", "config"],
        stdin_form: &["--env", "stage", "--from", "secrets", "--into", "config"],
        relkit_json: true,
    },
    Row {
        tool: "secret-link",
        verb: Some("apply"),
        args: &["--env", "stage", "--from", "secrets", "--into", "config"],
        stdin_form: &[],
        relkit_json: true,
    },
    Row {
        tool: "secret-link",
        verb: Some("check"),
        args: &["--env", "stage", "--from", "secrets", "--into", "config"],
        stdin_form: &["--env", "stage", "--from", "secrets", "--into", "config"],
        relkit_json: true,
    },
    Row {
        tool: "journal-fmt",
        verb: None,
        args: &["journal/billing_prod.export"],
        stdin_form: &[],
        relkit_json: false,
    },
];

/// The example project, with a packed release and a secret to link.
fn project() -> tempfile::TempDir {
    let dir = copy_example();
    let root = dir.path();
    tool("release-pack")
        .current_dir(root)
        .args(["pack", "release", "-o", "billing.tar.gz", "-q"])
        .assert()
        .success();
    std::fs::create_dir_all(root.join("secrets")).unwrap();
    let secret = root.join("secrets/stage.secret.exs");
    std::fs::write(&secret, "import Config\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    dir
}

fn name(row: &Row) -> String {
    match row.verb {
        Some(v) => format!("{} {v}", row.tool),
        None => row.tool.to_string(),
    }
}

fn command(row: &Row, root: &Path, extra: &[&str], args: &[&str]) -> assert_cmd::Command {
    let mut cmd = tool(row.tool);
    cmd.current_dir(root).timeout(Duration::from_secs(60));
    cmd.args(row.verb).args(args).args(extra);
    cmd.env_remove("RELKIT_FORMAT")
        .env_remove("RELKIT_EXCLUDE")
        .env_remove("RELKIT_SEVERITY");
    cmd
}

#[test]
fn help_and_version_exit_0() {
    let dir = project();
    for row in ROWS {
        let out = command(row, dir.path(), &["--help"], &[]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{} --help", name(row));
        let usage = format!("Usage: {}", name(row));
        assert!(
            text(&out.stdout).contains(&usage),
            "{} --help: {}",
            name(row),
            text(&out.stdout)
        );
        // A tool's own help ends with worked examples that start with its name.
        if row.verb.is_none() {
            let examples = "Examples:\n  ";
            let help = text(&out.stdout);
            let after = help.split(&examples).nth(1).unwrap_or_default();
            assert!(
                after.lines().any(|l| l.trim_start().starts_with(row.tool)
                    || l.contains(&format!("| {}", row.tool))),
                "{} --help has no worked example: {help}",
                name(row)
            );
        }
        let out = command(row, dir.path(), &["--version"], &[])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{} --version", name(row));
        // clap names a verb `tool-verb` in its version line.
        let want = format!(
            "{} {}",
            name(row).replace(' ', "-"),
            env!("CARGO_PKG_VERSION")
        );
        assert_eq!(text(&out.stdout).trim(), want, "{} --version", name(row));
    }
}

#[test]
fn an_unknown_flag_is_one_line_and_exit_2() {
    let dir = project();
    for row in ROWS {
        let out = command(row, dir.path(), &["--no-such-flag"], row.args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", name(row));
        let stderr = text(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{}: {stderr}", name(row));
        assert!(
            stderr.starts_with(&format!("{}: error: ", row.tool))
                && stderr.contains("--no-such-flag"),
            "{}: {stderr}",
            name(row)
        );
        assert!(out.stdout.is_empty(), "{}", name(row));
    }
}

#[test]
fn quiet_prints_nothing_on_stdout_and_keeps_the_status() {
    let dir = project();
    for row in ROWS {
        let loud = command(row, dir.path(), &[], row.args).output().unwrap();
        assert!(
            matches!(loud.status.code(), Some(0 | 1)),
            "{} should run: {}",
            name(row),
            text(&loud.stderr)
        );
        assert!(!loud.stdout.is_empty(), "{} prints something", name(row));
        let quiet = command(row, dir.path(), &["-q"], row.args)
            .output()
            .unwrap();
        assert_eq!(quiet.status.code(), loud.status.code(), "{} -q", name(row));
        if row.tool == "journal-fmt" {
            // The documented exception: -q is journalctl's (no reports on stderr).
            assert_eq!(quiet.stdout, loud.stdout);
            continue;
        }
        assert!(
            quiet.stdout.is_empty(),
            "{} -q printed: {}",
            name(row),
            text(&quiet.stdout)
        );
    }
}

#[test]
fn json_prints_documents() {
    let dir = project();
    for row in ROWS {
        let out = command(row, dir.path(), &["--json"], row.args)
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{} --json: {}",
            name(row),
            text(&out.stderr)
        );
        let docs: Vec<serde_json::Value> = serde_json::Deserializer::from_slice(&out.stdout)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{} --json: {e}: {}", name(row), text(&out.stdout)));
        assert!(
            !docs.is_empty() || matches!(row.verb, Some("check" | "verify")),
            "{}",
            name(row)
        );
        for doc in &docs {
            if row.relkit_json {
                let kind = doc["kind"].as_str().unwrap_or_default();
                assert!(
                    kind == "finding" || kind.starts_with(&format!("{}.", row.tool)),
                    "{} --json printed a {kind:?} document",
                    name(row)
                );
            } else {
                assert!(doc["MESSAGE"].is_string() || doc["MESSAGE"].is_array());
            }
        }
    }
}

#[test]
fn no_color_beats_clicolor_force() {
    let dir = project();
    for row in ROWS {
        let forced = command(row, dir.path(), &[], row.args)
            .env("CLICOLOR_FORCE", "1")
            .output()
            .unwrap();
        let out = command(row, dir.path(), &[], row.args)
            .env("CLICOLOR_FORCE", "1")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), forced.status.code(), "{}", name(row));
        assert!(
            !out.stdout.contains(&0x1b) && !out.stderr.contains(&0x1b),
            "{} coloured with NO_COLOR=1",
            name(row)
        );
    }
    // The forced run does colour where there is colour to give.
    let row = &ROWS[1];
    let forced = command(row, dir.path(), &[], row.args)
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(forced.stdout.contains(&0x1b));
}

#[test]
fn a_reader_that_goes_away_is_a_quiet_success() {
    let dir = project();
    let bin_dir = tool_path("vmargs").parent().unwrap().to_path_buf();
    for row in ROWS {
        tool_path(row.tool);
        let mut words: Vec<String> = vec![row.tool.to_string()];
        words.extend(row.verb.map(str::to_string));
        words.extend(row.args.iter().map(|a| format!("'{a}'")));
        let script = format!("{} | head -c1 > /dev/null", words.join(" "));
        let out = Command::new("bash")
            .args(["-o", "pipefail", "-c", &script])
            .current_dir(dir.path())
            .env(
                "PATH",
                format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap()),
            )
            .output()
            .unwrap();
        // Exit 1 is a verb's own finding status, which a closed pipe must not hide.
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}: {:?} {}",
            name(row),
            out.status,
            text(&out.stderr)
        );
        assert!(
            out.stderr.is_empty(),
            "{}: {}",
            name(row),
            text(&out.stderr)
        );
    }
}

#[test]
fn stdin_at_eof_is_an_answer_or_one_line_error() {
    let dir = project();
    for row in ROWS {
        let out = command(row, dir.path(), &[], row.stdin_form)
            .write_stdin(Vec::new())
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        match out.status.code() {
            Some(0 | 1) => {}
            Some(2) => {
                let first = stderr.lines().next().unwrap_or_default();
                assert!(
                    first.starts_with(&format!("{}: error: ", row.tool)),
                    "{}: {stderr}",
                    name(row)
                );
                assert_eq!(stderr.lines().count(), 1, "{}: {stderr}", name(row));
            }
            other => panic!("{} on empty stdin: {other:?} {stderr}", name(row)),
        }
        assert!(
            !stderr.contains("internal error"),
            "{}: {stderr}",
            name(row)
        );
    }
}
