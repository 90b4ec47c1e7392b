-- mt_common.lua: what every script in tests/interop/lua starts with; loaded by
--   dofile((lib or "lib") .. "/mt_common.lua")
-- (the tests pass -D lib=DIR; by hand, run miltertest from tests/interop/lua).

-- check(): assert() that prints the reason first (miltertest is silent on Lua errors).
function check(cond, msg)
  if not cond then mt.echo("FAIL: " .. (msg or "?")); error(msg or "check failed") end
end

-- reply(): the next reply on conn must be want (an SMFIR_* code).
function reply(conn, want, what)
  local r = mt.getreply(conn)
  check(r == want, what .. ": got '" .. string.char(r) .. "', want '" .. string.char(want) .. "'")
end

-- connect(): a new connection to the filter under test, inet:PORT@127.0.0.1 (-D port=PORT);
-- failmsg is the failure reported when it cannot be opened.
function connect(failmsg)
  local conn = mt.connect("inet:" .. (port or "9901") .. "@127.0.0.1", 20, 0.25)
  check(conn, failmsg or "mt.connect() failed")
  return conn
end
