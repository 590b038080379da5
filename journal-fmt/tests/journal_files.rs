//! journal-fmt reading journal files itself, against journalctl reading the same
//! files: journals written by systemd-journal-remote from generated entries (several
//! boots and units, multi-line and binary fields, fields long enough to be
//! compressed, compact and regular files, several files interleaved, a file read
//! twice), damaged ones and one cut short. For each, journal-fmt on the files must
//! give what `journalctl --file ... -o export | journal-fmt` gives, byte for byte, in
//! export, json and human form.

use relkit_tests::{assert_ok, require_peer, tool, Rng};
use std::path::{Path, PathBuf};
use std::process::Command;

/// An export stream of `count` entries: a few boots, units and identifiers, some
/// multi-line messages, binary fields and long fields (journald compresses fields
/// over 512 bytes), realtime increasing within each boot.
fn export_stream(rng: &mut Rng, count: usize) -> Vec<u8> {
    let boots = [
        "3f1c9a7e5b2d4c6a8e0f1a2b3c4d5e6f",
        "6a1e0c3f2b8d4e5fa7c9d0e1f2a3b4c5",
        "b685072378798dd2e6e81200c496c363",
    ];
    let units = [
        "billing_prod.service",
        "billing_stage.service",
        "nginx.service",
    ];
    let mut out = Vec::new();
    let mut realtime = 1_795_000_000_000_000u64;
    for i in 0..count {
        let boot = i * boots.len() / count;
        realtime += 1 + rng.below(5_000_000) as u64;
        let monotonic = realtime - 1_794_990_000_000_000 + boot as u64 * 1000;
        let unit = units[rng.below(units.len())];
        let mut text = |name: &str, value: &str| {
            out.extend_from_slice(format!("{name}={value}\n").as_bytes());
        };
        text("__REALTIME_TIMESTAMP", &realtime.to_string());
        text("__MONOTONIC_TIMESTAMP", &monotonic.to_string());
        text("_BOOT_ID", boots[boot]);
        text("_SYSTEMD_UNIT", unit);
        text(
            "SYSLOG_IDENTIFIER",
            unit.split(['_', '.']).next().unwrap_or("x"),
        );
        text("PRIORITY", &rng.below(8).to_string());
        text("_PID", &(1000 + rng.below(5)).to_string());
        let long = rng.chance(10);
        let message = if long {
            format!(
                "[error] {}",
                "a long crash report line ".repeat(40 + rng.below(40))
            )
        } else {
            format!("[info] request {i} done in {}ms", rng.below(900))
        };
        if rng.chance(15) {
            // A multi-line or binary value: the export format's length-prefixed form.
            let mut value = message.into_bytes();
            value.extend_from_slice(b"\n    ** (RuntimeError) second line\n\x01\x02");
            out.extend_from_slice(b"MESSAGE\n");
            out.extend_from_slice(&(value.len() as u64).to_le_bytes());
            out.extend_from_slice(&value);
            out.push(b'\n');
        } else {
            text("MESSAGE", &message);
        }
        out.push(b'\n');
    }
    out
}

/// Writes `export` to the journal file `file` with systemd-journal-remote.
fn write_journal(remote: &Path, export: &[u8], file: &Path, env: &[(&str, &str)]) {
    let input = file.with_extension("export");
    std::fs::write(&input, export).unwrap();
    let out = Command::new(remote)
        .arg("-o")
        .arg(file)
        .arg(&input)
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert_ok(&out, "systemd-journal-remote");
}

/// systemd-journal-remote and journalctl, or None (the test is skipped, loudly).
fn peers() -> Option<(PathBuf, PathBuf)> {
    Some((
        require_peer("systemd-journal-remote")?,
        require_peer("journalctl")?,
    ))
}

/// The entries of `export` dealt at random to `count` files in `dir`, each written
/// by its own systemd-journal-remote (so each has its own sequence-number source).
fn dealt(
    remote: &Path,
    dir: &Path,
    rng: &mut Rng,
    export: &[u8],
    count: usize,
    name: &str,
) -> Vec<PathBuf> {
    let mut parts = vec![Vec::new(); count];
    for entry in split_entries(export) {
        parts[rng.below(count)].extend_from_slice(entry);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let file = dir.join(format!("{name}{i}.journal"));
            write_journal(remote, part, &file, &[]);
            file
        })
        .collect()
}

/// journalctl reading `files` (`--file` each).
fn journalctl_on(journalctl: &Path, files: &[PathBuf]) -> Command {
    let mut cmd = Command::new(journalctl);
    for f in files {
        cmd.arg("--file").arg(f);
    }
    cmd
}

/// journal-fmt reading `files` (`--file` each).
fn journal_fmt_on(files: &[PathBuf]) -> assert_cmd::Command {
    let mut cmd = tool("journal-fmt");
    for f in files {
        cmd.arg("--file").arg(f);
    }
    cmd
}

/// journalctl's export of the files, through journal-fmt `args`.
fn through_journalctl(journalctl: &Path, files: &[PathBuf], args: &[&str]) -> Vec<u8> {
    let export = journalctl_on(journalctl, files)
        .args(["-o", "export"])
        .output()
        .unwrap();
    assert!(!export.stdout.is_empty(), "journalctl read nothing");
    let out = tool("journal-fmt")
        .args(args)
        .write_stdin(export.stdout)
        .output()
        .unwrap();
    assert_ok(&out, "journal-fmt on journalctl's export");
    out.stdout
}

/// journal-fmt reading the files itself.
fn direct(files: &[PathBuf], args: &[&str]) -> (Vec<u8>, String) {
    let out = journal_fmt_on(files).args(args).output().unwrap();
    assert_ok(&out, "journal-fmt --file");
    (
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const FORMS: [&[&str]; 10] = [
    // Filters the files' indexes answer (-u, -t), and one they cannot (a glob).
    &["-o", "export", "-u", "billing_stage"],
    &[
        "-o",
        "export",
        "-u",
        "nginx",
        "-u",
        "billing_prod",
        "-p",
        "err",
    ],
    &["-o", "export", "-t", "billing"],
    &["-o", "export", "-u", "billing_*"],
    // --field on a journal field goes through the index too; on Logger metadata
    // (lowercase) it cannot.
    &[
        "-o",
        "export",
        "--field",
        "_PID=1002",
        "--field",
        "_PID=1004",
    ],
    &["-o", "export", "--field", "request_id=x", "-p", "err"],
    &["-o", "export"],
    // Read and formatted on one thread (the others read on a thread of their own).
    &["--threads", "1", "-o", "export"],
    &["-o", "json"],
    &["--utc", "--color", "always", "-o", "short-iso"],
];

fn require_same(journalctl: &Path, files: &[PathBuf], what: &str) {
    for args in FORMS {
        let want = through_journalctl(journalctl, files, args);
        let (got, _) = direct(files, args);
        assert!(
            got == want,
            "{what} {args:?}: journal-fmt's own reading differs from journalctl's ({} bytes against {})",
            got.len(),
            want.len()
        );
    }
}

/// The two kinds of file systemd 252 writes: compact with keyed hashes (its
/// default), and regular with Jenkins hashes; each with the environment that makes
/// systemd-journal-remote write it.
const FILE_KINDS: [(&str, &[(&str, &str)]); 2] = [
    ("compact.journal", &[]),
    (
        "regular.journal",
        &[
            ("SYSTEMD_JOURNAL_COMPACT", "0"),
            ("SYSTEMD_JOURNAL_KEYED_HASH", "0"),
        ],
    ),
];

#[test]
fn one_file_compact_and_regular_reads_as_journalctl_reads_it() {
    let Some((remote, journalctl)) = peers() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x6a09_e667_f3bc_c908);
    let export = export_stream(&mut rng, 3000);
    for (name, env) in FILE_KINDS {
        let file = dir.path().join(name);
        write_journal(&remote, &export, &file, env);
        require_same(&journalctl, &[file], name);
    }
}

#[test]
fn several_files_interleave_and_a_copy_is_read_once() {
    let Some((remote, journalctl)) = peers() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0xbb67_ae85_84ca_a73b);
    // Entries dealt at random to three files, each written by its own writer (so
    // each has its own sequence-number source): the order comes from the boots and
    // the clocks.
    let export = export_stream(&mut rng, 2400);
    let mut files = dealt(&remote, dir.path(), &mut rng, &export, 3, "part");
    require_same(&journalctl, &files, "three files");
    // The same file twice (a copy beside the original): each entry once.
    let copy = dir.path().join("copy.journal");
    std::fs::copy(&files[0], &copy).unwrap();
    files.push(copy);
    require_same(&journalctl, &files, "three files and a copy");
    // -D reads the directory as journalctl -D does.
    let out = tool("journal-fmt")
        .arg("-D")
        .arg(dir.path())
        .args(["-o", "export"])
        .output()
        .unwrap();
    assert_ok(&out, "journal-fmt -D");
    assert_eq!(
        out.stdout,
        through_journalctl(&journalctl, &files, &["-o", "export"])
    );
}

/// The entries of an export stream, each with its closing empty line. A binary
/// value may hold "\n\n", so entries are cut where a field starts a line after one.
fn split_entries(export: &[u8]) -> Vec<&[u8]> {
    let mut entries = Vec::new();
    let mut start = 0;
    let mut at = 0;
    while at < export.len() {
        // Each field: NAME=value\n, or NAME\n + le64 size + value + \n.
        let line_end = at + export[at..].iter().position(|&b| b == b'\n').unwrap();
        if line_end == at {
            entries.push(&export[start..=at]);
            at += 1;
            start = at;
            continue;
        }
        if export[at..line_end].contains(&b'=') {
            at = line_end + 1;
        } else {
            let size = u64::from_le_bytes(export[line_end + 1..line_end + 9].try_into().unwrap());
            at = line_end + 9 + size as usize + 1;
        }
    }
    entries
}

#[test]
fn a_damaged_file_gives_what_journalctl_gives_and_says_where() {
    let Some((remote, journalctl)) = peers() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x3c6e_f372_fe94_f82b);
    let export = export_stream(&mut rng, 4000);
    let clean = dir.path().join("clean.journal");
    write_journal(&remote, &export, &clean, &[]);
    let bytes = std::fs::read(&clean).unwrap();
    let used = bytes.iter().rposition(|&b| b != 0).unwrap();
    let mut warned = 0;
    for round in 0..6 {
        let mut damaged = bytes.clone();
        // Garbage over a few spots past the header: entries, fields, arrays.
        for _ in 0..8 {
            let at = 272 + rng.below(used - 400);
            for b in &mut damaged[at..at + 48] {
                *b = rng.below(256) as u8;
            }
        }
        let file = dir.path().join(format!("damaged{round}.journal"));
        std::fs::write(&file, &damaged).unwrap();
        let want = through_journalctl(&journalctl, std::slice::from_ref(&file), &["-o", "export"]);
        let (got, stderr) = direct(std::slice::from_ref(&file), &["-o", "export"]);
        assert!(
            got == want,
            "round {round}: not what journalctl reads: {stderr}"
        );
        if !stderr.is_empty() {
            warned += 1;
            assert!(
                stderr
                    .lines()
                    .all(|l| l.starts_with("journal-fmt: warning: ")
                        && l.contains("damaged")
                        && (l.contains("at offset ") || l.contains("more damaged entries"))),
                "{stderr}"
            );
        }
    }
    assert!(warned > 0, "no round hit anything that matters");
}

#[test]
fn a_file_cut_short_gives_its_whole_entries_and_a_warning() {
    let Some(remote) = require_peer("systemd-journal-remote") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0xa54f_f53a_5f1d_36f1);
    let export = export_stream(&mut rng, 3000);
    let whole = dir.path().join("whole.journal");
    write_journal(&remote, &export, &whole, &[]);
    let (all, _) = direct(std::slice::from_ref(&whole), &["-o", "export"]);
    let bytes = std::fs::read(&whole).unwrap();
    let used = bytes.iter().rposition(|&b| b != 0).unwrap();
    // Cut between the first entry array (the list of entries starts there, after
    // the hash tables) and the end of what was written.
    let first_array = u64::from_le_bytes(bytes[176..184].try_into().unwrap()) as usize;
    let cut = dir.path().join("cut.journal");
    std::fs::write(&cut, &bytes[..first_array + (used - first_array) * 2 / 3]).unwrap();
    let (some, stderr) = direct(std::slice::from_ref(&cut), &["-o", "export"]);
    // journalctl refuses such a file; journal-fmt gives the entries before the cut.
    assert!(!some.is_empty() && some.len() < all.len());
    assert!(
        all.starts_with(&some),
        "the entries read are the file's first ones"
    );
    assert!(
        stderr.contains("cut.journal: at offset")
            && stderr.contains("the entries before it are shown"),
        "{stderr}"
    );
    // Read newest first, the same entries in reverse, the cut told once.
    let (newest_first, stderr) = direct(std::slice::from_ref(&cut), &["-o", "export", "-r"]);
    let mut reversed = split_entries(&some);
    reversed.reverse();
    assert!(split_entries(&newest_first) == reversed, "-r on a cut file");
    assert_eq!(stderr.matches("cut short").count(), 1, "{stderr}");
}

#[test]
fn an_unreadable_file_is_a_warning_and_the_others_are_read() {
    let Some(remote) = require_peer("systemd-journal-remote") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x510e_527f_ade6_82d1);
    let good = dir.path().join("good.journal");
    write_journal(&remote, &export_stream(&mut rng, 50), &good, &[]);
    let junk = dir.path().join("junk.journal");
    std::fs::write(
        &junk,
        b"not a journal at all, but long enough to have a header's size; \
        not a journal at all, but long enough to have a header's size; \
        not a journal at all, but long enough to have a header's size; \
        not a journal at all, but long enough to have a header's size",
    )
    .unwrap();
    let (out, stderr) = direct(&[good.clone(), junk], &["-o", "export"]);
    let (alone, _) = direct(&[good], &["-o", "export"]);
    assert_eq!(out, alone);
    assert!(
        stderr.contains("junk.journal: at offset 0: not a journal file"),
        "{stderr}"
    );
}

#[test]
fn boots_are_listed_and_picked_as_journalctl_does() {
    let Some((remote, journalctl)) = peers() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x9b05_688c_2b3e_6c1f);
    let export = export_stream(&mut rng, 900);
    let files = dealt(&remote, dir.path(), &mut rng, &export, 2, "boots");
    for zone in ["UTC", "Europe/Berlin"] {
        let mut theirs = journalctl_on(&journalctl, &files);
        let mut ours = journal_fmt_on(&files);
        let want = theirs.arg("--list-boots").env("TZ", zone).output().unwrap();
        let got = ours.arg("--list-boots").env("TZ", zone).output().unwrap();
        assert_ok(&got, "journal-fmt --list-boots");
        assert_eq!(
            String::from_utf8_lossy(&got.stdout),
            String::from_utf8_lossy(&want.stdout),
            "--list-boots in {zone}"
        );
        assert_eq!(String::from_utf8_lossy(&want.stdout).lines().count(), 4);
    }
    for boot in [
        "",
        "0",
        "-1",
        "-2",
        "1",
        "2",
        "3",
        "6a1e0c3f2b8d4e5fa7c9d0e1f2a3b4c5",
        "6a1e0c3f2b8d4e5fa7c9d0e1f2a3b4c5-1",
        "6a1e0c3f2b8d4e5fa7c9d0e1f2a3b4c5+1",
    ] {
        let mut args = vec!["-o", "export", "-b"];
        if !boot.is_empty() {
            args.push(boot);
        }
        let mut cmd = journalctl_on(&journalctl, &files);
        let export = cmd
            .args(["-o", "export", "-b"])
            .args((!boot.is_empty()).then_some(boot))
            .output()
            .unwrap();
        assert_ok(&export, format_args!("journalctl -b {boot}"));
        let want = tool("journal-fmt")
            .args(["-o", "export"])
            .write_stdin(export.stdout)
            .output()
            .unwrap();
        let (got, _) = direct(&files, &args);
        assert!(!got.is_empty(), "-b {boot}: nothing");
        assert!(got == want.stdout, "-b {boot}: not journalctl's entries");
    }
    // A boot the files do not hold is an error that says how many they hold.
    let out = journal_fmt_on(&files).args(["-b", "-3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("hold 3 boots"));
}

/// A time for --since or --until near the entries of `export`: an entry's own time
/// (to the microsecond), one just after it, or a whole second between.
fn time_near(rng: &mut Rng, times: &[u64]) -> String {
    let t = times[rng.below(times.len())];
    match rng.below(3) {
        0 => format!("@{}.{:06}", t / 1_000_000, t % 1_000_000),
        1 => format!("@{}.{:06}", (t + 1) / 1_000_000, (t + 1) % 1_000_000),
        _ => format!("@{}", t / 1_000_000),
    }
}

#[test]
fn lines_reverse_and_times_select_what_journalctl_selects() {
    let Some((remote, journalctl)) = peers() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x3c6e_f372_fe94_f82b);
    let export = export_stream(&mut rng, 1500);
    let times: Vec<u64> = split_entries(&export)
        .iter()
        .filter_map(|e| {
            let text = String::from_utf8_lossy(e);
            let line = text
                .lines()
                .find(|l| l.starts_with("__REALTIME_TIMESTAMP="))?;
            line["__REALTIME_TIMESTAMP=".len()..].parse().ok()
        })
        .collect();
    let mut files = dealt(&remote, dir.path(), &mut rng, &export, 3, "sel");
    let copy = dir.path().join("copy.journal");
    std::fs::copy(&files[1], &copy).unwrap();
    files.push(copy);
    // Selections drawn at random: -n, -r, --since, --until, and the filters
    // journalctl also answers through the files' indexes (-u, -t, -b).
    for round in 0..160 {
        let mut selection: Vec<String> = Vec::new();
        if rng.chance(2) {
            selection.push("-r".into());
        }
        match rng.below(4) {
            0 => selection.push("-n".into()),
            1 => selection.extend(["-n".into(), rng.below(40).to_string()]),
            2 => selection.extend(["-n".into(), (1000 + rng.below(1000)).to_string()]),
            _ => {}
        }
        let (mut since, mut until) = (None, None);
        if rng.chance(2) {
            since = Some(time_near(&mut rng, &times));
        }
        if rng.chance(2) {
            until = Some(time_near(&mut rng, &times));
        }
        if let (Some(s), Some(u)) = (&since, &until) {
            // journal-fmt refuses --since after --until (journalctl too).
            let value = |t: &str| t[1..].parse::<f64>().unwrap_or(0.0);
            if value(s) > value(u) {
                std::mem::swap(&mut since, &mut until);
            }
        }
        if let Some(s) = since {
            selection.extend(["--since".into(), s]);
        }
        if let Some(u) = until {
            selection.extend(["--until".into(), u]);
        }
        match rng.below(6) {
            0 => selection.extend(["-u".into(), "billing_stage".into()]),
            1 => selection.extend(["-t".into(), "nginx".into()]),
            2 => selection.extend(["-b".into(), "-1".into()]),
            // A glob with a bracket expression: journalctl matches units by fnmatch(3).
            3 => selection.extend([
                "-u".into(),
                rng.pick(&[
                    "billing_st[a]ge*",
                    "billing_[!s]*",
                    "bill?ng_pro[a-e].service",
                ])
                .into(),
            ]),
            _ => {}
        }
        let selection: Vec<&str> = selection.iter().map(String::as_str).collect();
        let mut cmd = journalctl_on(&journalctl, &files);
        let export = cmd
            .args(["-o", "export"])
            .args(&selection)
            .env("TZ", "UTC")
            .output()
            .unwrap();
        assert_ok(&export, format_args!("journalctl {selection:?}"));
        let want = tool("journal-fmt")
            .args(["-o", "export"])
            .write_stdin(export.stdout)
            .output()
            .unwrap();
        let mut args = vec!["-o", "export"];
        args.extend(&selection);
        let mut ours = journal_fmt_on(&files);
        let got = ours.args(&args).env("TZ", "UTC").output().unwrap();
        assert_ok(&got, format_args!("journal-fmt {args:?}"));
        assert!(
            got.stdout == want.stdout,
            "round {round}, {selection:?}: journal-fmt gives {} entries, journalctl {}",
            split_entries(&got.stdout).len(),
            split_entries(&want.stdout).len()
        );
    }
}

/// An export stream of Elixir crash reports among info lines, one entry per line as
/// journald stores a release's stdout: every line at PRIORITY=6, the report's
/// frames taking the `[error]` level of its first line.
fn crash_reports(rng: &mut Rng, count: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut realtime = 1_795_100_000_000_000u64;
    let mut i = 0;
    while i < count {
        let lines: Vec<String> = if rng.chance(6) {
            let mut report = vec![
                format!("[error] GenServer Billing.Worker terminating (report {i})"),
                "** (RuntimeError) boom".to_string(),
            ];
            for f in 0..rng.below(30) {
                report.push(format!(
                    "    (billing 0.1.0) lib/billing/worker.ex:{f}: Billing.Worker.handle_info/2"
                ));
            }
            report.push("Last message: :tick".to_string());
            report
        } else {
            vec![format!("[info] request {i} done")]
        };
        for line in lines {
            realtime += 1 + rng.below(1000) as u64;
            out.extend_from_slice(
                format!(
                    "__REALTIME_TIMESTAMP={realtime}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID=3f1c9a7e5b2d4c6a8e0f1a2b3c4d5e6f\n_SYSTEMD_UNIT=billing_prod.service\nSYSLOG_IDENTIFIER=billing\n_PID=4242\nPRIORITY=6\nMESSAGE={line}\n\n",
                    realtime - 1_795_000_000_000_000
                )
                .as_bytes(),
            );
            i += 1;
        }
    }
    out
}

#[test]
fn lines_and_reverse_keep_the_levels_a_report_passes_on() {
    let Some((remote, _)) = peers() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0xa54f_f53a_5f1d_36f1);
    // More entries than one window of reading from the end, so that windows start
    // inside reports.
    let file = dir.path().join("reports.journal");
    write_journal(&remote, &crash_reports(&mut rng, 12_000), &file, &[]);
    let files = [file];
    let (all, _) = direct(&files, &["-o", "export", "-p", "err"]);
    let all = split_entries(&all);
    assert!(all.len() > 1000, "few error entries: {}", all.len());
    for lines in [1, 7, 100, 2000, 5000, 100_000] {
        let (got, _) = direct(
            &files,
            &["-o", "export", "-p", "err", "-n", &lines.to_string()],
        );
        let want = &all[all.len().saturating_sub(lines)..];
        assert!(
            split_entries(&got) == want,
            "-n {lines}: not the last {lines} of the full reading"
        );
        let (got, _) = direct(
            &files,
            &["-o", "export", "-p", "err", "-r", "-n", &lines.to_string()],
        );
        let want: Vec<&[u8]> = all.iter().rev().take(lines).copied().collect();
        assert!(
            split_entries(&got) == want,
            "-r -n {lines}: not the full reading reversed"
        );
    }
    let (got, _) = direct(&files, &["-o", "export", "-p", "err", "-r"]);
    let want: Vec<&[u8]> = all.iter().rev().copied().collect();
    assert!(
        split_entries(&got) == want,
        "-r: not the full reading reversed"
    );
}

#[test]
fn lines_and_reverse_are_refused_where_they_cannot_hold() {
    for args in [&["-n", "5"][..], &["-r"][..]] {
        let out = tool("journal-fmt")
            .args(args)
            .arg("-")
            .write_stdin("{\"MESSAGE\":\"x\"}\n")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?} on a pipe");
        assert!(String::from_utf8_lossy(&out.stderr).contains("journalctl -r or -n"));
    }
    let out = tool("journal-fmt")
        .args(["--merge", "-r", "--file", "/nonexistent.journal"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--merge"));
}

/// One export entry of the live tests: message `m{i}` of `unit`, one boot.
fn live_entry(i: u64, unit: &str) -> Vec<u8> {
    format!(
        "__REALTIME_TIMESTAMP={}\n__MONOTONIC_TIMESTAMP={}\n_BOOT_ID=3f1c9a7e5b2d4c6a8e0f1a2b3c4d5e6f\n_SYSTEMD_UNIT={unit}.service\nSYSLOG_IDENTIFIER=billing\nPRIORITY=6\nMESSAGE=m{i}\n\n",
        1_795_200_000_000_000 + i * 1000,
        5_000_000 + i * 1000
    )
    .into_bytes()
}

/// Entries `range` written to `file` by one systemd-journal-remote reading its
/// stdin, an entry at a time with a pause between: the file is being written while
/// it is read.
fn stream_entries(
    remote: &Path,
    file: &Path,
    range: std::ops::Range<u64>,
    unit: fn(u64) -> &'static str,
) {
    use std::io::Write;
    let mut writer = Command::new(remote)
        .arg("-o")
        .arg(file)
        .arg("-")
        .stdin(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = writer.stdin.take().unwrap();
    for i in range {
        stdin.write_all(&live_entry(i, unit(i))).unwrap();
        stdin.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(15));
    }
    drop(stdin);
    assert!(writer.wait().unwrap().success());
}

/// journal-fmt following `dir` with `args`, started.
fn following(dir: &Path, args: &[&str], path: Option<&std::ffi::OsStr>) -> std::process::Child {
    let mut cmd = Command::new(relkit_tests::tool_path("journal-fmt"));
    cmd.args(["-f", "-o", "cat", "-D"])
        .arg(dir)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(path) = path {
        cmd.env("PATH", path);
    }
    cmd.spawn().unwrap()
}

/// journal-fmt following `dir` with `args`: its lines as they come.
fn follower(
    dir: &Path,
    args: &[&str],
    path: Option<&std::ffi::OsStr>,
) -> (std::process::Child, std::sync::mpsc::Receiver<String>) {
    let mut child = following(dir, args, path);
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// The lines `rx` gives until `last`, or a failure after 20 s without a line.
fn lines_until(rx: &std::sync::mpsc::Receiver<String>, last: &str) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("no {last:?} within 20 s; so far {lines:?}"));
        let done = line == last;
        lines.push(line);
        if done {
            return lines;
        }
    }
}

#[test]
fn follow_reads_new_entries_across_rotation_and_vacuum_without_journalctl() {
    let Some((remote, _)) = peers() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let active = dir.path().join("system.journal");
    let unit = |i: u64| {
        if i.is_multiple_of(3) {
            "billing_stage"
        } else {
            "billing_prod"
        }
    };
    let prod_only = |i: u64| if i < 30 { "billing_prod" } else { unit(i) };
    let mut before = Vec::new();
    for i in 0..30 {
        before.extend(live_entry(i, prod_only(i)));
    }
    write_journal(&remote, &before, &active, &[]);
    // Without journalctl on PATH: the files are read here.
    let path = std::env::var("PATH").unwrap_or_default();
    let without_journalctl: Vec<&str> = path
        .split(':')
        .filter(|p| !Path::new(p).join("journalctl").exists())
        .collect();
    let without_journalctl = std::ffi::OsString::from(without_journalctl.join(":"));
    let (mut all, all_rx) = follower(dir.path(), &["-n", "5"], Some(&without_journalctl));
    // A unit whose first entry comes after the start: found through the index as
    // the files grow.
    let (mut stage, stage_rx) = follower(dir.path(), &["-u", "billing_stage"], None);
    assert_eq!(
        lines_until(&all_rx, "m29"),
        ["m25", "m26", "m27", "m28", "m29"]
    );
    // Appended to the file while it is followed.
    stream_entries(&remote, &active, 30..60, unit);
    // Rotated as journald rotates: the active file archived under a new name, a new
    // one started in its place.
    let archived = dir
        .path()
        .join("system@3f1c9a7e5b2d4c6a8e0f1a2b3c4d5e6f-0000000000000001-0006000000000000.journal");
    std::fs::rename(&active, &archived).unwrap();
    stream_entries(&remote, &active, 60..80, unit);
    // Vacuumed: the archived file deleted.
    std::fs::remove_file(&archived).unwrap();
    stream_entries(&remote, &active, 80..90, unit);
    let want: Vec<String> = (30..90).map(|i| format!("m{i}")).collect();
    assert_eq!(
        lines_until(&all_rx, "m89"),
        want,
        "every new entry once, in order"
    );
    let want: Vec<String> = (30..90)
        .filter(|i| i % 3 == 0)
        .map(|i| format!("m{i}"))
        .collect();
    assert_eq!(
        lines_until(&stage_rx, "m87"),
        want,
        "-u through the index while following"
    );
    for (child, signal) in [(&mut all, "-TERM"), (&mut stage, "-INT")] {
        Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "after kill {signal}");
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(stderr.is_empty(), "{stderr}");
    }
    // The reader going away ends it too (journal-fmt -f | head -n 2).
    let mut child = following(dir.path(), &["-n", "2"], None);
    {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        for want in ["m88\n", "m89\n"] {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            assert_eq!(line, want);
        }
    }
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert_eq!(status.code(), Some(0));
            break;
        }
        assert!(
            started.elapsed().as_secs() < 20,
            "still running with its reader gone"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn a_user_outside_the_journal_groups_sees_what_journalctl_shows_them() {
    let Some((remote, journalctl)) = peers() else {
        return;
    };
    let Some(setpriv) = require_peer("setpriv") else {
        return;
    };
    if !running_as_root() {
        eprintln!("skipped: changing to another user needs root");
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut rng = Rng(0x510e_527f_ade6_82d1);
    let export = export_stream(&mut rng, 600);
    let files = dealt(&remote, dir.path(), &mut rng, &export, 2, "perm");
    std::fs::set_permissions(&files[0], std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::set_permissions(&files[1], std::fs::Permissions::from_mode(0o640)).unwrap();
    // As nobody, in no group that may read the journal.
    let as_nobody = |program: &Path| {
        let mut cmd = Command::new(&setpriv);
        cmd.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(program)
            .arg("-D")
            .arg(dir.path());
        cmd
    };
    let theirs = as_nobody(&journalctl)
        .args(["-o", "export"])
        .output()
        .unwrap();
    assert_ok(&theirs, "journalctl as nobody");
    let want = tool("journal-fmt")
        .args(["-o", "export"])
        .write_stdin(theirs.stdout)
        .output()
        .unwrap();
    let ours = as_nobody(&relkit_tests::tool_path("journal-fmt"))
        .args(["-o", "export"])
        .output()
        .unwrap();
    assert_ok(&ours, "journal-fmt as nobody");
    assert!(!ours.stdout.is_empty());
    assert!(
        ours.stdout == want.stdout,
        "not the entries journalctl shows nobody"
    );
    let stderr = String::from_utf8_lossy(&ours.stderr);
    assert!(stderr.contains(&*files[1].to_string_lossy()), "{stderr}");
    assert!(stderr.contains("Permission denied"), "{stderr}");
    assert!(stderr.contains("'adm' and 'systemd-journal'"), "{stderr}");
    // No file readable: a failure, as journalctl's.
    std::fs::set_permissions(&files[0], std::fs::Permissions::from_mode(0o600)).unwrap();
    let theirs = as_nobody(&journalctl).output().unwrap();
    assert!(!theirs.status.success());
    let ours = as_nobody(&relkit_tests::tool_path("journal-fmt"))
        .output()
        .unwrap();
    assert_eq!(ours.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&ours.stderr)
        .contains("none of the 2 journal files could be opened: permission denied"));
}

fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Uid:"))
        .is_some_and(|l| l.split_whitespace().nth(2) == Some("0"))
}

#[test]
fn unit_globs_that_name_no_unit_fail_as_journalctl_s_do() {
    let Some((remote, journalctl)) = peers() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rng = Rng(0x1f83_d9ab_fb41_bd6b);
    let export = export_stream(&mut rng, 800);
    // Both hash kinds: the field table is found by the file's own hash.
    for (name, env) in FILE_KINDS {
        let file = dir.path().join(name);
        write_journal(&remote, &export, &file, env);
        let files = [file];
        let (mut failed, mut matched) = (0, 0);
        for units in [
            &["nosuch*"][..],
            &["billing_[x]*"],
            &["nosuch*", "zz?"],
            &["billing_st[a]ge*"],
            &["nosuch*", "billing_pro*"],
            &["nosuch*", "billing_stage"],
            &["nosuch"],
        ] {
            let mut theirs = journalctl_on(&journalctl, &files);
            theirs.args(["-o", "export"]);
            let mut ours = journal_fmt_on(&files);
            ours.args(["-o", "export"]);
            for u in units {
                theirs.args(["-u", u]);
                ours.args(["-u", u]);
            }
            let want = theirs.output().unwrap();
            let got = ours.output().unwrap();
            if want.status.success() {
                assert_ok(&got, format_args!("journal-fmt -u {units:?} on {name}"));
                let want = tool("journal-fmt")
                    .args(["-o", "export"])
                    .write_stdin(want.stdout)
                    .output()
                    .unwrap();
                assert!(got.stdout == want.stdout, "-u {units:?} on {name}");
                matched += 1;
            } else {
                assert!(
                    String::from_utf8_lossy(&want.stderr)
                        .contains("Failed to add filter for units"),
                    "{want:?}"
                );
                assert_eq!(
                    got.status.code(),
                    Some(2),
                    "-u {units:?} on {name}: {got:?}"
                );
                assert!(
                    String::from_utf8_lossy(&got.stderr)
                        .contains("no unit in the journal files matches"),
                    "{got:?}"
                );
                assert!(got.stdout.is_empty());
                failed += 1;
            }
        }
        assert_eq!((failed, matched), (3, 4), "on {name}");
    }
}
