//! Multi-line messages in journalctl's short forms, against journalctl itself: a
//! journal written by systemd-journal-remote holds entries whose messages have
//! several lines (indented stack frames, blank lines, lines of spaces), with and
//! without a host, identifier or pid; `journalctl --file F -o MODE` prints them with
//! the later lines indented under the first, and journal-fmt must read each entry
//! back whole: the same number of entries, each message byte for byte as
//! `journalctl -o json` has it, in every short form it reads.

use journal_fmt::entry::Entry;
use journal_fmt::input::json::parse_line;
use relkit_tests::require_peer;

mod common;

const MODES: [&str; 6] = [
    "short",
    "short-precise",
    "short-iso",
    "short-iso-precise",
    "short-full",
    "short-unix",
];

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next() % from.len() as u64) as usize]
    }
}

fn message(dice: &mut Dice) -> String {
    const FIRST: [&str; 6] = [
        "10:00:07.903 [error] GenServer Billing.PaymentWorker terminating",
        "10:00:03.402 request_id=FxK2 [info] GET /invoices/42",
        "upstream timed out (110: Connection timed out)",
        "Started billing_prod.service - Billing (prod).",
        "",
        "   leading spaces on the first line",
    ];
    const LATER: [&str; 9] = [
        "** (RuntimeError) payment provider returned 502",
        "    (billing 0.1.0) lib/billing/payment_worker.ex:57: Billing.PaymentWorker.charge/2",
        "    (stdlib 4.3) gen_server.erl:1149: :gen_server.try_handle_call/4",
        "Last message (from #PID<0.4127.0>): {:charge, 4711}",
        "",
        "   ",
        "State: %{attempts: 3}",
        "        deeply indented",
        "x",
    ];
    let mut lines = vec![dice.pick(&FIRST).to_string()];
    for _ in 0..dice.next() % 6 {
        lines.push(dice.pick(&LATER).to_string());
    }
    lines.join("\n")
}

fn entries(count: usize) -> Vec<Entry<'static>> {
    let mut dice = Dice(0x2545_f491_4f6c_dd1d);
    (0..count)
        .map(|i| {
            let mut entry = Entry::default();
            let t = 1_795_168_800_000_000u64 + i as u64 * 1_000_123;
            entry.push("__REALTIME_TIMESTAMP", Some(t.to_string().into_bytes()));
            entry.push(
                "_BOOT_ID",
                Some(b"6a1e0c3f2b8d4e5fa7c9d0e1f2a3b4c5".to_vec()),
            );
            entry.push("_TRANSPORT", Some(b"stdout".to_vec()));
            entry.push("PRIORITY", Some(b"6".to_vec()));
            if !dice.next().is_multiple_of(4) {
                entry.push("_HOSTNAME", Some(b"app1.example.internal".to_vec()));
            }
            // Identifier, command only, or neither (journalctl writes `unknown`).
            match dice.next() % 5 {
                0 => entry.push("_COMM", Some(b"beam.smp".to_vec())),
                1 => {}
                2 => entry.push("SYSLOG_IDENTIFIER", Some(b"nginx".to_vec())),
                _ => entry.push("SYSLOG_IDENTIFIER", Some(b"billing".to_vec())),
            }
            if !dice.next().is_multiple_of(3) {
                let pid = 700 + dice.next() % 60_000;
                entry.push("_PID", Some(pid.to_string().into_bytes()));
            }
            entry.push("MESSAGE", Some(message(&mut dice).into_bytes()));
            entry
        })
        .collect()
}

/// An entry's MESSAGE and _PID, as read from json.
type MessageAndPid = (Option<Vec<u8>>, Option<Vec<u8>>);

fn messages_and_pids(json: &[u8]) -> Vec<MessageAndPid> {
    json.split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| {
            let entry = parse_line(line).unwrap_or_else(|e| panic!("{e}"));
            let field = |name| entry.text(name).map(<[u8]>::to_vec);
            (field("MESSAGE"), field("_PID"))
        })
        .collect()
}

#[test]
fn multi_line_messages_read_back_whole_from_every_short_form() {
    let (Some(remote), Some(journalctl_path)) = (
        require_peer("systemd-journal-remote"),
        require_peer("journalctl"),
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("multi.journal");
    let written = entries(800);
    common::write_journal(&remote, &written, &file);
    // journalctl prints the lines between a message's newlines, so one final newline
    // never reaches the text (`a\n` prints as `a`, `a\n\n` as `a` and an empty line).
    let want: Vec<_> = messages_and_pids(&common::journalctl(&journalctl_path, &file, "json"))
        .into_iter()
        .map(|(message, pid)| {
            let message = message.map(|mut m| {
                if m.ends_with(b"\n") {
                    m.pop();
                }
                m
            });
            (message, pid)
        })
        .collect();
    assert_eq!(want.len(), written.len());
    let multi_line = want
        .iter()
        .filter(|(m, _)| m.as_ref().is_some_and(|m| m.contains(&b'\n')))
        .count();
    assert!(
        multi_line > 300,
        "the journal has {multi_line} multi-line messages"
    );
    for mode in MODES {
        let text = common::journalctl(&journalctl_path, &file, mode);
        for threads in ["1", "2"] {
            let out = common::journal_fmt(
                &["-o", "json", "--color", "never", "--threads", threads],
                text.clone(),
            );
            let found = messages_and_pids(&out);
            assert_eq!(found.len(), want.len(), "-o {mode}: entries read back");
            for (i, (ours, theirs)) in found.iter().zip(&want).enumerate() {
                assert_eq!(
                    ours,
                    theirs,
                    "-o {mode}, entry {i}: {:?}",
                    ours.0.as_deref().map(String::from_utf8_lossy)
                );
            }
        }
    }
}

/// journal-fmt's own human output indents a message's later lines as journalctl
/// does, so it reads back whole too (colour escapes take no room).
#[test]
fn own_output_reads_back_whole() {
    let input = "2026-11-20T00:00:00+0000 app1 postgres[702]: 10:00:09.310 [error] GenServer terminating\n\
                 \x20                                            ** (RuntimeError) boom\n\
                 \x20                                                (billing 0.1.0) lib/b.ex:57: B.charge/2\n\
                 2026-11-20T00:00:01+0000 app1 billing[48211]: next entry\n";
    let json = |input: Vec<u8>| messages_and_pids(&common::journal_fmt(&["-o", "json"], input));
    let want = json(input.as_bytes().to_vec());
    assert_eq!(want.len(), 2);
    assert_eq!(
        want[0].0.as_deref(),
        Some(
            &b"10:00:09.310 [error] GenServer terminating\n** (RuntimeError) boom\n    (billing 0.1.0) lib/b.ex:57: B.charge/2"[..]
        )
    );
    for colour in ["never", "always"] {
        let shown = common::journal_fmt(&["-o", "short-iso", "--color", colour], input);
        let plain = strip_sgr(&shown);
        assert_eq!(json(plain), want, "--color {colour}");
    }
}

/// An entry with no identifier is shown as `unknown`, which journalctl leaves out of
/// the indent; journal-fmt's output does the same, so it still reads back whole.
#[test]
fn own_output_without_an_identifier_reads_back_whole() {
    let input = "{\"__REALTIME_TIMESTAMP\":\"1795132800000000\",\"_PID\":\"7\",\"MESSAGE\":\"first\\n    second\\nthird\"}\n";
    for colour in ["never", "always"] {
        let shown = common::journal_fmt(&["-o", "short-iso", "--color", colour], input);
        let plain = strip_sgr(&shown);
        assert!(String::from_utf8_lossy(&plain).contains(" unknown[7]: first\n"));
        let found = messages_and_pids(&common::journal_fmt(&["-o", "json"], plain));
        assert_eq!(
            found,
            [(
                Some(b"first\n    second\nthird".to_vec()),
                Some(b"7".to_vec())
            )],
            "--color {colour}"
        );
    }
}

/// Drop `ESC [ ... m` sequences (what journal-fmt's colours are).
fn strip_sgr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1b && bytes.get(i + 1) == Some(&b'[') {
            i += 2;
            while i < bytes.len() && bytes[i] != b'm' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}
