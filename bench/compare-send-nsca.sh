#!/usr/bin/env bash
# Our send_nsca against Debian's C send_nsca 2.10.2, side by side in one run, on this machine.
#
#   bench/compare-send-nsca.sh [RUNS_ONE] [CHECKS_BULK] [RUNS_BULK] [CHECKS_METHOD] [RUNS_METHOD]
#
# Both clients send to the same receiver, nsca-cli/examples/discard_receiver.rs, which greets
# each connection with an init packet and throws the data away, so that the clients are
# measured and not a daemon. Runs of the two clients alternate (ours, C, ours, C, ...), so
# that a change in the machine's load hits both alike. Each process is started directly (no
# shell) with stdin from a file; wall time is measured around fork/exec/wait. Peak RSS comes
# from GNU time (`/usr/bin/time -f %M`): a child forked from python would inherit python's
# high-water mark in ru_maxrss.
#
#  1. One check per process (RUNS_ONE runs each, default 300): median wall time, ours/C, also
#     net of the cost of starting a process (/bin/true measured the same way).
#  2. CHECKS_BULK checks in one process (default 100000, one per line, -ds 0x0a, -to 600),
#     methods 0 and 1, RUNS_BULK runs each (default 3): median wall time and C/ours. The
#     receiver's byte counts are checked: every check of every run must arrive.
#  3. Peak RSS for 1, 1000 and CHECKS_BULK checks, both clients.
#  4. Every libmcrypt method (2-6, 8-11, 14-16, 20, 23, 26; password "benchmark password", and
#     Triple DES also with an 8-byte one): CHECKS_METHOD checks in one process (default 300;
#     0 skips this part), RUNS_METHOD runs each (default 2), alternating: checks/s of both
#     clients, best run each. nsca/benches/RESULTS-ciphers.md sets these next to the library's
#     per-packet rates.
#
# Needs: cargo, python3, GNU time, and the C client (Debian's nsca-client and time packages;
# installed with apt-get when missing and we are root or have sudo).
set -euo pipefail
cd "$(dirname "$0")/.."

runs_one=${1:-300}
bulk=${2:-100000}
runs_bulk=${3:-3}
checks_method=${4:-300}
runs_method=${5:-2}
c_client=${C_SEND_NSCA:-/usr/sbin/send_nsca}

missing=()
[ -x "$c_client" ] || missing+=(nsca-client)
[ -x /usr/bin/time ] || missing+=(time)
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> installing Debian packages: ${missing[*]}"
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "==> building (release): send_nsca and the discard receiver"
cargo build --release --locked -q -p nsca-cli --bin send_nsca --example discard_receiver
ours=$PWD/target/release/send_nsca

tmp=$(mktemp -d)
receiver=""
cleanup() {
    [ -n "$receiver" ] && kill "$receiver" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

target/release/examples/discard_receiver -v >"$tmp/addr" 2>"$tmp/received" &
receiver=$!
for _ in $(seq 100); do [ -s "$tmp/addr" ] && break; sleep 0.05; done
port=$(cut -d: -f2 "$tmp/addr")

python3 - "$ours" "$c_client" "$port" "$tmp" "$runs_one" "$bulk" "$runs_bulk" \
    "$checks_method" "$runs_method" <<'PY'
import os, statistics, subprocess, sys, time

ours, c, port, tmp = sys.argv[1:5]
runs_one, bulk, runs_bulk, checks_method, runs_method = map(int, sys.argv[5:10])
received = os.path.join(tmp, "received")

def write(name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path

cfg = {0: write("m0.cfg", "encryption_method=0\n"),
       1: write("m1.cfg", "encryption_method=1\npassword=bench password\n")}
# Part 4's configurations, by label.
METHODS = [(2, "des"), (3, "tripledes"), (4, "cast-128"), (5, "cast-256"), (6, "xtea"),
           (8, "blowfish"), (9, "twofish"), (10, "loki97"), (11, "rc2"), (14, "rijndael-128"),
           (15, "rijndael-192"), (16, "rijndael-256"), (20, "serpent"), (23, "gost"),
           (26, "saferplus")]
method_cfgs = [(f"{n} {name}", write(f"m{n}.cfg", f"encryption_method={n}\n"
                                     "password=benchmark password\n"))
               for n, name in METHODS]
method_cfgs.insert(2, ("3 tripledes, 8-byte password",
                       write("m3short.cfg", "encryption_method=3\npassword=8bytepw!\n")))
one = write("one.txt", "web1\tHTTP\t0\tHTTP OK - 0.002 second response time | time=0.002s\n")
def lines(n):
    return "".join(f"host{i % 500:03d}\tsvc{i:06d}\t{i % 4}\tOK - check {i} of {n}|v={i}\n"
                   for i in range(n))
inputs = {1: one, 1000: write("k1.txt", lines(1000)), bulk: write("bulk.txt", lines(bulk))}

def run(argv, stdin_path):
    """Wall seconds and exit code of one process."""
    with open(stdin_path, "rb") as stdin:
        start = time.perf_counter()
        code = subprocess.call(argv, stdin=stdin, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
        return time.perf_counter() - start, code

def peak_rss(argv, stdin_path):
    """Peak RSS in KiB, as GNU time reports it."""
    out = os.path.join(tmp, "rss")
    with open(stdin_path, "rb") as stdin:
        subprocess.check_call(["/usr/bin/time", "-o", out, "-f", "%M", *argv], stdin=stdin,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out) as f:
        return int(f.read().split()[-1])

def client_args(prog, method, extra=()):
    config = cfg[method] if isinstance(method, int) else method
    return [prog, "-H", "127.0.0.1", "-p", port, "-c", config, *extra]

def received_bytes():
    with open(received) as f:
        return [int(l.split()[3]) for l in f if l.startswith("connection ended")]

def wait_received(count):
    deadline = time.time() + 30
    while len(received_bytes()) < count and time.time() < deadline:
        time.sleep(0.01)
    return received_bytes()

ms = lambda s: f"{s * 1000:.3f} ms"
print(f"\nmachine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
      f"C client: {c}; ours: {ours}")

# 1. One check per process.
for _ in range(20):  # warm-up: page cache, receiver threads
    run(client_args(ours, 1), one); run(client_args(c, 1), one); run(["/bin/true"], one)
times = {"ours": [], "c": [], "true": []}
for _ in range(runs_one):
    for name, argv in (("ours", client_args(ours, 1)), ("c", client_args(c, 1)),
                       ("true", ["/bin/true"])):
        wall, code = run(argv, one)
        if name != "true" and code != 0:
            sys.exit(f"{name} exited {code}")
        times[name].append(wall)
med = {k: statistics.median(v) for k, v in times.items()}
net = {k: med[k] - med["true"] for k in ("ours", "c")}
print(f"\n1. one check per process, method 1 (XOR), {runs_one} runs each, alternating")
print(f"   median wall: ours {ms(med['ours'])}, C {ms(med['c'])}, /bin/true {ms(med['true'])}")
print(f"   ours/C = {med['ours'] / med['c']:.3f} (target <= 1.0); "
      f"net of process start: ours {ms(net['ours'])}, C {ms(net['c'])}, "
      f"ours/C = {net['ours'] / net['c']:.3f}")

# 2. Many checks in one process.
print(f"\n2. {bulk} checks in one process (-ds 0x0a -to 600), {runs_bulk} runs each, alternating")
for method in (0, 1):
    walls = {"ours": [], "c": []}
    for _ in range(runs_bulk):
        for name, prog in (("ours", ours), ("c", c)):
            before = len(received_bytes())
            wall, code = run(client_args(prog, method, ("-ds", "0x0a", "-to", "600")),
                             inputs[bulk])
            got = wait_received(before + 1)
            if code != 0 or got[before] != bulk * 4304:
                sys.exit(f"{name} method {method}: exit {code}, receiver got {got[before:]} "
                         f"bytes, expected {bulk * 4304}")
            walls[name].append(wall)
    o, cc = statistics.median(walls["ours"]), statistics.median(walls["c"])
    print(f"   method {method}: ours {o:.3f} s ({bulk / o:,.0f} checks/s), "
          f"C {cc:.3f} s ({bulk / cc:,.0f} checks/s); C/ours = {cc / o:.1f}x (target >= 10)")

# 3. Peak RSS.
print("\n3. peak RSS (KiB), method 1")
rss = {}
for n, path in sorted(inputs.items()):
    for name, prog in (("ours", ours), ("c", c)):
        rss[(name, n)] = peak_rss(client_args(prog, 1, ("-ds", "0x0a", "-to", "600")), path)
    print(f"   {n:>7} checks: ours {rss[('ours', n)]:>6}, C {rss[('c', n)]:>6}, "
          f"ours/C = {rss[('ours', n)] / rss[('c', n)]:.2f} (target < 2)")
for name in ("ours", "c"):
    print(f"   {name}: {rss[(name, bulk)] - rss[(name, 1000)]:+d} KiB from 1000 to {bulk} checks "
          f"(must not grow with the number of checks)")

# 4. Every libmcrypt method.
if checks_method > 0:
    print(f"\n4. {checks_method} checks in one process per libmcrypt method, "
          f"{runs_method} runs each, alternating; best run each (checks/s)")
    print("   | method | ours | C | ours/C |")
    print("   |---|--:|--:|--:|")
    method_input = write("methods.txt", lines(checks_method))
    for label, config in method_cfgs:
        best = {"ours": 0.0, "c": 0.0}
        for _ in range(runs_method):
            for name, prog in (("ours", ours), ("c", c)):
                before = len(received_bytes())
                wall, code = run(client_args(prog, config, ("-ds", "0x0a", "-to", "600")),
                                 method_input)
                got = wait_received(before + 1)
                if code != 0 or got[before] != checks_method * 4304:
                    sys.exit(f"{name} {label}: exit {code}, receiver got {got[before:]} bytes, "
                             f"expected {checks_method * 4304}")
                best[name] = max(best[name], checks_method / wall)
        print(f"   | {label} | {best['ours']:,.0f} | {best['c']:,.0f} | "
              f"{best['ours'] / best['c']:.1f}x |", flush=True)
PY
