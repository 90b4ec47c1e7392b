-- mt_abort.lua: ABORT in the middle of a message (after headers and body), then a new
-- message on the same connection that must not inherit anything from the aborted one.
local function check(cond, msg)
  if not cond then mt.echo("FAIL: " .. (msg or "?")); error(msg or "check failed") end
end
local function reply(conn, want, what)
  local r = mt.getreply(conn)
  check(r == want, what .. ": got '" .. string.char(r) .. "', want '" .. string.char(want) .. "'")
end
local conn = mt.connect("inet:" .. (port or "9901") .. "@127.0.0.1", 20, 0.25)
check(conn, "mt.connect() failed")
check(mt.conninfo(conn, "client.example", "192.0.2.10") == nil, "conninfo")
reply(conn, SMFIR_CONTINUE, "connect")
check(mt.helo(conn, "client.example") == nil, "helo")
reply(conn, SMFIR_CONTINUE, "helo")

-- message 1: would be rejected at EOM (multiline) and would get its Subject changed
mt.macro(conn, SMFIC_MAIL, "i", "ABORTED")
check(mt.mailfrom(conn, "<alice@example.org>") == nil, "mail 1")
reply(conn, SMFIR_CONTINUE, "mail 1")
check(mt.rcptto(conn, "<bob@example.com>") == nil, "rcpt 1")
reply(conn, SMFIR_CONTINUE, "rcpt 1")
check(mt.header(conn, "X-Ref-Action", "multiline") == nil, "header 1")
reply(conn, SMFIR_CONTINUE, "header 1")
check(mt.header(conn, "Subject", "aborted one") == nil, "subject 1")
reply(conn, SMFIR_CONTINUE, "subject 1")
check(mt.eoh(conn) == nil, "eoh 1")
reply(conn, SMFIR_CONTINUE, "eoh 1")
check(mt.bodystring(conn, "REPLACE-ME\r\n") == nil, "body 1")
reply(conn, SMFIR_CONTINUE, "body 1")
check(mt.abort(conn) == nil, "abort")            -- never answered

-- message 2: no X-Ref-Action, no Subject, no marker: plain ACCEPT with the fixed changes only
mt.macro(conn, SMFIC_MAIL, "i", "SECOND")
check(mt.mailfrom(conn, "<carol@example.org>") == nil, "mail 2")
reply(conn, SMFIR_CONTINUE, "mail 2 after ABORT")
check(mt.rcptto(conn, "<dave@example.com>") == nil, "rcpt 2")
reply(conn, SMFIR_CONTINUE, "rcpt 2")
check(mt.header(conn, "From", "carol@example.org") == nil, "header 2")
reply(conn, SMFIR_CONTINUE, "header 2")
check(mt.eoh(conn) == nil, "eoh 2")
reply(conn, SMFIR_CONTINUE, "eoh 2")
check(mt.bodystring(conn, "plain body\r\n") == nil, "body 2")
reply(conn, SMFIR_CONTINUE, "body 2")
check(mt.eom(conn) == nil, "eom 2")
reply(conn, SMFIR_ACCEPT, "eom 2 (the aborted message's multiline action leaked)")
check(mt.eom_check(conn, MT_HDRINSERT, "X-Ref-First", "inserted", 0), "no X-Ref-First")
check(not mt.eom_check(conn, MT_HDRCHANGE, "Subject", "[ref] aborted one"), "aborted Subject leaked")
check(not mt.eom_check(conn, MT_BODYCHANGE), "aborted body marker leaked")
local got = mt.getheader(conn, "X-Ref-Milter", 0)
check(got == "ok i=SECOND i=SECOND", "X-Ref-Milter = '" .. tostring(got) .. "'")
mt.disconnect(conn)
mt.echo("mt_abort: PASS")
