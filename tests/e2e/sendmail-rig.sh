#!/bin/bash
# Private Sendmail 8.17 on 127.0.0.1 in front of a milter, for end-to-end tests.
# Needs root, Debian packages sendmail-bin sendmail-cf m4 swaks util-linux iproute2
# (see .ci/install-deps.sh).  See README.md next to this script.
#
#   sendmail-rig.sh start WORKDIR SMTP_PORT MILTER_SPEC [EXTRA_MC_FILE]
#       Build WORKDIR/sendmail.cf from sendmail-test.mc.in, start `sendmail -bD`
#       inside a private mount+UTS namespace (hostname mta.test.example, private
#       /etc/hosts, resolv.conf, nsswitch.conf, service.switch), wait for the
#       220 greeting.  Exit 0 when ready; non-zero (log printed) on failure.
#       MILTER_SPEC: e.g. inet:9901@127.0.0.1.  EXTRA_MC_FILE: m4 lines put
#       before the MAILER lines (@WORKDIR@ etc. are substituted in it too).
#       Writes WORKDIR/sendmail.pid (daemon pid), sendmail.mntns, smtp.port,
#       sendmail.log (daemon stdout/stderr).
#   sendmail-rig.sh start-policy WORKDIR SMTP_PORT MILTER_SPEC [--sasl USER:PASSWORD]
#                    [--socketmap SPEC] FILE...
#       Same, from sendmail-policy.mc.in (no milter, promiscuous_relay, greeting
#       or privacy setting of its own): the *.m4 FILEs (the shipped
#       sendmail-mc-snippets) are concatenated byte for byte, in order, at its
#       @EXTRA_MC@ line; the template's tail then points the snippet's milter
#       socket (if any) at MILTER_SPEC (in m4; the files are not edited).  Other
#       FILEs are installed into the daemon's private /etc/mail.
#       --sasl: SMTP AUTH (PLAIN, LOGIN) for USER through a private sasldb2 and
#       Sendmail.conf, bind-mounted over the SASL config directories inside the
#       namespace only.  --socketmap: FEATURE(drac, socket ... inet:...) of a
#       snippet asks SPEC (inet:PORT@HOST) instead (m4, before the snippets).
#   sendmail-rig.sh stop WORKDIR
#       TERM the daemon and every process left in its namespace, KILL after
#       10 s, wait for the SMTP port to close.  Exit 0 also if not running.
#   sendmail-rig.sh swaks WORKDIR SWAKS_ARGS...
#       Run swaks in the daemon's namespaces (same /etc/hosts, no DNS).  Adds
#       --server 127.0.0.1:SMTP_PORT and --local-interface 127.0.0.5 unless
#       given.  Exit status is swaks'.
#
# Environment: SENDMAIL (default /usr/sbin/sendmail-mta), SENDMAIL_CF_M4
# (default /usr/share/sendmail/cf/m4/cf.m4), SENDMAIL_RIG_TIMEOUT (start wait,
# default 20 s), SENDMAIL_RIG_TRACE=1 (SMTP transcript in WORKDIR/smtp-trace.log).
set -u
umask 022

SELF=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
HERE=$(dirname "$SELF")
TEMPLATE=$HERE/sendmail-test.mc.in
POLICY_TEMPLATE=$HERE/sendmail-policy.mc.in
SENDMAIL=${SENDMAIL:-/usr/sbin/sendmail-mta}
[ -x "$SENDMAIL" ] || SENDMAIL=/usr/sbin/sendmail
CF_M4=${SENDMAIL_CF_M4:-/usr/share/sendmail/cf/m4/cf.m4}
MTA_NAME=mta.test.example

RIG_NAME=sendmail-rig
. "$HERE/rig-lib.sh"

usage() {
    sed -n '4,34p' "$SELF" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

show_log() {
    local w=$1
    echo "----- $w/sendmail.log" >&2
    cat "$w/sendmail.log" >&2 2>/dev/null
    [ -s "$w/m4.log" ] && { echo "----- $w/m4.log" >&2; cat "$w/m4.log" >&2; }
    echo "-----" >&2
}

# Cyrus SASL reads Sendmail.conf from the first of /etc/sasl2, /etc/sasl, the plugin directory
# (/usr/lib/<triplet>/sasl2) and /usr/lib/sasl2 that has one.  Inside the namespace, the rig's file
# goes over every existing one, and its directory over /usr/lib/sasl2 (libsasl2-2 ships it empty).
sasl_mounts() {
    local dir=$1 d
    for d in /etc/sasl2 /etc/sasl /usr/lib/*/sasl2 /usr/lib/sasl2; do
        if [ -e "$d/Sendmail.conf" ]; then
            mount --bind "$dir/Sendmail.conf" "$d/Sendmail.conf" || { echo "bind mount $d/Sendmail.conf failed"; return 1; }
        fi
    done
    [ -e /usr/lib/sasl2/Sendmail.conf ] && return 0
    [ -d /usr/lib/sasl2 ] || { echo "/usr/lib/sasl2 missing (libsasl2-2)"; return 1; }
    mount --bind "$dir" /usr/lib/sasl2 || { echo "bind mount /usr/lib/sasl2 failed"; return 1; }
}

# ---------------------------------------------------------------- namespace
# Runs as: unshare --mount --uts --propagation private SELF __ns WORKDIR
# The pid stays the same through unshare -> this shell -> exec sendmail.
ns_main() {
    local w=$1 f
    echo $$ > "$w/sendmail.pid"
    readlink /proc/self/ns/mnt > "$w/sendmail.mntns"
    for f in hosts resolv.conf nsswitch.conf; do
        mount --bind "$w/etc/$f" "/etc/$f" || { echo "bind mount /etc/$f failed"; exit 1; }
    done
    # a private /etc/mail: the service switch, the help file, files a snippet names there
    if [ -d /etc/mail ]; then
        mount --bind "$w/etc-mail" /etc/mail || { echo "bind mount /etc/mail failed"; exit 1; }
    fi
    [ -d "$w/sasl2" ] && { sasl_mounts "$w/sasl2" || exit 1; }
    hostname "$MTA_NAME" 2>/dev/null || echo "$MTA_NAME" > /proc/sys/kernel/hostname || exit 1
    "$SENDMAIL" -C "$w/sendmail.cf" -bi || { echo "newaliases (-bi) failed"; exit 1; }
    set -- -C "$w/sendmail.cf" -bD
    [ "${SENDMAIL_RIG_TRACE:-0}" = 1 ] && set -- "$@" -X "$w/smtp-trace.log"
    exec "$SENDMAIL" "$@"
}

# ---------------------------------------------------------------- start
do_start() {
    [ $# -ge 3 ] && [ $# -le 4 ] || usage
    local w=$1 port=$2 spec=$3 extra=${4:-} v
    [ "$(id -u)" = 0 ] || die "must run as root (mount/UTS namespace, sendmail)"
    case $port in ''|*[!0-9]*) die "bad SMTP_PORT '$port'";; esac
    case $spec in *[\`\'\",]*|'') die "bad MILTER_SPEC '$spec'";; esac
    for v in unshare nsenter setsid m4 timeout; do
        command -v "$v" >/dev/null 2>&1 || die "'$v' not found (run .ci/install-deps.sh)"
    done
    [ -x "$SENDMAIL" ] || die "sendmail not found (install sendmail-bin)"
    [ -r "$CF_M4" ] || die "$CF_M4 not found (install sendmail-cf)"
    [ -r "$TEMPLATE" ] || die "template $TEMPLATE missing"
    [ -z "$extra" ] || [ -r "$extra" ] || die "EXTRA_MC_FILE '$extra' not readable"
    [ -n "$extra" ] && extra=$(cd "$(dirname "$extra")" && pwd)/$(basename "$extra")

    mkdir -p "$w" || die "cannot create $w"
    w=$(absdir "$w")
    case $w in *[\`\'\"\ ,]*) die "WORKDIR '$w' must not contain quotes, blanks or commas";; esac
    if [ -s "$w/sendmail.pid" ] && alive "$(cat "$w/sendmail.pid")"; then
        die "already running in $w (pid $(cat "$w/sendmail.pid")); stop it first"
    fi
    port_listening "$port" && die "port 127.0.0.1:$port is already in use"
    rm -f "$w/sendmail.pid" "$w/sendmail-mta.pid" "$w/sendmail.mntns" "$w/sendmail.log" "$w/m4.log"

    # private files (the daemon sees them over /etc via bind mounts)
    mkdir -p "$w/mqueue" "$w/etc" && chmod 700 "$w/mqueue" || die "cannot populate $w"
    printf '127.0.0.1\t%s mta localhost\n127.0.0.5\tclient.test.example\n127.0.0.6\treject.example\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
        "$MTA_NAME" > "$w/etc/hosts"
    printf 'nameserver 127.0.0.1\n' > "$w/etc/resolv.conf"
    printf '%s\n' 'passwd: files' 'group: files' 'shadow: files' 'hosts: files' \
        'networks: files' 'protocols: files' 'services: files' > "$w/etc/nsswitch.conf"
    printf 'hosts\tfiles\naliases\tfiles\npasswd\tfiles\n' > "$w/service.switch"
    printf 'postmaster: root\nMAILER-DAEMON: postmaster\n' > "$w/aliases"
    : > "$w/local-host-names"
    : > "$w/statistics"
    if [ -r /etc/mail/helpfile ]; then cp /etc/mail/helpfile "$w/helpfile"; else : > "$w/helpfile"; fi
    # the daemon's /etc/mail (bind mount): the stock help file, the switch, and the
    # files start-policy installs (already in etc-mail)
    mkdir -p "$w/etc-mail" && cp "$w/helpfile" "$w/etc-mail/helpfile" && cp "$w/service.switch" "$w/etc-mail/service.switch" \
        || die "cannot populate $w/etc-mail"

    # sendmail.mc: insert EXTRA_MC_FILE (substituted too), then substitute placeholders;
    # RAW_MC (start-policy) is inserted after the substitution, byte for byte
    {
        if [ -n "$extra" ]; then
            sed -e "/@EXTRA_MC@/r $extra" -e '/@EXTRA_MC@/d' "$TEMPLATE"
        elif [ -n "${RAW_MC:-}" ]; then
            cat "$TEMPLATE"
        else
            sed -e '/@EXTRA_MC@/d' "$TEMPLATE"
        fi
    } | sed -e "s|@WORKDIR@|$(sed_escape "$w")|g" \
            -e "s|@SMTP_PORT@|$port|g" \
            -e "s|@MILTER_SPEC@|$(sed_escape "$spec")|g" \
      | if [ -n "${RAW_MC:-}" ]; then sed -e "/@EXTRA_MC@/r $RAW_MC" -e '/@EXTRA_MC@/d'; else cat; fi \
        > "$w/sendmail.mc" || die "cannot write $w/sendmail.mc"
    m4 "$CF_M4" "$w/sendmail.mc" > "$w/sendmail.cf" 2> "$w/m4.log" \
        || { show_log "$w"; die "m4 failed building $w/sendmail.cf"; }
    echo "$port" > "$w/smtp.port"

    # Daemon: own session, stdio to files so a caller's pipes are never held.
    setsid unshare --mount --uts --propagation private -- "$SELF" __ns "$w" \
        < /dev/null > "$w/sendmail.log" 2>&1 &
    local launcher=$! pid="" deadline g="" grace=10
    deadline=$(( $(date +%s) + ${SENDMAIL_RIG_TIMEOUT:-20} ))
    while [ "$(date +%s)" -lt "$deadline" ]; do
        [ -z "$pid" ] && [ -s "$w/sendmail.pid" ] && pid=$(cat "$w/sendmail.pid")
        if [ -n "$pid" ] && ! alive "$pid"; then
            show_log "$w"; rm -f "$w/sendmail.pid"; die "sendmail exited during start-up"
        fi
        # (if setsid had to fork, the launcher exits at once: allow 2 s grace)
        if [ -z "$pid" ] && ! alive "$launcher" && [ $((grace -= 1)) -le 0 ]; then
            show_log "$w"; die "namespace launcher failed (unshare needs root)"
        fi
        if [ -n "$pid" ] && port_listening "$port"; then
            g=$(greeting "$port")
            case $g in
                220*) echo "sendmail-rig: ready on 127.0.0.1:$port (pid $pid): $g"; return 0;;
            esac
        fi
        sleep 0.2
    done
    show_log "$w"
    echo "sendmail-rig: last greeting: ${g:-none}" >&2
    do_stop "$w" >/dev/null 2>&1
    die "no 220 greeting on 127.0.0.1:$port within ${SENDMAIL_RIG_TIMEOUT:-20} s"
}

# ---------------------------------------------------------------- start-policy
# The shipped *.m4 files are concatenated unchanged into WORKDIR/snippets.m4, which replaces the
# template's @EXTRA_MC@ line after the placeholders were filled in (so nothing in them is substituted);
# the template's tail redirects the snippet's milter socket in m4.  Other files go to the private
# /etc/mail, as the snippets' README tells an admin to install them.
do_start_policy() {
    [ $# -ge 4 ] || usage
    local w=$1 port=$2 spec=$3 sasl="" socketmap="" f user password
    shift 3
    while [ $# -ge 2 ]; do
        case $1 in
            --sasl) sasl=$2; shift 2;;
            --socketmap) socketmap=$2; shift 2;;
            *) break;;
        esac
    done
    [ $# -ge 1 ] || usage
    case $socketmap in ''|inet:[0-9]*@[0-9.]*|local:/*) ;; *) die "bad --socketmap '$socketmap' (inet:PORT@ADDR or local:/PATH)";; esac
    mkdir -p "$w/etc-mail" || die "cannot create $w"
    w=$(absdir "$w")
    : > "$w/snippets.m4" || die "cannot write $w/snippets.m4"
    if [ -n "$socketmap" ]; then
        # test only: the drac socket map of a snippet (a fixed port) asks the test's socketmap server;
        # every other FEATURE goes through unchanged
        {
            echo "dnl --- test only: FEATURE(drac, socket ... SPEC) asks $socketmap instead"
            echo "define(\`_SHIPPED_FEATURE_', defn(\`FEATURE'))dnl"
            echo "define(\`FEATURE', \`ifelse(\`\$1', \`drac', \`_SHIPPED_FEATURE_(\`drac', patsubst(\`\$2', \`[a-z]*:[^ ]*', \`$socketmap'))', \`_SHIPPED_FEATURE_(\$@)')')dnl"
        } > "$w/snippets.m4"
    fi
    for f in "$@"; do
        [ -r "$f" ] || die "FILE '$f' not readable"
        case $f in
            *.m4) cat "$f" >> "$w/snippets.m4" || die "cannot append $f";;
            *) install -m 0644 "$f" "$w/etc-mail/$(basename "$f")" || die "cannot install $f";;
        esac
    done
    [ "$(grep -c "^INPUT_MAIL_FILTER(" "$w/snippets.m4")" -le 1 ] \
        || die "the snippets must have at most one INPUT_MAIL_FILTER line"
    rm -rf "$w/sasl2"
    if [ -n "$sasl" ]; then
        user=${sasl%%:*}
        password=${sasl#*:}
        [ -n "$user" ] && [ "$user" != "$sasl" ] || die "--sasl wants USER:PASSWORD"
        command -v saslpasswd2 >/dev/null 2>&1 || die "'saslpasswd2' not found (install sasl2-bin)"
        mkdir -p "$w/sasl2" || die "cannot create $w/sasl2"
        rm -f "$w/sasldb2"
        # realm = Sendmail's AuthRealm, which defaults to $j
        printf '%s' "$password" | saslpasswd2 -p -c -f "$w/sasldb2" -u "$MTA_NAME" "$user" \
            || die "saslpasswd2 failed"
        chmod 0600 "$w/sasldb2"
        printf 'pwcheck_method: auxprop\nauxprop_plugin: sasldb\nsasldb_path: %s\nmech_list: PLAIN LOGIN\n' \
            "$w/sasldb2" > "$w/sasl2/Sendmail.conf" || die "cannot write Sendmail.conf"
    fi
    TEMPLATE=$POLICY_TEMPLATE RAW_MC=$w/snippets.m4 do_start "$w" "$port" "$spec"
}

# ---------------------------------------------------------------- stop
do_stop() {
    [ $# -eq 1 ] || usage
    local w pid ns id port i
    w=$(absdir "$1") || { echo "sendmail-rig: no such WORKDIR $1"; return 0; }
    pid=$(cat "$w/sendmail.pid" 2>/dev/null)
    ns=$(cat "$w/sendmail.mntns" 2>/dev/null)
    id=$(stat -c %d:%i "$w/etc/hosts" 2>/dev/null)
    port=$(cat "$w/smtp.port" 2>/dev/null)
    # never signal a recycled pid (or another rig's process): it must be in this rig's namespace
    if [ -n "$pid" ] && alive "$pid" && in_rig "$pid" "$ns" "$id"; then
        kill -TERM "$pid" 2>/dev/null
        for i in $(seq 50); do alive "$pid" || break; sleep 0.2; done
    fi
    stop_leftovers "$ns" "$id" "$port" || return 1
    rm -f "$w/sendmail.pid" "$w/sendmail.mntns"
    echo "sendmail-rig: stopped${pid:+ (pid $pid)}"
    return 0
}

# ---------------------------------------------------------------- swaks
do_swaks() {
    [ $# -ge 1 ] || usage
    local w pid
    w=$(absdir "$1") || die "no such WORKDIR $1"
    shift
    pid=$(cat "$w/sendmail.pid" 2>/dev/null)
    alive "$pid" || die "sendmail not running in $w"
    rig_swaks "$pid" "$(cat "$w/smtp.port" 2>/dev/null)" "$@"
}

case ${1:-} in
    start) shift; do_start "$@";;
    start-policy) shift; do_start_policy "$@";;
    stop)  shift; do_stop "$@";;
    swaks) shift; do_swaks "$@";;
    __ns)  shift; ns_main "$@";;
    *)     usage;;
esac
