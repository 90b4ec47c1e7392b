-- mt_reject.lua: REPLYCODE at MAIL, plain TEMPFAIL, ABORT then new transactions,
-- per-recipient reject that keeps the transaction, multi-line reply at EOM.
dofile((lib or "lib") .. "/mt_common.lua")
local conn = connect()
check(mt.conninfo(conn, "client.example", "192.0.2.10") == nil, "conninfo")
reply(conn, SMFIR_CONTINUE, "connect")

-- setreply + REJECT goes out as SMFIR_REPLYCODE
check(mt.mailfrom(conn, "<reject@example.org>") == nil, "mail reject@")
reply(conn, SMFIR_REPLYCODE, "MAIL reject@")
check(mt.abort(conn) == nil, "abort")                 -- no reply to ABORT

-- a plain TEMPFAIL (no text) is SMFIR_TEMPFAIL
check(mt.mailfrom(conn, "<tempfail@example.org>") == nil, "mail tempfail@")
reply(conn, SMFIR_TEMPFAIL, "MAIL tempfail@")
check(mt.abort(conn) == nil, "abort 2")

-- a recipient reject does not end the transaction
check(mt.mailfrom(conn, "<alice@example.org>") == nil, "mail alice")
reply(conn, SMFIR_CONTINUE, "MAIL alice")
check(mt.rcptto(conn, "<badrcpt@example.com>") == nil, "rcpt badrcpt")
reply(conn, SMFIR_REPLYCODE, "RCPT badrcpt@")
check(mt.rcptto(conn, "<bob@example.com>") == nil, "rcpt bob")
reply(conn, SMFIR_CONTINUE, "RCPT after a rejected one")
check(mt.header(conn, "X-Ref-Action", "multiline") == nil, "header")
reply(conn, SMFIR_CONTINUE, "header")
check(mt.eom(conn) == nil, "eom")
reply(conn, SMFIR_REPLYCODE, "EOM multiline")
-- MT_SMTPREPLY compares the whole text; libmilter's smfi_setmlreply format
check(mt.eom_check(conn, MT_SMTPREPLY, "550-5.7.1 first line\r\n550 5.7.1 second line"),
      "multi-line reply text")
check(not mt.eom_check(conn, MT_HDRADD, "X-Ref-Milter"), "no changes expected with a reject")

mt.disconnect(conn)
mt.echo("mt_reject: PASS")
