dnl Milter-authoritative relay control: Sendmail relays what the milter does not refuse.
dnl Paste into sendmail.mc (after the OSTYPE/DOMAIN lines, before the MAILER lines), rebuild with m4, restart.
dnl
dnl Why promiscuous_relay: Sendmail's own check_rcpt runs before any milter, so a milter can refuse relaying
dnl but can never grant what Sendmail already refused. With promiscuous_relay Sendmail's check never fires
dnl and the milter alone decides, with the same access/relay-domains/local-host-names semantics.
dnl Why F=T: if the milter is down or answers wrongly, Sendmail tempfails (451 4.3.2) instead of carrying
dnl on without it -- a dead milter must never turn the server into an open relay.
dnl Why the timeouts: policy answers come in milliseconds; R:10s bounds a stuck milter, E is irrelevant
dnl (the policy milter negotiates away everything after RCPT).
FEATURE(`promiscuous_relay')dnl
INPUT_MAIL_FILTER(`policy', `S=inet:8890@127.0.0.1, F=T, T=C:10s;S:10s;R:10s;E:30s')dnl
dnl The macros the relay decision needs (SMTP AUTH, client name resolution, queue id for the log).
define(`confMILTER_MACROS_CONNECT', `j, _, {daemon_name}, {if_name}, {if_addr}, {client_addr}, {client_name}, {client_resolve}')dnl
define(`confMILTER_MACROS_ENVFROM', `i, {auth_type}, {auth_authen}, {auth_ssf}, {auth_author}, {mail_mailer}, {mail_host}, {mail_addr}')dnl
define(`confMILTER_MACROS_ENVRCPT', `i, {rcpt_mailer}, {rcpt_host}, {rcpt_addr}')dnl
