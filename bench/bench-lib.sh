# Sourced by the bench scripts (not run): the processes they start, free ports, waiting for a milter, medians.

# Processes to kill when the script ends (a script that starts any: trap cleanup EXIT).
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}

# A port nobody listens on (bash /dev/tcp probe: a refused connect means free), below the ephemeral range: the load
# runs leave thousands of client ports of that range in TIME_WAIT, and a listener could not bind one of those.
EPHEMERAL_LOW=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
free_port() {
  local port
  while :; do
    port=$((10000 + RANDOM % (EPHEMERAL_LOW - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# serving SPEC BENCH...: true once the load tool (BENCH..., e.g. `milter bench`) completes one session against SPEC,
# false after 10 s of trying.
serving() {
  local spec=$1
  shift
  for _ in $(seq 1 100); do
    if "$@" --target "$spec" --sessions 1 --warmup 0 --concurrency 1 >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# limits_on_config FILE: a milter config with every flood limit on, none reached by a load run (limits high, no exemptions).
limits_on_config() {
  local rate='{ "Count": 1000000000, "PeriodSeconds": 1, "Exempt": "None" }'
  cat >"$1" <<JSON
{ "Milter": { "Limits": {
  "Enabled": true, "Store": "Memory", "AccessEntries": true,
  "ClientConnections": { "Max": 100000, "Exempt": "None" },
  "RecipientsPerMessage": { "Max": 1000, "Exempt": "None" },
  "ClientConnectionRate": $rate, "ClientMessageRate": $rate, "NetworkMessageRate": $rate, "SenderMessageRate": $rate,
  "UserMessageRate": $rate, "ServerMessageRate": $rate, "ClientRecipientRate": $rate, "NetworkRecipientRate": $rate,
  "SenderRecipientRate": $rate, "UserRecipientRate": $rate, "ServerRecipientRate": $rate, "MailBomb": $rate
} } }
JSON
}
