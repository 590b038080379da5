//! The input readers against a real journal: export data with binary, multi-line,
//! repeated, invalid-UTF-8 and over-4096-byte fields is written to a journal file by
//! systemd-journal-remote, read back with `journalctl --file F -o export|json|json-seq`,
//! and every format must give the same entries with the same field bytes (json's
//! `null` standing exactly where journalctl's 4096-byte rule says).

use journal_fmt::entry::Entry;
use journal_fmt::export::{write_entry, ExportReader};
use journal_fmt::json::parse_line;
use relkit_tests::require_peer;
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

fn journalctl(journalctl: &std::path::Path, file: &std::path::Path, mode: &str) -> Vec<u8> {
    let out = Command::new(journalctl)
        .arg("--file")
        .arg(file)
        .args(["-o", mode])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "journalctl -o {mode}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn every_format_gives_the_same_entries() {
    let Some(remote) = require_peer("systemd-journal-remote") else {
        return;
    };
    let Some(journalctl_bin) = require_peer("journalctl") else {
        return;
    };
    let written = entries_written();
    let mut export = Vec::new();
    for entry in &written {
        write_entry(&mut export, entry).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("billing.journal");
    let mut child = Command::new(&remote)
        .arg("-o")
        .arg(&file)
        .arg("-")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &export).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let from_export: Vec<Entry> = {
        let bytes = journalctl(&journalctl_bin, &file, "export");
        let mut reader = ExportReader::new(&bytes[..], 1 << 20);
        std::iter::from_fn(|| reader.next_entry())
            .map(|e| e.unwrap())
            .collect()
    };
    assert_eq!(from_export.len(), written.len());
    for (ours, theirs) in written.iter().zip(&from_export) {
        assert_eq!(user_fields(ours), user_fields(theirs));
    }

    for mode in ["json", "json-seq"] {
        let bytes = journalctl(&journalctl_bin, &file, mode);
        let from_json: Vec<Entry> = bytes
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| parse_line(l).unwrap_or_else(|e| panic!("-o {mode}: {e}")))
            .collect();
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
