#!/bin/bash
# Sendmail 8.17 as the policy's test oracle (tests/Milter.Oracle.Tests): `sendmail -bt` batches and `sendmail -bs`
# sessions, all inside one private mount+UTS namespace (hostname mta.test.example, private /etc/hosts, resolv.conf
# and nsswitch.conf), so Sendmail neither waits 60 s for its host name nor asks a DNS server.  Needs root and the
# Debian packages sendmail-bin, sendmail-cf, m4, util-linux (see .ci/install-deps.sh).  See README.md next to this
# script.
#
#   sendmail-oracle.sh bt WORKDIR JOB...
#       For each JOB (a directory holding sendmail.cf and input): sendmail -C JOB/sendmail.cf -bt < JOB/input
#       > JOB/output 2>&1; the exit code goes to JOB/status.  One namespace for all jobs: setting one up costs
#       more than a Sendmail start.
#   sendmail-oracle.sh bs WORKDIR CF CONNECTIONS
#       For each line "ADDR PORT" of the file CONNECTIONS: connect to ADDR:PORT (a listener of the test, which plays
#       the SMTP client) and run sendmail -C CF -bs on that socket, as inetd would: Sendmail takes ADDR as the
#       client address and looks its name up in the private /etc/hosts.  {daemon_flags} is set empty, as for a
#       daemon port without modifiers (-bs alone would set "c u" and accept unqualified senders).  Sendmail calls
#       check_relay and sets {client_resolve} for a daemon connection only, not for -bs.
#   sendmail-oracle.sh bd WORKDIR CF
#       sendmail -C CF -bD in the foreground (the .cf names its port on 127.0.0.1): the real daemon path, with
#       check_relay at connect and {client_resolve}.  The caller stops it (TERM/KILL of this process and its children).
#
# WORKDIR/etc/hosts, WORKDIR/etc/resolv.conf and WORKDIR/etc/nsswitch.conf must exist; they are bind-mounted over
# /etc inside the namespace only.  Environment: SENDMAIL (default /usr/sbin/sendmail-mta).
set -u
SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
SENDMAIL=${SENDMAIL:-/usr/sbin/sendmail-mta}
[ -x "$SENDMAIL" ] || SENDMAIL=/usr/sbin/sendmail
MTA_NAME=mta.test.example

die() { echo "sendmail-oracle: $*" >&2; exit 1; }

usage() {
    sed -n '7,24p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# Inside the namespace: private /etc files and host name, then the mode's work.
ns_main() {
    local w=$1 mode=$2 f
    shift 2
    for f in hosts resolv.conf nsswitch.conf; do
        [ -r "$w/etc/$f" ] || die "$w/etc/$f missing"
        mount --bind "$w/etc/$f" "/etc/$f" || die "bind mount /etc/$f failed"
    done
    hostname "$MTA_NAME" 2>/dev/null || echo "$MTA_NAME" > /proc/sys/kernel/hostname || die "cannot set the host name"
    case $mode in
        bt) run_bt "$@";;
        bs) run_bs "$@";;
        bd) exec "$SENDMAIL" -C "$1" -bD;;
    esac
}

run_bt() {
    local job
    for job in "$@"; do
        "$SENDMAIL" -C "$job/sendmail.cf" -bt < "$job/input" > "$job/output" 2>&1
        echo $? > "$job/status"
    done
}

run_bs() {
    local cf=$1 connections=$2 addr port
    while read -r addr port; do
        [ -n "$addr" ] || continue
        # fd 3 is the socket; Sendmail gets it as stdin and stdout and sees the listener as its peer.
        if exec 3<>"/dev/tcp/$addr/$port"; then
            timeout 60 "$SENDMAIL" -C "$cf" -bs '-M{daemon_flags}' <&3 >&3 3<&- 2>>"$(dirname "$connections")/bs.stderr"
            exec 3<&-
        else
            echo "cannot connect to $addr:$port" >&2
        fi
    done < "$connections"
}

start() {
    local mode=$1 w=$2
    shift 2
    [ "$(id -u)" = 0 ] || die "must run as root (mount/UTS namespace)"
    command -v unshare >/dev/null 2>&1 || die "'unshare' not found (util-linux)"
    [ -x "$SENDMAIL" ] || die "sendmail not found (install sendmail-bin)"
    [ -d "$w" ] || die "no such WORKDIR $w"
    exec unshare --mount --uts --propagation private -- "$SELF" __ns "$w" "$mode" "$@"
}

case ${1:-} in
    bt) shift; [ $# -ge 2 ] || usage; start bt "$@";;
    bs) shift; [ $# -eq 3 ] || usage; start bs "$@";;
    bd) shift; [ $# -eq 2 ] || usage; start bd "$@";;
    __ns) shift; ns_main "$@";;
    *) usage;;
esac
