-- mt_body_max.lua: one BODY packet of exactly 65535 bytes (MILTER_CHUNK_SIZE, the most
-- either MTA sends) is accepted, and read whole: the marker sits in its last bytes.
dofile((lib or "lib") .. "/mt_common.lua")
local conn = connect()
check(mt.conninfo(conn, "client.example", "192.0.2.10") == nil, "conninfo")
reply(conn, SMFIR_CONTINUE, "connect")
check(mt.mailfrom(conn, "<alice@example.org>") == nil, "mail")
reply(conn, SMFIR_CONTINUE, "mail")
check(mt.rcptto(conn, "<bob@example.com>") == nil, "rcpt")
reply(conn, SMFIR_CONTINUE, "rcpt")
check(mt.header(conn, "Subject", "big") == nil, "header")
reply(conn, SMFIR_CONTINUE, "header")
check(mt.eoh(conn) == nil, "eoh")
reply(conn, SMFIR_CONTINUE, "eoh")
-- 65535 bytes: 64 bytes per line, the marker in the final line
local line = string.rep("x", 62) .. "\r\n"
local body = string.rep(line, 1023) .. string.rep("y", 65535 - 1023 * 64 - 12) .. "REPLACE-ME\r\n"
check(#body == 65535, "body length " .. #body)
check(mt.bodystring(conn, body) == nil, "65535-byte body chunk")
reply(conn, SMFIR_CONTINUE, "body 65535")
-- and a random-content body after it (miltertest splits it itself)
check(mt.bodyrandom(conn, 1000) == nil, "bodyrandom")
reply(conn, SMFIR_CONTINUE, "bodyrandom")
check(mt.eom(conn) == nil, "eom")
reply(conn, SMFIR_ACCEPT, "eom")
check(mt.eom_check(conn, MT_BODYCHANGE, "replaced body\r\n"), "marker at the end of the chunk not seen")
mt.disconnect(conn)
mt.echo("mt_body_max: PASS")
