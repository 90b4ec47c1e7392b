-- mt_basic.lua: explicit negotiation, connect/HELO macros, two accepted messages on one
-- connection, every EOM change of the reference filter checked with mt.eom_check.
-- Run (in tests/interop/lua): miltertest -D port=PORT -s mt_basic.lua   (reference filter on 127.0.0.1:PORT)
dofile((lib or "lib") .. "/mt_common.lua")
local conn = connect()

-- nil = miltertest defaults: version 6, all steps, all actions
check(mt.negotiate(conn, nil, nil, nil) == nil, "negotiate failed")
check(mt.test_action(conn, SMFIF_ADDHDRS), "milter did not ask for ADDHDRS")
check(mt.test_action(conn, SMFIF_CHGHDRS), "milter did not ask for CHGHDRS")
check(mt.test_action(conn, SMFIF_CHGBODY), "milter did not ask for CHGBODY")
check(mt.test_action(conn, SMFIF_ADDRCPT), "milter did not ask for ADDRCPT")

mt.macro(conn, SMFIC_CONNECT, "j", "mx.example.org", "{daemon_name}", "MTA")
check(mt.conninfo(conn, "client.example", "192.0.2.10") == nil, "conninfo")
reply(conn, SMFIR_CONTINUE, "connect")
check(mt.helo(conn, "client.example") == nil, "helo")
reply(conn, SMFIR_CONTINUE, "helo")

for n = 1, 2 do
  mt.macro(conn, SMFIC_MAIL, "i", "QID" .. n, "{mail_addr}", "alice@example.org")
  check(mt.mailfrom(conn, "<alice@example.org>", "SIZE=100") == nil, "mail")
  reply(conn, SMFIR_CONTINUE, "mail " .. n)
  check(mt.rcptto(conn, "<bob@example.com>") == nil, "rcpt")
  reply(conn, SMFIR_CONTINUE, "rcpt " .. n)
  check(mt.data(conn) == nil, "data")
  reply(conn, SMFIR_CONTINUE, "data " .. n)
  check(mt.header(conn, "From", "alice@example.org") == nil, "header From")
  reply(conn, SMFIR_CONTINUE, "header From")
  check(mt.header(conn, "Subject", "hello " .. n) == nil, "header Subject")
  reply(conn, SMFIR_CONTINUE, "header Subject")
  check(mt.eoh(conn) == nil, "eoh")
  reply(conn, SMFIR_CONTINUE, "eoh")
  check(mt.bodystring(conn, "line one\r\nREPLACE-ME\r\n") == nil, "body")
  reply(conn, SMFIR_CONTINUE, "body")
  check(mt.eom(conn) == nil, "eom")
  reply(conn, SMFIR_ACCEPT, "eom " .. n)
  check(mt.eom_check(conn, MT_HDRINSERT, "X-Ref-First", "inserted", 0), "no X-Ref-First inserted at 0")
  check(mt.eom_check(conn, MT_HDRCHANGE, "Subject", "[ref] hello " .. n), "Subject not changed")
  check(mt.eom_check(conn, MT_BODYCHANGE, "replaced body\r\n"), "body not replaced")
  check(mt.eom_check(conn, MT_RCPTADD, "<bcc@example.net>"), "no bcc recipient added")
  local want = "ok i=QID" .. n .. " {mail_addr}=alice@example.org i=QID" .. n
  local got = mt.getheader(conn, "X-Ref-Milter", 0)
  check(got == want, "X-Ref-Milter = '" .. tostring(got) .. "', want '" .. want .. "'")
  check(not mt.eom_check(conn, MT_QUARANTINE), "unexpected quarantine")
end

mt.disconnect(conn)
mt.echo("mt_basic: PASS")
