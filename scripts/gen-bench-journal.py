#!/usr/bin/env python3
"""Benchmark input for journal-fmt: COUNT journal entries of a Phoenix release and
its neighbours under systemd, as `journalctl -o json` prints them (one object per
line) or, with --export, in journald's export format (which systemd-journal-remote
turns into a real journal). Deterministic: the same COUNT gives the same bytes.

As journald files a release's stdout, a multi-line message of the release (a crash
report, a query and its SQL) arrives as one entry per line, one after another on
its stream: what `journal-fmt --merge` joins again.

usage: gen-bench-journal.py COUNT [--export] > out
"""
import json
import random
import struct
import sys

BOOT = "3f1c9a7e5b2d4c6a8e0f1a2b3c4d5e6f"
MACHINE = "9a8b7c6d5e4f40312a1b2c3d4e5f6071"
START_US = 1_795_132_800_000_000  # 2026-11-20 00:00:00 UTC

# (unit, identifier, pid, share of entries in percent, stdout stream id)
SOURCES = [
    ("billing_prod.service", "billing", "48211", 70, "7e6d5c4b3a2910f8e7d6c5b4a3928170"),
    ("billing_stage.service", "billing", "48377", 12, "1a2b3c4d5e6f708192a3b4c5d6e7f801"),
    ("nginx.service", "nginx", "911", 10, "5f4e3d2c1b0a99887766554433221100"),
    ("postgresql@15-main.service", "postgres", "702", 8, "0a1b2c3d4e5f60718293a4b5c6d7e8f9"),
]

# (PRIORITY as journald stores it, message); an Elixir release logs everything to
# stdout, so its errors arrive at 6 too, with the level only in the text.
MESSAGES = [
    (6, "10:00:03.402 request_id=FxK2pQ7hZ1 [info] GET /invoices/42"),
    (6, "10:00:03.419 request_id=FxK2pQ7hZ1 [info] Sent 200 in 17ms"),
    (6, "10:00:03.417 [debug] QUERY OK source=\"invoices\" db=2.1ms queue=0.3ms idle=912.4ms\n"
        "SELECT i0.\"id\", i0.\"total\" FROM \"invoices\" AS i0 WHERE (i0.\"id\" = $1) [42]"),
    (6, "10:00:05.001 [info] POST /invoices"),
    (6, "10:00:05.120 [warning] Billing.Repo checkout took 120ms (pool size 10)"),
    (6, "10:00:07.903 [error] GenServer Billing.Worker terminating\n"
        "** (ArithmeticError) bad argument in arithmetic expression\n"
        "    (billing 0.1.0) lib/billing/worker.ex:42: Billing.Worker.handle_call/3"),
    (6, "10:00:08.004 [error] ** (Ecto.Query.CastError) value `\"abc\"` in `where` cannot be cast to type :id"),
    (6, "10:00:09.310 request_id=FxK2rT0bQ4 [error] GenServer Billing.PaymentWorker terminating\n"
        "** (RuntimeError) payment provider returned 502\n"
        "    (billing 0.1.0) lib/billing/payment_worker.ex:57: Billing.PaymentWorker.charge/2\n"
        "    (billing 0.1.0) lib/billing/payment_worker.ex:31: Billing.PaymentWorker.handle_call/3\n"
        "    (stdlib 4.3) gen_server.erl:1149: :gen_server.try_handle_call/4\n"
        "Last message (from #PID<0.4127.0>): {:charge, 4711}"),
    (5, "Started billing_prod.service - Billing (prod)."),
    (4, "upstream timed out (110: Connection timed out) while reading response header"),
    (3, "FATAL:  password authentication failed for user \"billing\""),
]


def pick_source(rnd):
    roll = rnd.randrange(100)
    for source in SOURCES:
        if roll < source[3]:
            return source
        roll -= source[3]
    return SOURCES[0]


def entries(i, rnd, now):
    """One message: one entry, or one per line from a release's stdout."""
    unit, ident, pid, _, stream = pick_source(rnd)
    priority, message = MESSAGES[rnd.randrange(len(MESSAGES))]
    lines = message.split("\n") if ident == "billing" else [message]
    for n, line in enumerate(lines):
        yield entry(i + n, rnd, now + n * 150, unit, ident, pid, stream, priority, line)


def entry(i, rnd, now, unit, ident, pid, stream, priority, message):
    fields = {
        "__CURSOR": f"s=0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e;i={i + 1:x};b={BOOT};m={now % 10**9:x};t={now:x};x={rnd.getrandbits(60):x}",
        "__REALTIME_TIMESTAMP": str(now),
        "__MONOTONIC_TIMESTAMP": str(now % 10**9),
        "_BOOT_ID": BOOT,
        "_MACHINE_ID": MACHINE,
        "_HOSTNAME": "app1",
        "PRIORITY": str(priority),
        "SYSLOG_FACILITY": "3",
        "SYSLOG_IDENTIFIER": ident,
        "_PID": pid,
        "_UID": "1001",
        "_GID": "1001",
        "_COMM": "beam.smp" if ident == "billing" else ident,
        "_SYSTEMD_UNIT": unit,
        "_SYSTEMD_SLICE": "system.slice",
        "_SYSTEMD_CGROUP": f"/system.slice/{unit}",
        "_TRANSPORT": "stdout" if ident == "billing" else "journal",
        "_STREAM_ID": stream,
        "MESSAGE": message,
    }
    # A message with an escape or invalid UTF-8 is stored as bytes (an array in json).
    if rnd.random() < 0.003:
        fields["MESSAGE"] = list(b"\x1b[31m" + message.encode() + b"\x1b[0m \xff")
    return fields


def write_export(out, fields):
    for key, value in fields.items():
        data = bytes(value) if isinstance(value, list) else value.encode()
        if isinstance(value, list) or b"\n" in data:
            out.write(key.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n")
        else:
            out.write(key.encode() + b"=" + data + b"\n")
    out.write(b"\n")


def main():
    if len(sys.argv) < 2 or not sys.argv[1].isdigit():
        sys.exit(__doc__.strip().splitlines()[-1])
    count = int(sys.argv[1])
    export = "--export" in sys.argv[2:]
    rnd = random.Random(20261120)
    out = sys.stdout.buffer
    now = START_US
    i = 0
    while i < count:
        now += rnd.randrange(1000, 4000)
        for fields in entries(i, rnd, now):
            if i == count:
                break
            i += 1
            if export:
                write_export(out, fields)
            else:
                out.write(json.dumps(fields, separators=(",", ":")).encode() + b"\n")
        now += 1000


main()
