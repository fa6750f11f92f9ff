#!/usr/bin/env bash
# The main job, end to end: build our send_nsca and send passive check results with it.
#
#   ./demo.sh                      start our nsca daemon on 127.0.0.1 (a temporary nsca.cfg,
#                                  the command file a temporary file) and send to it: three
#                                  hand-written checks, then two OSSEC alerts through the
#                                  active-response script (contrib/ossec/nagios-alert.sh)
#   ./demo.sh HOST [PORT [CFG]]    send to a real NSCA daemon (send_nsca.cfg CFG for the
#                                  password and method; default /etc/send_nsca.cfg if present)
#
# With no host given, the demo prints the daemon's command file: exactly what Nagios would read.
set -euo pipefail
cd "$(dirname "$0")"

echo "==> building send_nsca and the nsca daemon (release)"
cargo build --release --locked -q -p nsca-cli --bin send_nsca
cargo build --release --locked -q -p nsca-daemon --bin nsca
target_dir=${CARGO_TARGET_DIR:-target}
send_nsca=$target_dir/release/send_nsca

checks() {
    # Two service checks and a host check, separated by ETB (0x17) as send_nsca 2.10 expects.
    printf 'web1\tHTTP\t0\tHTTP OK - 0.002 second response time | time=0.002s\027'
    printf 'web1\tDisk /\t1\tDISK WARNING - 12%% free\nlong output: /var is at 88%%\027'
    printf 'db1\t2\tPING CRITICAL - Packet loss = 100%%\027'
}

if [ $# -ge 1 ]; then
    host=$1 port=${2:-5667}
    args=(-H "$host" -p "$port")
    [ $# -ge 3 ] && args+=(-c "$3")
    echo "==> sending 3 check results to $host:$port"
    checks | "$send_nsca" "${args[@]}"
    exit
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
out=$work/nagios.cmd
: >"$out"
cat >"$work/nsca.cfg" <<CFG
server_address=127.0.0.1
server_port=$port
command_file=$out
append_to_file=1
alternate_dump_file=$work/nsca.dump
decryption_method=1
password=demo-password
CFG
"$target_dir/release/nsca" -f -c "$work/nsca.cfg" 2>"$work/nsca.log" &
receiver=$!
trap 'kill $receiver 2>/dev/null; rm -rf "$work" "$cfg"' EXIT
cfg=$(mktemp)
printf 'password=demo-password\nencryption_method=1\n' >"$cfg"
# Ready once it says it listens (a probe connection would only add a line to its log).
for _ in $(seq 200); do
    grep -q 'listening on' "$work/nsca.log" 2>/dev/null && break
    sleep 0.05
done

echo "==> sending 3 check results to our nsca daemon on 127.0.0.1:$port (XOR, password from $cfg)"
checks | "$send_nsca" -H 127.0.0.1 -p "$port" -c "$cfg"

wait_lines() {
    for _ in $(seq 100); do
        [ "$(wc -l <"$out")" -ge "$1" ] && return
        sleep 0.05
    done
}
wait_lines 3

# OSSEC's side: the active-response script finds each alert in alerts.log by its id and sends
# it as one passive check, exactly as ossec-execd would run it.
ossec=$(mktemp -d)
trap 'kill $receiver 2>/dev/null; rm -rf "$work" "$cfg" "$ossec"' EXIT
mkdir -p "$ossec/etc" "$ossec/logs/alerts"
cp tests/data/ossec/alerts.log "$ossec/logs/alerts/alerts.log"
send_nsca_abs=$(cd "$(dirname "$send_nsca")" && pwd)/send_nsca
cat >"$ossec/etc/nagios-alert.conf" <<CONF
OSSEC_DIR=$ossec
NSCA_HOST=127.0.0.1
NSCA_PORT=$port
SEND_NSCA=$send_nsca_abs
SEND_NSCA_CFG=$cfg
CONF
echo "==> OSSEC: running the active response for alerts 1529416958.563 (level 5) and 1529416972.861 (level 10)"
NAGIOS_ALERT_CONF=$ossec/etc/nagios-alert.conf contrib/ossec/nagios-alert.sh add - 203.0.113.45 1529416958.563 5716 "(web01) 10.0.0.5->/var/log/secure"
NAGIOS_ALERT_CONF=$ossec/etc/nagios-alert.conf contrib/ossec/nagios-alert.sh add - 198.51.100.77 1529416972.861 5720 "(db02) 10.0.0.12->/var/log/auth.log"
wait_lines 5
sed 's/^/    /' "$ossec/logs/active-responses.log"

echo "==> what our nsca daemon wrote to the command file (what Nagios reads):"
cat "$out"
echo "==> the daemon's log:"
sed 's/^/    /' "$work/nsca.log"
[ "$(wc -l <"$out")" -ge 5 ]
