#!/usr/bin/env python3
"""Benchmark input for release-pack: a release-shaped tree of about MIB mebibytes of
mixed files, deterministic (the same MIB gives the same bytes):

- text, 40%: Elixir source, logs and config, from a vocabulary with random numbers
  and identifiers, so it compresses about as well as real text;
- structured binary, 30%: records of small integers, tags and short random fields,
  as compiled BEAM files and databases are (compresses about 2x);
- noise, 30%: random bytes, as images, fonts and archives in priv/static are.

usage: gen-bench-tree.py DIR MIB
"""
import os
import random
import sys

WORDS = (
    "defmodule def defp do end fn case cond with when else :ok :error nil true false "
    "Billing Invoice Repo Ecto Changeset Phoenix Controller conn params socket assigns "
    "insert update delete get all where select from join preload order_by limit "
    "GET POST /invoices /customers 200 201 404 500 request_id= [info] [error] "
    "|> = -> <- %{ } [ ] ( ) , . :id :amount :currency :status \"EUR\" \"USD\""
).split()


def text(rng, size):
    out, length = [], 0
    while length < size:
        line = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 14)))
        if rng.random() < 0.5:
            line += f" {rng.randint(0, 10**6)} {rng.getrandbits(40):x}"
        line += "\n"
        out.append(line)
        length += len(line)
    return "".join(out).encode()[:size]


def structured(rng, size):
    out = bytearray()
    while len(out) < size:
        tag = rng.randrange(8)
        out += bytes((0x83, tag, rng.randrange(4), 0))
        out += rng.randrange(1 << 16).to_bytes(4, "little")
        out += rng.randbytes(rng.randrange(0, 6))
        out += bytes(rng.randrange(0, 12))
    return bytes(out[:size])


def main():
    root, mib = sys.argv[1], int(sys.argv[2])
    rng = random.Random(20261123)
    # Files are slices of two 8 MiB pools (far more than deflate's 32 KiB window),
    # which keeps generation fast; noise is drawn fresh.
    pools = {"text": text(rng, 8 << 20), "structured": structured(rng, 8 << 20)}
    total, budget, index = 0, mib << 20, 0
    kinds = [("text", 4), ("structured", 3), ("noise", 3)]
    while total < budget:
        kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        size = min(int(rng.lognormvariate(10, 1.5)), 8 << 20, budget - total)
        size = max(size, 1)
        app = f"lib/app{index % 23}-0.{index % 7}.0"
        folder = {"text": "priv/repo", "structured": "ebin", "noise": "priv/static"}[kind]
        path = os.path.join(root, app, folder, f"{kind}{index}.bin")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if kind == "noise":
            data = rng.randbytes(size)
        else:
            start = rng.randrange(len(pools[kind]) - size + 1)
            data = pools[kind][start : start + size]
        with open(path, "wb") as f:
            f.write(data)
        total += size
        index += 1
    print(f"{index} files, {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
