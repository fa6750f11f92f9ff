#!/usr/bin/env bash
# NSCA into Icinga 2 through our daemon, against the ceiling Icinga 2 itself allows here.
#
#   bench/compare-icinga2.sh [RESULTS] [SERVICES] [CONNECTIONS] [ROUNDS]
#
# Defaults: 20000 results for 50 services, 4 requests in flight, 3 rounds. Every run gets a
# fresh Icinga 2 (Debian's icinga2-bin, loopback, temp dir, log level warning) with one passive
# service `load` on each of hosts host000..host049, and a record of every result it processes.
#  - ceiling: the results posted straight to the API by a minimal client with keep-alive
#    (nsca-daemon/examples/icinga2_post.rs: the daemon's own HTTPS client and JSON mapping,
#    CONNECTIONS requests in flight, nothing in between);
#  - daemon: the same results sent over NSCA (nsca-daemon/examples/nsca_load.rs, one connection
#    per service, XOR) to our nsca with icinga2_api_url and no command_file, which posts them
#    with icinga2_api_connections=CONNECTIONS; timed from the first connection until the
#    daemon counts the last one delivered.
# Printed per run: results/s, our daemon's CPU time per result (utime+stime from /proc), Icinga
# 2's CPU time per result (all its processes), and results lost or duplicated, counted by
# sequence number in Icinga 2's own record (not by our counters). Then the medians and the
# ratio. Both paths run on the same machine as Icinga 2, so they share its cores.
#
# Needs: cargo, python3, openssl, curl, Debian's icinga2-bin (installed with apt-get when
# missing and we are root or have sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
results=${1:-20000}
services=${2:-50}
connections=${3:-4}
rounds=${4:-3}

if [ ! -x /usr/sbin/icinga2 ]; then
    echo "==> installing Debian's icinga2-bin"
    as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        icinga2-bin openssl curl
fi
echo "==> building (release): nsca and the two load generators"
cargo build --release --locked -q -p nsca-daemon --bin nsca --example nsca_load --example icinga2_post
ulimit -n 16384 2>/dev/null || true
exec python3 bench/compare_icinga2.py "$results" "$services" "$connections" "$rounds"
