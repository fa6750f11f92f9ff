"""Driver of bench/compare-icinga2.sh (see there): NSCA clients -> our daemon -> Icinga 2,
against the same results posted straight to Icinga 2's API; prints a Markdown table."""
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Paths, the sequence-number pattern and the process helpers of the daemon benchmark.
from compare_nsca_daemon import LOAD, OURS, ROOT, SEQ, cpu_seconds, free_port  # noqa: E402

DIRECT = os.path.join(ROOT, "target/release/examples/icinga2_post")
ICINGA2 = "/usr/sbin/icinga2"
NSCA_PASSWORD = "benchmark password"
API_USER = "bench"
API_PASSWORD = "bench-api-password"


def children_cpu():
    """CPU seconds of the children waited for so far (the load generators)."""
    usage = os.times()
    return usage.children_user + usage.children_system


def sh(args, cwd):
    subprocess.run(args, cwd=cwd, check=True, stdin=subprocess.DEVNULL,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Icinga:
    """A throw-away Icinga 2 in DIR: certificates, API user, HOSTS hosts with a passive
    service `load`, and a record of every processed result (written out when it stops)."""

    def __init__(self, tmp, hosts, pki):
        self.dir = tmp
        self.port = free_port()
        for sub in ("etc/conf.d", "etc/zones.d", "lib/certs", "log", "cache", "spool/record",
                    "run"):
            os.makedirs(os.path.join(tmp, sub), exist_ok=True)
        for name, target in (("ca.crt", "ca.crt"), ("node.crt", "localhost.crt"),
                             ("node.key", "localhost.key")):
            with open(os.path.join(pki, name), "rb") as src, \
                    open(os.path.join(tmp, "lib/certs", target), "wb") as dst:
                dst.write(src.read())
        self.ca = os.path.join(tmp, "lib/certs/ca.crt")
        self.conf = os.path.join(tmp, "etc/icinga2.conf")
        hosts_conf = "".join(
            f'object Host "host{h:03}" {{ check_command = "dummy"; enable_active_checks = false }}\n'
            f'object Service "load" {{ host_name = "host{h:03}"; check_command = "passive"; '
            f'enable_active_checks = false; max_check_attempts = 1 }}\n'
            for h in range(hosts))
        with open(self.conf, "w") as f:
            f.write(f"""const NodeName = "localhost"
const ZoneName = NodeName
const TicketSalt = ""
include <itl>
object Endpoint NodeName {{ }}
object Zone ZoneName {{ endpoints = [ NodeName ] }}
object ApiListener "api" {{ bind_host = "127.0.0.1"; bind_port = {self.port}; ticket_salt = TicketSalt }}
object ApiUser "{API_USER}" {{ password = "{API_PASSWORD}"; permissions = [ "actions/process-check-result", "objects/query/*" ] }}
object PerfdataWriter "record" {{
  service_perfdata_path = SpoolDir + "/record/service"
  service_temp_path = SpoolDir + "/record/service.tmp"
  host_perfdata_path = SpoolDir + "/record/host"
  host_temp_path = SpoolDir + "/record/host.tmp"
  service_format_template = "$service.output$"
  host_format_template = "$host.output$"
  rotation_interval = 1d
}}
{hosts_conf}""")
        d = lambda sub: os.path.join(tmp, sub)
        user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
        group = subprocess.run(["id", "-gn"], capture_output=True, text=True).stdout.strip()
        self.proc = subprocess.Popen(
            [ICINGA2, "daemon", "-c", self.conf, "-x", "warning",
             f"-DConfigDir={d('etc')}", f"-DZonesDir={d('etc/zones.d')}",
             f"-DDataDir={d('lib')}", f"-DLogDir={d('log')}", f"-DCacheDir={d('cache')}",
             f"-DSpoolDir={d('spool')}", f"-DInitRunDir={d('run')}",
             f"-DRunAsUser={user}", f"-DRunAsGroup={group}"],
            cwd=tmp, stdin=subprocess.DEVNULL, stdout=open(d("log/icinga2.log"), "ab"),
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 30
        while time.time() < deadline:
            out = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", self.ca,
                 "-u", f"{API_USER}:{API_PASSWORD}",
                 f"https://127.0.0.1:{self.port}/v1/objects/hosts/host000?attrs=name"],
                capture_output=True, text=True)
            if out.stdout == "200":
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("Icinga 2 did not come up; see " + d("log/icinga2.log"))

    def url(self):
        return f"https://127.0.0.1:{self.port}"

    def pids(self):
        """The main process, its worker and its helper."""
        found = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if self.conf.encode() in f.read().split(b"\0"):
                        found.append(int(entry))
            except OSError:
                pass
        return found

    def cpu(self):
        return sum(cpu_seconds(p) for p in self.pids())

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        for _ in range(100):
            left = self.pids()
            if not left:
                break
            time.sleep(0.05)
        for pid in self.pids():
            os.kill(pid, 9)

    def processed(self):
        """Sequence numbers of the results Icinga 2 processed (read after stop)."""
        seqs = []
        rec = os.path.join(self.dir, "spool/record")
        for name in os.listdir(rec):
            if name.startswith("service"):
                with open(os.path.join(rec, name), "rb") as f:
                    seqs.extend(int(m) for m in SEQ.findall(f.read()))
        return seqs


def make_pki(pki):
    sh(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "30",
        "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=nsca-rs bench CA",
        "-addext", "basicConstraints=critical,CA:TRUE"], pki)
    sh(["openssl", "req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256",
        "-keyout", "node.key", "-out", "node.csr", "-subj", "/CN=localhost"], pki)
    with open(os.path.join(pki, "node.ext"), "w") as f:
        f.write("basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n"
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    sh(["openssl", "x509", "-req", "-sha256", "-days", "30", "-in", "node.csr", "-CA", "ca.crt",
        "-CAkey", "ca.key", "-CAcreateserial", "-out", "node.crt", "-extfile", "node.ext"], pki)


def metric(addr, name):
    with urllib.request.urlopen(f"http://{addr}/metrics", timeout=5) as r:
        for line in r.read().decode().splitlines():
            if line.startswith(name + " "):
                return int(float(line.split()[1]))
    return 0


def summary(total, seqs):
    unique = len(set(seqs))
    return total - unique, len(seqs) - unique


def run_direct(pki, total, hosts, conns):
    with tempfile.TemporaryDirectory() as tmp:
        icinga = Icinga(tmp, hosts, pki)
        try:
            cpu0, client0 = icinga.cpu(), children_cpu()
            out = subprocess.run(
                [DIRECT, icinga.url(), icinga.ca, API_USER, API_PASSWORD, str(total), str(hosts),
                 str(conns)], capture_output=True, text=True, check=True).stdout.split()
            secs = float(out[1])
            icinga_cpu = icinga.cpu() - cpu0
            client_cpu = children_cpu() - client0
        finally:
            icinga.stop()
        lost, dups = summary(total, icinga.processed())
        return {"rate": total / secs, "daemon_us": None, "icinga_us": icinga_cpu * 1e6 / total,
                "client_us": client_cpu * 1e6 / total,
                "lost": lost, "dups": dups, "answers": out[2] if len(out) > 2 else ""}


def run_daemon(pki, total, hosts, conns):
    with tempfile.TemporaryDirectory() as tmp:
        icinga = Icinga(tmp, hosts, pki)
        daemon = None
        try:
            port = free_port()
            metrics = f"127.0.0.1:{free_port()}"
            cfg = os.path.join(tmp, "nsca.cfg")
            with open(cfg, "w") as f:
                f.write(
                    f"server_address=127.0.0.1\nserver_port={port}\n"
                    f"alternate_dump_file={tmp}/dump\ndebug=0\ndecryption_method=1\n"
                    f"password={NSCA_PASSWORD}\nmax_packet_age=30\nmetrics_address={metrics}\n"
                    f"icinga2_api_url={icinga.url()}\nicinga2_api_user={API_USER}\n"
                    f"icinga2_api_password={API_PASSWORD}\nicinga2_api_ca_file={icinga.ca}\n"
                    f"icinga2_api_connections={conns}\n")
            daemon = subprocess.Popen([OURS, "-f", "-c", cfg, "--single"],
                                      stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                      stderr=open(os.path.join(tmp, "nsca.log"), "wb"))
            deadline = time.time() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    metric(metrics, "nsca_icinga2_delivered_total")
                    break
                except OSError:
                    if time.time() > deadline:
                        raise
                    time.sleep(0.02)
            cpu0, icinga0, client0 = cpu_seconds(daemon.pid), icinga.cpu(), children_cpu()
            start = time.time()
            # One NSCA connection per host, all at once, as many agents sending in batches.
            per = total // hosts
            load = subprocess.Popen(
                [LOAD, f"127.0.0.1:{port}", "1", NSCA_PASSWORD, str(hosts), str(per),
                 str(hosts)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            last, last_change, end = 0, time.time(), time.time()
            while True:
                n = metric(metrics, "nsca_icinga2_delivered_total")
                if n != last:
                    last, last_change, end = n, time.time(), time.time()
                if n >= per * hosts and load.poll() is not None:
                    break
                if time.time() - last_change > 15 and load.poll() is not None:
                    break
                time.sleep(0.02)
            load.wait()
            cpu = cpu_seconds(daemon.pid) - cpu0
            icinga_cpu = icinga.cpu() - icinga0
            client_cpu = children_cpu() - client0
        finally:
            if daemon:
                daemon.terminate()
                daemon.wait(30)
            icinga.stop()
        done = per * hosts
        lost, dups = summary(done, icinga.processed())
        return {"rate": done / max(end - start, 1e-9), "daemon_us": cpu * 1e6 / done,
                "icinga_us": icinga_cpu * 1e6 / done, "client_us": client_cpu * 1e6 / done,
                "lost": lost, "dups": dups,
                "answers": ""}


def main():
    total, hosts, conns, rounds = (int(a) for a in sys.argv[1:5])
    with tempfile.TemporaryDirectory() as pki:
        make_pki(pki)
        rows = {"direct": [], "daemon": []}
        print(f"{total} results for {hosts} services, {conns} requests in flight, "
              f"{rounds} rounds\n")
        print("| round | path | results/s | client CPU µs/result | daemon CPU µs/result | "
              "Icinga 2 CPU µs/result | lost | duplicated |")
        print("|--:|---|--:|--:|--:|--:|--:|--:|")
        for r in range(1, rounds + 1):
            for name, fn in (("direct", run_direct), ("daemon", run_daemon)):
                res = fn(pki, total, hosts, conns)
                rows[name].append(res)
                label = ("straight to the API (ceiling)" if name == "direct"
                         else "NSCA -> our nsca -> API")
                daemon_us = "" if res["daemon_us"] is None else f"{res['daemon_us']:.0f}"
                print(f"| {r} | {label} | {res['rate']:,.0f} | {res['client_us']:.0f} | {daemon_us} | "
                      f"{res['icinga_us']:.0f} | {res['lost']} | {res['dups']} |", flush=True)
        direct = statistics.median(r["rate"] for r in rows["direct"])
        daemon = statistics.median(r["rate"] for r in rows["daemon"])
        cpu = statistics.median(r["daemon_us"] for r in rows["daemon"])
        print(f"\nMedian: ceiling {direct:,.0f} results/s, through the daemon {daemon:,.0f} "
              f"results/s = **{100 * daemon / direct:.0f} %** of the ceiling; daemon CPU "
              f"{cpu:.0f} µs per result; lost "
              f"{sum(r['lost'] for r in rows['daemon'])}, duplicated "
              f"{sum(r['dups'] for r in rows['daemon'])}.")


if __name__ == "__main__":
    main()
