#!/usr/bin/env python3
"""Write examples/billing/journal/billing_prod.export: a short journal of the
billing_prod unit in systemd's journal export format, as journald stores an Elixir
release that logs to stdout (every line PRIORITY=6, one entry per line).

Run it again after changing the lines below; the output is deterministic."""
import re
import struct
import sys

BOOT = "6a1e0c3f2b8d4e5fa7c9d0e1f2a3b4c5"
MACHINE = "0f9e8d7c6b5a49382716f5e4d3c2b1a0"
DAY_US = 1_795_132_800_000_000  # 2026-11-20 00:00:00 UTC
PID = "48211"

LINES = [
    "10:00:00.112 [info] Running BillingWeb.Endpoint with cowboy 2.9.0 at :::4000 (http)",
    "10:00:00.118 [info] Access BillingWeb.Endpoint at https://example.com",
    "10:00:03.402 request_id=FxK2pQ7hZ1Aa9b [info] GET /invoices",
    "10:00:03.417 request_id=FxK2pQ7hZ1Aa9b [debug] QUERY OK source=\"invoices\" db=2.1ms queue=0.3ms idle=912.4ms\n"
    "SELECT i0.\"id\", i0.\"number\", i0.\"total\" FROM \"invoices\" AS i0 ORDER BY i0.\"inserted_at\" DESC []",
    "10:00:03.421 request_id=FxK2pQ7hZ1Aa9b [info] Sent 200 in 19ms",
    "10:00:07.880 request_id=FxK2rT0bQ4Bb2c [info] POST /invoices/4711/pay",
    "10:00:07.903 [error] GenServer Billing.PaymentWorker terminating",
    "** (ArithmeticError) bad argument in arithmetic expression",
    "    (billing 0.1.0) lib/billing/payment_worker.ex:42: Billing.PaymentWorker.handle_call/3",
    "    (stdlib 3.17) gen_server.erl:721: :gen_server.try_handle_call/4",
    "    (stdlib 3.17) gen_server.erl:750: :gen_server.handle_msg/6",
    "Last message (from #PID<0.2841.0>): {:pay, 4711, nil}",
    "10:00:07.905 request_id=FxK2rT0bQ4Bb2c [info] Sent 500 in 25ms",
    "\x1b[33m10:00:09.001 [warning] Payment provider answered slowly (1520ms)\x1b[0m",
    "10:00:12.250 request_id=FxK2tU3cR5Cc3d [info] GET /health",
    "10:00:12.251 request_id=FxK2tU3cR5Cc3d [info] Sent 200 in 412µs",
]


def field(name, value):
    data = value.encode("utf-8")
    printable = all(b >= 0x20 or b == 0x09 for b in data)
    if printable:
        return name.encode() + b"=" + data + b"\n"
    return name.encode() + b"\n" + struct.pack("<Q", len(data)) + data + b"\n"


def line_time_us(line, previous):
    """The time the line itself states (HH:MM:SS.mmm), else just after the previous one."""
    stated = re.match(r"(?:\x1b\[[0-9;]*m)?(\d\d):(\d\d):(\d\d)\.(\d{3}) ", line)
    if not stated:
        return previous + 150
    h, m, s, ms = (int(g) for g in stated.groups())
    return DAY_US + ((h * 60 + m) * 60 + s) * 1_000_000 + ms * 1000 + 400


def main(out):
    # journald's stdout transport stores one entry per line.
    lines = [part for line in LINES for part in line.split("\n")]
    realtime = DAY_US + 10 * 3_600_000_000
    for seq, line in enumerate(lines, start=1):
        realtime = line_time_us(line, realtime)
        entry = [
            field("__CURSOR", f"s=3b1f0e2d;i={seq:x};b={BOOT};m={seq:x};t={realtime:x};x={seq:x}"),
            field("__REALTIME_TIMESTAMP", str(realtime)),
            field("__MONOTONIC_TIMESTAMP", str(86_400_000_000 + seq * 250_000)),
            field("_BOOT_ID", BOOT),
            field("_MACHINE_ID", MACHINE),
            field("_HOSTNAME", "web1"),
            field("_TRANSPORT", "stdout"),
            field("PRIORITY", "6"),
            field("SYSLOG_FACILITY", "3"),
            field("SYSLOG_IDENTIFIER", "billing"),
            field("_PID", PID),
            field("_UID", "1001"),
            field("_GID", "1001"),
            field("_COMM", "beam.smp"),
            field("_SYSTEMD_UNIT", "billing_prod.service"),
            field("MESSAGE", line),
        ]
        out.write(b"".join(entry) + b"\n")


if __name__ == "__main__":
    with open(sys.argv[1], "wb") as f:
        main(f)
