dnl hide-version.m4 -- Sendmail shows its version nowhere: not in the greeting, the Received header or HELP.
dnl Paste into /etc/mail/sendmail.mc after the OSTYPE/DOMAIN lines (Debian's OSTYPE sets a greeting with the
dnl version; a later define wins), before the MAILER lines. Install the help file first (README.md):
dnl   install -m 0644 helpfile-noversion /etc/mail/helpfile-noversion
dnl
dnl Greeting. Default "$j Sendmail $v/$Z; $b" ($v = version, $Z = version of the .cf). Sendmail inserts "ESMTP"
dnl after the first word, so the client sees "220 mail.example.net ESMTP MTA; <date>".
define(`confSMTP_LOGIN_MSG', `$j MTA; $b')dnl
dnl
dnl Received header. Sendmail's default (cfhead.m4) is the same pieces with "by $j ($v/$Z)"; only the version
dnl in the "by" part is left out, the rest (_REC_* pieces: from, AUTH, TLS, for, date) stays Sendmail's own.
define(`confRECEIVED_HEADER', `_REC_HDR_
	_REC_AUTH_$?{auth_ssf} bits=${auth_ssf}$.)
	$.by $j$?r with $r$. id $i$?{tls_version}
	_REC_TLS_
	_REC_END_')dnl
dnl
dnl HELP. The stock help file starts with "This is sendmail version $v", and with no help file at all Sendmail
dnl answers "502 5.3.0 Sendmail <version> -- HELP not implemented", so "none" would leak too: point HelpFile at
dnl a file without the version (helpfile-noversion, shipped next to this snippet). The m4 name is HELP_FILE
dnl (proto.m4: O HelpFile=ifdef(`HELP_FILE', ...)); a confHELP_FILE define would be silently ignored.
define(`HELP_FILE', `/etc/mail/helpfile-noversion')dnl
