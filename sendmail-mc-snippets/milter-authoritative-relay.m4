dnl milter-authoritative-relay.m4 -- deployment mode (B): Sendmail relays what the milter does not refuse.
dnl Paste into /etc/mail/sendmail.mc after the OSTYPE/DOMAIN/FEATURE lines, before the MAILER lines (README.md).
dnl S= is the milter's unix socket (Debian package): in a directory only the milter and root may enter, so no local
dnl user can take its place or speak to it as Sendmail. Change it only as Milter:Listener:Listen says (local:/path,
dnl inet:PORT@HOST, inet6:PORT@HOST: TCP only for a milter on another host).
dnl
dnl Why promiscuous_relay: Sendmail's own check_rcpt runs before any milter, so a milter can refuse relaying
dnl but can never grant what Sendmail already refused. With promiscuous_relay Sendmail's check never fires
dnl and the milter alone decides, with the same access/relay-domains/local-host-names semantics (and leases,
dnl SMTP AUTH, limits). Never use this feature without the milter line below and its F=T.
FEATURE(`promiscuous_relay')dnl
dnl
dnl The filter line. F=T: if the milter is down, unreachable, too slow or answers garbage, Sendmail answers
dnl "451 4.3.2 Please try again later" (the client retries later) instead of carrying on without the filter;
dnl without F=T (or F=R) a dead milter would turn promiscuous_relay into an open relay (op.txt 5.11).
dnl The timeouts (Sendmail's defaults in brackets):
dnl   C:10s  connecting to the milter [5m]: a milter that does not accept within 10 s is down; tempfail at
dnl          once instead of holding every SMTP client for five minutes.
dnl   S:10s  sending one command to the milter [10s].
dnl   R:10s  waiting for each answer [10s]: policy answers take milliseconds (the rules are in memory), so
dnl          10 s only bounds a stuck milter; Sendmail then tempfails that command (F=T). The milter's own
dnl          Milter:Listener:HandlerTimeoutSeconds (8 s) stays below it: raise R: with it, never lower.
dnl   E:30s  the whole end-of-message exchange [5m]: this milter does no body work (it only answers
dnl          "continue", or quarantines), so 30 s is generous and a hung EOM cannot hold the message 5 minutes.
INPUT_MAIL_FILTER(`policy', `S=local:/run/milter/milter.sock, F=T, T=C:10s;S:10s;R:10s;E:30s')dnl
dnl
dnl The macros the relay decision needs. The milter also asks for them itself when it connects (SETSYMLIST,
dnl honoured by Sendmail 8.14 and later, and then used for this filter instead of the lists below); the lists
dnl make the set visible here, serve Sendmail versions that ignore SETSYMLIST, and are supersets of Sendmail's
dnl defaults, so other milters on this Sendmail lose nothing.
dnl   CONNECT  {client_addr} {client_name}: the client as Sendmail saw it; {client_resolve} (OK/FAIL/FORGED/TEMP,
dnl            not sent by default): "IP name lookup failed" and the FORGED/TEMP replies depend on it;
dnl            {daemon_name}, j (this host), _ (client as name [addr]): logged with the decision;
dnl            {if_name} {if_addr}: Sendmail's defaults, kept for other milters.
dnl   HELO     the STARTTLS facts (Sendmail's default list, the policy does not use them; kept for other milters).
dnl   ENVFROM  i (queue id, in every decision log line); {auth_type} (SASL mechanism: a mechanism listed in
dnl            Milter:Policy:TrustedAuthMechanisms grants relaying, like TRUST_AUTH_MECH); {auth_authen} (the
dnl            authenticated user: per-user limits and logs); {auth_ssf} {auth_author} {mail_*}: defaults.
dnl   ENVRCPT  i; {rcpt_mailer} {rcpt_host} {rcpt_addr}: Sendmail's resolution of the recipient.
define(`confMILTER_MACROS_CONNECT', `j, _, {daemon_name}, {if_name}, {if_addr}, {client_addr}, {client_name}, {client_resolve}')dnl
define(`confMILTER_MACROS_HELO', `{tls_version}, {cipher}, {cipher_bits}, {cert_subject}, {cert_issuer}')dnl
define(`confMILTER_MACROS_ENVFROM', `i, {auth_type}, {auth_authen}, {auth_ssf}, {auth_author}, {mail_mailer}, {mail_host}, {mail_addr}')dnl
define(`confMILTER_MACROS_ENVRCPT', `i, {rcpt_mailer}, {rcpt_host}, {rcpt_addr}')dnl
