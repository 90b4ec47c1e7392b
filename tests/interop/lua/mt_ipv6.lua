-- mt_ipv6.lua: CONNECT with family '6' (miltertest writes the bare address, as Postfix
-- does), then a whole message; the {client_addr} connect macro ends up nowhere (MAIL
-- resets the filter's notes), so the message must look like an IPv4 client's.
local function check(cond, msg)
  if not cond then mt.echo("FAIL: " .. (msg or "?")); error(msg or "check failed") end
end
local function reply(conn, want, what)
  local r = mt.getreply(conn)
  check(r == want, what .. ": got '" .. string.char(r) .. "', want '" .. string.char(want) .. "'")
end
local conn = mt.connect("inet:" .. (port or "9901") .. "@127.0.0.1", 20, 0.25)
check(conn, "mt.connect() failed")
mt.macro(conn, SMFIC_CONNECT, "{client_addr}", "2001:db8::25")
check(mt.conninfo(conn, "v6.client.example", "2001:db8::25") == nil, "conninfo v6")
reply(conn, SMFIR_CONTINUE, "connect v6")
check(mt.helo(conn, "v6.client.example") == nil, "helo")
reply(conn, SMFIR_CONTINUE, "helo")
mt.macro(conn, SMFIC_MAIL, "i", "V6Q1")
check(mt.mailfrom(conn, "<alice@example.org>") == nil, "mail")
reply(conn, SMFIR_CONTINUE, "mail")
check(mt.rcptto(conn, "<bob@example.com>") == nil, "rcpt")
reply(conn, SMFIR_CONTINUE, "rcpt")
check(mt.header(conn, "Subject", "over v6") == nil, "header")
reply(conn, SMFIR_CONTINUE, "header")
check(mt.eom(conn) == nil, "eom")
reply(conn, SMFIR_ACCEPT, "eom")
check(mt.eom_check(conn, MT_HDRCHANGE, "Subject", "[ref] over v6"), "Subject not changed")
local got = mt.getheader(conn, "X-Ref-Milter", 0)
check(got == "ok i=V6Q1 i=V6Q1", "X-Ref-Milter = '" .. tostring(got) .. "'")
mt.disconnect(conn)
-- a second connection whose host is reject.example over IPv6 is still rejected
local c2 = mt.connect("inet:" .. (port or "9901") .. "@127.0.0.1", 20, 0.25)
check(c2, "second mt.connect() failed")
check(mt.conninfo(c2, "reject.example", "2001:db8::66") == nil, "conninfo v6 reject")
reply(c2, SMFIR_REJECT, "connect v6 reject.example")
mt.disconnect(c2)
mt.echo("mt_ipv6: PASS")
