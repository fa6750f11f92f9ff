#!/bin/sh
# nagios-alert.sh - OSSEC HIDS / Wazuh active response: send one alert to Nagios (or Icinga 1,
# Naemon) as a passive service check, through send_nsca.
#
# Install as <ossec>/active-response/bin/nagios-alert.sh (root:ossec, mode 0750) on the OSSEC
# *server* (manager): only the server has logs/alerts/alerts.log, so the <active-response> block
# must say <location>server</location>. Settings are read from <ossec>/etc/nagios-alert.conf
# (or the file named by $NAGIOS_ALERT_CONF). See docs/ossec-nagios.md.
#
# How it is called:
#   nagios-alert.sh flush
#     (by hand, cron or a systemd timer: sends what waits in the spool, see SPOOL below; exits
#     with send_nsca's status, 0 when the spool is empty afterwards, 75 when results still wait)
#   OSSEC 2.x, Wazuh 3.x:
#     nagios-alert.sh ACTION USER SRCIP ALERTID RULEID [LOCATION...] [FILENAME] [EXTRA_ARGS]
#     (ossec-execd splits its message on every space, so an agent location
#     "(web01) 10.0.0.5->/var/log/secure" arrives as two arguments.)
#   Wazuh 4.2 and later: no arguments, one JSON object on standard input
#     ({"command":"add", ..., "parameters":{"alert":{..., "id":"<ALERTID>", ...}}}).
# Only ALERTID is needed: the alert itself is read from alerts.log, the block that starts with
# "** Alert ALERTID:" and ends at the first empty line.
#
# What it sends (one check result): host = the agent name (or the host name of a local event),
# mapped through HOST_MAP; service = $SERVICE; state = from the rule level (WARNING_LEVEL,
# CRITICAL_LEVEL); output = the rule description, then as long output a summary line, the field
# lines (Src IP:, User: ...) and the logged event lines.
#
# When the send_nsca it runs is this project's (nsca-rs), it passes --spool: an alert that cannot
# be delivered now (Nagios' NSCA daemon down, restarting, unreachable) is kept in SPOOL_DIR and
# sent, oldest first, by the next alert or by "nagios-alert.sh flush". SPOOL=no turns that off;
# with the C send_nsca the script sends as before, and an undelivered alert is only logged.
#
# It never fails OSSEC: every outcome is logged to active-responses.log and it exits 0. Nothing
# it writes to active-responses.log (which OSSEC itself watches) contains the alert's text or a
# word OSSEC's rules treat as an error, so a failing send cannot raise new alerts; send_nsca's
# own messages go to $DETAIL_LOG.
#
# Dependencies: POSIX sh, awk, sed, tail, date; send_nsca (the C one from NSCA 2.10.x or the
# drop-in Rust one); "timeout" (coreutils) is used when present.

LC_ALL=C
export LC_ALL
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}
export PATH
umask 027

# --- where we are ----------------------------------------------------------------------------
case $0 in
    */*) script_dir=$(cd "${0%/*}" 2>/dev/null && pwd -P) || script_dir=. ;;
    *) script_dir=$(pwd -P) ;;
esac
script_name=${0##*/}
case $script_dir in
    */active-response/bin) default_ossec_dir=${script_dir%/active-response/bin} ;;
    *) default_ossec_dir=/var/ossec ;;
esac

# --- settings: defaults, then the config file (a shell fragment) -----------------------------
# Initialise everything here so that nothing leaks in from the environment.
OSSEC_DIR=$default_ossec_dir
NSCA_HOST=127.0.0.1
NSCA_PORT=5667
NSCA_TIMEOUT=10
SEND_NSCA=/usr/sbin/send_nsca
SEND_NSCA_CFG=/etc/send_nsca.cfg
SERVICE=OSSEC
MIN_LEVEL=1
WARNING_LEVEL=7
CRITICAL_LEVEL=12
HOST_MAP=
ALERTS_LOG=
AR_LOG=
DETAIL_LOG=
ALERT_WAIT=2
PIPE_REPLACEMENT=$(printf '\302\246')
MAX_OUTPUT=4000
SPOOL=auto
SPOOL_DIR=

conf=${NAGIOS_ALERT_CONF:-$default_ossec_dir/etc/nagios-alert.conf}
conf_note=
if [ -r "$conf" ]; then
    # shellcheck source=nagios-alert.conf source-path=SCRIPTDIR
    . "$conf"
else
    conf_note="no config file $conf, using defaults"
fi
: "${HOST_MAP:=$OSSEC_DIR/etc/nagios-hosts.map}"
: "${ALERTS_LOG:=$OSSEC_DIR/logs/alerts/alerts.log}"
: "${AR_LOG:=$OSSEC_DIR/logs/active-responses.log}"
: "${DETAIL_LOG:=$OSSEC_DIR/logs/nagios-alert.log}"
: "${SPOOL_DIR:=$OSSEC_DIR/var/nagios-spool}"

# --- logging ---------------------------------------------------------------------------------
# One line per call in the stock format ("`date` $0 $1 $2 $3 $4 $5", as host-deny.sh and
# firewall-drop.sh write it: not the location, whose file name could be "error.log"), then one
# line per outcome. Outcome lines only ever contain ids, numbers, host names and fixed words.
ar_log() {
    printf '%s %s\n' "$(date)" "$*" >>"$AR_LOG" 2>/dev/null
}
outcome() {
    ar_log "$script_name: alert ${ALERTID:--} rule ${RULEID:--}: $*"
}
detail_log() {
    printf '%s %s\n' "$(date)" "$*" >>"$DETAIL_LOG" 2>/dev/null
}
finish() {
    outcome "$@"
    exit 0
}

# --- the spool -------------------------------------------------------------------------------
# --spool only with this project's send_nsca (its version line names nsca-rs); the C client
# would refuse the option.
use_spool=
spool_args() {
    case $SPOOL in
        no | NO | No | 0 | false | off) return 0 ;;
    esac
    [ -x "$SEND_NSCA" ] || return 0
    case $("$SEND_NSCA" -V 2>/dev/null) in
        *nsca-rs*) use_spool=1 ;;
    esac
}

# "nagios-alert.sh flush": send what the spool holds (cron, systemd timer, by hand).
if [ $# -eq 1 ] && [ "$1" = flush ]; then
    spool_args
    if [ -z "$use_spool" ]; then
        echo "$script_name: no spool: SPOOL=$SPOOL, or $SEND_NSCA is not the nsca-rs send_nsca" >&2
        exit 2
    fi
    set -- "$SEND_NSCA" -H "$NSCA_HOST" -p "$NSCA_PORT" -to "$NSCA_TIMEOUT"
    [ -n "$SEND_NSCA_CFG" ] && set -- "$@" -c "$SEND_NSCA_CFG"
    result=$("$@" --spool "$SPOOL_DIR" --flush 2>&1)
    rc=$?
    detail_log "flush of $SPOOL_DIR via $NSCA_HOST:$NSCA_PORT: send_nsca exit $rc: $(printf '%s' "$result" | tr '\n' ' ')"
    [ -n "$result" ] && printf '%s\n' "$result"
    exit "$rc"
fi

# --- arguments -------------------------------------------------------------------------------
if [ $# -eq 0 ]; then
    # Wazuh >= 4.2: one JSON line on stdin. Only the command and the alert id are taken from
    # it; the alert's text comes from alerts.log like for OSSEC. Never wait on a terminal.
    json=
    if [ ! -t 0 ]; then
        IFS= read -r json || :
    fi
    # The first "command" is the message's own ("add", "delete"): it comes before "parameters",
    # where the alert's decoded fields may hold another "command" (sudo's, say).
    ACTION=$(printf '%s\n' "$json" | awk '{
        if (match($0, /"command":[ \t]*"[a-z_]*"/)) {
            s = substr($0, RSTART, RLENGTH); sub(/^"command":[ \t]*"/, "", s); sub(/"$/, "", s); print s
        }
        exit }')
    # The alert id is the first "id" whose value looks like <digits>.<digits>: agent and rule
    # ids have no dot, the alert's decoded fields come after it, and quotes inside JSON strings
    # are escaped, so nothing else matches first.
    ALERTID=$(printf '%s\n' "$json" | awk '{
        if (match($0, /"id":[ \t]*"[0-9]+\.[0-9]+"/)) {
            s = substr($0, RSTART, RLENGTH); sub(/^"id":[ \t]*"/, "", s); sub(/"$/, "", s); print s
        }
        exit }')
    RULEID=$(printf '%s\n' "$json" | awk '{
        i = index($0, "\"rule\":")
        if (i > 0) {
            s = substr($0, i)
            if (match(s, /"id":[ \t]*"[0-9]+"/)) {
                s = substr(s, RSTART, RLENGTH); gsub(/[^0-9]/, "", s); print s
            }
        }
        exit }')
    ar_log "$0 ${ACTION:--} - - ${ALERTID:--} ${RULEID:--} (wazuh json)"
else
    ACTION=$1
    ALERTID=$4
    RULEID=$5
    ar_log "$0 $1 $2 $3 $4 $5"
fi
[ -n "$conf_note" ] && outcome "$conf_note"

case $ACTION in
    add) ;;
    *) finish "nothing to do for action '${ACTION:--}'" ;;
esac
case $ALERTID in
    '' | *[!0-9.]* | .* | *. | *.*.*) finish "no usable alert id, nothing sent" ;;
    *.*) ;;
    *) finish "no usable alert id, nothing sent" ;;
esac
alert_offset=${ALERTID#*.}
[ ${#alert_offset} -le 15 ] || finish "no usable alert id, nothing sent"

# --- find the alert block --------------------------------------------------------------------
# The part of the id after the dot is the byte offset of the entry in the current alerts.log:
# try there first (no scan of a big file), then scan the whole file.
block_at_offset() {
    tail -c +"$((alert_offset + 1))" "$ALERTS_LOG" 2>/dev/null | awk -v hdr="** Alert $ALERTID:" '
        NR == 1 { if (index($0, hdr) != 1) exit; found = 1 }
        found && $0 == "" { exit }
        found { print }'
}
block_by_scan() {
    awk -v hdr="** Alert $ALERTID:" '
        !found && index($0, hdr) == 1 { found = 1 }
        found && $0 == "" { exit }
        found { print }' "$ALERTS_LOG" 2>/dev/null
}

# analysisd writes the alert before it asks execd to run us, so normally the file already
# extends past the offset and one look settles it. If it does not (yet), wait up to ALERT_WAIT
# seconds for it to grow, then scan once anyway (the file may have been rotated).
block=
scanned=
waited=0
while :; do
    if [ -r "$ALERTS_LOG" ]; then
        size=$(wc -c <"$ALERTS_LOG" 2>/dev/null | tr -cd 0-9)
        if [ "${size:-0}" -gt "$alert_offset" ]; then
            block=$(block_at_offset)
            [ -n "$block" ] || block=$(block_by_scan)
            scanned=1
            break
        fi
    fi
    [ "$waited" -ge "$ALERT_WAIT" ] && break
    sleep 1
    waited=$((waited + 1))
done
if [ -z "$scanned" ] && [ -r "$ALERTS_LOG" ]; then
    block=$(block_by_scan)
fi
if [ -z "$block" ]; then
    if [ -r "$ALERTS_LOG" ]; then
        finish "alert not found in $ALERTS_LOG, nothing sent"
    else
        finish "cannot read $ALERTS_LOG, nothing sent"
    fi
fi

# --- parse it --------------------------------------------------------------------------------
# Output lines: 1 level, 2 rule id, 3 the OSSEC host (agent name or syslog host), 4 the
# description, then the long output. Control bytes (TAB, CR, ETB...) become spaces and '|'
# becomes $PIPE_REPLACEMENT, since Nagios would take the rest of the text as performance data.
# The text is cut at whole lines to at most MAX_OUTPUT bytes (NSCA carries 4095).
parsed=$(printf '%s\n' "$block" | awk -v alertid="$ALERTID" -v pipe="$PIPE_REPLACEMENT" \
    -v max="$MAX_OUTPUT" '
function clean(s,    out, i) {
    gsub(ctl, " ", s)
    out = ""
    while ((i = index(s, "|")) > 0) {
        out = out substr(s, 1, i - 1) pipe
        s = substr(s, i + 1)
    }
    return out s
}
# Cuts s to at most n bytes without leaving a broken UTF-8 sequence at the end.
function cut(s, n,    c) {
    if (length(s) <= n) return s
    s = substr(s, 1, n)
    while (length(s) > 0) {
        c = byte[substr(s, length(s), 1)]
        if (c >= 128 && c < 192) { s = substr(s, 1, length(s) - 1); continue }
        if (c >= 192) s = substr(s, 1, length(s) - 1)
        break
    }
    return s
}
BEGIN {
    ctl = "["
    for (i = 1; i < 32; i++) if (i != 10) ctl = ctl sprintf("%c", i)
    ctl = ctl sprintf("%c", 127) "]"
    for (i = 128; i < 256; i++) byte[sprintf("%c", i)] = i
    nlabels = split("Src IP:|Src Location:|Src Port:|Dst IP:|Dst Location:|Dst Port:|User:", labels, "|")
    label_pos = 1
    host = ""; location = ""; level = ""; rule = ""; desc = ""; nlines = 0
}
NR == 1 { next }
NR == 2 {
    # "2018 Jun 19 14:02:38 (web01) 10.0.0.5->/var/log/secure" or "... ossec-srv->/var/log/auth.log"
    location = $0
    sub(/^[0-9]+ [A-Za-z]+ [0-9]+ [0-9:]+ /, "", location)
    if (substr(location, 1, 1) == "(" && index(location, ")") > 2) {
        host = substr(location, 2, index(location, ")") - 2)
    } else if (index(location, "->") > 1) {
        host = substr(location, 1, index(location, "->") - 1)
    } else {
        host = location
    }
    next
}
NR == 3 && /^Rule: [0-9]+ \(level [0-9]+\) -> / {
    rule = $2
    level = $4; sub(/\)$/, "", level)
    desc = $0
    sub(/^Rule: [0-9]+ \(level [0-9]+\) -> /, "", desc)
    if (substr(desc, 1, 1) == "'\''" && length(desc) >= 2 && substr(desc, length(desc), 1) == "'\''")
        desc = substr(desc, 2, length(desc) - 2)
    next
}
NR == 3 { desc = $0; next }
{
    # Optional field lines come first, in a fixed order; anything else is a logged event line.
    for (j = label_pos; j <= nlabels; j++) {
        if (index($0, labels[j] " ") == 1) {
            label_pos = j + 1
            if ($0 != labels[j] " (none)") fields[++nfields] = $0
            next
        }
    }
    label_pos = nlabels + 1
    lines[++nlines] = $0
}
END {
    if (desc == "") desc = "OSSEC alert " alertid
    print level; print rule; print clean(host)
    out = cut(clean(desc), max)
    summary = "Rule " (rule == "" ? "?" : rule) " (level " (level == "" ? "?" : level) "), alert " alertid
    if (location != "") summary = summary ", " location
    n = 0
    extra[++n] = summary
    for (j = 1; j <= nfields; j++) extra[++n] = fields[j]
    for (j = 1; j <= nlines; j++) extra[++n] = lines[j]
    for (j = 1; j <= n; j++) {
        line = clean(extra[j])
        rest = n - j + 1
        note = "(" rest " more line" (rest > 1 ? "s" : "") " in alerts.log)"
        if (length(out) + 1 + length(line) + (j < n ? 1 + length(note) : 0) > max) {
            if (length(out) + 1 + length(note) <= max) out = out "\n" note
            break
        }
        out = out "\n" line
    }
    print out
}')

level=$(printf '%s\n' "$parsed" | sed -n 1p)
rule=$(printf '%s\n' "$parsed" | sed -n 2p)
ossec_host=$(printf '%s\n' "$parsed" | sed -n 3p)
output=$(printf '%s\n' "$parsed" | sed 1,3d)
[ -n "$rule" ] && RULEID=$rule

case $level in
    '' | *[!0-9]*) finish "alert found but its rule level is unreadable, nothing sent" ;;
esac
if [ "$level" -lt "$MIN_LEVEL" ]; then
    finish "level $level below MIN_LEVEL $MIN_LEVEL, skipped"
fi
if [ "$level" -ge "$CRITICAL_LEVEL" ]; then
    state=2
elif [ "$level" -ge "$WARNING_LEVEL" ]; then
    state=1
else
    state=0
fi

# --- the Nagios host -------------------------------------------------------------------------
# HOST_MAP: "<ossec name or shell pattern> <nagios host>" per line, first match wins; "-" as
# the Nagios host means "do not send". Without a match the OSSEC name is used as is.
nagios_host=$ossec_host
if [ -r "$HOST_MAP" ]; then
    cr=$(printf '\r')
    while read -r pattern target _; do
        case $pattern in '' | '#'*) continue ;; esac
        target=${target%"$cr"}
        # shellcheck disable=SC2254
        case $ossec_host in
            $pattern)
                nagios_host=$target
                break
                ;;
        esac
    done <"$HOST_MAP"
fi
if [ -z "$nagios_host" ]; then
    finish "alert has no host name, nothing sent"
fi
if [ "$nagios_host" = - ]; then
    finish "host $ossec_host is mapped to '-', not sent"
fi
# NSCA's fields: host 63 bytes, service 127 bytes.
nagios_host=$(printf '%s' "$nagios_host" | tr '\t\027' '  ' | cut -c1-63)
service=$(printf '%s' "$SERVICE" | tr '\t\027' '  ' | cut -c1-127)

# --- send ------------------------------------------------------------------------------------
if [ ! -x "$SEND_NSCA" ]; then
    finish "send_nsca not executable at $SEND_NSCA, nothing sent"
fi
spool_args
set -- "$SEND_NSCA" -H "$NSCA_HOST" -p "$NSCA_PORT" -to "$NSCA_TIMEOUT"
[ -n "$SEND_NSCA_CFG" ] && set -- "$@" -c "$SEND_NSCA_CFG"
[ -n "$use_spool" ] && set -- "$@" --spool "$SPOOL_DIR"
# send_nsca's own alarm bounds the whole exchange; timeout(1) is a second guard.
if command -v timeout >/dev/null 2>&1; then
    set -- timeout "$((NSCA_TIMEOUT + 5))" "$@"
fi
result=$(printf '%s\t%s\t%s\t%s' "$nagios_host" "$service" "$state" "$output" | "$@" 2>&1)
rc=$?
detail_log "alert $ALERTID rule $RULEID level $level: $nagios_host;$service;$state via $NSCA_HOST:$NSCA_PORT: send_nsca exit $rc: $(printf '%s' "$result" | tr '\n' ' ')"
if [ "$rc" -eq 0 ]; then
    finish "level $level sent to Nagios as $nagios_host/$service state $state via $NSCA_HOST:$NSCA_PORT"
fi
# 75: not delivered now, kept in the spool for the next alert or a flush.
if [ -n "$use_spool" ] && [ "$rc" -eq 75 ]; then
    finish "level $level spooled for Nagios as $nagios_host/$service state $state via $NSCA_HOST:$NSCA_PORT (daemon not reachable now, kept in $SPOOL_DIR)"
fi
finish "level $level for $nagios_host/$service NOT delivered to $NSCA_HOST:$NSCA_PORT (send_nsca exit $rc, see $DETAIL_LOG)"
