//! journal-fmt as a command: the example journal, filters, output forms and their
//! pass-through, colour rules, text inputs, bad input, memory, broken pipes.

use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use relkit_tests::{assert_ok, example_dir, require_peer, stdout_of, tool};
use std::io::Write;
use std::process::Command;

fn example() -> std::path::PathBuf {
    example_dir().join("journal/billing_prod.export")
}

/// A journal JSON line as journalctl writes it for a process logging to stdout.
fn json_line(t: u64, unit: &str, ident: &str, pid: u32, message: &str) -> String {
    serde_json::json!({
        "__REALTIME_TIMESTAMP": t.to_string(),
        "PRIORITY": "6",
        "_TRANSPORT": "stdout",
        "_SYSTEMD_UNIT": unit,
        "SYSLOG_IDENTIFIER": ident,
        "_PID": pid.to_string(),
        "_HOSTNAME": "web1",
        "MESSAGE": message,
    })
    .to_string()
        + "\n"
}

/// Two units, an Elixir crash report split into lines and interleaved with
/// another process, nginx at its own priorities. 2026-11-20 10:00:00 UTC on.
fn mixed_json() -> String {
    let t = 1_795_168_800_000_000u64;
    let mut s = String::new();
    s += &json_line(
        t,
        "billing_prod.service",
        "billing",
        10,
        "10:00:00.000 [info] GET /invoices",
    );
    s += &json_line(
        t + 1_000_000,
        "billing_prod.service",
        "billing",
        10,
        "10:00:01.000 [error] GenServer Billing.Worker terminating",
    );
    s += &json_line(
        t + 1_000_001,
        "billing_stage.service",
        "billing",
        20,
        "10:00:01.000 [info] Sent 200 in 3ms",
    );
    s += &json_line(
        t + 1_000_002,
        "billing_prod.service",
        "billing",
        10,
        "** (RuntimeError) boom",
    );
    s += &json_line(
        t + 1_000_003,
        "billing_prod.service",
        "billing",
        10,
        "    (billing 0.1.0) lib/billing/worker.ex:12: Billing.Worker.handle_info/2",
    );
    s += &serde_json::json!({
        "__REALTIME_TIMESTAMP": (t + 2_000_000).to_string(),
        "PRIORITY": "4", "_TRANSPORT": "syslog", "_SYSTEMD_UNIT": "nginx.service",
        "SYSLOG_IDENTIFIER": "nginx", "_PID": "801", "MESSAGE": "upstream timed out",
    })
    .to_string();
    s += "\n";
    s += &json_line(
        t + 3_000_000,
        "billing_prod.service",
        "billing",
        10,
        "10:00:03.000 [warning] slow payment provider",
    );
    s
}

fn run_on(input: &str, args: &[&str]) -> String {
    stdout_of(
        tool("journal-fmt")
            .args(args)
            .args(["--utc", "--color", "never"])
            .write_stdin(input.to_string()),
    )
}

#[test]
fn the_example_journal_in_colour_and_its_crash_report() {
    let coloured = stdout_of(
        tool("journal-fmt")
            .arg(example())
            .args(["--color", "always"]),
    );
    assert!(coloured.contains("\x1b[1m\x1b[31m"), "errors in red");
    assert!(
        coloured.contains("\x1b[36m/invoices\x1b[0m"),
        "the request path"
    );
    assert!(
        coloured.lines().all(|l| l.ends_with("\x1b[0m")),
        "every line resets"
    );
    let plain = stdout_of(tool("journal-fmt").arg(example()).args(["--utc"]));
    assert!(!plain.contains('\x1b'), "no colour into a pipe");
    assert!(plain.contains("Nov 20 10:00:07.903400 billing[48211]: 10:00:07.903 [error] GenServer Billing.PaymentWorker terminating"), "{plain}");
    // The ANSI-coloured warning arrives as bytes; its escapes do not reach the output.
    assert!(plain.contains("[warning] Payment provider answered slowly"));

    let errors = stdout_of(
        tool("journal-fmt")
            .arg(example())
            .args(["-p", "err", "-o", "cat"]),
    );
    let lines: Vec<&str> = errors.lines().collect();
    assert_eq!(lines.len(), 6, "{errors}");
    assert!(lines[0].ends_with("[error] GenServer Billing.PaymentWorker terminating"));
    assert!(lines[1].starts_with("** (ArithmeticError)"));
    assert!(lines[5].starts_with("Last message"));
}

#[test]
fn colour_follows_the_flag_then_the_environment() {
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = tool("journal-fmt");
        cmd.arg(example())
            .args(args)
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE");
        for (k, v) in env {
            cmd.env(k, v);
        }
        stdout_of(&mut cmd).contains('\x1b')
    };
    assert!(!run(&[], &[]));
    assert!(run(&[], &[("CLICOLOR_FORCE", "1")]));
    assert!(!run(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]));
    assert!(run(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(!run(&["--color", "never"], &[("CLICOLOR_FORCE", "1")]));
    // Pass-through output is never coloured.
    assert!(!run(&["--color", "always", "-o", "json"], &[]));
}

#[test]
fn filters() {
    let input = mixed_json();
    let cat = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["-o", "cat"];
        all.extend_from_slice(args);
        run_on(&input, &all).lines().map(String::from).collect()
    };
    // -p err: the header and its continuation lines, not the other process's line.
    assert_eq!(
        cat(&["-p", "err"]),
        [
            "10:00:01.000 [error] GenServer Billing.Worker terminating",
            "** (RuntimeError) boom",
            "    (billing 0.1.0) lib/billing/worker.ex:12: Billing.Worker.handle_info/2"
        ]
    );
    assert_eq!(cat(&["-p", "warning"]).len(), 5);
    assert_eq!(
        cat(&["-p", "warning..warning"]),
        [
            "upstream timed out",
            "10:00:03.000 [warning] slow payment provider"
        ]
    );
    assert_eq!(cat(&["-p", "4"]).len(), 5);
    // -u adds .service; -t; --field (values of one field widen, fields narrow).
    assert_eq!(
        cat(&["-u", "billing_stage"]),
        ["10:00:01.000 [info] Sent 200 in 3ms"]
    );
    assert_eq!(cat(&["-u", "billing_*"]).len(), 6);
    assert_eq!(cat(&["-t", "nginx"]), ["upstream timed out"]);
    assert_eq!(cat(&["--field", "_PID=20", "--field", "_PID=801"]).len(), 2);
    assert_eq!(
        cat(&["--field", "_PID=20", "--field", "SYSLOG_IDENTIFIER=nginx"]).len(),
        0
    );
    // -g: smart case; a continuation line goes with its header.
    assert_eq!(cat(&["-g", "genserver"]).len(), 3);
    assert_eq!(cat(&["-g", "Genserver"]).len(), 0);
    // ... and with -g a continuation that matches on its own is shown too.
    assert_eq!(cat(&["-g", "RuntimeError"]), ["** (RuntimeError) boom"]);
    // --since/--until: absolute (UTC here), relative to now, and the header decides.
    assert_eq!(
        cat(&[
            "--since",
            "2026-11-20 10:00:01",
            "--until",
            "2026-11-20 10:00:01.5"
        ])
        .len(),
        4
    );
    // The stage line at 10:00:01.000001 is past --until; the report's lines go with
    // their header at 10:00:01.000000.
    assert_eq!(
        cat(&[
            "--since",
            "2026-11-20 10:00:01",
            "--until",
            "2026-11-20 10:00:01"
        ])
        .len(),
        3
    );
    assert_eq!(cat(&["--since", "2026-11-20 10:00:02"]).len(), 2);
    assert_eq!(cat(&["--until", "2026-11-20 09:00"]).len(), 0);
    assert_eq!(
        cat(&["--since", "-1h"]).len(),
        0,
        "all of it is in the past"
    );
    assert_eq!(
        cat(&["--until", "yesterday"]).len(),
        7,
        "all of it is before yesterday"
    );
}

#[test]
fn usage_errors_name_the_fix() {
    for (args, says) in [
        (&["-p", "loud"][..], "is not a priority"),
        (&["-g", "("][..], "is not a valid regex"),
        (&["--since", "soonish"][..], "cannot read the time"),
        (&["--field", "NOEQUALS"][..], "FIELD=VALUE"),
        (&["-o", "xml"][..], "invalid value"),
        (
            &["/nonexistent/journal.json"][..],
            "cannot read /nonexistent/journal.json",
        ),
    ] {
        tool("journal-fmt")
            .args(args)
            .write_stdin("")
            .assert()
            .code(2)
            .stderr(contains("journal-fmt: error:").and(contains(says)));
    }
    tool("journal-fmt")
        .args(["-u", "billing_prod", "--input", "cat"])
        .write_stdin("x\n")
        .assert()
        .code(2)
        .stderr(contains("-u needs json or export input"));
}

#[test]
fn json_and_export_pass_entries_through() {
    let input = mixed_json();
    let json = run_on(&input, &["-p", "err", "-o", "json"]);
    // Unchanged: the very lines that came in.
    for line in json.lines() {
        assert!(input.lines().any(|l| l == line), "{line}");
    }
    assert_eq!(json.lines().count(), 3);
    // ... and they chain: into journal-fmt again, and into jq.
    assert_eq!(
        run_on(&json, &["-p", "err", "-o", "cat"]).lines().count(),
        3
    );
    if let Some(jq) = require_peer("jq") {
        let out = assert_cmd::Command::new(jq)
            .args(["-r", ".MESSAGE"])
            .write_stdin(json.clone())
            .output()
            .unwrap();
        assert_ok(&out, "out");
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("10:00:01.000 [error] GenServer"));
    }
    // Export out, then back in: the same entries as JSON.
    let export = tool("journal-fmt")
        .args(["-p", "err", "-o", "export"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_ok(&export, "export");
    let again = stdout_of(
        tool("journal-fmt")
            .args(["-o", "json"])
            .write_stdin(export.stdout),
    );
    let parse = |text: &str| -> Vec<serde_json::Value> {
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    assert_eq!(parse(&again), parse(&json));
    // json-seq in: RS before each entry; out comes plain json lines.
    let seq: String = input.lines().map(|l| format!("\x1e{l}\n")).collect();
    assert_eq!(run_on(&seq, &["-p", "err", "-o", "json"]), json);
}

#[test]
fn text_inputs_give_the_same_levels() {
    let input = mixed_json();
    let iso = run_on(&input, &["-o", "short-iso"]);
    assert!(
        iso.starts_with(
            "2026-11-20T10:00:00.000000+00:00 billing[10]: 10:00:00.000 [info] GET /invoices\n"
        ),
        "{iso}"
    );
    // Read back: detected, same -p err answer (the stream is identifier+pid here).
    assert_eq!(
        run_on(&iso, &["-p", "err", "-o", "cat"]),
        run_on(&input, &["-p", "err", "-o", "cat"])
    );
    let short = run_on(&input, &[]);
    assert_eq!(
        run_on(&short, &["-p", "err", "-o", "cat"]).lines().count(),
        3
    );
    // Plain Elixir console lines (`cat`, or a release run by hand).
    let console = "10:00:07.903 [error] GenServer Billing.PaymentWorker terminating\n\
                   ** (ArithmeticError) bad argument in arithmetic expression\n\
                   \x20   (billing 0.1.0) lib/billing/payment_worker.ex:42: Billing.PaymentWorker.handle_call/3\n\
                   10:00:07.905 [info] Sent 500 in 25ms\n";
    assert_eq!(run_on(console, &["-p", "err"]).lines().count(), 3);
    assert_eq!(
        run_on(console, &["-p", "info..info"]),
        "10:00:07.905 [info] Sent 500 in 25ms\n"
    );
    // short-iso to JSON: the fields the line carries, and its time.
    let json = run_on(&iso, &["-o", "json", "-t", "nginx"]);
    let doc: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(doc["__REALTIME_TIMESTAMP"], "1795168802000000");
    assert_eq!(doc["SYSLOG_IDENTIFIER"], "nginx");
    assert_eq!(doc["_PID"], "801");
    assert_eq!(doc["MESSAGE"], "upstream timed out");
}

#[test]
fn bad_input_is_shown_reported_and_counted() {
    let mut input = mixed_json().into_bytes();
    input.extend_from_slice(b"{\"MESSAGE\": \"cut off\n");
    input.extend_from_slice(b"{\"MESSAGE\":\"bad \xff byte\"}\n");
    input.extend_from_slice(b"{\"MESSAGE\":\"a NUL \x00 inside\"}\n");
    input.extend_from_slice(b"not json at all\n");
    input.extend_from_slice(
        json_line(
            1_795_168_900_000_000,
            "billing_prod.service",
            "billing",
            10,
            "10:01:40.000 [error] after the damage",
        )
        .as_bytes(),
    );
    let out = tool("journal-fmt")
        .args(["--color", "never", "-o", "cat"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.contains("[unparsed] {\"MESSAGE\": \"cut off\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[unparsed] {\"MESSAGE\":\"bad \\xff byte\"}\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("[unparsed] {\"MESSAGE\":\"a NUL \\x00 inside\"}\n"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("10:01:40.000 [error] after the damage\n"),
        "the stream goes on"
    );
    // Once per kind, with its line number; then the count.
    assert!(stderr.contains("<stdin>:8: malformed-json"), "{stderr}");
    assert!(stderr.contains("<stdin>:9: invalid-utf8"), "{stderr}");
    assert_eq!(stderr.matches("malformed-json (").count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "4 input lines were not read as journal entries: 3 malformed-json, 1 invalid-utf8"
        ),
        "{stderr}"
    );
    // -o json: bad lines are not entries, so the output stays valid JSON.
    let json = tool("journal-fmt")
        .args(["-o", "json"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    for line in String::from_utf8(json.stdout).unwrap().lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap();
    }
    // --strict: exit 2 at the first bad line, everything before it written.
    let strict = tool("journal-fmt")
        .args(["--strict", "--color", "never", "-o", "cat"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(2));
    let stdout = String::from_utf8(strict.stdout).unwrap();
    assert!(
        stdout.ends_with("10:00:03.000 [warning] slow payment provider\n"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&strict.stderr)
        .contains("journal-fmt: error: <stdin>:8: malformed-json"));

    // A truncated export entry.
    let mut export = b"MESSAGE=whole\n\nMESSAGE\n".to_vec();
    export.extend_from_slice(&100u64.to_le_bytes());
    export.extend_from_slice(b"cut");
    let out = tool("journal-fmt")
        .args(["-o", "cat"])
        .write_stdin(export)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "whole\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("truncated-export"));
}

#[test]
fn a_100_mb_line_streams_in_flat_memory() {
    let Some(time) = require_peer("time") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.json");
    let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
    let t = 1_795_168_800_000_000u64;
    file.write_all(
        json_line(
            t,
            "billing_prod.service",
            "billing",
            10,
            "10:00:00.000 [info] before",
        )
        .as_bytes(),
    )
    .unwrap();
    file.write_all(b"{\"MESSAGE\":\"").unwrap();
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..100 {
        file.write_all(&chunk).unwrap();
    }
    file.write_all(b"\"}\n").unwrap();
    // And 30 MB of ordinary entries after it.
    let line = json_line(
        t,
        "billing_prod.service",
        "billing",
        10,
        "10:00:01.000 [error] after",
    );
    for _ in 0..(30 << 20) / line.len() {
        file.write_all(line.as_bytes()).unwrap();
    }
    drop(file);
    for output in ["cat", "json"] {
        let args = [
            std::ffi::OsStr::new("-o"),
            output.as_ref(),
            "--color".as_ref(),
            "never".as_ref(),
            path.as_os_str(),
        ];
        let (out, rss_kib) = relkit_tests::with_peak_rss(&time, "journal-fmt", &args);
        assert_ok(&out, "out");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(rss_kib < 64 * 1024, "-o {output}: peak RSS {rss_kib} KiB");
        assert!(stderr.contains("big.json:2: line-too-long"), "{stderr}");
        let stdout = &out.stdout;
        if output == "cat" {
            assert!(
                stdout.starts_with(b"10:00:00.000 [info] before\n[unparsed] {\"MESSAGE\":\"xxx")
            );
            let long = stdout.split(|&b| b == b'\n').nth(1).unwrap();
            assert_eq!(
                long.len(),
                "[unparsed] ".len() + 12 + (100 << 20) + 2,
                "passed on whole"
            );
        } else {
            assert!(
                !stdout.windows(4).any(|w| w == b"xxxx"),
                "not an entry, not in JSON"
            );
        }
        assert!(
            stdout.ends_with(b"[error] after\n")
                || stdout.ends_with(b"\"10:00:01.000 [error] after\"}\n")
        );
    }
}

#[test]
fn many_blocks_on_several_threads_keep_their_order() {
    let mut input = String::new();
    for i in 0..40_000u64 {
        let pid = 1 + (i % 5) as u32;
        let message = match i % 6 {
            0 => format!("10:00:00.000 [error] GenServer W{i} terminating"),
            1 => "** (RuntimeError) boom".to_string(),
            2 => format!("    (billing 0.1.0) lib/w.ex:{i}: W.run/0"),
            3 => format!("10:00:00.000 [info] GET /items/{i}"),
            4 => "10:00:00.000 [debug] QUERY OK source=\"items\" db=0.4ms".to_string(),
            _ => format!("SELECT i0.\"id\" FROM \"items\" AS i0 WHERE i0.\"id\" = {i}"),
        };
        input += &json_line(
            1_795_168_800_000_000 + i,
            "billing_prod.service",
            "billing",
            pid,
            &message,
        );
    }
    for args in [&["-p", "err"][..], &["-p", "debug..debug"][..], &[][..]] {
        let one = run_on(&input, &[args, &["--threads", "1"]].concat());
        let two = run_on(&input, &[args, &["--threads", "2"]].concat());
        let five = run_on(&input, &[args, &["--threads", "5"]].concat());
        assert!(!one.is_empty());
        assert!(one == two && one == five, "{args:?}");
    }
    // The same count as the level rule run entry by entry in one pass.
    let mut levels = journal_fmt::entry::level::Levels::default();
    let want = input
        .lines()
        .filter(|l| {
            levels.level_of(&journal_fmt::input::json::parse_line(l.as_bytes()).unwrap()) <= 3
        })
        .count();
    let errors = run_on(&input, &["-p", "err", "-o", "cat"]);
    assert_eq!(errors.lines().count(), want);
    assert!(want > 40_000 / 6);
}

#[test]
fn a_closed_pipe_is_a_quiet_success() {
    let mut input = String::new();
    for i in 0..50_000u64 {
        input += &json_line(
            1_795_168_800_000_000 + i,
            "billing_prod.service",
            "billing",
            1,
            "10:00:00.000 [info] GET /",
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.json");
    std::fs::write(&path, input).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "set -o pipefail; '{}' '{}' | head -n 1",
            relkit_tests::tool_path("journal-fmt").display(),
            path.display()
        ))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn every_escape_form_is_gone_before_matching_and_levels() {
    // An OSC 8 hyperlink around the text and an OSC title ended by BEL: `-g` does not
    // see the URL, and the level after them is still read.
    let linked = "\u{1b}]0;billing\u{7}\u{1b}[31m10:00:01.000 [error]\u{1b}[0m see \u{1b}]8;;https://errors.example/42\u{1b}\\the report\u{1b}]8;;\u{1b}\\";
    let input = json_line(
        1_795_341_601_000_000,
        "billing.service",
        "billing",
        7,
        linked,
    );
    let cat = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["-o", "cat"];
        all.extend_from_slice(args);
        run_on(&input, &all).lines().map(str::to_string).collect()
    };
    assert_eq!(cat(&["-g", "errors.example"]), Vec::<String>::new());
    assert_eq!(cat(&["-g", "see the report"]).len(), 1);
    assert_eq!(cat(&["-p", "err"]).len(), 1);
    let shown = run_on(&input, &[]);
    assert!(shown.contains("see the report"), "{shown}");
    assert!(
        !shown.contains("errors.example") && !shown.contains('\u{1b}'),
        "{shown}"
    );
}

#[test]
fn times_keep_the_precision_the_input_had() {
    let short = "Nov 22 09:00:07 web1 billing[1]: hello\n";
    assert_eq!(run_on(short, &[]), "Nov 22 09:00:07 billing[1]: hello\n");
    let precise = "Nov 22 09:00:07.250000 web1 billing[1]: hello\n";
    assert_eq!(
        run_on(precise, &[]),
        "Nov 22 09:00:07.250000 billing[1]: hello\n"
    );
    let iso = "2026-11-22T09:00:07+00:00 web1 billing[1]: hello\n";
    assert_eq!(
        run_on(iso, &["-o", "short-iso"]),
        "2026-11-22T09:00:07+00:00 billing[1]: hello\n"
    );
    let json = "{\"__REALTIME_TIMESTAMP\":\"1795338007250000\",\"SYSLOG_IDENTIFIER\":\"billing\",\"MESSAGE\":\"hello\"}\n";
    assert_eq!(run_on(json, &[]), "Nov 22 09:00:07.250000 billing: hello\n");
}

#[test]
fn since_and_until_are_read_as_journalctl_reads_them() {
    let json: String = [
        "1795251600000000", // Sat 2026-11-21 09:00:00 UTC
        "1795338000000000", // Sun 2026-11-22 09:00:00 UTC
    ]
    .iter()
    .map(|t| format!("{{\"__REALTIME_TIMESTAMP\":\"{t}\",\"MESSAGE\":\"at {t}\"}}\n"))
    .collect();
    let run = |args: &[&str]| {
        tool("journal-fmt")
            .env("TZ", "UTC")
            .args(["-o", "cat"])
            .args(args)
            .write_stdin(json.clone())
            .output()
            .unwrap()
    };
    let out = run(&["--since", "Sun 2026-11-22 08:00"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "at 1795338000000000\n"
    );
    // A weekday that is not the date's, and ISO's T, are refused as journalctl does.
    for refused in ["Sat 2026-11-22 08:00", "2026-11-22T08:00"] {
        let out = run(&["--since", refused]);
        assert_eq!(out.status.code(), Some(2), "{refused}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--since: cannot read the time"), "{err}");
    }
    let out = run(&["--since", "today", "--until", "yesterday"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is after --until"));
}

#[test]
fn merge_joins_the_crash_report_into_one_entry() {
    let human = stdout_of(
        tool("journal-fmt")
            .arg(example())
            .args(["--merge", "-p", "err", "--utc", "--color", "never"]),
    );
    let lines: Vec<&str> = human.lines().collect();
    assert_eq!(lines.len(), 6, "{human}");
    assert!(lines[0]
        .starts_with("Nov 20 10:00:07.903400 billing[48211]: 10:00:07.903 [error] GenServer"));
    // One block: the later lines under the first, without a time of their own.
    let indent = lines[0].find("10:00:07.903 [error]").unwrap();
    for line in &lines[1..] {
        assert!(line[..indent].trim().is_empty(), "{line}");
    }
    assert!(lines[5].contains("Last message (from #PID<0.2841.0>)"));

    let json = stdout_of(
        tool("journal-fmt")
            .arg(example())
            .args(["--merge", "-p", "err", "-o", "json"]),
    );
    let objects: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 1, "{json}");
    let event = &objects[0];
    let message = event["MESSAGE"].as_str().unwrap();
    assert_eq!(message.lines().count(), 6);
    assert!(message.starts_with(
        "10:00:07.903 [error] GenServer Billing.PaymentWorker terminating\n** (ArithmeticError)"
    ));
    assert_eq!(event["journal_fmt_level"], "3");
    assert_eq!(event["journal_fmt_entries"], "6");
    assert_eq!(event["journal_fmt_first_timestamp"], "1795168807903400");
    assert_eq!(event["journal_fmt_last_timestamp"], "1795168807904150");
    // The head's own fields.
    assert_eq!(event["_PID"], "48211");
    assert_eq!(event["PRIORITY"], "6");

    // Export stays entry for entry.
    let plain = tool("journal-fmt")
        .arg(example())
        .args(["-p", "err", "-o", "export"])
        .output()
        .unwrap();
    let merged = tool("journal-fmt")
        .arg(example())
        .args(["--merge", "-p", "err", "-o", "export"])
        .output()
        .unwrap();
    assert_eq!(plain.stdout, merged.stdout);
    assert_eq!(
        String::from_utf8_lossy(&plain.stdout)
            .matches("\n\n")
            .count(),
        6
    );
}

#[test]
fn logger_metadata_becomes_fields() {
    let json = stdout_of(tool("journal-fmt").arg(example()).args(["-o", "json"]));
    let with_id: Vec<serde_json::Value> = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|v| v.get("request_id").is_some())
        .collect();
    assert_eq!(with_id.len(), 7, "{json}");
    assert!(with_id.iter().all(|v| v["MESSAGE"]
        .as_str()
        .unwrap()
        .contains(v["request_id"].as_str().unwrap())));
    let one = stdout_of(tool("journal-fmt").arg(example()).args([
        "--field",
        "request_id=FxK2rT0bQ4Bb2c",
        "-o",
        "cat",
    ]));
    assert_eq!(
        one,
        "10:00:07.880 request_id=FxK2rT0bQ4Bb2c [info] POST /invoices/4711/pay\n\
         10:00:07.905 request_id=FxK2rT0bQ4Bb2c [info] Sent 500 in 25ms\n"
    );
    // Metadata after the level is message text, not a field.
    let input = "{\"MESSAGE\":\"10:00:00.000 [info] user_id=7 logged in\",\"_PID\":\"1\"}\n";
    let out = run_on(input, &["-o", "json"]);
    assert!(!out.contains("\"user_id\""), "{out}");
    let input = "{\"MESSAGE\":\"10:00:00.000 user_id=7 [info] logged in\",\"_PID\":\"1\"}\n";
    let out = run_on(input, &["-o", "json"]);
    assert!(out.contains(",\"user_id\":\"7\"}"), "{out}");
}
