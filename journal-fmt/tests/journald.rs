//! The input readers against a real journal: export data with binary, multi-line,
//! repeated, invalid-UTF-8 and over-4096-byte fields is written to a journal file by
//! systemd-journal-remote, read back with `journalctl --file F -o export|json|json-seq`,
//! and every format must give the same entries with the same field bytes (json's
//! `null` standing exactly where journalctl's 4096-byte rule says).

use journal_fmt::entry::Entry;
use journal_fmt::input::export::ExportReader;
use journal_fmt::input::json::parse_line;
use relkit_tests::require_peer;

mod common;
use common::write_journal;
use std::path::Path;
use std::process::{Command, Stdio};

const BOOT: &str = "6a1e0c3f2b8d4e5fa7c9d0e1f2a3b4c5";

fn entries_written() -> Vec<Entry<'static>> {
    let messages: Vec<Vec<u8>> = vec![
        b"10:00:07.903 [error] GenServer Billing.PaymentWorker terminating".to_vec(),
        b"** (ArithmeticError) bad argument in arithmetic expression".to_vec(),
        b"    (billing 0.1.0) lib/billing/payment_worker.ex:42: Billing.PaymentWorker.handle_call/3".to_vec(),
        b"\x1b[33m10:00:09.001 [warning] Payment provider answered slowly\x1b[0m".to_vec(),
        b"first line\nsecond line\n\tthird, indented".to_vec(),
        b"invalid \xff\xfe UTF-8 and a NUL \x00 byte".to_vec(),
        format!("10:00:10.000 [info] Parameters: %{{\"blob\" => \"{}\"}}", "x".repeat(5000)).into_bytes(),
        // MESSAGE= plus 4087 bytes is 4095: a string; one byte more is null.
        vec![b'y'; 4096 - "MESSAGE=".len() - 1],
        vec![b'z'; 4096 - "MESSAGE=".len()],
    ];
    messages
        .into_iter()
        .enumerate()
        .map(|(i, message)| {
            let mut entry = Entry::default();
            let t = 1_795_168_800_000_000u64 + i as u64 * 1000;
            entry.push(
                "__CURSOR",
                Some(
                    format!("s=1;i={};b={BOOT};m={};t={t:x};x={}", i + 1, i + 1, i + 1)
                        .into_bytes(),
                ),
            );
            entry.push("__REALTIME_TIMESTAMP", Some(t.to_string().into_bytes()));
            entry.push(
                "__MONOTONIC_TIMESTAMP",
                Some((86_400_000_000u64 + i as u64).to_string().into_bytes()),
            );
            entry.push("_BOOT_ID", Some(BOOT.as_bytes().to_vec()));
            entry.push("_TRANSPORT", Some(b"stdout".to_vec()));
            entry.push("PRIORITY", Some(b"6".to_vec()));
            entry.push("SYSLOG_IDENTIFIER", Some(b"billing".to_vec()));
            entry.push("_PID", Some(b"48211".to_vec()));
            entry.push("_SYSTEMD_UNIT", Some(b"billing_prod.service".to_vec()));
            entry.push("TAG", Some(b"first".to_vec()));
            entry.push("TAG", Some(b"second".to_vec()));
            entry.push("MESSAGE", Some(message));
            entry
        })
        .collect()
}

/// The entry's own fields (journalctl adds address fields and may reorder), sorted.
fn user_fields(entry: &Entry) -> Vec<(String, Option<Vec<u8>>)> {
    let mut fields: Vec<_> = entry
        .fields
        .iter()
        .filter(|f| !f.name.starts_with("__") && f.name != "_BOOT_ID")
        .map(|f| (f.name.to_string(), f.value.as_ref().map(|v| v.to_vec())))
        .collect();
    fields.sort();
    fields
}

/// The test entries written to a journal file, and journalctl to read it back.
struct BillingJournal {
    _dir: tempfile::TempDir,
    file: std::path::PathBuf,
    journalctl: std::path::PathBuf,
}

impl BillingJournal {
    /// `None` (a loud SKIPPED) without systemd-journal-remote or journalctl.
    fn write() -> Option<BillingJournal> {
        let remote = require_peer("systemd-journal-remote")?;
        let journalctl = require_peer("journalctl")?;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("billing.journal");
        write_journal(&remote, &entries_written(), &file);
        Some(BillingJournal {
            _dir: dir,
            file,
            journalctl,
        })
    }

    fn read(&self, mode: &str) -> Vec<u8> {
        common::journalctl(&self.journalctl, &self.file, mode)
    }
}

fn export_entries(bytes: &[u8]) -> Vec<Entry<'static>> {
    let mut reader = ExportReader::new(bytes, 1 << 20);
    std::iter::from_fn(|| reader.next_entry())
        .map(|e| e.unwrap())
        .collect()
}

fn json_entries(bytes: &[u8]) -> Vec<Entry<'_>> {
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| parse_line(l).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

#[test]
fn every_format_gives_the_same_entries() {
    let Some(journal) = BillingJournal::write() else {
        return;
    };
    let written = entries_written();
    let from_export = export_entries(&journal.read("export"));
    assert_eq!(from_export.len(), written.len());
    for (ours, theirs) in written.iter().zip(&from_export) {
        assert_eq!(user_fields(ours), user_fields(theirs));
    }

    for mode in ["json", "json-seq"] {
        let bytes = journal.read(mode);
        let from_json = json_entries(&bytes);
        assert_eq!(from_json.len(), written.len(), "-o {mode}");
        for (exported, json) in from_export.iter().zip(&from_json) {
            // journalctl's rule: NAME=value of 4096 bytes or more becomes null.
            let expected: Vec<_> = user_fields(exported)
                .into_iter()
                .map(|(name, value)| {
                    let too_big = value
                        .as_ref()
                        .is_some_and(|v| name.len() + 1 + v.len() >= 4096);
                    (name, if too_big { None } else { value })
                })
                .collect();
            assert_eq!(user_fields(json), expected, "-o {mode}");
        }
        // The 5000-byte message is null; at the boundary, 4095 stays and 4096 goes.
        assert_eq!(from_json[6].get("MESSAGE"), Some(None));
        assert_eq!(
            from_json[7].get("MESSAGE").unwrap().map(<[u8]>::len),
            Some(4087)
        );
        assert_eq!(from_json[8].get("MESSAGE"), Some(None));
        assert_eq!(
            from_json[3].get("MESSAGE"),
            written[3].get("MESSAGE"),
            "ANSI bytes decoded"
        );
    }
}

/// journal-fmt on `input`, in UTC, without colour.
fn through_journal_fmt(input: &[u8], args: &[&str]) -> Vec<u8> {
    let mut all = args.to_vec();
    all.extend(["--utc", "--color", "never"]);
    common::journal_fmt(&all, input)
}

#[test]
fn the_command_reads_every_format_alike() {
    let Some(journal) = BillingJournal::write() else {
        return;
    };
    let written = entries_written();
    let export = journal.read("export");
    let exported = export_entries(&export);
    // json, json-seq and export in, json out: the same entries, the same bytes (json
    // keeps its nulls; export, the lossless one, has every value).
    for mode in ["json", "json-seq", "export"] {
        let input = journal.read(mode);
        let out = through_journal_fmt(&input, &["-o", "json"]);
        let found = json_entries(&out);
        assert_eq!(found.len(), written.len(), "-o {mode}");
        let want = match mode {
            "export" => exported.clone(),
            _ => json_entries(&input),
        };
        for (a, b) in found.iter().zip(&want) {
            assert_eq!(user_fields(a), user_fields(b), "-o {mode}");
        }
    }
    // json-pretty, and json inside an array (compact and pretty), in: json out has
    // the entries of journalctl's own -o json, every field's bytes (journalctl
    // orders fields differently from one run to the next).
    let json = journal.read("json");
    let pretty = journal.read("json-pretty");
    let lines: Vec<&[u8]> = json
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let array = [&b"["[..], &lines.join(&b","[..]), b"]\n"].concat();
    let pretty_entries: Vec<&str> = std::str::from_utf8(&pretty)
        .unwrap()
        .split_inclusive("\n}\n")
        .collect();
    let pretty_array = format!("[\n{}]\n", pretty_entries.join(",\n")).into_bytes();
    for (name, input) in [
        ("json-pretty", &pretty),
        ("an array", &array),
        ("a pretty array", &pretty_array),
    ] {
        let out = through_journal_fmt(input, &["-o", "json"]);
        let (found, want) = (json_entries(&out), json_entries(&json));
        assert_eq!(found.len(), want.len(), "{name}");
        for (a, b) in found.iter().zip(&want) {
            let all = |e: &Entry| {
                let mut f: Vec<_> = e
                    .fields
                    .iter()
                    .map(|f| (f.name.to_string(), f.value.as_ref().map(|v| v.to_vec())))
                    .collect();
                f.sort();
                f
            };
            assert!(all(a) == all(b), "{name}: {:?}", a.text("__CURSOR"));
        }
        let errors = through_journal_fmt(input, &["-p", "err", "-o", "cat"]);
        let from_json = through_journal_fmt(&json, &["-p", "err", "-o", "cat"]);
        assert_eq!(errors, from_json, "{name}");
    }
    // export in, export out: lossless.
    let again = through_journal_fmt(&export, &["-o", "export"]);
    let back = export_entries(&again);
    assert_eq!(back.len(), exported.len());
    for (a, b) in back.iter().zip(&exported) {
        assert_eq!(user_fields(a), user_fields(b));
    }
    // The same levels and filtering whichever form came in, text forms included.
    let mut answers = Vec::new();
    for mode in ["json", "json-seq", "export", "short-iso", "cat"] {
        let input = journal.read(mode);
        let errors = through_journal_fmt(&input, &["-p", "err", "-o", "cat"]);
        let warnings = through_journal_fmt(&input, &["-p", "warning..warning", "-o", "cat"]);
        let grep = through_journal_fmt(&input, &["-g", "arithmetic", "-o", "cat"]);
        answers.push((mode, errors, warnings, grep));
    }
    let (_, errors, warnings, grep) = &answers[0];
    assert_eq!(
        String::from_utf8_lossy(errors),
        "10:00:07.903 [error] GenServer Billing.PaymentWorker terminating\n\
         ** (ArithmeticError) bad argument in arithmetic expression\n\
         \x20   (billing 0.1.0) lib/billing/payment_worker.ex:42: Billing.PaymentWorker.handle_call/3\n"
    );
    assert_eq!(
        String::from_utf8_lossy(warnings),
        "10:00:09.001 [warning] Payment provider answered slowly\n",
        "the ANSI-coloured line, decoded and stripped"
    );
    assert_eq!(
        String::from_utf8_lossy(grep),
        "** (ArithmeticError) bad argument in arithmetic expression\n"
    );
    for (mode, e, w, g) in &answers[1..] {
        assert_eq!(e, errors, "-p err from -o {mode}");
        assert_eq!(w, warnings, "-p warning from -o {mode}");
        assert_eq!(g, grep, "-g from -o {mode}");
    }
    // short-iso carries the time, identifier and pid.
    let iso = journal.read("short-iso");
    let out = through_journal_fmt(&iso, &["-o", "json", "-p", "err"]);
    let first = parse_line(out.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(
        first.text("__REALTIME_TIMESTAMP"),
        Some(&b"1795168800000000"[..])
    );
    assert_eq!(first.text("SYSLOG_IDENTIFIER"), Some(&b"billing"[..]));
    assert_eq!(first.text("_PID"), Some(&b"48211"[..]));
}

/// `--follow` on a directory reads its files itself (no journalctl runs) and
/// formats entries as they arrive; SIGINT ends it with exit 0.
#[test]
fn follow_formats_live_and_stops_cleanly() {
    let Some(remote) = require_peer("systemd-journal-remote") else {
        return;
    };
    if require_peer("journalctl").is_none() {
        return;
    }
    // -f shows the last boot only, as journalctl -f does.
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .unwrap()
        .trim()
        .replace('-', "");
    let entry = |i: u64, message: &str| {
        let mut e = Entry::default();
        e.push(
            "__REALTIME_TIMESTAMP",
            Some((1_795_168_800_000_000 + i).to_string().into_bytes()),
        );
        e.push(
            "__MONOTONIC_TIMESTAMP",
            Some((1000 + i).to_string().into_bytes()),
        );
        e.push("_BOOT_ID", Some(boot.clone().into_bytes()));
        e.push("_TRANSPORT", Some(b"stdout".to_vec()));
        e.push("PRIORITY", Some(b"6".to_vec()));
        e.push("SYSLOG_IDENTIFIER", Some(b"billing".to_vec()));
        e.push("_PID", Some(b"48211".to_vec()));
        e.push("_SYSTEMD_UNIT", Some(b"billing_prod.service".to_vec()));
        e.push("MESSAGE", Some(message.as_bytes().to_vec()));
        e
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("live.journal");
    write_journal(
        &remote,
        &[
            entry(0, "10:00:00.000 [info] GET /health"),
            entry(1, "10:00:00.100 [error] before following"),
        ],
        &file,
    );
    let mut child = Command::new(relkit_tests::tool_path("journal-fmt"))
        .args(["-f", "-u", "billing_prod", "-p", "err", "-o", "cat", "-D"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let wait_for = |want: &str| {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no {want:?} within 20 s"));
        assert_eq!(line, want);
    };
    wait_for("10:00:00.100 [error] before following");
    // Appended while it follows: written out at once, though stdout is a pipe.
    write_journal(
        &remote,
        &[
            entry(
                2,
                "10:00:02.000 [error] GenServer Billing.Worker terminating",
            ),
            entry(3, "** (RuntimeError) live"),
            entry(4, "10:00:03.000 [info] not an error"),
        ],
        &file,
    );
    wait_for("10:00:02.000 [error] GenServer Billing.Worker terminating");
    wait_for("** (RuntimeError) live");
    let journalctl_pids = || -> Vec<String> {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| {
                let e = e.ok()?;
                let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
                let text = String::from_utf8_lossy(&cmdline).into_owned();
                let ours =
                    text.contains("journalctl") && text.contains(&*dir.path().to_string_lossy());
                ours.then(|| e.file_name().to_string_lossy().into_owned())
            })
            .collect()
    };
    assert!(
        journalctl_pids().is_empty(),
        "the files are followed without journalctl"
    );
    Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert!(stderr.is_empty(), "{stderr}");
}

#[test]
fn follow_without_journal_files_runs_journalctl_and_says_so() {
    // Only where this machine's journal holds no file journal-fmt can read is
    // journalctl run; elsewhere -f reads the files and journalctl is not needed.
    let machine = std::fs::read_to_string("/etc/machine-id").unwrap_or_default();
    let has_files = ["/var/log/journal", "/run/log/journal"].iter().any(|root| {
        std::fs::read_dir(Path::new(root).join(machine.trim()))
            .map(|mut d| {
                d.any(|e| e.is_ok_and(|e| e.file_name().to_string_lossy().contains(".journal")))
            })
            .unwrap_or(false)
    });
    let dir = tempfile::tempdir().unwrap();
    if has_files {
        let mut child = Command::new(relkit_tests::tool_path("journal-fmt"))
            .args(["-f", "-u", "billing_prod"])
            .env("PATH", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(500));
        Command::new("/bin/kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert_eq!(child.wait().unwrap().code(), Some(0));
        return;
    }
    let out = relkit_tests::tool("journal-fmt")
        .args(["-f", "-u", "billing_prod"])
        .env("PATH", dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("following through `journalctl -o json -f`"),
        "{stderr}"
    );
    assert!(stderr.contains("journalctl is not on PATH"), "{stderr}");
}
