dnl privacy-flags.m4 -- PrivacyOptions: what Sendmail tells or does for an SMTP client it does not know.
dnl Paste into /etc/mail/sendmail.mc before the MAILER lines (a later define of confPRIVACY_FLAGS wins).
dnl
dnl   authwarnings  X-Authentication-Warning: headers when the sender looks forged (Sendmail's default).
dnl   needmailhelo  MAIL only after HELO/EHLO ("503 5.0.0 Polite people say HELO first"): every message then
dnl                 reaches the milter with its HELO stage, and clients that skip it are mostly spam tools.
dnl   noexpn        no EXPN: aliases and mailing lists are not shown to strangers.
dnl   novrfy        no VRFY ("252 2.5.2 Cannot VRFY user"): no address harvesting; RCPT still says yes or no.
dnl   noverb        no VERB: a client cannot switch on verbose delivery output.
dnl   noetrn        no ETRN: a client cannot start queue runs (load, and a way to probe what is queued).
dnl   noreceipts    no return receipts (DSN NOTIFY=SUCCESS): they confirm that an address exists.
dnl   restrictmailq only the queue directory's group may list the queue (mailq).
dnl   restrictqrun  only root and the queue owner may process the queue (sendmail -q).
dnl   nobodyreturn  bounces never carry the original body (no content reflected to a forged sender).
dnl `goaway' is a shorthand for most of these (the HELO/EXPN/VRFY/VERB/authwarnings group) but not for noetrn,
dnl noreceipts, restrictmailq, restrictqrun or nobodyreturn; the list is spelled out so each flag is a choice.
define(`confPRIVACY_FLAGS', `authwarnings,needmailhelo,noexpn,novrfy,noverb,noetrn,noreceipts,restrictmailq,restrictqrun,nobodyreturn')dnl
