"""Driver of bench/compare-nsca-daemon.sh (see there): runs both daemons under the same load and
prints a Markdown table."""
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OURS = os.path.join(ROOT, "target/release/nsca")
LOAD = os.path.join(ROOT, "target/release/examples/nsca_load")
FLOOR = os.path.join(ROOT, "target/release/examples/tcp_floor")
C_NSCA = "/usr/sbin/nsca"
PASSWORD = "benchmark password"
SEQ = re.compile(rb"seq=(\d+)")
# A run stops after this long; its row then says so, and "lost" means "not arrived by then".
CAP_SECONDS = 180


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class CpuMeter:
    """CPU time of a daemon and every process it forks. With a writable cgroup (v1 `cpuacct`
    or v2), the daemon is started inside a cgroup of its own and its nanosecond `cpuacct.usage`
    (`usage_usec` in v2) is read: it counts C's `--daemon` children, which fork twice so that
    their parent never reaps them, and it does not round to clock ticks. Otherwise utime+stime
    of the daemon's own process from /proc (10 ms ticks, no children)."""

    ROOTS = ("/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/unified", "/sys/fs/cgroup")

    def __init__(self):
        self.path = None
        for root in self.ROOTS:
            v1 = os.path.exists(os.path.join(root, "cpuacct.usage"))
            v2 = os.path.exists(os.path.join(root, "cgroup.controllers"))
            if not (v1 or v2) or not os.access(root, os.W_OK):
                continue
            path = os.path.join(root, f"nsca-bench-{os.getpid()}-{time.monotonic_ns()}")
            try:
                os.mkdir(path)
            except OSError:
                continue
            self.path, self.v1 = path, v1
            break
        self.pid = None

    @property
    def source(self):
        if self.path is None:
            return "utime+stime of the daemon's process (/proc)"
        return "its cgroup's cpuacct.usage" if self.v1 else "its cgroup's cpu.stat"

    def wrap(self, argv):
        """The command that starts `argv` inside the cgroup."""
        if self.path is None:
            return argv
        return ["sh", "-c", f'echo $$ > "{self.path}/cgroup.procs" && exec "$@"', "sh"] + argv

    def seconds(self):
        if self.path is None:
            return cpu_seconds(self.pid)
        if self.v1:
            with open(os.path.join(self.path, "cpuacct.usage")) as f:
                return int(f.read()) / 1e9
        with open(os.path.join(self.path, "cpu.stat")) as f:
            for line in f:
                if line.startswith("usage_usec "):
                    return int(line.split()[1]) / 1e6
        return 0.0

    def close(self):
        if self.path is None:
            return
        for _ in range(50):
            with open(os.path.join(self.path, "cgroup.procs")) as f:
                pids = [int(p) for p in f.read().split()]
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, 9)
                except OSError:
                    pass
            time.sleep(0.1)
        try:
            os.rmdir(self.path)
        except OSError:
            pass


def cpu_seconds(pid):
    """utime+stime of `pid` from /proc; 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


class LineCounter:
    """Counts the lines of a file that grows, reading only what was added since the last
    call: re-reading the whole command file every 20 ms (10 MB at 100,000 results) would
    take CPU from the daemon under test, most of all from the fastest one."""

    def __init__(self, path):
        self.path = path
        self.file = None
        self.lines = 0

    def count(self):
        if self.file is None:
            try:
                self.file = open(self.path, "rb")
            except FileNotFoundError:
                return 0
        while True:
            chunk = self.file.read(1 << 20)
            if not chunk:
                return self.lines
            self.lines += chunk.count(b"\n")

    def close(self):
        if self.file is not None:
            self.file.close()


def count_lines(path):
    try:
        with open(path, "rb") as f:
            return f.read().count(b"\n")
    except FileNotFoundError:
        return 0


class Daemon:
    def __init__(self, program, method, sink, tmp, mode="--single"):
        self.tmp = tmp
        self.out = os.path.join(tmp, "lines")
        cmd = os.path.join(tmp, "nagios.cmd")
        self.drain = None
        if sink == "fifo":
            os.mkfifo(cmd)
            fd = os.open(cmd, os.O_RDWR)
            self.drain = subprocess.Popen(["cat"], stdin=fd, stdout=open(self.out, "wb"))
            os.close(fd)
        else:
            open(cmd, "wb").close()
            self.out = cmd
        self.port = free_port()
        cfg = os.path.join(tmp, "nsca.cfg")
        with open(cfg, "w") as f:
            f.write(
                f"server_address=127.0.0.1\nserver_port={self.port}\ncommand_file={cmd}\n"
                f"alternate_dump_file={tmp}/dump\nappend_to_file=1\ndebug=0\n"
                f"decryption_method={method}\npassword={PASSWORD}\nmax_packet_age=30\n"
            )
        self.cpu = CpuMeter()
        self.proc = subprocess.Popen(
            self.cpu.wrap([program, "-f", "-c", cfg, mode]),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.cpu.pid = self.proc.pid
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"{program} did not listen")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.cpu.close()
        if self.drain:
            time.sleep(0.3)
            self.drain.kill()


def run(program, method, sink, connections, per, parallel, mode="--single"):
    total = connections * per
    with tempfile.TemporaryDirectory() as tmp:
        d = Daemon(program, method, sink, tmp, mode)
        cpu0 = d.cpu.seconds()
        start = time.time()
        load = subprocess.Popen(
            [LOAD, f"127.0.0.1:{d.port}", str(method), PASSWORD, str(connections), str(per),
             str(parallel)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        counter = LineCounter(d.out)
        last, last_change, end = 0, time.time(), time.time()
        capped = False
        while True:
            n = counter.count()
            if n != last:
                last, last_change, end = n, time.time(), time.time()
            if n >= total and load.poll() is not None:
                break
            if time.time() - last_change > 15 and load.poll() is not None:
                break
            if time.time() - start > CAP_SECONDS:
                capped = True
                load.kill()
                break
            time.sleep(0.005)
        counter.close()
        load.wait()
        time.sleep(0.2)  # C's --daemon children may still be exiting
        cpu = d.cpu.seconds() - cpu0
        rss = peak_rss_kib(d.proc.pid)
        d.stop()
        with open(d.out, "rb") as f:
            seqs = SEQ.findall(f.read())
        unique = len(set(seqs))
        lost = total - unique
        dups = len(seqs) - unique
        secs = max(end - start, 1e-9)
        return {
            "rate": unique / secs,
            "cpu100k": cpu * 100000 / max(unique, 1),
            "rss": rss,
            "lost": lost,
            "dups": dups,
            "capped": capped,
        }


def floor_cpu_per_connection(connections, rounds=3):
    """CPU seconds per 100,000 connections of tcp_floor (see there), which only accepts, sends
    132 bytes, reads to EOF and closes, under the same load as the one-per-connection rows:
    the median of `rounds` runs."""
    samples = []
    for _ in range(rounds):
        port = free_port()
        meter = CpuMeter()
        proc = subprocess.Popen(meter.wrap([FLOOR, f"127.0.0.1:{port}"]),
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        meter.pid = proc.pid
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.02)
        cpu0 = meter.seconds()
        subprocess.run([LOAD, f"127.0.0.1:{port}", "1", PASSWORD, str(connections), "1", "50"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        time.sleep(0.2)
        samples.append((meter.seconds() - cpu0) * 100000 / connections)
        proc.kill()
        proc.wait()
        meter.close()
    return sorted(samples)[len(samples) // 2]


def rss_with_open_connections(n=1000):
    with tempfile.TemporaryDirectory() as tmp:
        d = Daemon(OURS, 1, "file", tmp)
        load = subprocess.Popen(
            [LOAD, f"127.0.0.1:{d.port}", "1", PASSWORD, str(n), "1", str(n), "4"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        load.wait()
        rss = peak_rss_kib(d.proc.pid)
        lines = count_lines(d.out)
        d.stop()
        return rss, lines


def main():
    batched, single = int(sys.argv[1]), int(sys.argv[2])
    methods = [int(m) for m in sys.argv[3].split()]
    sinks = sys.argv[4].split()
    loads = [("batched", 50, max(batched // 50, 1), 50), ("one per connection", single, 1, 50)]
    daemons = (("C 2.10.2 --single", C_NSCA, "--single"), ("C 2.10.2 --daemon", C_NSCA, "--daemon"),
               ("ours", OURS, "--single"))
    print(f"CPU: {CpuMeter().source} (one cgroup per daemon run when writable).\n")
    print(f"| load | method | sink | daemon | results/s | CPU s per 100k | peak RSS MiB | lost | duplicated |")
    print("|---|--:|---|---|--:|--:|--:|--:|--:|")
    for name, conns, per, parallel in loads:
        for method in methods:
            for sink in sinks:
                rows = {}
                for label, program, mode in daemons:
                    r = run(program, method, sink, conns, per, parallel, mode)
                    rows[label] = r
                    print(f"| {name} ({conns * per} results) | {method} | {sink} | {label} | "
                          f"{r['rate']:,.0f} | {r['cpu100k']:.2f} | {r['rss'] / 1024:.1f} | "
                          f"{r['lost']}{' (stopped at ' + str(CAP_SECONDS) + ' s)' if r['capped'] else ''} | {r['dups']} |", flush=True)
                o = rows["ours"]
                for label in ("C 2.10.2 --single", "C 2.10.2 --daemon"):
                    c = rows[label]
                    print(f"| | | | **ours / {label}** | **{o['rate'] / max(c['rate'], 1e-9):.1f}x** | "
                          f"**{o['cpu100k'] / max(c['cpu100k'], 1e-9):.2f}x** | | | |", flush=True)
    if single > 0:
        floor = floor_cpu_per_connection(max(single, 10000))
        print(f"\nTCP floor (tcp_floor: accept, send 132 bytes, read to EOF, close; no NSCA): "
              f"{floor:.2f} CPU s per 100k connections ({floor * 10:.0f} us a connection).")
    rss, lines = rss_with_open_connections()
    print(f"\nOur daemon with 1,000 connections open at once: peak RSS {rss / 1024:.1f} MiB "
          f"({lines} of 1000 results written).")


if __name__ == "__main__":
    main()
