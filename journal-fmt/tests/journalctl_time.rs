//! `--since` and `--until` against journalctl itself: a journal written by
//! systemd-journal-remote with entries every five minutes around now, around every
//! change of offset of 2026 in three zones, and on both sides of each instant
//! journal-fmt reads; then, in each zone, each expression of the table through
//! `journalctl --file F --since X` (and `--until X`, and some pairs) and through
//! journal-fmt on the same journal's json: the same entries, or both refuse.
//!
//! An entry's `_SOURCE_REALTIME_TIMESTAMP` is 0.4 s before its receive time, so a
//! tool comparing the wrong one selects different entries at a boundary.

use journal_fmt::entry::Entry;
use journal_fmt::time::timespec::TimeReader;
use relkit_tests::{assert_ok, require_peer};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

const ZONES: [&str; 3] = ["Europe/Berlin", "America/New_York", "Australia/Sydney"];

/// Expressions whose instant moves with the clock: no extra entries around them, so
/// the second between the two tools' readings of "now" cannot matter (the grid keeps
/// 150 s from them).
const MOVING: [&str; 9] = [
    "now",
    "-1h",
    "+30min",
    "2h 30min ago",
    "-1d 2h",
    "90s ago",
    "1h left",
    "1.5h ago",
    "-0",
];

fn table() -> Vec<&'static str> {
    let mut table = vec![
        // Absolute dates and times.
        "2026-11-22 10:00:00",
        "2026-11-22 10:00",
        "2026-11-22",
        "26-11-22 10:00:00",
        "26-11-22",
        "2026-11-22 10:00:07.5",
        "2026-11-22 10:00:07.9999995",
        "  2026-11-22",
        "2026-1-5 3:04",
        "Nov 22 10:00:00",
        "November 22 10:00:00.25",
        // Weekdays: right, wrong, any case, full, with a time alone.
        "Sun 2026-11-22 10:00",
        "Sunday 2026-11-22",
        "sun 2026-11-22 10:00",
        "Sat 2026-11-22 10:00",
        "Sat 2026-10-24 22:00",
        "Mon 10:00",
        // Time only.
        "10:00",
        "10:00:00",
        "23:59:59.5",
        // Words.
        "today",
        "yesterday",
        "tomorrow",
        "today UTC",
        "today Australia/Sydney",
        // @epoch.
        "@1795338007",
        "@1795338007.5",
        "@1795338007 ",
        // UTC and zones.
        "2026-11-22 10:00 UTC",
        "2026-11-22 10:00 utc",
        "2026-07-01 12:00 Europe/Berlin",
        "2026-07-01 12:00 America/New_York",
        "2026-11-22 10:00 +0100",
        // Impossible and out-of-range dates.
        "2026-02-29",
        "2026-02-30 12:00",
        "2026-04-31",
        "2026-13-01",
        "2026-00-10",
        "2026-11-22 24:00",
        "2026-11-22 10:60",
        "2026-11-22 10:00:60",
        "1969-12-31",
        "9999-12-31",
        // Not journalctl's.
        "2026-11-22T10:00",
        "2026-11-22 ",
        "",
        "soon",
        "-5mins",
        "now Europe/Berlin",
        // Gaps and folds: Berlin, New York, Sydney.
        "2026-03-29 02:30",
        "2026-10-25 02:30",
        "2026-10-25 02:30 CET",
        "2026-10-25 02:30 CEST",
        "2026-03-08 02:30",
        "2026-11-01 01:30",
        "2026-11-01 01:30 EST",
        "2026-11-01 01:30 EDT",
        "2026-10-04 02:30",
        "2026-04-05 02:30",
        "2026-04-05 02:30 AEST",
        "2026-04-05 02:30 AEDT",
    ];
    table.extend(MOVING);
    table
}

/// `--since A --until B` pairs: a fold read twice (the second reading starts from
/// the offset the first found, as glibc's mktime does), and an empty range.
const PAIRS: [(&str, &str); 5] = [
    ("2026-10-25 02:00", "2026-10-25 02:59"),
    ("2026-11-01 01:00", "2026-11-01 01:59"),
    ("2026-04-05 02:00", "2026-04-05 02:59"),
    ("today", "yesterday"),
    ("-2h", "-1h"),
];

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Receive times, in microseconds, of the entries to write.
fn instants(now: i64) -> BTreeSet<i64> {
    let mut at = BTreeSet::new();
    for k in -900..=600 {
        at.insert((now + 150 + 300 * k) * 1_000_000);
    }
    let start = jiff::Timestamp::from_second(1_767_225_600).unwrap(); // 2026-01-01
    let end = jiff::Timestamp::from_second(1_798_761_600).unwrap(); // 2027-01-01
    for name in ZONES {
        let zone = jiff::tz::TimeZone::get(name).unwrap();
        for transition in zone.following(start).take_while(|t| t.timestamp() < end) {
            let t = transition.timestamp().as_second();
            for k in -90..=90 {
                at.insert((t + 120 * k) * 1_000_000);
            }
        }
    }
    let table = table();
    for name in ZONES {
        let zone = jiff::tz::TimeZone::get(name).unwrap();
        for expression in table.iter().filter(|e| !MOVING.contains(e)) {
            let mut reader = TimeReader::new(zone.clone(), now as u64 * 1_000_000);
            let Ok(v) = reader.read(expression) else {
                continue;
            };
            let Ok(v) = i64::try_from(v) else { continue };
            for delta in [
                -3_600_000_000,
                -1_800_000_000,
                -1_000_000,
                -1,
                0,
                1,
                1_000_000,
                1_800_000_000,
                3_600_000_000,
            ] {
                if (1..4_102_444_800_000_000).contains(&(v + delta)) {
                    at.insert(v + delta);
                }
            }
        }
    }
    at
}

fn write_instants(remote: &Path, instants: &BTreeSet<i64>, file: &Path) {
    const BOOT: &str = "5f0c2a9e7b1d4c3e8a6f2b0d9c8e7a61";
    let mut entries = Vec::new();
    for (i, t) in instants.iter().enumerate() {
        let mut entry = Entry::default();
        entry.push(
            "__CURSOR",
            Some(format!("s=1;i={};b={BOOT};m={i};t={t:x};x=1", i + 1).into_bytes()),
        );
        entry.push("__REALTIME_TIMESTAMP", Some(t.to_string().into_bytes()));
        entry.push(
            "__MONOTONIC_TIMESTAMP",
            Some((1_000_000 + i as u64).to_string().into_bytes()),
        );
        entry.push("_BOOT_ID", Some(BOOT.as_bytes().to_vec()));
        entry.push(
            "_SOURCE_REALTIME_TIMESTAMP",
            Some((t - 400_000).to_string().into_bytes()),
        );
        entry.push("PRIORITY", Some(b"6".to_vec()));
        entry.push("SYSLOG_IDENTIFIER", Some(b"billing".to_vec()));
        entry.push("MESSAGE", Some(t.to_string().into_bytes()));
        entries.push(entry);
    }
    common::write_journal(remote, &entries, file);
}

/// Success and the messages shown, or failure.
fn run(command: &mut Command) -> Option<String> {
    let out = command.output().unwrap();
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

#[test]
fn since_and_until_select_what_journalctl_selects() {
    let Some(remote) = require_peer("systemd-journal-remote") else {
        return;
    };
    let Some(journalctl) = require_peer("journalctl") else {
        return;
    };
    // The zones' rules come from the system's database, as journalctl's do.
    for zone in ZONES {
        let path = Path::new("/usr/share/zoneinfo").join(zone);
        assert!(
            path.exists(),
            "{} is missing: install tzdata (see .ci/run)",
            path.display()
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file: PathBuf = dir.path().join("time.journal");
    let now = now_seconds();
    let instants = instants(now);
    write_instants(&remote, &instants, &file);
    let json = dir.path().join("time.json");
    let out = Command::new(&journalctl)
        .arg("--file")
        .arg(&file)
        .args(["-o", "json", "--all"])
        .output()
        .unwrap();
    assert_ok(&out, "out");
    std::fs::write(&json, &out.stdout).unwrap();
    assert_eq!(
        out.stdout
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count(),
        instants.len()
    );

    let journal_fmt = assert_cmd::cargo::cargo_bin("journal-fmt");
    let mut cases: Vec<Vec<(&str, &str)>> = Vec::new();
    for expression in table() {
        cases.push(vec![("--since", expression)]);
        cases.push(vec![("--until", expression)]);
    }
    for (since, until) in PAIRS {
        cases.push(vec![("--since", since), ("--until", until)]);
    }
    let runs: Vec<(&str, &Vec<(&str, &str)>)> = ZONES
        .iter()
        .flat_map(|zone| cases.iter().map(move |case| (*zone, case)))
        .collect();
    // Two threads: each case is two processes reading a few thousand entries.
    let outcomes: Vec<(Option<String>, Option<String>, String)> = std::thread::scope(|scope| {
        let handles: Vec<_> = runs
            .chunks(runs.len().div_ceil(2))
            .map(|chunk| {
                let (journalctl, journal_fmt, file, json) =
                    (&journalctl, &journal_fmt, &file, &json);
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|(zone, case)| {
                            let mut theirs = Command::new(journalctl);
                            theirs
                                .env("TZ", format!(":{zone}"))
                                .arg("--file")
                                .arg(file)
                                .args(["-q", "-o", "cat"]);
                            let mut ours = Command::new(journal_fmt);
                            ours.env("TZ", format!(":{zone}"))
                                .args(["-o", "cat", "--color", "never"])
                                .arg(json);
                            for (flag, value) in case.iter() {
                                theirs.arg(format!("{flag}={value}"));
                                ours.arg(format!("{flag}={value}"));
                            }
                            (
                                run(&mut theirs),
                                run(&mut ours),
                                format!("TZ={zone} {case:?}"),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let (mut agreed, mut refused, mut mismatches) = (0, 0, Vec::new());
    for (theirs, ours, case) in outcomes {
        if theirs == ours {
            agreed += 1;
            refused += usize::from(theirs.is_none());
        } else {
            let count = |o: &Option<String>| o.as_ref().map(|s| s.lines().count());
            let first = |o: &Option<String>| {
                o.as_ref()
                    .and_then(|s| s.lines().next().map(str::to_string))
            };
            mismatches.push(format!(
                "{case}: journalctl {:?} entries (first {:?}), journal-fmt {:?} (first {:?})",
                count(&theirs),
                first(&theirs),
                count(&ours),
                first(&ours)
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        agreed + mismatches.len(),
        mismatches.join("\n")
    );
    // The table is worth something only if both outcomes are common.
    assert!(
        refused >= 30 && agreed - refused >= 200,
        "{agreed} agreed, {refused} refused by both"
    );
}
