#!/usr/bin/env bash
# The product benchmark: `milter run` as shipped against a libmilter milter deciding the same access file, and
# against a do-nothing milter (the ceiling), in one run.
#
# Builds Milter.Host (Release; `milter run` and `milter bench`), tests/Milter.Benchmarks (the fixture generator),
# bench/access-milter.c (libmilter, thread per connection) and bench/null-milter.c (one epoll thread). For each
# access size (ACCESS_LINES; the generated file has entries of every kind) writes the fixture: access,
# relay-domains, local-host-names and a traffic script whose expected replies come from the product's own policy
# engine. Starts on free loopback ports or unix sockets:
#   ours         milter run, defaults (console decision log to a file, SQLite lease store), flood limits off, sender domain check off (as the package ships it)
#   ours-limits  the same with every flood limit on, limits high enough that none is reached (LIMITS=1)
#   libmilter    bench/access-milter (loads the same three files)
#   null         bench/null-milter (continue to everything; first access size only)
# then, at each concurrency, ROUNDS rounds of `milter bench --traffic` (a new connection per session; CONNECT,
# HELO, MAIL, 1 RCPT, with mixed verdicts; every reply checked: any difference or error fails the run), rotating
# the order of the milters from round to round, with each milter's CPU time read from /proc/PID/stat around the
# measured window (and the load tool's, to show when it rather than the milter set the pace). Prints the medians:
# sessions/s, ratios, CPU microseconds per session, the load tool's CPU, and p99 per command.
#
# Settings (environment): DURATION=10 WARMUP=3 ROUNDS=3 CONCURRENCY="1 8 64 512" TRANSPORTS="inet unix"
#   ACCESS_LINES="800 100000" BIG_CONCURRENCY="8 64" (concurrencies for the access sizes after the first)
#   LIMITS=1 PIN=1 MILTER_CPU=0 LOAD_CPU=1 OUT=<new temp dir>
#   LOAD_INLINE=1: the pinned load tool runs its socket continuations on the runtime's epoll thread (0: on pool threads)
#   SESSIONS=N: measure N sessions per point instead of DURATION seconds (however long they take)
#   IDLE=10000: then resident memory per idle connection, ours against libmilter (0 skips it; see below)
#   SHORT=1: a smoke run for CI (200 sessions per point, 1 round, c=1 and 8, unix socket, 800 lines, no idle
#   measurement), same checks.
#   HOST_DIR, BENCHMARKS_DIR: use these builds of Milter.Host and tests/Milter.Benchmarks instead of building them
#   (the CI test passes the ones built with the test project; figures only from a Release build).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
if [ "${SHORT:-0}" = 1 ]; then
  SESSIONS=${SESSIONS:-200} WARMUP=${WARMUP:-0} ROUNDS=${ROUNDS:-1} CONCURRENCY=${CONCURRENCY:-"1 8"}
  TRANSPORTS=${TRANSPORTS:-unix} ACCESS_LINES=${ACCESS_LINES:-800} BIG_CONCURRENCY=${BIG_CONCURRENCY:-8} IDLE=${IDLE:-0}
fi
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-3}
CONCURRENCY=${CONCURRENCY:-"1 8 64 512"}
TRANSPORTS=${TRANSPORTS:-"inet unix"}
ACCESS_LINES=${ACCESS_LINES:-"800 100000"}
BIG_CONCURRENCY=${BIG_CONCURRENCY:-"8 64"}
LIMITS=${LIMITS:-1}
IDLE=${IDLE:-10000}
PIN=${PIN:-1}
LOAD_INLINE=${LOAD_INLINE:-1}
MILTER_CPU=${MILTER_CPU:-0}
LOAD_CPU=${LOAD_CPU:-1}
OUT=${OUT:-$(mktemp -d "${TMPDIR:-/tmp}/milter-product.XXXXXX")}
mkdir -p "$OUT"

for tool in dotnet jq gcc; do
  command -v "$tool" >/dev/null 2>&1 || { echo "compare-product: '$tool' is needed" >&2; exit 1; }
done
[ -f /usr/include/libmilter/mfapi.h ] || { echo "compare-product: libmilter headers are needed (libmilter-dev)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
CLK_TCK=$(getconf CLK_TCK)

MILTER_PIN=()
LOAD_PIN=()
PINNING="none"
if [ "$PIN" = 1 ] && command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
  MILTER_PIN=(taskset -c "$MILTER_CPU")
  # On its one CPU the load tool runs every socket continuation on the runtime's epoll thread instead of handing it
  # to a pool thread (a context switch per reply on that CPU): about 50 us less of the load tool's CPU per session,
  # so that it is less often what sets the pace (see "tool%" in the summary).
  LOAD_PIN=(env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS="$LOAD_INLINE" taskset -c "$LOAD_CPU")
  PINNING="milters on CPU $MILTER_CPU, load tool on CPU $LOAD_CPU (inline socket completions: $LOAD_INLINE)"
fi

echo "== building into $OUT"
{
  gcc -O2 -Wall -Wextra -std=gnu11 -pthread -o "$OUT/access-milter" "$HERE/access-milter.c" -lmilter \
    && gcc -O2 -Wall -Wextra -std=gnu11 -o "$OUT/null-milter" "$HERE/null-milter.c" \
    && { [ -n "${HOST_DIR:-}" ] || dotnet build "$ROOT/Milter.Host/Milter.Host.csproj" -c Release -o "$OUT/host" -nologo -v q; } \
    && { [ -n "${BENCHMARKS_DIR:-}" ] || dotnet build "$ROOT/tests/Milter.Benchmarks/Milter.Benchmarks.csproj" -c Release -o "$OUT/benchmarks" -nologo -v q; }
} >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; exit 1; }
MILTER="${HOST_DIR:-$OUT/host}/milter"
FIXTURE="${BENCHMARKS_DIR:-$OUT/benchmarks}/Milter.Benchmarks"

. "$HERE/bench-lib.sh"
trap cleanup EXIT

# Every flood limit on, none reached by the run (as bench/limits-overhead.sh).
limits_on_config "$OUT/limits-on.json"
# The sender domain check off in both, as in the package's configuration (see limits_on_config).
echo '{ "Milter": { "Policy": { "AcceptUnresolvableDomains": true }, "Limits": { "Enabled": false } } }' >"$OUT/limits-off.json"

# start NAME SPEC FIXTURE: starts that milter on SPEC, sets STARTED_PID, waits until it completes a session.
start() {
  local name=$1 spec=$2 fx=$3 log="$OUT/$1-$(date +%s%N).log" state="$OUT/state-$1-$RANDOM"
  case $name in
    ours|ours-limits)
      mkdir -p "$state"
      local config="$OUT/limits-off.json"
      [ "$name" = ours-limits ] && config="$OUT/limits-on.json"
      "${MILTER_PIN[@]}" "$MILTER" run --listen "$spec" --config "$config" --state-dir "$state" \
        --access "$fx/access" --relay-domains "$fx/relay-domains" --local-domains "$fx/local-host-names" >"$log" 2>&1 &
      ;;
    libmilter) "${MILTER_PIN[@]}" "$OUT/access-milter" -q "$spec" "$fx/access" "$fx/relay-domains" "$fx/local-host-names" >"$log" 2>&1 & ;;
    null) "${MILTER_PIN[@]}" "$OUT/null-milter" "$spec" >"$log" 2>&1 & ;;
  esac
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
  LOGS[$name]=$log
  local expect=()
  [ "$name" = null ] && expect=(--expect-continue)
  serving "$spec" "$MILTER" bench --traffic "$fx/traffic.tsv" "${expect[@]}" && return
  echo "compare-product: $name did not come up on $spec" >&2
  cat "$log" >&2
  exit 1
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# run NAME PID SPEC FIXTURE FILE: one measured run into FILE (JSON, with the milter's CPU over the window).
run() {
  local name=$1 pid=$2 spec=$3 fx=$4 file=$5 expect=() length t0 t1
  [ "$name" = null ] && expect=(--expect-continue)
  if [ -n "${SESSIONS:-}" ]; then length=(--sessions "$SESSIONS"); else length=(--duration "$DURATION"); fi
  "${LOAD_PIN[@]}" "$MILTER" bench --target "$spec" --traffic "$fx/traffic.tsv" "${expect[@]}" --concurrency "$conc" \
    "${length[@]}" --warmup "$WARMUP" --json >"$file.tmp" 2>"$file.err" &
  local bench=$! b0 b1
  sleep "$WARMUP"
  t0=$(cpu_ticks "$pid"); b0=$(cpu_ticks "$bench" 2>/dev/null || echo 0) # (a short SESSIONS run may be over already)
  if [ -n "${SESSIONS:-}" ]; then
    wait "$bench" && status=0 || status=$?
    b1=$b0 # (the load tool has exited: its CPU is not read in this mode)
  else
    sleep "$DURATION"
    t1=$(cpu_ticks "$pid"); b1=$(cpu_ticks "$bench" 2>/dev/null || echo 0)
    wait "$bench" && status=0 || status=$?
  fi
  [ -n "${SESSIONS:-}" ] && t1=$(cpu_ticks "$pid")
  if [ "$status" != 0 ]; then
    echo "compare-product: $name failed at $transport c=$conc (errors or replies that differ from the script):" >&2
    jq -r '"  sessions \(.sessions), errors \(.errors), mismatches \(.mismatches)", (.firstErrors[] | "  " + .)' "$file.tmp" >&2 || cat "$file.tmp" "$file.err" >&2
    exit 1
  fi
  jq --argjson ticks $((t1 - t0)) --argjson load $((b1 - b0)) --argjson hz "$CLK_TCK" \
    '. + { milterCpuMicrosPerSession: (if .sessions > 0 then $ticks / $hz * 1e6 / .sessions else 0 end),
           loadToolCpuMicrosPerSession: (if .sessions > 0 then $load / $hz * 1e6 / .sessions else 0 end) }' "$file.tmp" >"$file"
  rm -f "$file.tmp"
}

declare -A LOGS
echo "== $(nproc) CPUs, pinning: $PINNING; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
first=1
for lines in $ACCESS_LINES; do
  fx="$OUT/fixture-$lines"
  "$FIXTURE" product-fixture "$fx" "$lines" >/dev/null
  names="ours libmilter"
  [ "$LIMITS" = 1 ] && names="ours ours-limits libmilter"
  concs=$CONCURRENCY
  if [ $first = 1 ]; then names="$names null"; else concs=$BIG_CONCURRENCY; fi
  for transport in $TRANSPORTS; do
    declare -A SPEC=() PID=()
    for name in $names; do
      if [ "$transport" = inet ]; then SPEC[$name]="inet:$(free_port)@127.0.0.1"; else SPEC[$name]="unix:$OUT/$name-$lines.sock"; fi
      start "$name" "${SPEC[$name]}" "$fx"
      PID[$name]=$STARTED_PID
    done
    for conc in $concs; do
      set -- $names
      for round in $(seq 1 "$ROUNDS"); do
        echo "== $lines lines, $transport, concurrency $conc, round $round: $*"
        for name in "$@"; do
          run "$name" "${PID[$name]}" "${SPEC[$name]}" "$fx" "$OUT/r-$lines-$transport-c$conc-$name-$round.json"
        done
        set -- "${@:2}" "$1" # rotate: each milter goes first in turn
      done
    done
    for name in $names; do
      kill "${PID[$name]}" 2>/dev/null || true
      wait "${PID[$name]}" 2>/dev/null || true
    done
  done
  first=0
done

# Idle connections: a fresh milter of each kind on the first fixture, a warm-up, a quiet minute's worth of seconds
# (QUIET: `milter run` gives the collector's free memory back once it has been quiet for two of its 5 s checks), RSS,
# IDLE connections held open after negotiation, CONNECT and HELO (`milter bench --idle-connections`) in two halves,
# each followed by QUIET seconds and RSS. The growth over all IDLE counts what the baseline held unused (a collector's
# free memory, malloc's arenas) as used by the connections that took it; the second half's growth is the cost of one
# more connection once that is gone, so both are reported.
QUIET=${QUIET:-12}
declare -A IDLE_KIB
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
if [ "$IDLE" -gt 0 ]; then
  fx="$OUT/fixture-${ACCESS_LINES%% *}"
  echo "== idle connections: $IDLE per milter"
  idle_names="ours libmilter"
  [ "$LIMITS" = 1 ] && idle_names="ours ours-limits libmilter"
  for name in $idle_names; do
    spec="inet:$(free_port)@127.0.0.1"
    start "$name" "$spec" "$fx"; pid=$STARTED_PID
    "$MILTER" bench --target "$spec" --traffic "$fx/traffic.tsv" --sessions 500 --warmup 0 --concurrency 8 >/dev/null
    sleep "$QUIET"
    before=$(rss_kib "$pid")
    holders=()
    rss_half=()
    for half in 1 2; do
      "$MILTER" bench --target "$spec" --idle-connections $((IDLE / 2)) >"$OUT/idle-$name-$half.txt" 2>&1 &
      holders+=($!)
      for _ in $(seq 1 600); do
        grep -q '^idle: .* open' "$OUT/idle-$name-$half.txt" && break
        sleep 0.1
      done
      sleep "$QUIET"
      rss_half+=("$(rss_kib "$pid")")
    done
    kill -TERM "${holders[@]}" 2>/dev/null || true
    wait "${holders[@]}" || true
    IDLE_KIB[$name]="$before ${rss_half[0]} ${rss_half[1]}"
    echo "   $name: $(head -1 "$OUT/idle-$name-1.txt"); $(head -1 "$OUT/idle-$name-2.txt"); RSS $before KiB -> ${rss_half[0]} KiB -> ${rss_half[1]} KiB"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
fi

# Medians over the rounds of one metric (jq path) for one point.
med() { local lines=$1 tr=$2 c=$3 name=$4 path=$5; jq -r "$path" "$OUT"/r-"$lines"-"$tr"-c"$c"-"$name"-*.json | median; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

{
  echo
  echo "Product benchmark, $(date -u +%Y-%m-%d), $(nproc) CPUs, pinning: $PINNING; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ -n "${SESSIONS:-}" ]; then length="$SESSIONS sessions"; else length="${DURATION}s"; fi
  echo "medians of $ROUNDS rounds of $length; s/s = sessions/s; us = milter CPU microseconds per session; every reply verified"
  first=1
  for lines in $ACCESS_LINES; do
    concs=$CONCURRENCY
    [ $first = 1 ] || concs=$BIG_CONCURRENCY
    echo
    echo "access file: $lines lines"
    printf '%-5s %4s | %8s %6s | %8s %6s | %8s %6s | %8s %6s | %7s %7s %7s\n' \
      tr c "ours" us "limits" us "libmilt" us "null" us "ours/lib" "ours/nul" "lim/off"
    for transport in $TRANSPORTS; do
      for conc in $concs; do
        o=$(med "$lines" "$transport" "$conc" ours .sessionsPerSecond); ou=$(med "$lines" "$transport" "$conc" ours .milterCpuMicrosPerSession)
        l=$(med "$lines" "$transport" "$conc" libmilter .sessionsPerSecond); lu=$(med "$lines" "$transport" "$conc" libmilter .milterCpuMicrosPerSession)
        if [ "$LIMITS" = 1 ]; then
          ol=$(med "$lines" "$transport" "$conc" ours-limits .sessionsPerSecond); olu=$(med "$lines" "$transport" "$conc" ours-limits .milterCpuMicrosPerSession)
        else ol=0 olu=0; fi
        if [ $first = 1 ]; then
          n=$(med "$lines" "$transport" "$conc" null .sessionsPerSecond); nu=$(med "$lines" "$transport" "$conc" null .milterCpuMicrosPerSession)
        else n=0 nu=0; fi
        printf '%-5s %4s | %8.0f %6.0f | %8.0f %6.0f | %8.0f %6.0f | %8.0f %6.0f | %7s %7s %7s\n' "$transport" "$conc" \
          "$o" "$ou" "$ol" "$olu" "$l" "$lu" "$n" "$nu" "$(ratio "$o" "$l")" "$(ratio "$o" "$n")" "$(ratio "$ol" "$o")"
      done
    done
    if [ -z "${SESSIONS:-}" ]; then
      echo "load tool: its CPU microseconds per session and how busy its CPU was (tool%; near 100 it, not the milter, set the pace):"
      for transport in $TRANSPORTS; do
        for conc in $concs; do
          line="  $transport c=$conc:"
          names_here="ours libmilter"
          [ "$LIMITS" = 1 ] && names_here="ours ours-limits libmilter"
          [ $first = 1 ] && names_here="$names_here null"
          for name in $names_here; do
            tu=$(med "$lines" "$transport" "$conc" "$name" ".loadToolCpuMicrosPerSession // 0")
            ts=$(med "$lines" "$transport" "$conc" "$name" ".sessionsPerSecond")
            line="$line $name $(awk -v u="$tu" -v s="$ts" 'BEGIN { printf "%.0f us %.0f%%", u, u * s / 1e4 }')"
          done
          echo "$line"
        done
      done
    fi
    echo "p99 per command, microseconds, ours | libmilter (medians over the rounds):"
    for transport in $TRANSPORTS; do
      for conc in $concs; do
        line="  $transport c=$conc:"
        for step in connect helo mail rcpt eom session; do
          op=$(med "$lines" "$transport" "$conc" ours ".latencyMicroseconds.$step.p99 // 0")
          lp=$(med "$lines" "$transport" "$conc" libmilter ".latencyMicroseconds.$step.p99 // 0")
          line="$line $step $(printf '%.0f|%.0f' "$op" "$lp")"
        done
        echo "$line"
      done
    done
    first=0
  done
  if [ "$IDLE" -gt 0 ]; then
    echo
    echo "Idle connections ($IDLE in two halves, negotiated + CONNECT + HELO, inet, RSS ${QUIET} s after each half): growth per connection"
    for name in $idle_names; do
      read -r before mid after <<<"${IDLE_KIB[$name]}"
      awk -v n="$name" -v b="$before" -v m="$mid" -v a="$after" -v c="$IDLE" \
        'BEGIN { printf "  %-11s RSS %7d -> %7d -> %7d KiB: %+6.2f KiB per idle connection, %+6.2f KiB each in the second half\n", n, b, m, a, (a - b) / c, (a - m) / (c / 2) }'
    done
  fi
  echo
  echo "replies verified: $(cat "$OUT"/r-*.json | jq -s 'map(.verifiedReplies) | add'), differing: $(cat "$OUT"/r-*.json | jq -s 'map(.mismatches) | add')"
  echo "raw results: $OUT"
} | tee "$OUT/summary.txt"
