-- mt_negotiate.lua: full v6 offer; exactly the actions and steps the reference filter
-- asks for (those of refmilter.c); then a connect-level REJECT for host reject.example.
-- NB: miltertest takes (conn, version, protocol steps, actions), not what its man page says.
dofile((lib or "lib") .. "/mt_common.lua")
local conn = connect()
check(mt.negotiate(conn, 6, 0x1FFFFF, 0x1FF) == nil, "negotiate failed")
local actions = {
  {"ADDHDRS", SMFIF_ADDHDRS, true}, {"CHGHDRS", SMFIF_CHGHDRS, true},
  {"CHGBODY", SMFIF_CHGBODY, true}, {"ADDRCPT", SMFIF_ADDRCPT, true},
  {"QUARANTINE", SMFIF_QUARANTINE, true}, {"DELRCPT", SMFIF_DELRCPT, false},
  {"CHGFROM", SMFIF_CHGFROM, false}, {"ADDRCPT_PAR", SMFIF_ADDRCPT_PAR, false},
  {"SETSYMLIST", SMFIF_SETSYMLIST, false},
}
for _, a in ipairs(actions) do
  check(mt.test_action(conn, a[2]) == a[3], "action " .. a[1] .. " should be " .. tostring(a[3]))
end
local options = {
  {"SKIP", SMFIP_SKIP, true}, {"NOCONNECT", SMFIP_NOCONNECT, false},
  {"NOHELO", SMFIP_NOHELO, false}, {"NOMAIL", SMFIP_NOMAIL, false},
  {"NORCPT", SMFIP_NORCPT, false}, {"NOBODY", SMFIP_NOBODY, false},
  {"NOHDRS", SMFIP_NOHDRS, false}, {"NOEOH", SMFIP_NOEOH, false},
  {"NOUNKNOWN", SMFIP_NOUNKNOWN, false}, {"NODATA", SMFIP_NODATA, false},
  {"NR_HDR", SMFIP_NR_HDR, false}, {"NR_CONN", SMFIP_NR_CONN, false},
  {"NR_RCPT", SMFIP_NR_RCPT, false}, {"HDR_LEADSPC", SMFIP_HDR_LEADSPC, false},
}
for _, o in ipairs(options) do
  check(mt.test_option(conn, o[2]) == o[3], "step flag " .. o[1] .. " should be " .. tostring(o[3]))
end
check(mt.conninfo(conn, "reject.example", "192.0.2.66") == nil, "conninfo")
local r = mt.getreply(conn)
check(r == SMFIR_REJECT, "connect reply '" .. string.char(r) .. "', want 'r'")
mt.disconnect(conn)
mt.echo("mt_negotiate: PASS")
