dnl drac-socketmap.m4 -- deployment mode (A): Sendmail keeps relay control and asks the milter's lease table
dnl (POP-before-SMTP, FEATURE(drac)) through the milter's socketmap server.
dnl Paste into /etc/mail/sendmail.mc (after the OSTYPE/DOMAIN lines, before the MAILER lines), rebuild, restart.
dnl Not together with milter-authoritative-relay.m4: its promiscuous_relay skips the relay check (Relay_ok) that
dnl reads this map (in that mode the milter checks the leases itself).
dnl The milter side: Milter:Leases:SocketMap:Listen = unix:/run/milter/drac.sock (the socket below), map name drac.
dnl A unix socket in /run/milter, which only the milter and root may enter (Sendmail's daemon runs as root): no local
dnl user can bind it while the milter is down and answer OK for every address, as one could with a TCP port.
dnl Debian's sendmail is built with SOCKETMAP.
dnl
dnl What it does: Relay_ok (proto.m4) looks up ${client_addr} in the map "drac" (and, for IPv6, the address after
dnl "IPv6:" too); ANY value found means RELAY ("authenticated IP address"), the value itself (our expiry) is ignored.
dnl The request is "drac <addr>", the answer "OK <expiry>" or "NOTFOUND".
dnl
dnl NO -T<TMPF> on this map: -Tx means "Append the string x on temporary failures" (op.txt), so a temporary failure
dnl would come back as a value, and the drac rules treat ANY non-default result as RELAY -> a tempfail would open
dnl the relay. The milter's socketmap therefore answers NOTFOUND on internal errors (lease store down): the client
dnl is simply not leased and keeps only its other relay rights (SMTP AUTH, access RELAY, relay-domains).
dnl -d5: 5 s timeout for the lookup.
FEATURE(`drac', `socket -d5 local:/run/milter/drac.sock')dnl
