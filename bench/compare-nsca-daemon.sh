#!/usr/bin/env bash
# Debian's C nsca 2.10.2 and our nsca side by side, in one run, under the same load.
#
#   bench/compare-nsca-daemon.sh [BATCHED_RESULTS] [SINGLE_CONNECTIONS] [METHODS] [SINKS]
#
# Defaults: 100000 results on 50 connections (batched clients), 10000 connections of one result
# each, methods "1 14", sinks "fifo file". For every combination both daemons are started from
# the same nsca.cfg (127.0.0.1, a free port, -f --single) and fed by the same load generator
# (nsca-daemon/examples/nsca_load.rs, our async client; every output carries a sequence number).
# The command file is either a FIFO drained by `cat` (opened read-write, as Nagios does) or a
# regular file with append_to_file=1. A run ends when every result has arrived, or when no new
# line arrived for 15 s. Printed per run: results/s (first connection to last line), the
# daemon's CPU seconds per 100,000 results (utime+stime from /proc), its peak RSS (VmHWM), and
# lost and duplicated results (counted by sequence number). After the table: the CPU that
# tcp_floor (nsca-daemon/examples/tcp_floor.rs), a server doing nothing but the TCP part of one
# connection, uses per connection under the same load (the floor under any daemon's
# one-per-connection figure), and our daemon's peak RSS with 1,000 connections open at once.
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
