#!/bin/sh
# Dovecot post-login script: give the client's address a POP-before-SMTP lease in the running milter, then
# continue the login.  Dovecot sets USER, IP (remote) and LOCAL_IP; the script must end with `exec "$@"`.
#
# dovecot.conf (doc.dovecot.org: admin_manual/post_login_scripting):
#   service pop3 {
#     executable = pop3 pop3-postlogin
#   }
#   service pop3-postlogin {
#     executable = script-login /usr/local/lib/milter/milter-lease-postlogin.sh
#     user = $default_internal_user        # a member of the milter's admin group (Milter:Admin:Group)
#     unix_listener pop3-postlogin {
#     }
#   }
#   (the same for imap: `service imap { executable = imap imap-postlogin }` and an imap-postlogin service)
#
# Environment knobs: MILTER (path of the milter program, default milter), MILTER_LEASE_ARGS (extra arguments,
# e.g. "--ttl 30m --state-dir /var/lib/milter").  A failure to add the lease is logged to stderr (Dovecot's log)
# and never blocks the login.

MILTER=${MILTER:-milter}

if [ -n "${IP:-}" ]; then
    # shellcheck disable=SC2086 # MILTER_LEASE_ARGS is a list of words
    if ! "$MILTER" lease add "$IP" --user "${USER:-unknown}" ${MILTER_LEASE_ARGS:-} >/dev/null 2>&1; then
        echo "milter-lease-postlogin: lease for $IP (user ${USER:-unknown}) not added" >&2
    fi
fi

exec "$@"
