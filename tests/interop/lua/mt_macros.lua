-- mt_macros.lua: three messages on one connection; the X-Ref-Milter value shows which
-- macros the filter saw, so libmilter's rules are checked end to end:
--  * a later stage shadows an earlier one (EOM "i" over MAIL "i"),
--  * MAIL discards the RCPT..EOM sets but not the MAIL set itself (message 2 sends no
--    new MAIL macros and still sees message 1's; its RCPT macro is gone),
--  * "i" and "{i}" are the same name.
dofile((lib or "lib") .. "/mt_common.lua")
local function message(conn, n, mailmacros, rcptmacros, eommacros, want)
  if mailmacros then mt.macro(conn, SMFIC_MAIL, table.unpack(mailmacros)) end
  check(mt.mailfrom(conn, "<sender" .. n .. "@example.org>") == nil, "mail " .. n)
  reply(conn, SMFIR_CONTINUE, "mail " .. n)
  if rcptmacros then mt.macro(conn, SMFIC_RCPT, table.unpack(rcptmacros)) end
  check(mt.rcptto(conn, "<rcpt" .. n .. "@example.com>") == nil, "rcpt " .. n)
  reply(conn, SMFIR_CONTINUE, "rcpt " .. n)
  check(mt.header(conn, "Subject", "message " .. n) == nil, "header " .. n)
  reply(conn, SMFIR_CONTINUE, "header " .. n)
  if eommacros then mt.macro(conn, string.byte("E"), table.unpack(eommacros)) end
  check(mt.eom(conn) == nil, "eom " .. n)
  reply(conn, SMFIR_ACCEPT, "eom " .. n)
  check(mt.eom_check(conn, MT_HDRCHANGE, "Subject", "[ref] message " .. n), "Subject " .. n)
  local got = mt.getheader(conn, "X-Ref-Milter", 0)
  check(got == want, "message " .. n .. ": X-Ref-Milter = '" .. tostring(got) .. "', want '" .. want .. "'")
end
local conn = connect()
mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.org", "{daemon_name}", "MTA-v4")
check(mt.conninfo(conn, "client.example", "192.0.2.10") == nil, "conninfo")
reply(conn, SMFIR_CONTINUE, "connect")
check(mt.helo(conn, "client.example") == nil, "helo")
reply(conn, SMFIR_CONTINUE, "helo")

message(conn, 1, {"i", "Q1", "{mail_addr}", "sender1@example.org", "{auth_authen}", "alice"},
        {"{rcpt_addr}", "rcpt1@example.com"}, {"i", "Q1-EOM"},
        "ok i=Q1 {mail_addr}=sender1@example.org {auth_authen}=alice {rcpt_addr}=rcpt1@example.com i=Q1-EOM")
message(conn, 2, nil, nil, nil,
        "ok i=Q1 {mail_addr}=sender1@example.org {auth_authen}=alice i=Q1")
message(conn, 3, {"{i}", "Q3", "{mail_addr}", "sender3@example.org"},
        {"{rcpt_addr}", "rcpt3@example.com"}, {"{msg_id}", "<m3@example.org>"},
        "ok i=Q3 {mail_addr}=sender3@example.org {rcpt_addr}=rcpt3@example.com i=Q3")
mt.disconnect(conn)
mt.echo("mt_macros: PASS")
