#!/usr/bin/env python3
"""Per-method packet rates: our library (criterion bench `ciphers`) next to the C client.

    python3 nsca/benches/c/compare.py [CHECKS] [METHOD_NAME ...]

For each libmcrypt method, one after the other so that a change in the machine's load hits
all columns alike:
  1. the real C client, Debian's /usr/sbin/send_nsca 2.10.2, sending CHECKS (default 400)
     4304-byte packets on one connection to a local receiver that greets with an init packet and
     discards the rest: packets/s of the whole process (filler from rand(), CRC, libmcrypt CFB-8
     one byte per call, socket writes);
  2. libmcrypt alone, from `mcrypt_rate.c` (built here with cc -lmcrypt): the C client's
     per-packet work without process and socket, and the cipher loop alone;
  3. `cargo bench -p nsca --bench ciphers` for that method: ClientSession::encode of a
     4304-byte packet with a typical check and with a check whose output fills the packet (the
     worst case for ours: nothing left to choose as ciphertext), and ServerSession::decode.
Then the C client once more. Load from other processes only ever slows a run down, so the C
columns keep the best of two runs (favouring C), ours the median of criterion's samples.
Prints a markdown table.
Needs: cargo, cc, libmcrypt-dev, Debian's nsca-client.
"""

import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PASSWORD = "benchmark password"
# (number, libmcrypt name, benchmark variant, password): every method with PASSWORD, and Triple
# DES also with an 8-byte password, where K2 = K3 = 0 and the crate runs one DES pass.
METHODS = [(n, name, "", PASSWORD) for n, name in [
    (2, "des"), (3, "tripledes"), (4, "cast-128"), (5, "cast-256"), (6, "xtea"),
    (8, "blowfish"), (9, "twofish"), (10, "loki97"), (11, "rc2"), (14, "rijndael-128"),
    (15, "rijndael-192"), (16, "rijndael-256"), (20, "serpent"), (23, "gost"), (26, "saferplus"),
]]
METHODS.insert(2, (3, "tripledes", "8-byte-password", "8bytepw!"))


def discard_server():
    """A receiver that sends an init packet per connection and discards the data."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)

    def serve():
        while True:
            conn, _ = srv.accept()
            conn.sendall(os.urandom(128) + struct.pack(">I", int(time.time())))
            while conn.recv(1 << 16):
                pass
            conn.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


def c_client_rate(port, number, password, checks, tmp):
    cfg = os.path.join(tmp, f"m{number}.cfg")
    with open(cfg, "w") as f:
        f.write(f"encryption_method={number}\npassword={password}\n")
    data = "".join(f"host{i % 50}\tsvc{i}\t{i % 4}\tOK - check {i}\n" for i in range(checks))
    start = time.perf_counter()
    out = subprocess.run(
        ["/usr/sbin/send_nsca", "-H", "127.0.0.1", "-p", str(port), "-c", cfg, "-ds", "0x0a",
         "-to", "600"],
        input=data.encode(), capture_output=True, check=True)
    elapsed = time.perf_counter() - start
    assert f"{checks} data packet(s) sent".encode() in out.stdout, out
    return checks / elapsed


def mcrypt_rate(binary, name):
    out = subprocess.run([binary, "1", name], capture_output=True, text=True, check=True).stdout
    fields = out.strip().splitlines()[-1].split("\t")
    return float(fields[2]), float(fields[3])


def rust_rates(number, name, variant):
    ident = f"{number:02}-{name}" + (f"-{variant}" if variant else "")
    subprocess.run(
        ["cargo", "bench", "-q", "-p", "nsca", "--bench", "ciphers", "--", "--warm-up-time", "1",
         "--measurement-time", "2", f"/{ident}$"],
        cwd=ROOT, check=True, capture_output=True)
    rates = []
    for group in ("encode-4304", "encode-4304-full-output", "decode-4304"):
        path = os.path.join(ROOT, "target", "criterion", group, ident, "new", "estimates.json")
        with open(path) as f:
            ns = json.load(f)["median"]["point_estimate"]
        rates.append(1e9 / ns)
    return rates


def main():
    checks = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    only = set(sys.argv[2:])
    tmp = tempfile.mkdtemp()
    binary = os.path.join(tmp, "mcrypt_rate")
    subprocess.run(["cc", "-O2", "-o", binary, os.path.join(os.path.dirname(__file__),
                    "mcrypt_rate.c"), "-lmcrypt"], check=True)
    subprocess.run(["cargo", "bench", "-q", "-p", "nsca", "--bench", "ciphers", "--no-run"],
                   cwd=ROOT, check=True, capture_output=True)
    port = discard_server()
    print("| method | ours: encode | ours: encode, full output | ours: decode | C send_nsca "
          "| libmcrypt client work | libmcrypt cipher | encode / C | full output / C "
          "| decode / C |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for number, name, variant, password in METHODS:
        if only and name not in only:
            continue
        c1 = c_client_rate(port, number, password, checks, tmp)
        lib1 = mcrypt_rate(binary, name)
        enc, full, dec = rust_rates(number, name, variant)
        lib2 = mcrypt_rate(binary, name)
        c2 = c_client_rate(port, number, password, checks, tmp)
        c = max(c1, c2)
        lib_client, lib_cipher = max(lib1[0], lib2[0]), max(lib1[1], lib2[1])
        label = f"{number} {name}" + (f", {variant.replace('-', ' ')}" if variant else "")
        print(f"| {label} | {enc:,.0f} | {full:,.0f} | {dec:,.0f} | {c:,.0f} "
              f"| {lib_client:,.0f} | {lib_cipher:,.0f} | {enc / c:.1f}x | {full / c:.1f}x "
              f"| {dec / c:.1f}x |", flush=True)


if __name__ == "__main__":
    main()
