#!/usr/bin/env bash
# Debian's C nsca 2.10.2 and our nsca side by side, in one run, under the same load.
#
#   bench/compare-nsca-daemon.sh [BATCHED_RESULTS] [SINGLE_CONNECTIONS] [METHODS] [SINKS]
#
# Defaults: 100000 results on 50 connections (batched clients), 10000 connections of one result
# each, methods "1 14", sinks "fifo file". For every combination three daemons are started, one
# after the other, from the same nsca.cfg (127.0.0.1, a free port) and fed by the same load
# generator (nsca-daemon/examples/nsca_load.rs, our async client; every output carries a
# sequence number): C's nsca in its single-process mode (-f --single, what Debian's systemd
# unit runs), C's nsca in its multi-process mode (-f --daemon, what Debian's SysV script runs:
# a forked child per connection), and ours (-f --single; one process either way).
# The command file is either a FIFO drained by `cat` (opened read-write, as Nagios does) or a
# regular file with append_to_file=1. A run ends when every result has arrived, or when no new
# line arrived for 15 s. Printed per run: results/s (first connection to last line), the
# daemon's CPU seconds per 100,000 results, its peak RSS (VmHWM of the main process), and lost
# and duplicated results (counted by sequence number). CPU is read from a cgroup made for each
# run when one can be made (cgroup v1 cpuacct or v2; root): nanoseconds, and C's forked
# children included; otherwise utime+stime of the main process from /proc (10 ms ticks, no
# children), which undercounts C's --daemon mode, and the output says which. After the table:
# the CPU that tcp_floor (nsca-daemon/examples/tcp_floor.rs), a server doing nothing but the
# TCP part of one connection, uses per connection under the same load (the floor under any
# daemon's one-per-connection figure), and our daemon's peak RSS with 1,000 connections open.
#
# Needs: cargo, python3, Debian's nsca package (installed with apt-get when missing and we are
# root or have sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
batched=${1:-100000}
single=${2:-10000}
methods=${3:-"1 14"}
sinks=${4:-"fifo file"}

if [ ! -x /usr/sbin/nsca ]; then
    echo "==> installing Debian's nsca"
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nsca
fi
echo "==> building (release): nsca, the load generator and tcp_floor"
cargo build --release --locked -q -p nsca-daemon --bin nsca --example nsca_load --example tcp_floor
ulimit -n 16384 2>/dev/null || true
exec python3 bench/compare_nsca_daemon.py "$batched" "$single" "$methods" "$sinks"
