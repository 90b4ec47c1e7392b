#!/bin/sh
# Install what the interop/e2e tests need on Debian 12; run as root.  Idempotent:
# installs only missing packages and never starts a system mail daemon.
#   - /usr/sbin/policy-rc.d (exit 101) is created first if missing, so the
#     sendmail package cannot start its daemon on ports 25/587 (nor redis,
#     dovecot, rpcbind, nsd theirs: the DNS tests start private nsd instances on free
#     loopback ports); tests/run-all.sh removes it again at its end;
#   - apt-get update runs once, and only if something has to be installed;
#   - a sendmail daemon the package started anyway is stopped afterwards;
#   - Postfix is never installed (it conflicts with sendmail): its .deb is downloaded and unpacked into a
#     cache by tests/e2e/postfix-rig.sh fetch, and the postfix user and postdrop group its daemons need are
#     created here.
set -eu
export DEBIAN_FRONTEND=noninteractive

PACKAGES="sendmail-bin sendmail-cf libmilter-dev miltertest swaks python3-milter m4
gcc libc6-dev make jq procps iproute2 util-linux bsdutils redis-server dovecot-pop3d rpcbind
sasl2-bin libsasl2-modules nsd systemd passwd
dpkg-dev lintian binutils bash-completion python3"

say() { echo "install-deps: $*"; }

if [ "$(id -u)" != 0 ]; then
    say "must run as root" >&2
    exit 1
fi

# 1. keep package daemons from starting
if [ -e /usr/sbin/policy-rc.d ]; then
    say "policy-rc.d: present ($(tr '\n' ' ' < /usr/sbin/policy-rc.d | cut -c1-40))"
else
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    say "policy-rc.d: created (exit 101)"
fi

# 2. what is missing?
missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done

# 3. install
if [ -n "$missing" ]; then
    say "apt-get update"
    apt-get update -q >/dev/null
    say "apt-get install:$missing"
    apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold $missing
else
    say "packages: all present, nothing to install"
fi

# 4. stop a sendmail daemon the package may have started (holds port 25)
stopped=0
for pf in /run/sendmail/mta/sendmail.pid /run/sendmail/msp/sendmail.pid; do
    [ -s "$pf" ] || continue
    pid=$(head -n 1 "$pf")
    case $pid in ''|*[!0-9]*) continue;; esac
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        i=0
        while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
        say "stopped sendmail daemon pid $pid ($pf)"
        stopped=1
    fi
done
[ $stopped = 1 ] || say "no system sendmail daemon running"

# 5. Postfix for tests/e2e/postfix-rig.sh: its users (as the postfix package's postinst would) and the
#    unpacked package (apt-get download + dpkg -x into /var/cache/milter-e2e/postfix, once)
getent group postfix >/dev/null || groupadd --system postfix
id -u postfix >/dev/null 2>&1 || useradd --system -g postfix -d /nonexistent -s /usr/sbin/nologin -M postfix
getent group postdrop >/dev/null || groupadd --system postdrop
if ! bash "$(dirname "$0")/../tests/e2e/postfix-rig.sh" fetch; then
    say "apt-get update (for the postfix package)"
    apt-get update -q >/dev/null
    bash "$(dirname "$0")/../tests/e2e/postfix-rig.sh" fetch || { say "fetching the postfix package failed" >&2; exit 1; }
fi

# 6. report
for t in gcc m4 miltertest swaks unshare nsenter ss script saslpasswd2 /usr/sbin/sendmail-mta setpriv logger journalctl useradd /usr/bin/python3; do
    command -v "$t" >/dev/null 2>&1 || { say "MISSING after install: $t" >&2; exit 1; }
done
say "done"
