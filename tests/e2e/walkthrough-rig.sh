#!/bin/bash
# Runs an admin's setup commands against this machine's own Debian Sendmail configuration, in private namespaces,
# so that /etc/mail, the queues, the ports and the hostname of the machine are never touched.  Needs root, the
# Debian packages sendmail-bin sendmail-cf swaks util-linux iproute2 python3, and the milter package installed.
#
#   walkthrough-rig.sh start WORKDIR STEPS_FILE
#       Copy /etc/mail, /etc/cron.d, /var/spool/mqueue, /var/spool/mqueue-client and /var/lib/sendmail into
#       WORKDIR, then, in a private mount+UTS+network namespace where the copies are bind-mounted over the
#       originals (a tmpfs over /run; private /etc/hosts, resolv.conf and nsswitch.conf; hostname
#       mta.test.example; a /proc/loadavg of an idle machine; loopback up, with 198.51.100.7 and 198.51.100.8
#       added to it as "other hosts", named stranger.example and friend.example in the private hosts file, which
#       also names 203.0.113.9 elsewhere.example, a remote domain with no route), run
#       STEPS_FILE with bash -e.  In it, `systemctl start|stop|restart|reload UNIT...` acts on sendmail (Debian's
#       /etc/init.d/sendmail; start waits for the 220 greeting on 127.0.0.1:25) and milter (the installed
#       /lib/systemd/system/milter.service through unit-runner.py; start waits for READY=1, as systemd does for
#       Type=notify, and fails when the milter exits first).  Exit 0 once every step succeeded; the namespace
#       stays until `stop`.  Writes WORKDIR/ns.pid, ns.mntns, steps.log (the steps, traced), milter.log.
#   walkthrough-rig.sh swaks WORKDIR SWAKS_ARGS...
#       swaks inside the namespace; adds --server 127.0.0.1:25 and --local-interface 127.0.0.5 unless given.
#   walkthrough-rig.sh exec WORKDIR COMMAND [ARGS...]
#       Run a command inside the namespace (with the steps' systemctl first on PATH).
#   walkthrough-rig.sh stop WORKDIR
#       TERM, then KILL after 2 s, every process in the namespace (the tmpfs and the mounts go with it).
#
# Environment: WALKTHROUGH_TIMEOUT (seconds the steps may take, default 300).
set -u
umask 022

SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
HERE=$(dirname "$SELF")
UNIT=/lib/systemd/system/milter.service
MTA_NAME=mta.test.example
COPIES="/etc/mail:etc-mail /etc/cron.d:cron.d /var/spool/mqueue:mqueue /var/spool/mqueue-client:mqueue-client /var/lib/sendmail:lib-sendmail"

RIG_NAME=walkthrough-rig
RIG_NSENTER="--mount --uts --net"
. "$HERE/rig-lib.sh"

usage() {
    sed -n '5,24p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

# ---------------------------------------------------------------- namespace
# Runs as: unshare --mount --uts --net --propagation private SELF __ns WORKDIR STEPS_FILE
ns_main() {
    local w=$1 steps=$2 f pair status
    echo $$ > "$w/ns.pid"
    readlink /proc/self/ns/mnt > "$w/ns.mntns"
    mount -t tmpfs -o mode=0755 walkthrough-run /run || { echo "tmpfs on /run failed"; exit 1; }
    for f in hosts resolv.conf nsswitch.conf; do
        mount --bind "$w/ns/$f" "/etc/$f" || { echo "bind mount /etc/$f failed"; exit 1; }
    done
    for pair in $COPIES; do
        [ -d "$w/${pair#*:}" ] || continue
        mount --bind "$w/${pair#*:}" "${pair%%:*}" || { echo "bind mount ${pair%%:*} failed"; exit 1; }
    done
    # the machine's load (parallel builds) would make Debian's Sendmail refuse connections (RefuseLA, QueueLA):
    # this namespace sees an idle machine
    mount --bind "$w/ns/loadavg" /proc/loadavg || { echo "bind mount /proc/loadavg failed"; exit 1; }
    hostname "$MTA_NAME" || exit 1
    ip link set lo up && ip addr add 198.51.100.7/32 dev lo && ip addr add 198.51.100.8/32 dev lo \
        || { echo "loopback set-up failed"; exit 1; }
    export PATH="$w/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    (cd / && bash -e -x "$steps")
    status=$?
    echo "$status" > "$w/ns.done"
    [ "$status" = 0 ] || exit "$status"
    exec sleep 2147483647
}

# ---------------------------------------------------------------- systemctl inside the namespace
wait_greeting() {
    local deadline g=""
    deadline=$(( $(date +%s) + 60 ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        g=$(greeting 25)
        case $g in 220*) echo "walkthrough-rig: sendmail ready: $g"; return 0;; esac
        sleep 0.5
    done
    echo "walkthrough-rig: no 220 greeting on 127.0.0.1:25 (last: ${g:-none})" >&2
    return 1
}

milter_stop() {
    local w=$1 pid i
    pid=$(cat "$w/milter.pid" 2>/dev/null) || return 0
    if alive "$pid"; then
        kill -TERM "$pid"
        for i in $(seq 600); do alive "$pid" || break; sleep 0.1; done
    fi
    rm -f "$w/milter.pid"
}

milter_start() {
    local w=$1 from pid i
    from=$(wc -l < "$w/milter.log" 2>/dev/null || echo 0)
    setsid python3 "$HERE/unit-runner.py" "$UNIT" >> "$w/milter.log" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$w/milter.pid"
    for i in $(seq 1200); do
        if tail -n +"$((from + 1))" "$w/milter.log" | grep -q '^unit-runner: READY=1'; then
            echo "walkthrough-rig: milter ready (unit-runner pid $pid)"
            return 0
        fi
        alive "$pid" || break
        sleep 0.1
    done
    echo "walkthrough-rig: milter did not get ready:" >&2
    tail -n +"$((from + 1))" "$w/milter.log" >&2
    return 1
}

systemctl_main() {
    local w=$1 action=${2:-} unit pid
    shift 2 || { echo "systemctl: missing action" >&2; return 1; }
    [ $# -ge 1 ] || { echo "systemctl: missing unit" >&2; return 1; }
    for unit in "$@"; do
        case $action:${unit%.service} in
            start:sendmail|restart:sendmail)
                /etc/init.d/sendmail "$action" || return 1
                wait_greeting || return 1;;
            stop:sendmail|reload:sendmail)
                /etc/init.d/sendmail "$action" || return 1;;
            start:milter)
                pid=$(cat "$w/milter.pid" 2>/dev/null)
                if [ -n "$pid" ] && alive "$pid"; then continue; fi
                milter_start "$w" || return 1;;
            restart:milter)
                milter_stop "$w"
                milter_start "$w" || return 1;;
            stop:milter)
                milter_stop "$w";;
            reload:milter)
                pid=$(cat "$w/milter.pid" 2>/dev/null)
                [ -n "$pid" ] && alive "$pid" || { echo "systemctl: milter is not running" >&2; return 1; }
                kill -HUP "$pid";;
            *)
                echo "systemctl: '$action $unit' is not emulated here" >&2
                return 1;;
        esac
    done
}

# ---------------------------------------------------------------- start
do_start() {
    [ $# -eq 2 ] || usage
    local w=$1 steps=$2 pair v deadline
    [ "$(id -u)" = 0 ] || die "must run as root (namespaces, Sendmail)"
    for v in unshare nsenter setsid ip python3 swaks m4 make timeout; do
        command -v "$v" >/dev/null 2>&1 || die "'$v' not found (run .ci/install-deps.sh)"
    done
    [ -x /etc/init.d/sendmail ] && [ -d /etc/mail ] || die "Debian's sendmail is not installed"
    [ -r "$UNIT" ] || die "$UNIT missing: install the milter package first"
    [ -r "$steps" ] || die "STEPS_FILE '$steps' not readable"
    steps=$(cd "$(dirname "$steps")" && pwd)/$(basename "$steps")
    mkdir -p "$w" || die "cannot create $w"
    w=$(absdir "$w")
    case $w in *[\`\'\"\ ,]*) die "WORKDIR '$w' must not contain quotes, blanks or commas";; esac
    [ -s "$w/ns.pid" ] && alive "$(cat "$w/ns.pid")" && die "already running in $w; stop it first"
    rm -f "$w/ns.pid" "$w/ns.mntns" "$w/ns.done" "$w/milter.pid"
    for pair in $COPIES; do
        rm -rf "${w:?}/${pair#*:}"
        [ -d "${pair%%:*}" ] || continue
        cp -a "${pair%%:*}" "$w/${pair#*:}" || die "cannot copy ${pair%%:*}"
    done
    mkdir -p "$w/ns" "$w/bin" || die "cannot populate $w"
    printf '127.0.0.1\t%s mta localhost\n198.51.100.7\tstranger.example\n198.51.100.8\tfriend.example\n203.0.113.9\telsewhere.example\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
        "$MTA_NAME" > "$w/ns/hosts"
    printf 'nameserver 127.0.0.1\n' > "$w/ns/resolv.conf"
    printf '0.00 0.00 0.00 1/100 1\n' > "$w/ns/loadavg"
    printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'hosts: files' \
        'networks: files' 'protocols: files' 'services: files' > "$w/ns/nsswitch.conf"
    printf '#!/bin/bash\nexec %q __systemctl %q "$@"\n' "$SELF" "$w" > "$w/bin/systemctl" && chmod 755 "$w/bin/systemctl" \
        || die "cannot write $w/bin/systemctl"

    setsid unshare --mount --uts --net --propagation private -- "$SELF" __ns "$w" "$steps" \
        < /dev/null > "$w/steps.log" 2>&1 &
    deadline=$(( $(date +%s) + ${WALKTHROUGH_TIMEOUT:-300} ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        if [ -s "$w/ns.done" ]; then
            [ "$(cat "$w/ns.done")" = 0 ] && { echo "walkthrough-rig: every step succeeded (pid $(cat "$w/ns.pid"))"; return 0; }
            break
        fi
        sleep 0.5
    done
    echo "----- $w/steps.log" >&2; cat "$w/steps.log" >&2
    echo "----- $w/milter.log" >&2; cat "$w/milter.log" >&2 2>/dev/null
    do_stop "$w" >/dev/null 2>&1
    [ -s "$w/ns.done" ] && die "a step failed (exit $(cat "$w/ns.done"))"
    die "the steps did not finish within ${WALKTHROUGH_TIMEOUT:-300} s"
}

# ---------------------------------------------------------------- stop
do_stop() {
    [ $# -eq 1 ] || usage
    local w ns id
    w=$(absdir "$1") || { echo "walkthrough-rig: no such WORKDIR $1"; return 0; }
    ns=$(cat "$w/ns.mntns" 2>/dev/null)
    id=$(stat -c %d:%i "$w/ns/hosts" 2>/dev/null)
    stop_leftovers "$ns" "$id" "" || return 1
    rm -f "$w/ns.pid" "$w/ns.mntns"
    echo "walkthrough-rig: stopped"
}

running_pid() {
    local w pid
    w=$(absdir "$1") || die "no such WORKDIR $1"
    pid=$(cat "$w/ns.pid" 2>/dev/null)
    alive "$pid" || die "the namespace of $w is not running"
    echo "$pid"
}

case ${1:-} in
    start) shift; do_start "$@";;
    stop) shift; do_stop "$@";;
    swaks) shift; [ $# -ge 1 ] || usage; pid=$(running_pid "$1") || exit 1; shift; rig_swaks "$pid" 25 "$@";;
    exec) shift; [ $# -ge 2 ] || usage; pid=$(running_pid "$1") || exit 1; w=$(absdir "$1"); shift
          exec nsenter --target "$pid" $RIG_NSENTER -- env PATH="$w/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$@";;
    __ns) shift; ns_main "$@";;
    __systemctl) shift; systemctl_main "$@";;
    *) usage;;
esac
