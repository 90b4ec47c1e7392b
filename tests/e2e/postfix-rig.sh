#!/bin/bash
# Private Postfix 3.7 on 127.0.0.1 in front of a milter, for end-to-end tests.
# Needs root, the postfix/postdrop users and groups, Debian packages swaks util-linux iproute2
# (see .ci/install-deps.sh) and the unpacked postfix .deb (`fetch`).  See README.md next to this script.
#
#   postfix-rig.sh fetch
#       Download the Debian postfix package (apt-get download) and unpack it (dpkg -x) into the cache
#       (POSTFIX_RIG_CACHE, default /var/cache/milter-e2e/postfix).  Nothing is installed.  No-op when
#       the cache already holds the unpacked tree.
#   postfix-rig.sh start WORKDIR SMTP_PORT MILTER_SPEC [EXTRA_MAIN_CF]
#       Write WORKDIR/etc/main.cf (postfix-main.cf.in + smtpd_milters = MILTER_SPEC,
#       milter_default_action = tempfail, then EXTRA_MAIN_CF) and master.cf, start Postfix inside a
#       private mount+UTS namespace (hostname mta.test.example, private /etc/hosts, resolv.conf,
#       nsswitch.conf), wait for the 220 greeting.  MILTER_SPEC in Postfix syntax: inet:127.0.0.1:PORT.
#       Writes WORKDIR/master.pid, postfix.mntns, smtp.port; the log is WORKDIR/data/postfix.log.
#   postfix-rig.sh start-policy WORKDIR SMTP_PORT MILTER_SPEC SNIPPET_FILE [EXTRA_MAIN_CF [SOCKETMAP]]
#       Same, with SNIPPET_FILE (postfix-main-cf-snippets/*.cf) appended as shipped except its
#       smtpd_milters value, set to MILTER_SPEC, and its socketmap:unix:milter/drac.sock: tables, pointed at
#       SOCKETMAP (unix:/PATH or inet:127.0.0.1:PORT) when given; EXTRA_MAIN_CF (may be '') after it.
#   postfix-rig.sh stop WORKDIR
#       postfix stop, then TERM/KILL whatever is left in the rig's namespace; wait for the port to close.
#   postfix-rig.sh swaks WORKDIR SWAKS_ARGS...
#       swaks in the rig's namespaces; adds --server 127.0.0.1:SMTP_PORT and --local-interface
#       127.0.0.5 unless given.  Exit status is swaks'.
#
# Environment: POSTFIX_RIG_CACHE (unpacked package), POSTFIX_RIG_TIMEOUT (start wait, default 30 s).
set -u
umask 022

SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
HERE=$(dirname "$SELF")
CACHE=${POSTFIX_RIG_CACHE:-/var/cache/milter-e2e/postfix}
ROOT=$CACHE/root
MTA_NAME=mta.test.example

RIG_NAME=postfix-rig
. "$HERE/rig-lib.sh"

usage() {
    sed -n '4,28p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

show_log() {
    local w=$1
    echo "----- $w/start.log" >&2; cat "$w/start.log" >&2 2>/dev/null
    echo "----- $w/data/postfix.log" >&2; tail -n 40 "$w/data/postfix.log" >&2 2>/dev/null
    echo "-----" >&2
}

postfix_cmd() { LD_LIBRARY_PATH=$ROOT/usr/lib/postfix "$ROOT/usr/sbin/postfix" -c "$1/etc" "${@:2}"; }

# ---------------------------------------------------------------- fetch
do_fetch() {
    [ "$(id -u)" = 0 ] || die "must run as root"
    if [ -x "$ROOT/usr/sbin/postfix" ] && [ -x "$ROOT/usr/lib/postfix/sbin/master" ]; then
        echo "postfix-rig: cached in $CACHE ($(cat "$CACHE/version" 2>/dev/null))"
        return 0
    fi
    command -v apt-get >/dev/null && command -v dpkg >/dev/null || die "apt-get/dpkg not found"
    local tmp deb
    mkdir -p "$CACHE" || die "cannot create $CACHE"
    tmp=$(mktemp -d "$CACHE/fetch.XXXXXX") || die "mktemp failed"
    chmod 755 "$tmp"   # apt's _apt user writes the download here
    (cd "$tmp" && apt-get download -q postfix) >"$tmp/download.log" 2>&1 || {
        cat "$tmp/download.log" >&2; rm -rf "$tmp"; die "apt-get download postfix failed (apt-get update first?)"; }
    deb=$(ls "$tmp"/postfix_*.deb 2>/dev/null | head -n 1)
    [ -n "$deb" ] || { rm -rf "$tmp"; die "no postfix .deb downloaded"; }
    dpkg -x "$deb" "$tmp/root" || { rm -rf "$tmp"; die "dpkg -x failed"; }
    cp "$tmp/root/usr/share/postfix/dynamicmaps.cf" "$tmp/root/etc/postfix/" 2>/dev/null
    # only to keep `postfix check` quiet: Debian sets these with dpkg-statoverride
    chgrp postdrop "$tmp/root/usr/sbin/postdrop" "$tmp/root/usr/sbin/postqueue" 2>/dev/null \
        && chmod 2755 "$tmp/root/usr/sbin/postdrop" "$tmp/root/usr/sbin/postqueue"
    dpkg-deb -f "$deb" Version > "$tmp/version" 2>/dev/null
    rm -rf "$ROOT"
    mv "$tmp/root" "$ROOT" && mv "$tmp/version" "$CACHE/version" || { rm -rf "$tmp"; die "cannot move into $CACHE"; }
    rm -rf "$tmp"
    echo "postfix-rig: unpacked postfix $(cat "$CACHE/version") into $CACHE"
}

# ---------------------------------------------------------------- namespace
# Runs as: unshare --mount --uts --propagation private SELF __ns WORKDIR
ns_main() {
    local w=$1 f
    readlink /proc/self/ns/mnt > "$w/postfix.mntns"
    for f in hosts resolv.conf nsswitch.conf; do
        mount --bind "$w/ns/$f" "/etc/$f" || { echo "bind mount /etc/$f failed"; exit 1; }
    done
    hostname "$MTA_NAME" 2>/dev/null || echo "$MTA_NAME" > /proc/sys/kernel/hostname || exit 1
    export LD_LIBRARY_PATH=$ROOT/usr/lib/postfix
    # postfix reports errors on stderr only when it is a terminal: `script` gives it one
    script -qec "$ROOT/usr/sbin/postfix -c $w/etc start" /dev/null
}

write_config() {
    local w=$1 port=$2 spec=$3 snippet=$4 extra=$5 socketmap=$6
    local tail=$w/etc/main.cf.tail
    {
        if [ -n "$snippet" ]; then
            echo "# ---- $(basename "$snippet") as shipped (smtpd_milters pointed at the milter under test)"
            sed -e "s|^smtpd_milters = .*|smtpd_milters = $(sed_escape "$spec")|" \
                -e "s|socketmap:unix:milter/drac\.sock:|socketmap:$(sed_escape "${socketmap:-unix:milter/drac.sock}"):|g" "$snippet"
        else
            echo "smtpd_milters = $spec"
            echo "milter_default_action = tempfail"
            echo "milter_protocol = 6"
        fi
        if [ -n "$extra" ]; then
            echo "# ---- extra lines"
            cat "$extra"
        fi
    } > "$tail" || die "cannot write $tail"
    # A parameter set below replaces the template's line (Postfix would warn "overriding earlier entry").
    sed -e "s|@WORKDIR@|$(sed_escape "$w")|g" -e "s|@ROOT@|$(sed_escape "$ROOT")|g" "$HERE/postfix-main.cf.in" \
        | awk 'NR == FNR { if (match($0, /^[a-z_0-9]+ *=/)) { k = $0; sub(/ *=.*/, "", k); set[k] = 1 }; next }
               { k = $0; sub(/ *=.*/, "", k); if ((k in set) && $0 ~ /^[a-z_0-9]+ *=/) print "# (set below) " $0; else print }' "$tail" - \
        > "$w/etc/main.cf" || die "cannot write $w/etc/main.cf"
    { echo; cat "$tail"; } >> "$w/etc/main.cf" && rm -f "$tail"
    sed -e "s|@SMTP_PORT@|$port|g" "$HERE/postfix-master.cf.in" > "$w/etc/master.cf" || die "cannot write master.cf"
}

# ---------------------------------------------------------------- start
do_start() {
    local w=$1 port=$2 spec=$3 snippet=$4 extra=$5 socketmap=${6:-} v pid="" g="" deadline
    [ "$(id -u)" = 0 ] || die "must run as root (mount/UTS namespace, postfix master)"
    case $port in ''|*[!0-9]*) die "bad SMTP_PORT '$port'";; esac
    case $spec in inet:127.*|unix:*) ;; *) die "bad MILTER_SPEC '$spec' (Postfix syntax: inet:127.0.0.1:PORT)";; esac
    for v in unshare nsenter setsid script timeout ss; do
        command -v "$v" >/dev/null 2>&1 || die "'$v' not found (run .ci/install-deps.sh)"
    done
    id postfix >/dev/null 2>&1 && getent group postdrop >/dev/null || die "postfix user / postdrop group missing (run .ci/install-deps.sh)"
    [ -x "$ROOT/usr/sbin/postfix" ] || do_fetch >&2 || die "no unpacked postfix in $CACHE"
    [ -z "$snippet" ] || [ -r "$snippet" ] || die "SNIPPET_FILE '$snippet' not readable"
    [ -z "$extra" ] || [ -r "$extra" ] || die "EXTRA_MAIN_CF '$extra' not readable"
    if [ -n "$snippet" ]; then
        [ "$(grep -c '^smtpd_milters = ' "$snippet")" = 1 ] || die "SNIPPET_FILE must have exactly one 'smtpd_milters = ' line"
    fi

    mkdir -p "$w" || die "cannot create $w"
    w=$(absdir "$w")
    case $w in *[\`\'\"\ ,\|]*) die "WORKDIR '$w' must not contain quotes, blanks, commas or bars";; esac
    if [ -s "$w/master.pid" ] && alive "$(cat "$w/master.pid")"; then
        die "already running in $w; stop it first"
    fi
    port_listening "$port" && die "port 127.0.0.1:$port is already in use"
    # the postfix user must reach data/ and spool/ through WORKDIR
    chmod 755 "$w"
    mkdir -p "$w/etc" "$w/spool" "$w/data" "$w/ns" && chown postfix:postfix "$w/data" || die "cannot populate $w"
    printf '127.0.0.1\t%s mta localhost\n127.0.0.5\tclient.test.example\n127.0.0.6\treject.example\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
        "$MTA_NAME" > "$w/ns/hosts"
    printf 'nameserver 127.0.0.1\n' > "$w/ns/resolv.conf"
    printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'hosts: files' \
        'networks: files' 'protocols: files' 'services: files' > "$w/ns/nsswitch.conf"
    case $socketmap in ''|inet:127.*|unix:/*) ;; *) die "bad SOCKETMAP '$socketmap' (unix:/PATH or inet:127.0.0.1:PORT)";; esac
    write_config "$w" "$port" "$spec" "$snippet" "$extra" "$socketmap"
    echo "$port" > "$w/smtp.port"
    rm -f "$w/master.pid" "$w/postfix.mntns"

    setsid unshare --mount --uts --propagation private -- "$SELF" __ns "$w" < /dev/null > "$w/start.log" 2>&1
    [ $? = 0 ] || { show_log "$w"; die "postfix start failed"; }
    deadline=$(( $(date +%s) + ${POSTFIX_RIG_TIMEOUT:-30} ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        if [ -z "$pid" ] && [ -s "$w/spool/pid/master.pid" ]; then
            pid=$(tr -d ' \n' < "$w/spool/pid/master.pid")
            echo "$pid" > "$w/master.pid"
        fi
        if [ -n "$pid" ] && ! alive "$pid"; then
            show_log "$w"; die "postfix master exited during start-up"
        fi
        if [ -n "$pid" ] && port_listening "$port"; then
            g=$(greeting "$port")
            case $g in
                220*) echo "postfix-rig: ready on 127.0.0.1:$port (master $pid): $g"; return 0;;
            esac
        fi
        sleep 0.2
    done
    show_log "$w"
    echo "postfix-rig: last greeting: ${g:-none}" >&2
    do_stop "$w" >/dev/null 2>&1
    die "no 220 greeting on 127.0.0.1:$port within ${POSTFIX_RIG_TIMEOUT:-30} s"
}

# ---------------------------------------------------------------- stop
do_stop() {
    [ $# -eq 1 ] || usage
    local w pid ns id port i
    w=$(absdir "$1") || { echo "postfix-rig: no such WORKDIR $1"; return 0; }
    pid=$(cat "$w/master.pid" 2>/dev/null)
    ns=$(cat "$w/postfix.mntns" 2>/dev/null)
    id=$(stat -c %d:%i "$w/ns/hosts" 2>/dev/null)
    port=$(cat "$w/smtp.port" 2>/dev/null)
    if [ -n "$pid" ] && alive "$pid" && in_rig "$pid" "$ns" "$id"; then
        postfix_cmd "$w" stop >/dev/null 2>&1 || kill -TERM "$pid" 2>/dev/null
        for i in $(seq 50); do alive "$pid" || break; sleep 0.2; done
    fi
    stop_leftovers "$ns" "$id" "$port" || return 1
    rm -f "$w/master.pid" "$w/postfix.mntns"
    echo "postfix-rig: stopped${pid:+ (master $pid)}"
    return 0
}

# ---------------------------------------------------------------- swaks
do_swaks() {
    [ $# -ge 1 ] || usage
    local w pid
    w=$(absdir "$1") || die "no such WORKDIR $1"
    shift
    pid=$(cat "$w/master.pid" 2>/dev/null)
    alive "$pid" || die "postfix not running in $w"
    rig_swaks "$pid" "$(cat "$w/smtp.port" 2>/dev/null)" "$@"
}

case ${1:-} in
    fetch) shift; [ $# -eq 0 ] || usage; do_fetch;;
    start) shift; [ $# -ge 3 ] && [ $# -le 4 ] || usage; do_start "$1" "$2" "$3" "" "${4:-}" "";;
    start-policy) shift; [ $# -ge 4 ] && [ $# -le 6 ] || usage; do_start "$1" "$2" "$3" "$4" "${5:-}" "${6:-}";;
    stop)  shift; do_stop "$@";;
    swaks) shift; do_swaks "$@";;
    __ns)  shift; ns_main "$@";;
    *)     usage;;
esac
