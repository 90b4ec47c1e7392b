# Shared by sendmail-rig.sh, postfix-rig.sh and walkthrough-rig.sh (sourced, not run): processes, ports and the
# private namespace an MTA runs in during the end-to-end tests.  The sourcing script sets RIG_NAME (used in messages)
# first, and RIG_NSENTER (nsenter's namespace flags, default --mount --uts) if its namespace has more.

die() { echo "$RIG_NAME: $*" >&2; exit 1; }

sed_escape() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# absolute path of an existing directory
absdir() { (cd "$1" 2>/dev/null && pwd); }

# process alive (and not a zombie)?
alive() {
    local st
    [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] || return 1
    st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)
    [ -n "$st" ] && [ "$st" != Z ]
}

port_listening() {
    if command -v ss >/dev/null 2>&1; then
        [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# first line the server sends on 127.0.0.1:PORT (then QUIT)
greeting() {
    timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
        IFS= read -r -t 4 line <&3 || exit 1
        printf "QUIT\r\n" >&3
        printf "%s\n" "$line"' _ "$1" 2>/dev/null | tr -d '\r'
}

# Is process $1 in this rig's namespace?  $2: the namespace (e.g. mnt:[4026532177]),
# $3: device:inode of the rig's hosts file.  The namespace name alone is not enough: the
# kernel reuses a freed namespace's number at once, so after this rig's namespace is gone
# another rig (a parallel test) may get the same mnt:[N].  Only this rig's namespace has
# its own hosts file bind-mounted over /etc/hosts.
in_rig() {
    [ -n "$2" ] && [ -n "$3" ] || return 1
    [ "$(readlink "/proc/$1/ns/mnt" 2>/dev/null)" = "$2" ] || return 1
    [ "$(stat -L -c %d:%i "/proc/$1/root/etc/hosts" 2>/dev/null)" = "$3" ]
}

# pids of all processes in this rig's namespace (arguments as in_rig's $2 $3)
ns_pids() {
    local p
    for p in /proc/[0-9]*; do
        in_rig "${p#/proc/}" "$1" "$2" && echo "${p#/proc/}"
    done
}

# After the MTA itself was asked to stop: TERM, then KILL, whatever is left in the rig's namespace (SMTP children,
# nsenter'd swaks, ...), then wait for PORT to close.  $1 namespace, $2 hosts dev:inode (as in_rig), $3 port.
stop_leftovers() {
    local ns=$1 id=$2 port=$3 i pids
    if [ -n "$ns" ] && [ "$ns" != "$(readlink /proc/self/ns/mnt)" ]; then
        pids=$(ns_pids "$ns" "$id")
        if [ -n "$pids" ]; then
            kill -TERM $pids 2>/dev/null
            for i in $(seq 10); do pids=$(ns_pids "$ns" "$id"); [ -z "$pids" ] && break; sleep 0.2; done
            [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
        fi
    fi
    if [ -n "$port" ]; then
        for i in $(seq 50); do port_listening "$port" || break; sleep 0.2; done
        port_listening "$port" && { echo "$RIG_NAME: port $port still open" >&2; return 1; }
    fi
    return 0
}

# swaks inside the namespace of process $1, against 127.0.0.1:$2 unless --server is given, from 127.0.0.5 unless
# --local-interface is given; the remaining arguments are swaks'.  Replaces the shell; exit status is swaks'.
rig_swaks() {
    local pid=$1 port=$2 a have_server=0 have_li=0
    shift 2
    command -v swaks >/dev/null 2>&1 || die "swaks not found"
    for a in "$@"; do
        case $a in
            -s|--server|--server=*) have_server=1;;
            -li|--local-interface|--local-interface=*) have_li=1;;
        esac
    done
    [ $have_li = 1 ] || set -- --local-interface 127.0.0.5 "$@"
    [ $have_server = 1 ] || set -- --server "127.0.0.1:$port" "$@"
    exec nsenter --target "$pid" ${RIG_NSENTER:---mount --uts} -- swaks "$@"
}
