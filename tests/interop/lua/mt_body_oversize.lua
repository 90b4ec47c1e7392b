-- mt_body_oversize.lua: one BODY packet of 70000 bytes (over the 65535 maximum; miltertest's
-- bodystring does not split) must make the filter close the connection, as libmilter
-- does; a new connection is then served normally.
local function check(cond, msg)
  if not cond then mt.echo("FAIL: " .. (msg or "?")); error(msg or "check failed") end
end
local function reply(conn, want, what)
  local r = mt.getreply(conn)
  check(r == want, what .. ": got '" .. string.char(r) .. "', want '" .. string.char(want) .. "'")
end
local addr = "inet:" .. (port or "9901") .. "@127.0.0.1"
local conn = mt.connect(addr, 20, 0.25)
check(conn, "mt.connect() failed")
check(mt.conninfo(conn, "client.example", "192.0.2.10") == nil, "conninfo")
reply(conn, SMFIR_CONTINUE, "connect")
check(mt.mailfrom(conn, "<alice@example.org>") == nil, "mail")
reply(conn, SMFIR_CONTINUE, "mail")
check(mt.rcptto(conn, "<bob@example.com>") == nil, "rcpt")
reply(conn, SMFIR_CONTINUE, "rcpt")
check(mt.header(conn, "Subject", "too big") == nil, "header")
reply(conn, SMFIR_CONTINUE, "header")
check(mt.eoh(conn) == nil, "eoh")
reply(conn, SMFIR_CONTINUE, "eoh")
local err = mt.bodystring(conn, string.rep("z", 70000))
check(err ~= nil, "70000-byte BODY packet was answered instead of closing the connection")
check(string.find(err, "milter_read", 1, true), "unexpected error: " .. tostring(err))
mt.echo("oversize BODY: " .. err)

local c2 = mt.connect(addr, 20, 0.25)
check(c2, "filter no longer accepts connections")
check(mt.conninfo(c2, "client.example", "192.0.2.10") == nil, "conninfo 2")
reply(c2, SMFIR_CONTINUE, "connect 2")
mt.disconnect(c2)
mt.echo("mt_body_oversize: PASS")
